//! What `train --signal` adds after quantization: the front end goes into the model file
//! (its per-input affine carrying the model's input quantization), the threshold is
//! calibrated on the scores the device's integer front end gives the training
//! recordings, and the test recordings are scored as the device scores them — integer
//! front end, int8 model, smoothing and alarm — per window and per file (the mean over
//! windows, as MLPerf Tiny scores a file).

use bottleneck_runtime::Model;
use serde::{Deserialize, Serialize};

use super::file_score::FileScore;
use super::integer::IntegerFrontEnd;
use super::snr_db;
use super::source::{SignalData, float_windows};
use crate::detection::{anomaly_metrics, roc_auc};
use crate::error::{Result, TrainError};
use crate::quant::{ExportedModel, ReferenceModel, Threshold};

/// How the device's integer pipeline does on the signal data (report.json's `signal`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalMetrics {
    /// Samples per second per channel.
    pub sample_rate: u32,
    /// Channels.
    pub channels: u8,
    /// FFT length.
    pub frame_len: u16,
    /// Instants between frames.
    pub hop: u16,
    /// Bands per channel.
    pub bands: usize,
    /// Frames per model input.
    pub frames: u8,
    /// Training recordings (files or segments).
    pub train_recordings: usize,
    /// Test recordings.
    pub test_recordings: usize,
    /// Test windows.
    pub test_windows: usize,
    /// Per feature (channel × band) over every test frame, the SNR in dB of the integer
    /// front end's log-band values against the float front end's: the smallest.
    pub snr_db_min: f64,
    /// The median of those SNRs.
    pub snr_db_median: f64,
    /// Fraction of the test windows' int8 inputs the integer front end computes that equal
    /// the float features quantized as the model quantizes them.
    pub input_agreement: f64,
    /// The integer threshold the smoothed scores are compared with (files with a decoder).
    pub threshold: Option<u32>,
    /// ROC AUC over test files of the mean integer score (integer front end and int8
    /// model: the device), `None` when undefined or without a decoder.
    pub file_auc: Option<f64>,
    /// The same with the float front end's features fed to the int8 model: what the
    /// integer front end costs.
    pub file_auc_float_features: Option<f64>,
    /// ROC AUC over test windows of the device's integer scores.
    pub window_auc: Option<f64>,
    /// Test files of each kind whose stream raised the alarm at least once:
    /// `(normal alarmed, normal, anomalous alarmed, anomalous)`.
    pub files_alarmed: Option<(usize, usize, usize, usize)>,
    /// Fraction of test windows whose device class is their recording's label (files
    /// with a head).
    pub window_accuracy: Option<f64>,
    /// Fraction of test recordings whose most frequent device class is their label.
    pub file_accuracy: Option<f64>,
}

/// The device's outputs for one recording's windows.
struct Scored {
    scores: Vec<u32>,
    classes: Vec<usize>,
}

fn score(reference: &ReferenceModel, inputs: &[Vec<i8>]) -> Scored {
    let (scores, classes) = inputs
        .iter()
        .map(|q| {
            let out = reference.infer(q);
            (out.score, out.class)
        })
        .unzip();
    Scored { scores, classes }
}

fn mean(v: &[u32]) -> f64 {
    v.iter().map(|&s| f64::from(s)).sum::<f64>() / v.len().max(1) as f64
}

fn most_frequent(classes: &[usize]) -> Option<usize> {
    let n = classes.iter().copied().max()? + 1;
    let mut counts = vec![0usize; n];
    for &c in classes {
        counts[c] += 1;
    }
    // The first of the most frequent classes, as NumPy's argmax of the counts.
    (0..n).max_by_key(|&c| (counts[c], std::cmp::Reverse(c)))
}

