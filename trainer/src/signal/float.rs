//! The float front end the trainer trains on: the features a mel-spectrogram library
//! computes (`10 log10` of the filterbank's power), with `realfft` in f64 — independent
//! of the integer front end, which is measured against it.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

use super::design::{FloatBand, FrontEndDesign};
use super::frame_count;

/// Added to every band power before the logarithm (as MLPerf Tiny's feature code does
/// with `sys.float_info.epsilon`), so silence has a finite feature.
pub const POWER_FLOOR: f64 = f64::EPSILON;

/// A float front end of one design.
pub struct FloatFrontEnd {
    design: FrontEndDesign,
    window: Vec<f64>,
    bands: Vec<FloatBand>,
    fft: Arc<dyn RealToComplex<f64>>,
}

impl FloatFrontEnd {
    /// The float front end of `design`.
    pub fn new(design: &FrontEndDesign) -> Self {
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(usize::from(design.frame_len));
        FloatFrontEnd {
            design: design.clone(),
            window: design.float_window(),
            bands: design.float_bands(),
            fft,
        }
    }

    /// Every frame's features in dB (`channels × n_bands`, channel by channel) of an
    /// interleaved int16 signal (samples scaled to [-1, 1) by 1/32768), framed as
    /// SPEC.md §8.8 frames it.
    pub fn log_bands_db(&self, samples: &[i16]) -> Vec<Vec<f64>> {
        let c = usize::from(self.design.channels);
        let n = usize::from(self.design.frame_len);
        let hop = usize::from(self.design.hop);
        let instants = samples.len() / c;
        let frames = frame_count(instants, n, hop);
        let mut input = self.fft.make_input_vec();
        let mut spectrum = self.fft.make_output_vec();
        (0..frames)
            .map(|t| {
                let mut out = Vec::with_capacity(c * self.bands.len());
                for ch in 0..c {
                    for (i, x) in input.iter_mut().enumerate() {
                        *x = f64::from(samples[(t * hop + i) * c + ch]) / 32768.0 * self.window[i];
                    }
                    self.fft
                        .process(&mut input, &mut spectrum)
                        .expect("buffers from the plan");
                    for band in &self.bands {
                        let power: f64 = band
                            .weights
                            .iter()
                            .zip(&spectrum[band.first_bin..])
                            .map(|(w, x)| w * x.norm_sqr())
                            .sum();
                        out.push(10.0 * (power + POWER_FLOOR).log10());
                    }
                }
                out
            })
            .collect()
    }
}
