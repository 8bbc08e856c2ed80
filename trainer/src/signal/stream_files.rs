//! `predict --signal`: recordings streamed through a model's front end by the runtime's
//! own `Stream` — the code the device runs — with per-file results as `train` reports
//! them.

use std::path::{Path, PathBuf};

use bottleneck_format::MAX_WIDTH;
use bottleneck_runtime::{Model, Scratch, Stream};

use super::file_score::FileScore;
use super::recordings::{Recording, wav_recording};
use crate::error::{Result, TrainError};

/// The largest frame any valid front end has: 8 channels of 2048 samples.
const MAX_FRAME: usize = 8 * 2048;

/// The WAV files at `path`: the file itself, or the `.wav` files of a folder and of its
/// `train/` and `test/` folders, sorted by path.
pub fn wav_paths(path: &Path) -> Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for dir in [path.to_path_buf(), path.join("train"), path.join("test")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav")) {
                files.push(p);
            }
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(TrainError::Signal {
            path: path.to_path_buf(),
            problem: "holds no .wav file (nor do its train/ and test/ folders)".into(),
        });
    }
    Ok(files)
}

/// Streams one recording through `model` (which must have a front end) as the device
/// does, in chunks of `chunk` samples; the file's mean score, verdicts, alarm and class.
pub fn stream_recording(
    model: &Model<'_>,
    path: &Path,
    recording: &Recording,
    chunk: usize,
) -> Result<FileScore> {
    let problem = |problem: String| TrainError::Signal {
        path: path.to_path_buf(),
        problem,
    };
    let fe = model
        .view()
        .front_end()
        .ok_or_else(|| problem("the model has no signal front end: use --data".into()))?;
    if recording.sample_rate != fe.sample_rate() {
        return Err(problem(format!(
            "{} Hz, but the model's front end takes {} Hz",
            recording.sample_rate,
            fe.sample_rate()
        )));
    }
    if usize::from(recording.channels) != fe.channels() {
        return Err(problem(format!(
            "{} channel(s), but the model's front end takes {}",
            recording.channels,
            fe.channels()
        )));
    }
    let mut stream = Box::new(
        Stream::<MAX_FRAME, MAX_WIDTH>::new(model)
            .map_err(|e| problem(format!("cannot stream: {e}")))?,
    );
    let mut scratch = Box::new(Scratch::<MAX_WIDTH>::new());
    let (mut scores, mut anomalous, mut alarm) = (Vec::new(), 0usize, false);
    let mut classes = vec![0usize; model.view().labels().count().max(1)];
    let mut has_class = false;
    for part in recording.samples.chunks(chunk.max(1)) {
        stream
            .push(part, &mut scratch, |_, frame| {
                if let Some(w) = frame.window {
                    scores.push(w.score.unwrap_or(0));
                    anomalous += usize::from(w.anomaly);
                    alarm |= w.alarm;
                    if let Some(c) = w.class.filter(|&c| c < classes.len()) {
                        classes[c] += 1;
                        has_class = true;
                    }
                }
            })
            .map_err(|e| problem(format!("the runtime failed: {e}")))?;
    }
    if scores.is_empty() {
        return Err(problem(format!(
            "{} samples per channel is shorter than one model input: {} samples",
            recording.instants(),
            fe.frame_len() + (fe.frames() - 1) * fe.hop()
        )));
    }
    let class = has_class
        .then(|| (0..classes.len()).max_by_key(|&c| (classes[c], std::cmp::Reverse(c))))
        .flatten()
        .and_then(|c| model.view().labels().nth(c).map(str::to_string));
    Ok(FileScore {
        name: recording.name.clone(),
        label: recording.label.clone(),
        windows: scores.len(),
        mean_score: scores.iter().map(|&s| f64::from(s)).sum::<f64>() / scores.len() as f64,
        anomalous_windows: anomalous,
        alarm,
        class,
    })
}

/// `predict --signal`: every WAV file at `path` streamed through `model`, as CSV.
pub fn predict_signal(model: &Model<'_>, path: &Path) -> Result<String> {
    let mut files = Vec::new();
    for wav in wav_paths(path)? {
        let name = wav
            .strip_prefix(path)
            .ok()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(&wav)
            .display()
            .to_string();
        let recording = wav_recording(&wav, name)?;
        files.push(stream_recording(model, &wav, &recording, 4096)?);
    }
    Ok(FileScore::csv(&files))
}