/// Puts the front end into `exported` (file, threshold) and scores the test recordings as
/// the device does; `exported`'s anomaly metrics and score histogram become the device's
/// window scores.
pub fn deploy(
    data: &SignalData,
    normal_label: Option<&str>,
    threshold: Threshold,
    exported: &mut ExportedModel,
) -> Result<(SignalMetrics, Vec<FileScore>)> {
    let design = &data.design;
    let spec = &mut exported.spec;
    let affine: Vec<(f64, f64)> = spec
        .input_affine
        .iter()
        .map(|&(a, b)| (f64::from(a), f64::from(b)))
        .collect();
    let front_end = design.spec(&affine);
    let integer = IntegerFrontEnd::new(&front_end);
    let reference = &exported.reference;
    let labels = data.labels();
    let train_labels: Vec<&String> = data.train.iter().map(|r| &r.label).collect();
    let is_anomaly = |label: &str| match normal_label {
        Some(n) => label != n,
        None => !train_labels.iter().any(|l| *l == label),
    };
    let device_inputs = |samples: &[i16]| integer.inputs(&integer.log_bands(samples));

    // The device compares smoothed scores with the threshold: calibrate on those.
    if let Some(anomaly) = spec.anomaly.as_mut() {
        let mut smoothed = Vec::new();
        for r in data.train.iter().filter(|r| !is_anomaly(&r.label)) {
            let s = score(reference, &device_inputs(&r.samples));
            smoothed.extend(integer.smoothed(&s.scores).into_iter().map(u64::from));
        }
        anomaly.threshold = threshold.integer(&smoothed, f64::from(anomaly.score_scale));
    }
    spec.front_end = Some(front_end);
    exported.bytes = spec.to_bytes().map_err(|e| TrainError::Quantization {
        problem: format!("the model with its front end is not a valid file: {e}"),
    })?;
    Model::from_bytes(&exported.bytes).map_err(|e| TrainError::Quantization {
        problem: format!("the runtime rejects the model with its front end: {e}"),
    })?;
    let threshold = spec.anomaly.as_ref().map(|a| a.threshold);
    let head = spec.head.is_some();

    let (alpha, beta) = design.log_band_to_db();
    let n_bands = design.n_bands();
    let per_frame = usize::from(design.channels) * n_bands;
    let mut float_db: Vec<Vec<f64>> = vec![Vec::new(); per_frame];
    let mut integer_db: Vec<Vec<f64>> = vec![Vec::new(); per_frame];
    let (mut agree, mut total) = (0usize, 0usize);
    let mut files = Vec::with_capacity(data.test.len());
    let (mut file_means, mut float_means, mut file_anomalous) = (vec![], vec![], vec![]);
    let (mut window_scores, mut window_anomalous) = (vec![], vec![]);
    let mut device_scores: Vec<u32> = Vec::new();
    let (mut right_windows, mut right_files, mut windows_total) = (0usize, 0usize, 0usize);
    let mut alarmed = (0, 0, 0, 0);
    for r in &data.test {
        let log_bands = integer.log_bands(&r.samples);
        let inputs = integer.inputs(&log_bands);
        let device = score(reference, &inputs);
        let float = float_windows(design, std::slice::from_ref(r), &labels, String::new());
        let float_frames = super::FloatFrontEnd::new(design).log_bands_db(&r.samples);
        for (f, l) in float_frames.iter().zip(&log_bands) {
            for j in 0..per_frame {
                float_db[j].push(f[j]);
                integer_db[j].push(alpha * f64::from(l[j]) + beta[j % n_bands]);
            }
        }
        let float_inputs: Vec<Vec<i8>> = float
            .dataset
            .features
            .rows()
            .into_iter()
            .map(|row| reference.quantize(&row.to_vec()))
            .collect();
        for (q, f) in inputs.iter().zip(&float_inputs) {
            agree += q.iter().zip(f).filter(|(a, b)| a == b).count();
            total += q.len();
        }
        let float_scores = score(reference, &float_inputs).scores;
        let smoothed = integer.smoothed(&device.scores);
        let verdicts: Vec<bool> = smoothed
            .iter()
            .map(|&s| threshold.is_some_and(|t| s > t))
            .collect();
        let alarm = threshold.is_some() && integer.alarms(&verdicts).iter().any(|&a| a);
        let anomalous = is_anomaly(&r.label);
        match (anomalous, alarm) {
            (false, a) => {
                alarmed.0 += usize::from(a);
                alarmed.1 += 1;
            }
            (true, a) => {
                alarmed.2 += usize::from(a);
                alarmed.3 += 1;
            }
        }
        let label_class = labels.iter().position(|l| *l == r.label);
        let class = most_frequent(&device.classes).filter(|_| head);
        if head {
            right_windows += device
                .classes
                .iter()
                .filter(|&&c| Some(c) == label_class)
                .count();
            right_files += usize::from(class.is_some() && class == label_class);
        }
        windows_total += device.scores.len();
        file_means.push(mean(&device.scores));
        float_means.push(mean(&float_scores));
        file_anomalous.push(anomalous);
        window_scores.extend(device.scores.iter().map(|&s| f64::from(s)));
        device_scores.extend(&device.scores);
        window_anomalous.extend(std::iter::repeat_n(anomalous, device.scores.len()));
        files.push(FileScore {
            name: r.name.clone(),
            label: r.label.clone(),
            windows: device.scores.len(),
            mean_score: mean(&device.scores),
            anomalous_windows: verdicts.iter().filter(|&&v| v).count(),
            alarm,
            class: class.and_then(|c| labels.get(c).cloned()),
        });
    }
    let mut snrs: Vec<f64> = float_db
        .iter()
        .zip(&integer_db)
        .map(|(f, i)| snr_db(f, i))
        .collect();
    snrs.sort_by(f64::total_cmp);
    let detects = threshold.is_some();
    let metrics = SignalMetrics {
        sample_rate: design.sample_rate,
        channels: design.channels,
        frame_len: design.frame_len,
        hop: design.hop,
        bands: n_bands,
        frames: design.frames,
        train_recordings: data.train.len(),
        test_recordings: data.test.len(),
        test_windows: windows_total,
        snr_db_min: snrs.first().copied().unwrap_or(f64::NAN),
        snr_db_median: snrs.get(snrs.len() / 2).copied().unwrap_or(f64::NAN),
        input_agreement: agree as f64 / total.max(1) as f64,
        threshold,
        file_auc: roc_auc(&file_means, &file_anomalous).filter(|_| detects),
        file_auc_float_features: roc_auc(&float_means, &file_anomalous).filter(|_| detects),
        window_auc: roc_auc(&window_scores, &window_anomalous).filter(|_| detects),
        files_alarmed: detects.then_some(alarmed),
        window_accuracy: head.then(|| right_windows as f64 / windows_total.max(1) as f64),
        file_accuracy: head.then(|| right_files as f64 / data.test.len().max(1) as f64),
    };
    if let (Some(t), Some(a)) = (threshold, spec.anomaly.as_ref()) {
        let scale = f64::from(a.score_scale);
        // The float model's AUC on the same windows (the pipeline's test rows are these
        // windows in this order) stays; the int8 figures become the device's.
        let auc_float = exported.anomaly.as_ref().and_then(|m| m.auc_float);
        let mut metrics = anomaly_metrics(
            &device_scores,
            scale,
            None,
            &window_anomalous,
            t,
            normal_label,
        );
        metrics.auc_float = auc_float;
        exported.anomaly = Some(metrics);
        exported.test_scores = Some(
            device_scores
                .iter()
                .zip(&window_anomalous)
                .map(|(&s, &a)| (f64::from(s) * scale, a))
                .collect(),
        );
    }
    exported.files = Some(files.clone());
    Ok((metrics, files))
}

