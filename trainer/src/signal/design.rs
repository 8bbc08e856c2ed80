//! What a user asks of a front end (sample rate, frame, hop, window, mel or linear bands,
//! stacking, alarm rule) and how it becomes the file's integer tables (SPEC.md §8.11).

use bottleneck_format::{BandKind, FrontEndSpec, WindowKind};
use serde::{Deserialize, Serialize};

/// [`WindowKind`] in `config.json`.
#[derive(Serialize, Deserialize)]
#[serde(remote = "WindowKind", rename_all = "snake_case")]
enum WindowKindDef {
    None,
    Hann,
}

/// The layout of a front end's bands.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BandLayout {
    /// `n` triangular filters on the Slaney mel scale with Slaney (area) normalization,
    /// as librosa's `filters.mel` (its defaults) builds them.
    Mel {
        /// Filters.
        n: usize,
        /// Lowest frequency, Hz.
        f_min: f64,
        /// Highest frequency, Hz.
        f_max: f64,
    },
    /// `n` rectangular bands of equal width, each the sum of its bins' power.
    Linear {
        /// Bands.
        n: usize,
        /// Lowest frequency, Hz.
        f_min: f64,
        /// Highest frequency, Hz.
        f_max: f64,
    },
}

/// A front end as a user describes it; [`FrontEndDesign::spec`] turns it into the file's
/// integer description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontEndDesign {
    /// Samples per second per channel.
    pub sample_rate: u32,
    /// Interleaved channels.
    pub channels: u8,
    /// FFT length N (a power of two, 64 to 2048).
    pub frame_len: u16,
    /// Instants between frames.
    pub hop: u16,
    /// Hann or none.
    #[serde(with = "WindowKindDef")]
    pub window: WindowKind,
    /// The bands.
    pub bands: BandLayout,
    /// Frames stacked into one model input.
    pub frames: u8,
    /// Scores averaged into the smoothed score.
    pub smoothing: u8,
    /// Anomalous windows among the last `alarm_window` that raise the alarm.
    pub alarm_count: u8,
    /// Windows the alarm rule looks back over.
    pub alarm_window: u8,
}

/// One band's weights per bin, starting at `first_bin`.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatBand {
    /// First bin with a weight.
    pub first_bin: usize,
    /// Weights of consecutive bins.
    pub weights: Vec<f64>,
}

/// Slaney's mel scale (librosa's default, `htk=False`): linear below 1 kHz, logarithmic
/// above.
fn hz_to_mel(f: f64) -> f64 {
    let (f_sp, min_log_hz, logstep) = (200.0 / 3.0, 1000.0, 6.4f64.ln() / 27.0);
    if f >= min_log_hz {
        min_log_hz / f_sp + (f / min_log_hz).ln() / logstep
    } else {
        f / f_sp
    }
}

fn mel_to_hz(m: f64) -> f64 {
    let (f_sp, min_log_hz, logstep) = (200.0 / 3.0, 1000.0, 6.4f64.ln() / 27.0);
    let min_log_mel = min_log_hz / f_sp;
    if m >= min_log_mel {
        min_log_hz * (logstep * (m - min_log_mel)).exp()
    } else {
        f_sp * m
    }
}

impl FrontEndDesign {
    /// MLPerf Tiny's anomaly-detection features: 16 kHz mono, n_fft 1024, hop 512, Hann,
    /// 128 mel bands from 0 to 8 kHz, power 2, `10 log10`, 5 frames (640 inputs).
    pub fn mlperf_ad() -> Self {
        FrontEndDesign {
            sample_rate: 16000,
            channels: 1,
            frame_len: 1024,
            hop: 512,
            window: WindowKind::Hann,
            bands: BandLayout::Mel {
                n: 128,
                f_min: 0.0,
                f_max: 8000.0,
            },
            frames: 5,
            smoothing: 1,
            alarm_count: 1,
            alarm_window: 1,
        }
    }

    /// Bands per channel.
    pub fn n_bands(&self) -> usize {
        match self.bands {
            BandLayout::Mel { n, .. } | BandLayout::Linear { n, .. } => n,
        }
    }

    /// Model inputs: `frames × channels × n_bands`.
    pub fn n_inputs(&self) -> usize {
        usize::from(self.frames) * usize::from(self.channels) * self.n_bands()
    }

    /// The periodic Hann window in floating point (`None`: ones).
    pub fn float_window(&self) -> Vec<f64> {
        let n = usize::from(self.frame_len);
        (0..n)
            .map(|i| match self.window {
                WindowKind::Hann => {
                    0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos()
                }
                WindowKind::None => 1.0,
            })
            .collect()
    }

