//! Recordings a front end is trained on: a folder of WAV files in the DCASE / MLPerf Tiny
//! layout, or a time-series CSV cut into segments. Every problem names its file, and for
//! a CSV its row and column.

use std::path::{Path, PathBuf};

use crate::data::{Wav, read_wav};
use crate::error::{Result, TrainError};

/// One recording: a WAV file or a CSV segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// The file (`test/anomaly_00001.wav`) or the segment (`data.csv, segment 7`).
    pub name: String,
    /// Its label: a WAV file's name up to the first `_` (`normal`, `anomaly`), a CSV
    /// segment's label column.
    pub label: String,
    /// Samples per second per channel.
    pub sample_rate: u32,
    /// Interleaved channels.
    pub channels: u16,
    /// Interleaved int16 samples.
    pub samples: Vec<i16>,
}

impl Recording {
    /// Sample instants (samples per channel).
    pub fn instants(&self) -> usize {
        self.samples.len() / usize::from(self.channels.max(1))
    }
}

fn signal_error(path: &Path, problem: impl Into<String>) -> TrainError {
    TrainError::Signal {
        path: path.to_path_buf(),
        problem: problem.into(),
    }
}

/// The WAV files directly in `dir`, sorted by name.
fn wav_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|source| TrainError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|source| TrainError::Read {
                path: dir.to_path_buf(),
                source,
            })?
            .path();
        let is_wav = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("wav"));
        if is_wav && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// A WAV file as a recording, labelled by its name up to the first `_`.
pub fn wav_recording(path: &Path, name: String) -> Result<Recording> {
    let Wav {
        sample_rate,
        channels,
        samples,
    } = read_wav(path)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let label = stem.split('_').next().unwrap_or(&stem).to_string();
    Ok(Recording {
        name,
        label,
        sample_rate,
        channels,
        samples,
    })
}

/// The DCASE 2020 task 2 / MLPerf Tiny layout: `dir/train/*.wav` and, if present,
/// `dir/test/*.wav` (`None` when there is no `test/` folder).
pub fn read_wav_folder(dir: &Path) -> Result<(Vec<Recording>, Option<Vec<Recording>>)> {
    let train_dir = dir.join("train");
    if !train_dir.is_dir() {
        return Err(signal_error(
            dir,
            "no train/ folder: a signal folder holds train/*.wav and test/*.wav (DCASE / \
             MLPerf Tiny layout: train/normal_*.wav, test/normal_*.wav, test/anomaly_*.wav)",
        ));
    }
    let read = |sub: &str| -> Result<Vec<Recording>> {
        let files = wav_files(&dir.join(sub))?;
        if files.is_empty() {
            return Err(signal_error(&dir.join(sub), "holds no .wav file"));
        }
        files
            .iter()
            .map(|f| {
                let name = format!(
                    "{sub}/{}",
                    f.file_name().unwrap_or_default().to_string_lossy()
                );
                wav_recording(f, name)
            })
            .collect()
    };
    let train = read("train")?;
    let test = if dir.join("test").is_dir() {
        Some(read("test")?)
    } else {
        None
    };
    Ok((train, test))
}

/// Which columns of a time-series CSV mean what.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SeriesColumns {
    /// The label of each row (constant within a segment); `None`: unlabelled.
    pub label: Option<String>,
    /// The segment (recording) each row belongs to; `None`: the column `segment` if the
    /// file has one, else a new segment wherever the label changes.
    pub segment: Option<String>,
    /// Each row's time in seconds; `None`: the column `time` if the file has one.
    pub time: Option<String>,
}

struct Segment {
    key: String,
    label: String,
    first_row: usize,
    samples: Vec<i16>,
    last_time: Option<f64>,
}

