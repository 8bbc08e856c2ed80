//! Machine sound as audio: WAV clips of a running machine in the DCASE 2020 task 2 /
//! MLPerf Tiny layout (`train/normal_*.wav`, `test/normal_*.wav`, `test/anomaly_*.wav`),
//! for `train --signal` when the real ToyCar recordings cannot be downloaded.
//!
//! The recipe, per clip: a hum (a fundamental near 60 Hz, each clip's speed a little
//! different, and nine harmonics whose levels fall with their order and vary per clip), a
//! slow loudness drift, and broadband noise (white plus a low-passed rumble). An anomaly
//! adds one of three faults, in turn: bearing clicks (short decaying rings at 3 to 4.5 kHz,
//! 7 to 12 a second), a shifted harmonic (one of the 3rd to 6th moved up 6 to 10 % and
//! doubled), or an imbalance (a component at half the fundamental and the hum modulated at
//! that rate). Its detection scores say how the pipeline works, not how it does on ToyCar.

use std::f64::consts::TAU;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use super::wav::Wav;
use crate::error::{Result, TrainError};

/// The recipe of a machine-sound clip set (see the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct MachineAudioRecipe {
    /// Normal clips in `train/`.
    pub train_clips: usize,
    /// Normal clips in `test/`; as many anomalous ones join them.
    pub test_clips: usize,
    /// Seconds per clip.
    pub seconds: f64,
    /// Samples per second.
    pub sample_rate: u32,
    /// Random seed.
    pub seed: u64,
}

impl Default for MachineAudioRecipe {
    /// 40 training clips, 10 + 10 test clips of 2 s at 16 kHz (MLPerf Tiny's rate).
    fn default() -> Self {
        MachineAudioRecipe {
            train_clips: 40,
            test_clips: 10,
            seconds: 2.0,
            sample_rate: 16_000,
            seed: 1,
        }
    }
}

/// One generated clip: its path relative to the output folder and its samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    /// `train/normal_00000.wav`, `test/anomaly_00003.wav`, ...
    pub path: String,
    /// The samples (mono).
    pub wav: Wav,
}

/// The faults an anomalous clip carries, in turn.
#[derive(Debug, Clone, Copy)]
enum Fault {
    Clicks,
    ShiftedHarmonic,
    Imbalance,
}

impl MachineAudioRecipe {
    /// Checks the recipe can be generated.
    pub fn validate(&self) -> Result<()> {
        let invalid = |problem: String| TrainError::InvalidSetting {
            flag: "generator",
            problem,
        };
        if self.train_clips == 0 || self.test_clips == 0 {
            return Err(invalid("need at least 1 training and 1 test clip".into()));
        }
        if !(self.seconds > 0.0 && self.seconds <= 600.0) {
            return Err(invalid(format!(
                "{} seconds per clip: must lie in (0, 600]",
                self.seconds
            )));
        }
        if !(1000..=192_000).contains(&self.sample_rate) {
            return Err(invalid(format!(
                "sample rate {} Hz: must lie in 1000 to 192000",
                self.sample_rate
            )));
        }
        Ok(())
    }

    /// Generates every clip, training clips first.
    pub fn generate(&self) -> Result<Vec<Clip>> {
        self.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut clips = Vec::with_capacity(self.train_clips + 2 * self.test_clips);
        for i in 0..self.train_clips {
            clips.push(self.clip(&mut rng, format!("train/normal_{i:05}.wav"), None));
        }
        for i in 0..self.test_clips {
            clips.push(self.clip(&mut rng, format!("test/normal_{i:05}.wav"), None));
        }
        let faults = [Fault::Clicks, Fault::ShiftedHarmonic, Fault::Imbalance];
        for i in 0..self.test_clips {
            let fault = faults[i % faults.len()];
            clips.push(self.clip(&mut rng, format!("test/anomaly_{i:05}.wav"), Some(fault)));
        }
        Ok(clips)
    }

    fn clip(&self, rng: &mut ChaCha8Rng, path: String, fault: Option<Fault>) -> Clip {
        let rate = f64::from(self.sample_rate);
        let n = (self.seconds * rate).round() as usize;
        let normal = |rng: &mut ChaCha8Rng| -> f64 { rng.sample(StandardNormal) };
        let f0 = 60.0 * (1.0 + 0.02 * normal(rng));
        let mut partials: Vec<(f64, f64, f64)> = (1..=10)
            .map(|h| {
                let level = 0.12 / f64::from(h).powf(0.8) * (1.0 + 0.1 * normal(rng)).max(0.5);
                (f0 * f64::from(h), level, rng.random::<f64>() * TAU)
            })
            .collect();
        let drift_hz = 0.2 + 0.3 * rng.random::<f64>();
        let drift_phase = rng.random::<f64>() * TAU;
        let (mut clicks, mut wobble) = (None, None);
        match fault {
            Some(Fault::Clicks) => {
                let per_second = 7.0 + 5.0 * rng.random::<f64>();
                let ring_hz = 3000.0 + 1500.0 * rng.random::<f64>();
                clicks = Some((rate / per_second, ring_hz));
            }
            Some(Fault::ShiftedHarmonic) => {
                let h = rng.random_range(2..6);
                let p = &mut partials[h];
                p.0 *= 1.06 + 0.04 * rng.random::<f64>();
                p.1 *= 2.0;
            }
            Some(Fault::Imbalance) => {
                let rot = f0 / 2.0;
                partials.push((rot, 0.15, rng.random::<f64>() * TAU));
                wobble = Some(rot);
            }
            None => {}
        }
        let mut rumble = 0.0;
        let samples = (0..n)
            .map(|i| {
                let t = i as f64 / rate;
                let mut hum: f64 = partials
                    .iter()
                    .map(|&(f, a, phase)| a * (TAU * f * t + phase).sin())
                    .sum();
                if let Some(rot) = wobble {
                    hum *= 1.0 + 0.3 * (TAU * rot * t).sin();
                }
                hum *= 1.0 + 0.05 * (TAU * drift_hz * t + drift_phase).sin();
                rumble = 0.95 * rumble + 0.05 * normal(rng);
                let mut x = hum + 0.1 * rumble + 0.01 * normal(rng);
                if let Some((period, ring_hz)) = clicks {
                    let since = (i as f64) % period / rate;
                    x += 0.2 * (-since / 0.002).exp() * (TAU * ring_hz * since).sin();
                }
                (x * 32767.0).round().clamp(-32768.0, 32767.0) as i16
            })
            .collect();
        Clip {
            path,
            wav: Wav {
                sample_rate: self.sample_rate,
                channels: 1,
                samples,
            },
        }
    }
}