    /// The float filterbank over bins `0 ..= N/2`, band by band.
    pub fn float_bands(&self) -> Vec<FloatBand> {
        let n_bins = usize::from(self.frame_len) / 2 + 1;
        let bin_hz = |k: usize| k as f64 * f64::from(self.sample_rate) / f64::from(self.frame_len);
        let dense: Vec<Vec<f64>> = match self.bands {
            BandLayout::Mel { n, f_min, f_max } => {
                let (lo, hi) = (hz_to_mel(f_min), hz_to_mel(f_max));
                let points: Vec<f64> = (0..n + 2)
                    .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (n + 1) as f64))
                    .collect();
                (0..n)
                    .map(|b| {
                        let (f0, f1, f2) = (points[b], points[b + 1], points[b + 2]);
                        let norm = 2.0 / (f2 - f0);
                        (0..n_bins)
                            .map(|k| {
                                let f = bin_hz(k);
                                let w = ((f - f0) / (f1 - f0)).min((f2 - f) / (f2 - f1));
                                w.max(0.0) * norm
                            })
                            .collect()
                    })
                    .collect()
            }
            BandLayout::Linear { n, f_min, f_max } => (0..n)
                .map(|b| {
                    let lo = f_min + (f_max - f_min) * b as f64 / n as f64;
                    let hi = f_min + (f_max - f_min) * (b + 1) as f64 / n as f64;
                    (0..n_bins)
                        .map(|k| {
                            let f = bin_hz(k);
                            let inside = f >= lo && (f < hi || (b + 1 == n && f <= hi));
                            if inside { 1.0 } else { 0.0 }
                        })
                        .collect()
                })
                .collect(),
        };
        dense
            .into_iter()
            .map(|w| {
                let first = w.iter().position(|&v| v > 0.0);
                let last = w.iter().rposition(|&v| v > 0.0);
                match (first, last) {
                    (Some(first), Some(last)) => FloatBand {
                        first_bin: first,
                        weights: w[first..=last].to_vec(),
                    },
                    // An empty filter (bands narrower than a bin): one bin of weight 0.
                    _ => FloatBand {
                        first_bin: 0,
                        weights: vec![0.0],
                    },
                }
            })
            .collect()
    }

    /// The integer bands (peak weight 32768) and each band's gain: the float filter is
    /// `gain × q15 / 32768` (SPEC.md §8.11).
    pub fn integer_bands(&self) -> (Vec<(u16, Vec<u16>)>, Vec<f64>) {
        self.float_bands()
            .into_iter()
            .map(|band| {
                let peak = band.weights.iter().copied().fold(0.0, f64::max);
                let gain = if peak > 0.0 { peak } else { 1.0 };
                let q15 = band
                    .weights
                    .iter()
                    .map(|&w| (w / gain * 32768.0).round() as u16)
                    .collect();
                ((band.first_bin as u16, q15), gain)
            })
            .unzip()
    }

    /// `(α, β_b)` of SPEC.md §8.11: band b's feature in dB is `α · L + β_b`.
    pub fn log_band_to_db(&self) -> (f64, Vec<f64>) {
        let (_, gains) = self.integer_bands();
        let s = f64::from(self.frame_len.trailing_zeros() + 1);
        let db2 = 10.0 * 2f64.log10();
        let alpha = db2 / 65536.0;
        let beta = gains
            .iter()
            .map(|g| 10.0 * g.log10() - db2 * (77.0 - 2.0 * s))
            .collect();
        (alpha, beta)
    }

    /// The file's front end for a model whose input affine (`q = round(a_i x_i + b_i)`,
    /// `x_i` in dB) is `input_affine`: per input `m_i`, `o_i` of SPEC.md §8.7.
    pub fn spec(&self, input_affine: &[(f64, f64)]) -> FrontEndSpec {
        let (bands, _) = self.integer_bands();
        let (alpha, beta) = self.log_band_to_db();
        let n_bands = self.n_bands();
        let two32 = 2f64.powi(32);
        let affine = input_affine
            .iter()
            .enumerate()
            .map(|(i, &(a, b))| {
                let band = i % n_bands;
                (
                    (two32 * a * alpha).round() as i32,
                    (two32 * (a * beta[band] + b)).round() as i64,
                )
            })
            .collect();
        let (band_kind, f_min, f_max) = match self.bands {
            BandLayout::Mel { f_min, f_max, .. } => (BandKind::Mel, f_min, f_max),
            BandLayout::Linear { f_min, f_max, .. } => (BandKind::Linear, f_min, f_max),
        };
        FrontEndSpec {
            channels: self.channels,
            sample_rate: self.sample_rate,
            frame_len: self.frame_len,
            hop: self.hop,
            window_kind: self.window,
            // The Q15 table of the float window the model trains with.
            window: match self.window {
                WindowKind::None => Vec::new(),
                WindowKind::Hann => self
                    .float_window()
                    .iter()
                    .map(|w| (w * 32768.0).round() as u16)
                    .collect(),
            },
            band_kind,
            f_min: f_min as f32,
            f_max: f_max as f32,
            bands,
            frames: self.frames,
            affine,
            smoothing: self.smoothing,
            alarm_count: self.alarm_count,
            alarm_window: self.alarm_window,
        }
    }
}
