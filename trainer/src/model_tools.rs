//! `inspect`, `eval` and `predict`: using a model file on the host through the runtime.

use std::fmt::Write as _;
use std::path::Path;

use bottleneck_format::{Activation, HEADER_LEN, MAGIC, crc32};
use bottleneck_runtime::batch::{Batch, BatchOutput};
use bottleneck_runtime::{Classification, Logits, Model, Scratch};
use ndarray::Array2;

use crate::data::Dataset;
use crate::detection::{AnomalyMetrics, anomaly_metrics};
use crate::error::{Result, TrainError};

/// Reads a model file and checks it with the runtime's loader.
pub fn load_model<'a>(path: &Path, bytes: &'a [u8]) -> Result<Model<'a>> {
    Model::from_bytes(bytes).map_err(|source| TrainError::Model {
        path: path.to_path_buf(),
        source,
    })
}

/// What `bottleneck inspect` found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// The human-readable description: everything that could be read, even from a file
    /// that fails to load.
    pub text: String,
    /// Whether the file loads and its self-test passes: what a script gating a flash
    /// needs to know (the command exits non-zero otherwise).
    pub valid: bool,
}

/// A human-readable description of a model file. Header fields and the CRC status are
/// shown even when the file fails to load, so a corrupt file can be diagnosed.
pub fn inspect(bytes: &[u8]) -> Inspection {
    let mut out = String::new();
    let _ = writeln!(out, "file size: {} bytes", bytes.len());
    if let Some(header) = bytes.get(..HEADER_LEN) {
        let u16_at = |i: usize| u16::from_le_bytes([header[i], header[i + 1]]);
        let u32_at =
            |i: usize| u32::from_le_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
        let payload = &bytes[HEADER_LEN..];
        let stored = u32_at(12);
        let computed = crc32(payload);
        let _ = writeln!(
            out,
            "header: magic {:?}{}, version {}, flags {:#06x}, payload {} bytes (declared {})",
            String::from_utf8_lossy(&header[..4]),
            if header[..4] == MAGIC { "" } else { " (WRONG)" },
            u16_at(4),
            u16_at(6),
            payload.len(),
            u32_at(8)
        );
        let _ = writeln!(
            out,
            "crc32: stored {stored:#010x}, computed {computed:#010x}: {}",
            if stored == computed { "OK" } else { "MISMATCH" }
        );
    }
    let model = match Model::from_bytes(bytes) {
        Ok(m) => m,
        Err(e) => {
            // The loader's own words, without the runtime's "invalid model file" prefix.
            let reason = match e {
                bottleneck_runtime::Error::Format(f) => f.to_string(),
                other => other.to_string(),
            };
            let _ = writeln!(out, "INVALID: {reason}");
            return Inspection {
                text: out,
                valid: false,
            };
        }
    };
    let view = model.view();
    let _ = writeln!(
        out,
        "input: {} features, scale {:.6}, zero point {}",
        view.n_inputs(),
        view.input_scale(),
        view.input_zero_point()
    );
    let names: Vec<&str> = view.feature_names().collect();
    if !names.is_empty() {
        let shown = names.iter().take(8).copied().collect::<Vec<_>>().join(", ");
        let more = if names.len() > 8 { ", ..." } else { "" };
        let _ = writeln!(out, "feature names: {shown}{more}");
    }
    if let Some(fe) = view.front_end() {
        let (f_lo, f_hi) = fe.band_range();
        let _ = writeln!(
            out,
            "front end: int16 at {} Hz, {} channel(s); frames of {} samples every {} ({} \
             window); {} {} bands ({f_lo} to {f_hi} Hz), log2; {} frames per input; score \
             smoothed over {}, alarm at {} of {} windows; a stream needs {} bytes of buffers",
            fe.sample_rate(),
            fe.channels(),
            fe.frame_len(),
            fe.hop(),
            match fe.window_kind() {
                bottleneck_format::WindowKind::Hann => "Hann",
                bottleneck_format::WindowKind::None => "no",
            },
            fe.n_bands(),
            match fe.band_kind() {
                bottleneck_format::BandKind::Mel => "mel",
                bottleneck_format::BandKind::Linear => "linear",
            },
            fe.frames(),
            fe.smoothing(),
            fe.alarm_count(),
            fe.alarm_window(),
            6 * fe.frame_samples() + 5 * view.n_inputs(),
        );
    }
    for (i, layer) in view.layers().enumerate() {
        let Some(l) = layer.as_dense() else {
            let _ = writeln!(out, "layer {i}: a kind this tool does not know");
            continue;
        };
        let channels: Vec<_> = l.channels().collect();
        // The activation as the file states it; version-1 layers store a negative side
        // per channel, LeakyReLU wherever it differs from the positive one.
        let activation = match l.activation() {
            Activation::Linear => "linear",
            // A zero slope is ReLU (what `--activation relu` writes).
            Activation::LeakyRelu(slope) if slope.multiplier == 0 => "ReLU",
            Activation::LeakyRelu(_) => "LeakyReLU",
            Activation::PerChannel if channels.iter().any(|c| c.positive() != c.negative()) => {
                "LeakyReLU, per-channel"
            }
            Activation::PerChannel => "linear, per-channel",
            Activation::Relu => "ReLU",
        };
        let role = match l.role() {
            bottleneck_format::Role::Encoder => "encoder",
            bottleneck_format::Role::Decoder => "decoder",
        };
        let shifts = channels
            .iter()
            .flat_map(|c| [c.positive().shift, c.negative().shift])
            .fold((i8::MAX, i8::MIN), |(lo, hi), s| (lo.min(s), hi.max(s)));
        let _ = writeln!(
            out,
            "layer {i}: {role} dense {} -> {} ({activation}), output scale {:.6}, zero point {}, shifts {}..={}, {} weight bytes",
            l.n_in(),
            l.n_out(),
            l.output_scale(),
            l.output_zero_point(),
            shifts.0,
            shifts.1,
            l.weights().len()
        );
    }
    match view.head() {
        Some(head) => {
            let _ = writeln!(
                out,
                "head: {} -> {} logit(s) ({}), logit scale {:.6e}",
                head.n_in(),
                head.n_logits(),
                if head.n_logits() == 1 {
                    "sigmoid"
                } else {
                    "softmax"
                },
                head.logit_scale()
            );
            let labels: Vec<&str> = view.labels().collect();
            let _ = writeln!(out, "labels: {}", labels.join(", "));
        }
        None => {
            let _ = writeln!(out, "head: none");
        }
    }
    if let Some(a) = view.anomaly() {
        let _ = writeln!(
            out,
            "anomaly: score = sum of squared int8 reconstruction errors, threshold {} (mean squared error {:.6e}), score scale {:.6e}",
            a.threshold(),
            f64::from(a.threshold()) * f64::from(a.score_scale()),
            a.score_scale()
        );
    }
    let _ = writeln!(out, "golden vectors: {}", view.golden_count());
    let _ = writeln!(
        out,
        "parameters: {}; runtime activation buffers: {} bytes",
        view.parameter_count(),
        bottleneck_runtime::scratch_bytes(view.max_width())
    );
    let mut scratch = Scratch::<{ bottleneck_format::MAX_WIDTH }>::new();
    let valid = match model.self_test(&mut scratch) {
        Ok(n) => {
            let _ = writeln!(out, "self-test: {n} golden vectors reproduce bit for bit");
            true
        }
        Err(e) => {
            let _ = writeln!(out, "self-test: FAILED: {e}");
            false
        }
    };
    Inspection { text: out, valid }
}

