//! A 3-axis accelerometer on a motor, as a time-series CSV (`time,x,y,z,segment,label`):
//! what `train --signal FILE.csv` reads, for when no recording is at hand.
//!
//! The recipe, per segment (one recording of `seconds`, time restarting at 0): gravity on
//! z, the rotation (near 29.5 Hz, each segment's speed a little different) and its 2nd and
//! 3rd harmonics with per-axis levels, and sensor noise, in raw counts of a ±16 g 16-bit
//! sensor (2048 counts per g). An anomalous segment carries one fault, in turn: imbalance
//! (the 1× component three times stronger on x and y), misalignment (the 2× component
//! strong on z) or a bearing fault (impacts at 3.6 times the rotation ringing a 550 Hz
//! resonance).

use std::f64::consts::TAU;
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use crate::error::{Result, TrainError};

/// Counts per g of the simulated sensor.
const COUNTS_PER_G: f64 = 2048.0;

/// The recipe of a vibration data set (see the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct VibrationRecipe {
    /// Segments (recordings).
    pub segments: usize,
    /// Seconds per segment.
    pub seconds: f64,
    /// Samples per second per axis.
    pub sample_rate: u32,
    /// Fraction of segments with a fault, labelled `anomaly` (the rest `normal`).
    pub anomaly_fraction: f64,
    /// Random seed.
    pub seed: u64,
}

impl Default for VibrationRecipe {
    /// 60 segments of 2 s at 1600 Hz, 20 % with a fault.
    fn default() -> Self {
        VibrationRecipe {
            segments: 60,
            seconds: 2.0,
            sample_rate: 1600,
            anomaly_fraction: 0.2,
            seed: 1,
        }
    }
}

impl VibrationRecipe {
    /// Checks the recipe can be generated.
    pub fn validate(&self) -> Result<()> {
        let invalid = |problem: String| TrainError::InvalidSetting {
            flag: "generator",
            problem,
        };
        if self.segments < 2 {
            return Err(invalid("need at least 2 segments".into()));
        }
        if !(0.0..1.0).contains(&self.anomaly_fraction) {
            return Err(invalid(format!(
                "anomaly fraction {} must lie in [0, 1)",
                self.anomaly_fraction
            )));
        }
        if !(self.seconds > 0.0 && self.seconds <= 600.0) {
            return Err(invalid(format!(
                "{} seconds per segment: must lie in (0, 600]",
                self.seconds
            )));
        }
        if !(100..=100_000).contains(&self.sample_rate) {
            return Err(invalid(format!(
                "sample rate {} Hz: must lie in 100 to 100000",
                self.sample_rate
            )));
        }
        Ok(())
    }

    /// Writes the CSV, atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        self.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let rate = f64::from(self.sample_rate);
        let n = (self.seconds * rate).round() as usize;
        let anomalies = (self.anomaly_fraction * self.segments as f64).round() as usize;
        let mut out = String::from("time,x,y,z,segment,label\n");
        for segment in 0..self.segments {
            // Anomalous segments spread evenly through the file.
            let fault = (segment * anomalies / self.segments
                != (segment + 1) * anomalies / self.segments)
                .then_some(segment * anomalies / self.segments % 3);
            let normal = |rng: &mut ChaCha8Rng| -> f64 { rng.sample(StandardNormal) };
            let rot = 29.5 * (1.0 + 0.01 * normal(&mut rng));
            // Per axis, per harmonic (1×, 2×, 3×): level in g and phase.
            let mut level = [[0.08, 0.03, 0.01], [0.06, 0.025, 0.01], [0.02, 0.02, 0.005]];
            for axis in &mut level {
                for l in axis.iter_mut() {
                    *l *= (1.0 + 0.1 * normal(&mut rng)).max(0.5);
                }
            }
            match fault {
                Some(0) => {
                    level[0][0] *= 3.0;
                    level[1][0] *= 3.0;
                }
                Some(1) => level[2][1] = 0.12,
                _ => {}
            }
            let phase: Vec<f64> = (0..9).map(|_| rng.random::<f64>() * TAU).collect();
            let impact_period = rate / (3.6 * rot);
            for i in 0..n {
                let t = i as f64 / rate;
                let mut row = format!("{t:.6}");
                for axis in 0..3 {
                    let mut g: f64 = (0..3)
                        .map(|h| {
                            level[axis][h]
                                * (TAU * rot * (h + 1) as f64 * t + phase[axis * 3 + h]).sin()
                        })
                        .sum();
                    if axis == 2 {
                        g += 1.0;
                    }
                    if fault == Some(2) {
                        let since = (i as f64) % impact_period / rate;
                        g += 0.3 * (-since / 0.004).exp() * (TAU * 550.0 * since).sin();
                    }
                    g += 0.01 * normal(&mut rng);
                    let counts = (g * COUNTS_PER_G).round().clamp(-32768.0, 32767.0);
                    row.push_str(&format!(",{counts}"));
                }
                let label = if fault.is_some() { "anomaly" } else { "normal" };
                row.push_str(&format!(",{segment},{label}\n"));
                out.push_str(&row);
            }
        }
        crate::artifacts::write_atomically(path, out.as_bytes())
    }
}
