//! `train --signal`: where the recordings come from, how the front end is laid out, and
//! the windows the autoencoder trains on (the float front end's features of every
//! stacked window, one row each).

use std::path::{Path, PathBuf};

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::design::{BandLayout, FrontEndDesign};
use super::float::FloatFrontEnd;
use super::frame_count;
use super::recordings::{Recording, SeriesColumns, read_series_csv, read_wav_folder};
use crate::data::numpy_random::RandomState;
use crate::data::{Dataset, numpy_seed, sort_labels};
use crate::error::{Result, TrainError};

/// A signal data set and the front end that reads it; saved in `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalSource {
    /// A folder in the DCASE layout (`train/*.wav`, `test/*.wav`) or a time-series CSV.
    pub path: PathBuf,
    /// A CSV's columns (ignored for a folder).
    pub columns: SeriesColumns,
    /// The front end. Its sample rate and channels are the data's: `sample_rate` 0 and
    /// `channels` 0 take them from the first training recording.
    pub design: FrontEndDesign,
}

/// The recordings of a [`SignalSource`], split, with the front end they resolve to.
#[derive(Debug, Clone)]
pub struct SignalData {
    /// The front end, its sample rate and channels the data's.
    pub design: FrontEndDesign,
    /// Training recordings.
    pub train: Vec<Recording>,
    /// Test recordings.
    pub test: Vec<Recording>,
}

/// Float windows of recordings: one row per stacked window, and which recording it is
/// from.
#[derive(Debug, Clone)]
pub struct Windows {
    /// One row per window (`frames × channels × bands` features in dB).
    pub dataset: Dataset,
    /// Per row, the index of its recording.
    pub recording: Vec<usize>,
}

fn signal_error(path: &Path, problem: impl Into<String>) -> TrainError {
    TrainError::Signal {
        path: path.to_path_buf(),
        problem: problem.into(),
    }
}

/// Splits recordings as `train_test_split` splits rows: a seeded permutation whose first
/// `ceil(fraction × n)` entries are the test recordings.
fn split(
    recordings: Vec<Recording>,
    fraction: f64,
    seed: u64,
    path: &Path,
) -> Result<(Vec<Recording>, Vec<Recording>)> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(TrainError::InvalidSetting {
            flag: "test-fraction",
            problem: format!("{fraction} is not strictly between 0 and 1"),
        });
    }
    let n = recordings.len();
    let n_test = (fraction * n as f64).ceil() as usize;
    if n_test == 0 || n < n_test + 1 {
        return Err(signal_error(
            path,
            format!("{n} recordings: a test fraction of {fraction} leaves none to train on"),
        ));
    }
    let order = RandomState::new(numpy_seed(seed)?).permutation(n);
    let mut slots: Vec<Option<Recording>> = recordings.into_iter().map(Some).collect();
    let mut take = |i: &usize| slots[*i].take();
    let test: Vec<Recording> = order[..n_test].iter().filter_map(&mut take).collect();
    let train: Vec<Recording> = order[n_test..].iter().filter_map(&mut take).collect();
    Ok((train, test))
}

impl SignalSource {
    /// Reads and splits the recordings (a folder's `test/`, else a seeded split of
    /// `test_fraction`) and checks every one against the front end: the same sample rate
    /// and channels, and at least one model input long.
    pub fn read(&self, seed: u64, test_fraction: f64) -> Result<SignalData> {
        let path = &self.path;
        let rate_given = (self.design.sample_rate != 0).then_some(self.design.sample_rate);
        let (train, test) = if path.is_dir() {
            match read_wav_folder(path)? {
                (train, Some(test)) => (train, test),
                (all, None) => split(all, test_fraction, seed, path)?,
            }
        } else {
            let all = read_series_csv(path, &self.columns, rate_given)?;
            split(all, test_fraction, seed, path)?
        };
        let mut design = self.design.clone();
        let first = &train[0];
        if design.sample_rate == 0 {
            design.sample_rate = first.sample_rate;
        }
        if design.channels == 0 {
            design.channels = first.channels as u8;
        }
        resolve_and_check(&mut design)?;
        let needed = usize::from(design.frame_len)
            + (usize::from(design.frames) - 1) * usize::from(design.hop);
        for r in train.iter().chain(&test) {
            let at = path.join(&r.name);
            let at = if path.is_dir() {
                at.as_path()
            } else {
                path.as_path()
            };
            if r.sample_rate != design.sample_rate {
                return Err(signal_error(
                    at,
                    format!(
                        "{}: {} Hz, but the front end takes {} Hz ({}): resample it, or give \
                         --sample-rate for all",
                        r.name,
                        r.sample_rate,
                        design.sample_rate,
                        if rate_given.is_some() {
                            "--sample-rate"
                        } else {
                            "the first training recording's rate"
                        }
                    ),
                ));
            }
            if r.channels != u16::from(design.channels) {
                return Err(signal_error(
                    at,
                    format!(
                        "{}: {} channels, but the front end takes {}",
                        r.name, r.channels, design.channels
                    ),
                ));
            }
            if r.instants() < needed {
                return Err(signal_error(
                    at,
                    format!(
                        "{}: {} samples per channel ({:.3} s) is shorter than one model input: \
                         {needed} samples ({} frames of {}, hop {})",
                        r.name,
                        r.instants(),
                        r.instants() as f64 / f64::from(design.sample_rate),
                        design.frames,
                        design.frame_len,
                        design.hop
                    ),
                ));
            }
        }
        Ok(SignalData {
            design,
            train,
            test,
        })
    }
}

