//! Raw signals: the trainer's side of a model's front end (SPEC.md §8).
//!
//! - [`FrontEndDesign`]: what a user asks for (rate, frame, hop, window, mel or linear
//!   bands, stacking) and how it becomes the file's integer tables; [`FrontEndDesign::mlperf_ad`]
//!   is MLPerf Tiny's anomaly-detection feature set.
//! - [`FloatFrontEnd`]: the features the model trains on, in f64 with `realfft`.
//! - [`IntegerFrontEnd`]: the reference of the device's integer arithmetic, written from
//!   SPEC.md independently of the `bottleneck-signal` kernels (whole frames, a recursive
//!   FFT on wide integers, tables computed here): the parity tests hold the runtime's
//!   `Stream` to it bit for bit.
//! - [`SignalSource`]: `train --signal`'s recordings (a DCASE-layout WAV folder or a
//!   time-series CSV) and the float windows the autoencoder trains on.
//! - [`snr_db`]: how far the integer features are from the float ones.

#[cfg(feature = "training")]
mod deploy;
mod design;
mod file_score;
mod float;
mod integer;
mod recordings;
mod source;
mod stream_files;

#[cfg(feature = "training")]
pub use deploy::{SignalMetrics, deploy};
pub use design::{BandLayout, FloatBand, FrontEndDesign};
pub use file_score::FileScore;
pub use float::{FloatFrontEnd, POWER_FLOOR};
pub use integer::IntegerFrontEnd;
pub use recordings::{Recording, SeriesColumns, read_series_csv, read_wav_folder, wav_recording};
pub use source::{SignalData, SignalSource, Windows, feature_names, float_windows};
pub use stream_files::{predict_signal, stream_recording, wav_paths};

/// Frames in a signal of `instants` sample instants (SPEC.md §8.8): the first ends at
/// instant `frame_len`, then one every `hop`.
pub fn frame_count(instants: usize, frame_len: usize, hop: usize) -> usize {
    if instants < frame_len {
        0
    } else {
        (instants - frame_len) / hop + 1
    }
}

/// Signal-to-noise ratio in dB of `measured` against `reference` (as CMSIS-DSP's tests
/// compute it): `10 log10(Σ reference² / Σ (measured − reference)²)`; infinite when equal.
pub fn snr_db(reference: &[f64], measured: &[f64]) -> f64 {
    let signal: f64 = reference.iter().map(|r| r * r).sum();
    let noise: f64 = reference
        .iter()
        .zip(measured)
        .map(|(r, m)| (m - r) * (m - r))
        .sum();
    10.0 * (signal / noise).log10()
}