/// Accuracy and confusion matrix of a model on labelled data.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The model's labels, in class order.
    pub labels: Vec<String>,
    /// `confusion[true][predicted]` counts.
    pub confusion: Vec<Vec<usize>>,
    /// Fraction of rows classified correctly (of the rows whose label the model has).
    pub accuracy: f64,
    /// Rows classified: those whose label is one of the model's.
    pub rows: usize,
    /// Rows left out because their label is not one of the model's: a model that also
    /// detects anomalies scores them as anomalies instead.
    pub unseen_label_rows: usize,
}

impl Evaluation {
    /// The confusion matrix as a text table.
    pub fn table(&self) -> String {
        let width = self
            .labels
            .iter()
            .map(String::len)
            .max()
            .unwrap_or(1)
            .max(6);
        let mut out = format!("{:>width$} | predicted\n", "true");
        let _ = write!(out, "{:>width$} |", "");
        for l in &self.labels {
            let _ = write!(out, " {l:>width$}");
        }
        out.push('\n');
        for (l, row) in self.labels.iter().zip(&self.confusion) {
            let _ = write!(out, "{l:>width$} |");
            for n in row {
                let _ = write!(out, " {n:>width$}");
            }
            out.push('\n');
        }
        out
    }
}

fn run_rows<'a>(model: &Model<'a>, batch: &BatchOutput) -> Vec<Classification<'a>> {
    let n = batch.n_logits.max(1);
    batch
        .classes
        .iter()
        .zip(batch.logits.chunks_exact(n))
        .map(|(&class, logits)| Classification {
            class,
            label: model.label(class).unwrap_or(""),
            probability: model
                .probabilities(logits)
                .get(class)
                .copied()
                .unwrap_or(0.0),
            logits: Logits::from_slice(logits).unwrap_or_default(),
        })
        .collect()
}