/// Gives an `f_max` of 0 the Nyquist frequency and checks the design against the file
/// format's limits (SPEC.md §7) before any training, naming the flag to change.
fn resolve_and_check(design: &mut FrontEndDesign) -> Result<()> {
    let invalid =
        |flag: &'static str, problem: String| TrainError::InvalidSetting { flag, problem };
    let nyquist = f64::from(design.sample_rate) / 2.0;
    let (n, f_min, f_max) = match &mut design.bands {
        BandLayout::Mel { n, f_min, f_max } | BandLayout::Linear { n, f_min, f_max } => {
            (*n, *f_min, f_max)
        }
    };
    if *f_max == 0.0 {
        *f_max = nyquist;
    }
    if !(f_min >= 0.0 && f_min < *f_max && *f_max <= nyquist) {
        return Err(invalid(
            "f-max",
            format!(
                "bands from {f_min} to {} Hz: need 0 <= --f-min < --f-max <= {nyquist} (half \
                 the sample rate)",
                *f_max
            ),
        ));
    }
    let frame_len = design.frame_len;
    if !(64..=2048).contains(&frame_len) || !frame_len.is_power_of_two() {
        return Err(invalid(
            "frame-len",
            format!("{frame_len}: must be a power of two from 64 to 2048"),
        ));
    }
    if design.hop == 0 || design.hop > frame_len {
        return Err(invalid(
            "hop",
            format!("{}: must lie in 1 to --frame-len ({frame_len})", design.hop),
        ));
    }
    if !(1..=256).contains(&n) {
        return Err(invalid("bands", format!("{n}: must lie in 1 to 256")));
    }
    if !(1..=32).contains(&design.frames) {
        return Err(invalid(
            "frames",
            format!("{}: must lie in 1 to 32", design.frames),
        ));
    }
    if !(1..=32).contains(&design.smoothing) {
        return Err(invalid(
            "smoothing",
            format!("{}: must lie in 1 to 32", design.smoothing),
        ));
    }
    let (k, w) = (design.alarm_count, design.alarm_window);
    if !(1 <= k && k <= w && w <= 32) {
        return Err(invalid("alarm", format!("{k}/{w}: need 1 <= K <= N <= 32")));
    }
    if !(1..=8).contains(&design.channels) {
        return Err(invalid(
            "signal",
            format!("{} channels: the front end takes 1 to 8", design.channels),
        ));
    }
    let inputs = design.n_inputs();
    if inputs > bottleneck_format::MAX_WIDTH {
        return Err(invalid(
            "bands",
            format!(
                "{} frames × {} channels × {n} bands = {inputs} inputs: the model file allows \
                 at most {}",
                design.frames,
                design.channels,
                bottleneck_format::MAX_WIDTH
            ),
        ));
    }
    Ok(())
}

/// Feature names of a front end's inputs: `t{frame}_c{channel}_b{band}`, oldest frame
/// first (SPEC.md §8.8's order).
pub fn feature_names(design: &FrontEndDesign) -> Vec<String> {
    let mut names = Vec::with_capacity(design.n_inputs());
    for t in 0..design.frames {
        for c in 0..design.channels {
            for b in 0..design.n_bands() {
                names.push(format!("t{t}_c{c}_b{b:03}"));
            }
        }
    }
    names
}

/// Every stacked window of each recording as a float row: a window completes at each
/// frame once `frames` frames exist, as the device's stream completes them.
pub fn float_windows(
    design: &FrontEndDesign,
    recordings: &[Recording],
    labels: &[String],
    source: String,
) -> Windows {
    let front = FloatFrontEnd::new(design);
    let frames = usize::from(design.frames);
    let width = design.n_inputs();
    let mut values = Vec::new();
    let mut targets = Vec::new();
    let mut recording = Vec::new();
    for (k, r) in recordings.iter().enumerate() {
        let bands = front.log_bands_db(&r.samples);
        let n = frame_count(
            r.instants(),
            usize::from(design.frame_len),
            usize::from(design.hop),
        );
        let target = labels.iter().position(|l| *l == r.label).unwrap_or(0);
        for w in 0..=n.saturating_sub(frames) {
            if w + frames > bands.len() {
                break;
            }
            values.extend(bands[w..w + frames].iter().flatten().map(|&v| v as f32));
            targets.push(target);
            recording.push(k);
        }
    }
    let rows = targets.len();
    Windows {
        dataset: Dataset {
            source,
            feature_names: feature_names(design),
            features: Array2::from_shape_vec((rows, width), values)
                .unwrap_or_else(|_| Array2::zeros((0, width))),
            targets,
            labels: labels.to_vec(),
        },
        recording,
    }
}

impl SignalData {
    /// The class labels: the training recordings', sorted as scikit-learn sorts them, then
    /// any only the test recordings have.
    pub fn labels(&self) -> Vec<String> {
        let mut labels: Vec<String> = self.train.iter().map(|r| r.label.clone()).collect();
        labels.sort();
        labels.dedup();
        sort_labels(&mut labels);
        let mut extra: Vec<String> = self
            .test
            .iter()
            .map(|r| r.label.clone())
            .filter(|l| !labels.contains(l))
            .collect();
        extra.sort();
        extra.dedup();
        labels.extend(extra);
        labels
    }

    /// The training and test windows.
    pub fn windows(&self, source: &Path) -> (Windows, Windows) {
        let labels = self.labels();
        let name = source.display().to_string();
        (
            float_windows(&self.design, &self.train, &labels, name.clone()),
            float_windows(&self.design, &self.test, &labels, name),
        )
    }
}