/// A time-series CSV: one column per channel (raw int16 counts), optional time, segment
/// and label columns; each segment becomes a recording. `sample_rate`: the rate the
/// user gave, else the time column's step.
pub fn read_series_csv(
    path: &Path,
    columns: &SeriesColumns,
    sample_rate: Option<u32>,
) -> Result<Vec<Recording>> {
    let file = std::fs::File::open(path).map_err(|source| TrainError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(std::io::BufReader::new(file));
    let csv_error = |e: csv::Error| TrainError::Csv {
        path: path.to_path_buf(),
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    };
    let header: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .map(str::to_string)
        .collect();
    let find = |name: &str| header.iter().position(|h| h == name);
    let named = |name: &Option<String>, default: &str, required: bool| -> Result<Option<usize>> {
        match name {
            Some(n) => find(n)
                .map(Some)
                .ok_or_else(|| TrainError::UnknownLabelColumn {
                    path: path.to_path_buf(),
                    name: n.clone(),
                    available: header.join(", "),
                }),
            None if required => Ok(None),
            None => Ok(find(default)),
        }
    };
    let label_col = named(&columns.label, "", true)?;
    let segment_col = named(&columns.segment, "segment", false)?;
    let time_col = named(&columns.time, "time", false)?;
    let channel_cols: Vec<usize> = (0..header.len())
        .filter(|c| ![label_col, segment_col, time_col].contains(&Some(*c)))
        .collect();
    if channel_cols.is_empty() || channel_cols.len() > 8 {
        return Err(signal_error(
            path,
            format!(
                "{} channel columns (every column but time, segment and label): the front end \
                 takes 1 to 8",
                channel_cols.len()
            ),
        ));
    }
    if sample_rate.is_none() && time_col.is_none() {
        return Err(TrainError::InvalidSetting {
            flag: "sample-rate",
            problem: format!(
                "{} has no time column: give the sample rate (or --time-column)",
                path.display()
            ),
        });
    }
    let mut rate = sample_rate.map(f64::from);
    let mut segments: Vec<Segment> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 1;
        let record = record.map_err(csv_error)?;
        let cell = |c: usize| record.get(c).unwrap_or("").trim();
        let bad = |c: usize, problem: String| {
            signal_error(
                path,
                format!("row {row}, column {:?}: {:?} {problem}", header[c], cell(c)),
            )
        };
        let label = label_col.map_or_else(
            || crate::data::UNLABELLED.to_string(),
            |c| cell(c).to_string(),
        );
        let key = segment_col.map_or_else(|| label.clone(), |c| cell(c).to_string());
        let time = match time_col {
            Some(c) => Some(
                cell(c)
                    .parse::<f64>()
                    .ok()
                    .filter(|t| t.is_finite())
                    .ok_or_else(|| bad(c, "is not a time in seconds".into()))?,
            ),
            None => None,
        };
        let new_segment = segments.last().is_none_or(|s| s.key != key);
        if new_segment {
            segments.push(Segment {
                key: key.clone(),
                label: label.clone(),
                first_row: row,
                samples: Vec::new(),
                last_time: None,
            });
        }
        let segment = segments
            .last_mut()
            .ok_or_else(|| signal_error(path, "no segment"))?;
        if segment.label != label {
            let c = label_col.unwrap_or(0);
            return Err(bad(
                c,
                format!(
                    "changes the label within segment {:?} (it began at row {} as {:?})",
                    segment.key, segment.first_row, segment.label
                ),
            ));
        }
        if let (Some(t), Some(c)) = (time, time_col) {
            if let Some(previous) = segment.last_time {
                let step = t - previous;
                let expected = match rate {
                    Some(r) => 1.0 / r,
                    None => {
                        if step <= 0.0 {
                            return Err(bad(
                                c,
                                format!("does not follow {previous}: time must increase"),
                            ));
                        }
                        rate = Some((1.0 / step).round());
                        step
                    }
                };
                if (step - expected).abs() > 0.5 * expected {
                    return Err(bad(
                        c,
                        format!(
                            "follows {previous}: a gap in time (the samples are {:.6} s apart at \
                             {} Hz); the front end needs evenly spaced samples — start a new \
                             segment where the recording breaks",
                            expected,
                            rate.unwrap_or(0.0)
                        ),
                    ));
                }
            }
            segment.last_time = Some(t);
        }
        for &c in &channel_cols {
            let v: i64 = cell(c)
                .parse::<f64>()
                .ok()
                .filter(|v| v.fract() == 0.0 && (-32768.0..=32767.0).contains(v))
                .map(|v| v as i64)
                .ok_or_else(|| {
                    bad(
                        c,
                        "is not a raw int16 sample (an integer from -32768 to 32767)".into(),
                    )
                })?;
            segment.samples.push(v as i16);
        }
    }
    if segments.is_empty() {
        return Err(TrainError::EmptyFile {
            path: path.to_path_buf(),
            what: "no data rows",
        });
    }
    let sample_rate = rate.unwrap_or(0.0).round() as u32;
    Ok(segments
        .into_iter()
        .map(|s| Recording {
            name: format!(
                "{}, segment {} (row {})",
                path.display(),
                s.key,
                s.first_row
            ),
            label: s.label,
            sample_rate,
            channels: channel_cols.len() as u16,
            samples: s.samples,
        })
        .collect())
}
