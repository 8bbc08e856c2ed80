//! Log-mel-like frames of a running machine, with injected anomalies: the shape of MLPerf
//! Tiny's anomaly-detection input (5 frames of 128 mel bins, 640 values per row) when the
//! real ToyCar audio (DCASE 2020 task 2) cannot be downloaded.
//!
//! The recipe, per row (one clip): a machine-wide spectral envelope (a downward slope over
//! the mel bins plus three resonances, each machine run shifting their centres and
//! heights a little), a slowly drifting loudness shared by the 5 frames (an AR(1) walk),
//! and independent noise on every bin — all in dB, about -80 to 0. An anomaly adds one of
//! two faults seen in machine sound: a narrow-band whine (+15 to +25 dB on 3 adjacent
//! bins, in every frame) or a broadband knock (+8 to +14 dB on every bin of one frame).
//! Speed and memory of a dense network do not depend on what its inputs mean; this data
//! is for those measurements and for tests, and its AUC says nothing about ToyCar's.

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use super::Dataset;
use crate::error::{Result, TrainError};

/// The recipe of a machine-sound data set (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineSoundRecipe {
    /// Rows (clips).
    pub n_samples: usize,
    /// Frames per row.
    pub frames: usize,
    /// Mel bins per frame.
    pub mels: usize,
    /// Fraction of rows with an injected fault, labelled `anomaly` (the rest `normal`).
    pub anomaly_fraction: f64,
    /// Random seed.
    pub seed: u64,
}

impl Default for MachineSoundRecipe {
    /// MLPerf Tiny's input: 5 frames of 128 mel bins; 10 % anomalies.
    fn default() -> Self {
        MachineSoundRecipe {
            n_samples: 2000,
            frames: 5,
            mels: 128,
            anomaly_fraction: 0.1,
            seed: 1,
        }
    }
}

impl MachineSoundRecipe {
    /// Checks the recipe can be generated.
    pub fn validate(&self) -> Result<()> {
        let invalid = |problem: String| TrainError::InvalidSetting {
            flag: "generator",
            problem,
        };
        if self.frames == 0 || self.mels < 4 {
            return Err(invalid("need at least 1 frame of 4 mel bins".into()));
        }
        if !(0.0..1.0).contains(&self.anomaly_fraction) {
            return Err(invalid(format!(
                "anomaly fraction {} must lie in [0, 1)",
                self.anomaly_fraction
            )));
        }
        if self.n_samples < 2 {
            return Err(invalid("need at least 2 rows".into()));
        }
        Ok(())
    }

    /// Generates the data set: labels `normal` and `anomaly` (class 0 and 1).
    pub fn generate(&self) -> Result<Dataset> {
        self.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let (frames, mels) = (self.frames, self.mels);
        let width = frames * mels;
        let centres = [0.15, 0.4, 0.7].map(|c| c * mels as f64);
        let mut x = Array2::<f32>::zeros((self.n_samples, width));
        let mut targets = Vec::with_capacity(self.n_samples);
        for mut row in x.rows_mut() {
            let normal = |rng: &mut ChaCha8Rng| rng.sample::<f64, _>(StandardNormal);
            // This run's resonances: centres within ±2 bins, heights within ±2 dB.
            let peaks: Vec<(f64, f64)> = centres
                .iter()
                .enumerate()
                .map(|(k, &c)| {
                    (
                        c + 2.0 * normal(&mut rng),
                        18.0 - 4.0 * k as f64 + 2.0 * normal(&mut rng),
                    )
                })
                .collect();
            let envelope: Vec<f64> = (0..mels)
                .map(|m| {
                    let slope = -20.0 - 40.0 * m as f64 / mels as f64;
                    let resonance: f64 = peaks
                        .iter()
                        .map(|&(c, h)| h * (-((m as f64 - c) / 4.0).powi(2)).exp())
                        .sum();
                    slope + resonance
                })
                .collect();
            let mut loudness = 2.0 * normal(&mut rng);
            for f in 0..frames {
                loudness = 0.8 * loudness + 0.6 * normal(&mut rng);
                for (m, &e) in envelope.iter().enumerate() {
                    row[f * mels + m] = (e + loudness + 1.5 * normal(&mut rng)) as f32;
                }
            }
            let anomalous = rng.random::<f64>() < self.anomaly_fraction;
            if anomalous {
                if rng.random::<bool>() {
                    let bin = rng.random_range(0..mels - 2);
                    let gain = rng.random_range(15.0..25.0);
                    for f in 0..frames {
                        for m in bin..bin + 3 {
                            row[f * mels + m] += gain;
                        }
                    }
                } else {
                    let frame = rng.random_range(0..frames);
                    let gain = rng.random_range(8.0..14.0);
                    for m in 0..mels {
                        row[frame * mels + m] += gain;
                    }
                }
            }
            targets.push(usize::from(anomalous));
        }
        Ok(Dataset {
            source: format!("machine-sound frames (seed {})", self.seed),
            feature_names: (0..width)
                .map(|j| format!("f{}_mel{}", j / mels, j % mels))
                .collect(),
            features: x,
            targets,
            labels: vec!["normal".to_string(), "anomaly".to_string()],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_labels_and_anomaly_share() {
        let d = MachineSoundRecipe {
            n_samples: 1000,
            ..MachineSoundRecipe::default()
        }
        .generate()
        .expect("valid");
        assert_eq!(d.features.dim(), (1000, 640));
        assert_eq!(d.feature_names[129], "f1_mel1");
        let anomalies = d.targets.iter().filter(|&&t| t == 1).count();
        assert!((70..130).contains(&anomalies), "{anomalies}");
        assert!(
            d.features
                .iter()
                .all(|v| v.is_finite() && (-150.0..60.0).contains(v))
        );
        // Same seed, same data.
        let again = MachineSoundRecipe {
            n_samples: 1000,
            ..MachineSoundRecipe::default()
        }
        .generate()
        .expect("valid");
        assert_eq!(d, again);
    }
}
