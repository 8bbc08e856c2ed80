//! What the int8 model file does on the test rows, run by the runtime crate exactly as a
//! device would, against the float pipeline: classification and feature error, or the
//! anomaly scores and detection metrics.

use std::ops::Range;

use bottleneck_runtime::{Logits, Model, Scratch};
use ndarray::{Array2, s};

use super::anomaly::mse_scores;
use super::export::{Detector, ExportInputs};
use super::fold::{FloatDense, forward_all};
use super::normalize::FeatureNormalization;
use super::params::Affine;
use super::stack::chunks;
use crate::classifier::{LinearClassifier, accuracy};
use crate::detection::{AnomalyMetrics, anomaly_metrics};
use crate::error::{Result, TrainError};
use crate::report::DeviceMetrics;
use crate::scaler::MinMaxScaler;

/// The error for a test row the runtime could not run.
fn failed_on_a_test_row(e: bottleneck_runtime::Error) -> TrainError {
    TrainError::Quantization {
        problem: format!("the runtime failed on a test row: {e}"),
    }
}

/// The rows `rows` of the unscaled `features`, scaled as the float model sees them.
pub(super) fn scaled_f64(
    scaler: &MinMaxScaler,
    features: &Array2<f32>,
    rows: Range<usize>,
) -> Array2<f64> {
    scaler.transform_rows(features, rows).mapv(f64::from)
}

/// The device's scores on the test rows (run by the runtime) against the float model's,
/// and the detection metrics they give.
pub(super) fn measure_anomaly(
    inputs: &ExportInputs<'_>,
    detector: Detector<'_>,
    model: &Model<'_>,
) -> Result<(AnomalyMetrics, Vec<(f64, bool)>)> {
    let test = &inputs.test.features;
    let mut scratch = Scratch::<{ bottleneck_format::MAX_WIDTH }>::new();
    let mut scores = Vec::with_capacity(test.nrows());
    for row in test.rows() {
        let s = model
            .anomaly_score(&row.to_vec(), &mut scratch)
            .map_err(failed_on_a_test_row)?;
        scores.push(s.score);
    }
    let stack: Vec<FloatDense> = inputs
        .layers
        .iter()
        .chain(detector.layers)
        .cloned()
        .collect();
    let mut float = Vec::with_capacity(test.nrows());
    for rows in chunks(test.nrows()) {
        let x = scaled_f64(inputs.scaler, test, rows);
        let reconstruction = forward_all(&stack, &x).pop().unwrap_or_default();
        float.extend(mse_scores(&x, &reconstruction));
    }
    let threshold = model.view().anomaly().map_or(0, |a| a.threshold());
    let scale = f64::from(model.score_scale());
    let metrics = anomaly_metrics(
        &scores,
        scale,
        Some(&float),
        detector.anomalous,
        threshold,
        detector.normal_label,
    );
    let sample = scores
        .iter()
        .zip(detector.anomalous)
        .map(|(&s, &a)| (f64::from(s) * scale, a))
        .collect();
    Ok((metrics, sample))
}

/// The device (the runtime on the model file) against the float pipeline on the test
/// rows whose label the classifier knows, chunk by chunk.
pub(super) fn measure(
    inputs: &ExportInputs<'_>,
    model: &Model<'_>,
    file_bytes: usize,
    feature_affine: Affine,
    normalization: Option<&FeatureNormalization>,
    device_classifier: &LinearClassifier,
    float_classifier: &LinearClassifier,
) -> Result<DeviceMetrics> {
    let (known, _) = crate::pipeline::known_rows(inputs.test, inputs.train.n_classes());
    let test = &known.features;
    let mut scratch = Scratch::<{ bottleneck_format::MAX_WIDTH }>::new();
    let mut device_classes = Vec::with_capacity(test.nrows());
    let mut float_classes = Vec::with_capacity(test.nrows());
    let mut same_head_classes = Vec::with_capacity(test.nrows());
    let mut err_max = 0.0f64;
    let mut err_sum = 0.0f64;
    let mut err_n = 0usize;
    let mut saturated_rows = 0usize;
    // Half a step beyond the outermost codes: where rounding stops and clamping begins.
    let half_step = feature_affine.scale / 2.0;
    let (lowest, highest) = (
        feature_affine.dequantize(i8::MIN) - half_step,
        feature_affine.dequantize(i8::MAX) + half_step,
    );
    for rows in chunks(test.nrows()) {
        let float_features = forward_all(
            inputs.layers,
            &scaled_f64(inputs.scaler, test, rows.clone()),
        )
        .pop()
        .unwrap_or_default();
        float_classes.extend(float_classifier.predict(&float_features.mapv(|v| v as f32)));
        // The float encoder's features as the device computes them (normalized), for
        // the device's own head and the feature error.
        let mut float_features = float_features;
        if let Some(n) = normalization {
            n.map_features(&mut float_features);
        }
        same_head_classes.extend(device_classifier.predict(&float_features.mapv(|v| v as f32)));
        for (row, f_row) in test
            .slice(s![rows, ..])
            .rows()
            .into_iter()
            .zip(float_features.rows())
        {
            let out = model
                .infer(&row.to_vec(), &mut scratch)
                .map_err(failed_on_a_test_row)?;
            device_classes.push(out.class);
            saturated_rows += usize::from(f_row.iter().any(|&f| f < lowest || f > highest));
            for (&q, &f) in out.features.iter().zip(f_row) {
                let e = (feature_affine.dequantize(q) - f).abs() / feature_affine.scale;
                err_max = err_max.max(e);
                err_sum += e;
                err_n += 1;
            }
        }
    }
    let targets = &known.targets;
    Ok(DeviceMetrics {
        float_encoder_accuracy: accuracy(&float_classes, targets),
        device_accuracy: accuracy(&device_classes, targets),
        class_agreement: accuracy(&device_classes, &same_head_classes),
        float_pipeline_agreement: accuracy(&device_classes, &float_classes),
        feature_error_max_steps: err_max,
        feature_error_mean_steps: err_sum / err_n.max(1) as f64,
        saturated_test_rows: saturated_rows,
        test_rows: test.nrows(),
        file_bytes,
        parameters: model.view().parameter_count(),
        scratch_bytes: bottleneck_runtime::scratch_bytes(model.max_width()),
        handle_bytes_host: std::mem::size_of::<Model<'_>>() + std::mem::size_of::<Logits>(),
    })
}
