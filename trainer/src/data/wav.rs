//! WAV files of 16-bit integer PCM: what a front end's int16 samples come from
//! (`train --signal`), and what `generate --recipe machine-sound` writes.

use std::path::Path;

use crate::error::{Result, TrainError};

/// A WAV file's samples, interleaved.
#[derive(Debug, Clone, PartialEq)]
pub struct Wav {
    /// Samples per second per channel.
    pub sample_rate: u32,
    /// Interleaved channels.
    pub channels: u16,
    /// Samples, `channels` per instant.
    pub samples: Vec<i16>,
}

fn signal_error(path: &Path, problem: impl Into<String>) -> TrainError {
    TrainError::Signal {
        path: path.to_path_buf(),
        problem: problem.into(),
    }
}

/// Reads a WAV file of 16-bit integer PCM. Any other format (8, 24 or 32 bits, float), a
/// damaged header or a data chunk cut short is an error naming the file.
pub fn read_wav(path: &Path) -> Result<Wav> {
    // Read whole first, so an I/O failure is told apart from a damaged file: every error
    // hound reports from memory is about the bytes.
    let bytes = std::fs::read(path).map_err(|source| TrainError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let reader = hound::WavReader::new(std::io::Cursor::new(bytes))
        .map_err(|e| signal_error(path, format!("not a readable WAV file: {}", describe(&e))))?;
    let spec = reader.spec();
    if spec.sample_format != hound::SampleFormat::Int || spec.bits_per_sample != 16 {
        let kind = match spec.sample_format {
            hound::SampleFormat::Int => "integer",
            hound::SampleFormat::Float => "float",
        };
        return Err(signal_error(
            path,
            format!(
                "{}-bit {kind} samples; the front end takes 16-bit integer PCM (convert with \
                 e.g. `sox in.wav -b 16 out.wav`)",
                spec.bits_per_sample
            ),
        ));
    }
    let expected = reader.len() as usize;
    let samples = reader
        .into_samples::<i16>()
        .collect::<std::result::Result<Vec<i16>, _>>()
        .map_err(|e| {
            signal_error(
                path,
                format!("the data chunk is damaged or cut short: {}", describe(&e)),
            )
        })?;
    if samples.len() != expected {
        return Err(signal_error(
            path,
            format!(
                "the header announces {expected} samples but the file holds {}: it was cut short",
                samples.len()
            ),
        ));
    }
    Ok(Wav {
        sample_rate: spec.sample_rate,
        channels: spec.channels,
        samples,
    })
}

fn describe(e: &hound::Error) -> String {
    match e {
        // In memory, a read can only fail by running out of bytes.
        hound::Error::IoError(_) => "it ends early (truncated)".into(),
        other => other.to_string(),
    }
}

/// Writes interleaved int16 samples as a WAV file, atomically (a temporary file renamed
/// into place, so a failure leaves no half-written file).
pub fn write_wav(path: &Path, wav: &Wav) -> Result<()> {
    let write_error = |message: String| TrainError::Write {
        path: path.to_path_buf(),
        message,
    };
    let spec = hound::WavSpec {
        channels: wav.channels,
        sample_rate: wav.sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = std::io::Cursor::new(Vec::with_capacity(44 + 2 * wav.samples.len()));
    {
        let mut writer =
            hound::WavWriter::new(&mut bytes, spec).map_err(|e| write_error(e.to_string()))?;
        let mut samples = writer.get_i16_writer(wav.samples.len() as u32);
        for &s in &wav.samples {
            samples.write_sample(s);
        }
        samples.flush().map_err(|e| write_error(e.to_string()))?;
        writer.finalize().map_err(|e| write_error(e.to_string()))?;
    }
    crate::artifacts::write_all_atomically(&[(path.to_path_buf(), bytes.into_inner())])
}