/// Every row of `features` through the model at once ([`Batch`]): classes and logits
/// where it has a head, scores where it has a decoder; the same integers as one row at a
/// time.
fn run_batch(model: &Model<'_>, path: &Path, features: &Array2<f32>) -> Result<BatchOutput> {
    let flat: Vec<f32> = features.iter().copied().collect();
    Batch::new(model)
        .run(&flat)
        .map_err(|e| mismatch(path, format!("row {}: {}", e.row + 1, e.error)))
}

/// The model's input columns picked from a table by name, in the model's order: a file
/// that stores its training columns' names (version 3) reads them in any order and
/// ignores extra columns, as scikit-learn does with `feature_names_in_`. A file without
/// names takes the columns as they come, and only their number is checked.
pub fn select_columns(
    model: &Model<'_>,
    path: &Path,
    names: &[String],
    features: &Array2<f32>,
) -> Result<Array2<f32>> {
    let expected: Vec<&str> = model.view().feature_names().collect();
    if expected.is_empty() {
        check_width(model, path, features.ncols())?;
        return Ok(features.clone());
    }
    let mut picked = Vec::with_capacity(expected.len());
    let mut missing = Vec::new();
    for name in &expected {
        match names.iter().position(|n| n == name) {
            Some(j) => picked.push(j),
            None => missing.push(*name),
        }
    }
    if !missing.is_empty() {
        let shown = missing
            .iter()
            .take(10)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        let more = if missing.len() > 10 {
            format!(" and {} more", missing.len() - 10)
        } else {
            String::new()
        };
        return Err(TrainError::TestDataMismatch {
            path: path.to_path_buf(),
            problem: format!(
                "{} of the model's {} input columns are missing: {shown}{more}",
                missing.len(),
                expected.len()
            ),
        });
    }
    Ok(features.select(ndarray::Axis(1), &picked))
}

fn check_width(model: &Model<'_>, path: &Path, columns: usize) -> Result<()> {
    if columns != model.n_inputs() {
        return Err(TrainError::TestDataMismatch {
            path: path.to_path_buf(),
            problem: format!(
                "{columns} feature columns, but the model takes {} inputs",
                model.n_inputs()
            ),
        });
    }
    Ok(())
}

/// What `eval` measures: classification (files with a head) and anomaly detection
/// (files with an anomaly section, given the normal label).
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Accuracy and confusion matrix.
    pub classification: Option<Evaluation>,
    /// Detection metrics of the device's integer scores.
    pub anomaly: Option<AnomalyMetrics>,
}

fn mismatch(path: &Path, problem: String) -> TrainError {
    TrainError::TestDataMismatch {
        path: path.to_path_buf(),
        problem,
    }
}