impl SignalMetrics {
    /// The report's section.
    pub fn to_markdown(&self) -> String {
        let opt = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.4}"));
        let mut out = format!(
            "## Signal front end (in `model.bin`; integer pipeline as the device runs it)\n\n\
             | | |\n|---|---|\n\
             | front end | {} Hz, {} channel(s), frames of {} every {}, {} bands, {} frames per input |\n\
             | recordings | {} training, {} test ({} test windows) |\n\
             | integer vs float log-band SNR per feature | min {:.1} dB, median {:.1} dB |\n\
             | int8 inputs equal to the float features' | {:.2} % |\n",
            self.sample_rate,
            self.channels,
            self.frame_len,
            self.hop,
            self.bands,
            self.frames,
            self.train_recordings,
            self.test_recordings,
            self.test_windows,
            self.snr_db_min,
            self.snr_db_median,
            100.0 * self.input_agreement,
        );
        if let Some(t) = self.threshold {
            out += &format!(
                "| threshold (on the smoothed integer score) | {t} |\n\
                 | file ROC AUC (mean window score), device | {} |\n\
                 | file ROC AUC, float features into the int8 model | {} |\n\
                 | window ROC AUC, device | {} |\n",
                opt(self.file_auc),
                opt(self.file_auc_float_features),
                opt(self.window_auc),
            );
        }
        if let Some((na, n, aa, a)) = self.files_alarmed {
            out += &format!(
                "| files that raised the alarm | {na} of {n} normal, {aa} of {a} anomalous |\n"
            );
        }
        if let (Some(w), Some(f)) = (self.window_accuracy, self.file_accuracy) {
            out += &format!(
                "| accuracy, device classes | {w:.3} of windows, {f:.3} of files (most frequent class) |\n"
            );
        }
        out + "\nPer file: `file_scores.csv`.\n\n"
    }
}