/// Runs the model on every row of `data` and compares with its labels: accuracy for a
/// model with a head, and with `normal_label`, how well its scores tell the rows with
/// other labels (the anomalies) from the normal ones.
pub fn evaluate(
    model: &Model<'_>,
    path: &Path,
    data: &Dataset,
    normal_label: Option<&str>,
) -> Result<Report> {
    let features = select_columns(model, path, &data.feature_names, &data.features)?;
    let view = model.view();
    let batch = run_batch(model, path, &features)?;
    let classification = match view.head() {
        Some(_) => Some(classify_rows(model, path, data, &batch)?),
        None => None,
    };
    let unseen = classification
        .as_ref()
        .is_some_and(|c| c.unseen_label_rows > 0);
    // Which rows are anomalies, if the model detects them and the labels say.
    let anomalous: Option<Vec<bool>> = match (normal_label, view.anomaly()) {
        (None, None) => None,
        // A model with a classifier and a detector: its labels are the normal ones, and
        // rows with a label it lacks are the anomalies.
        (None, Some(_)) if unseen => {
            let known: Vec<&str> = (0..model.n_classes())
                .filter_map(|k| model.label(k))
                .collect();
            Some(
                data.targets
                    .iter()
                    .map(|&t| !known.contains(&data.labels[t].as_str()))
                    .collect(),
            )
        }
        (None, Some(_)) if classification.is_some() => None,
        (None, Some(_)) => {
            return Err(mismatch(
                path,
                "this model detects anomalies: give --normal-label to say which rows are normal"
                    .into(),
            ));
        }
        (Some(_), None) => {
            return Err(mismatch(
                path,
                "--normal-label: this model has no anomaly section (train it with --task anomaly or both)"
                    .into(),
            ));
        }
        (Some(label), Some(_)) => {
            let Some(normal) = data.labels.iter().position(|l| l == label) else {
                return Err(mismatch(
                    path,
                    format!(
                        "--normal-label {label:?} names no row (labels: {})",
                        data.labels.join(", ")
                    ),
                ));
            };
            Some(data.targets.iter().map(|&t| t != normal).collect())
        }
    };
    let anomaly = match (anomalous, view.anomaly()) {
        (Some(anomalous), Some(section)) => Some(anomaly_metrics(
            &batch.scores,
            f64::from(model.score_scale()),
            None,
            &anomalous,
            section.threshold(),
            normal_label,
        )),
        _ => None,
    };
    Ok(Report {
        classification,
        anomaly,
    })
}

fn classify_rows(
    model: &Model<'_>,
    path: &Path,
    data: &Dataset,
    batch: &BatchOutput,
) -> Result<Evaluation> {
    let labels: Vec<String> = (0..model.n_classes())
        .map(|k| model.label(k).unwrap_or("").to_string())
        .collect();
    // A row whose label the classifier never saw: an error for a classifier, an anomaly
    // (left out of the accuracy) for a model that also detects anomalies.
    let detects = model.view().anomaly().is_some();
    let mut truth = Vec::with_capacity(data.n_rows());
    for &t in &data.targets {
        let label = &data.labels[t];
        let k = labels.iter().position(|l| l == label);
        if k.is_none() && !detects {
            return Err(mismatch(
                path,
                format!(
                    "label {label:?} is not one of the model's labels ({})",
                    labels.join(", ")
                ),
            ));
        }
        truth.push(k);
    }
    let predictions = run_rows(model, batch);
    let mut confusion = vec![vec![0; labels.len()]; labels.len()];
    for (t, p) in truth.iter().zip(&predictions) {
        if let Some(t) = *t {
            confusion[t][p.class] += 1;
        }
    }
    let rows = truth.iter().flatten().count();
    let correct: usize = (0..labels.len()).map(|k| confusion[k][k]).sum();
    Ok(Evaluation {
        accuracy: correct as f64 / rows.max(1) as f64,
        labels,
        confusion,
        rows,
        unseen_label_rows: truth.len() - rows,
    })
}

/// Runs the model on every row and returns CSV text: `row,class,label,probability` for a
/// model with a head, then `score,mse,anomaly` (integer score, its mean squared error,
/// the verdict) for a model with an anomaly section. Columns are picked by name
/// ([`select_columns`]).
pub fn predict_csv(
    model: &Model<'_>,
    path: &Path,
    names: &[String],
    features: &Array2<f32>,
) -> Result<String> {
    let features = select_columns(model, path, names, features)?;
    let view = model.view();
    let batch = run_batch(model, path, &features)?;
    let predictions = view.head().map(|_| run_rows(model, &batch));
    let scores = view.anomaly().map(|a| (&batch.scores, a));
    let mut header = vec!["row"];
    if predictions.is_some() {
        header.extend(["class", "label", "probability"]);
    }
    if scores.is_some() {
        header.extend(["score", "mse", "anomaly"]);
    }
    let mut out = header.join(",") + "\n";
    for i in 0..features.nrows() {
        let _ = write!(out, "{}", i + 1);
        if let Some(p) = predictions.as_ref().and_then(|p| p.get(i)) {
            let label = p.label;
            let quoted = if label.contains([',', '"', '\n']) {
                format!("\"{}\"", label.replace('"', "\"\""))
            } else {
                label.to_string()
            };
            let _ = write!(out, ",{},{},{:.6}", p.class, quoted, p.probability);
        }
        if let Some((s, a)) = &scores {
            let score = s.get(i).copied().unwrap_or(0);
            let _ = write!(
                out,
                ",{score},{:.6e},{}",
                model.score_value(score),
                a.is_anomaly(score)
            );
        }
        out.push('\n');
    }
    Ok(out)
}
