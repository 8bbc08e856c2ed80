//! Quantizes the fitted pipeline into a model file and measures what the device will do.

use bottleneck_format::{
    AnomalySpec, ChannelLayout, DenseChannel, DenseSpec, GoldenSpec, HeadChannel, HeadSpec,
    ModelSpec, Requant, Role,
};
use bottleneck_runtime::{Logits, Model, Scratch};
use ndarray::{Array2, Axis};

use super::anomaly::{mse_scores, quantize_decoder};
#[cfg(doc)]
use super::fold::fold_encoder;
use super::fold::{FloatDense, forward_all};
use super::params::{Affine, bias_limit, quantize_multiplier, quantize_row};
use super::reference::{ReferenceModel, dense_batch};
use super::rounding::{Calibration, fit_row};
use crate::classifier::{LinearClassifier, accuracy};
use crate::data::Dataset;
use crate::detection::{AnomalyMetrics, anomaly_metrics};
use crate::error::{Result, TrainError};
use crate::report::DeviceMetrics;
use crate::scaler::MinMaxScaler;

/// Golden vectors stored in the file for the on-device self-test: four cover both classes
/// of the seed problem and keep the file within 1.1 bytes per parameter.
pub const GOLDEN_VECTORS: usize = 4;

/// What quantization reads: the trained float model and data, nothing of the pipeline
/// that produced them.
#[derive(Debug, Clone, Copy)]
pub struct ExportInputs<'a> {
    /// The encoder with BatchNorm folded in ([`fold_encoder`]), input side first.
    pub layers: &'a [FloatDense],
    /// The min-max scaler fitted on the training rows (folded into the input affine).
    pub scaler: &'a MinMaxScaler,
    /// Training rows (unscaled): calibration ranges, rounding, and the head's fit.
    pub train: &'a Dataset,
    /// The normal training rows the threshold is calibrated on, if they are not the
    /// `train` rows themselves (`None`: calibrate on `train`).
    pub normal_train: Option<&'a Dataset>,
    /// Test rows (unscaled): golden vectors and the measurements.
    pub test: &'a Dataset,
    /// The logistic regression fitted on float bottleneck features, the float pipeline
    /// the int8 model is compared with; `None` ships no head (`--task anomaly`).
    pub float_classifier: Option<&'a LinearClassifier>,
    /// The decoder and its threshold, for a file that detects anomalies; `None` ships
    /// the encoder and the classifier only.
    pub decoder: Option<Detector<'a>>,
}

/// What an anomaly-detecting file needs beyond the encoder.
#[derive(Debug, Clone, Copy)]
pub struct Detector<'a> {
    /// The decoder, folded ([`super::fold_decoder`]), bottleneck side first.
    pub layers: &'a [FloatDense],
    /// How the threshold is chosen.
    pub threshold: Threshold,
    /// Which test rows are anomalies (for the measurements).
    pub anomalous: &'a [bool],
    /// The label of normal rows, for the report.
    pub normal_label: Option<&'a str>,
}

/// How the anomaly threshold is chosen.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    /// This quantile (in `(0, 1]`) of the integer scores the device computes for the
    /// training rows, nearest rank.
    Quantile(f64),
    /// A mean squared reconstruction error, turned into the largest integer score at or
    /// below it.
    Value(f64),
}

impl Threshold {
    /// The integer threshold for the training rows' integer `scores`, with `score_scale`
    /// the real value of one score unit.
    pub fn integer(self, scores: &[u64], score_scale: f64) -> u32 {
        match self {
            Threshold::Quantile(q) => {
                let mut sorted = scores.to_vec();
                sorted.sort_unstable();
                let rank =
                    ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
                sorted
                    .get(rank - 1)
                    .copied()
                    .unwrap_or(0)
                    .min(u64::from(u32::MAX)) as u32
            }
            Threshold::Value(v) => (v / score_scale).floor().clamp(0.0, f64::from(u32::MAX)) as u32,
        }
    }
}

/// The model file and everything derived with it.
#[derive(Debug, Clone)]
pub struct ExportedModel {
    /// The owned description.
    pub spec: ModelSpec,
    /// The file bytes.
    pub bytes: Vec<u8>,
    /// The trainer's reference inference for this model.
    pub reference: ReferenceModel,
    /// The logistic regression fitted on the device's features (before quantization;
    /// files with a head).
    pub device_classifier: Option<LinearClassifier>,
    /// Classification measured on the test split (files with a head).
    pub metrics: Option<DeviceMetrics>,
    /// Anomaly detection measured on the test split (files with a decoder).
    pub anomaly: Option<AnomalyMetrics>,
    /// Per test row, the device's score as a mean squared error and whether the row is
    /// an anomaly (files with a decoder): the histogram's data.
    pub test_scores: Option<Vec<(f64, bool)>>,
}

fn column_ranges(x: &Array2<f64>) -> (f64, f64) {
    x.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

fn multiplier(what: &str, m: f64) -> Result<bottleneck_format::Requant> {
    quantize_multiplier(m).ok_or_else(|| TrainError::Quantization {
        problem: format!("{what}: real multiplier {m:e} cannot be represented"),
    })
}

fn clamp_bias(b: i64, n_in: usize) -> i32 {
    let limit = bias_limit(n_in);
    b.clamp(-limit, limit) as i32
}

/// Quantizes one layer. `inputs` are the dequantized int8 inputs the layer will see on
/// the calibration rows; `target` the float network's pre-activations there.
fn quantize_dense(
    layer: &FloatDense,
    input: Affine,
    output: Affine,
    index: usize,
    inputs: &Array2<f64>,
    target: &Array2<f64>,
) -> Result<DenseSpec> {
    let n_in = layer.weights.ncols();
    let calibration = Calibration::new(inputs);
    let mut weights = Vec::with_capacity(layer.weights.len());
    let mut channels = Vec::with_capacity(layer.weights.nrows());
    // One LeakyReLU slope for the whole layer (format version 2): each channel's negative
    // side is its positive multiplier scaled by it, 5 bytes per channel fewer in the file.
    let slope = match layer.leaky_slope {
        Some(slope) => Some(multiplier(
            &format!("layer {index} LeakyReLU slope"),
            slope,
        )?),
        None => None,
    };
    for (c, row) in layer.weights.axis_iter(Axis(0)).enumerate() {
        let (_, s_w) = quantize_row(row.iter().copied());
        let (q, bias_real) = fit_row(row, s_w, &calibration, target.column(c));
        let row_sum: i64 = q.iter().map(|&w| i64::from(w)).sum();
        let b_q = (bias_real / (input.scale * s_w)).round() as i64;
        let bias = clamp_bias(b_q - i64::from(input.zero_point) * row_sum, n_in);
        let m = input.scale * s_w / output.scale;
        let positive = multiplier(&format!("layer {index} channel {c}"), m)?;
        let negative = match slope {
            Some(slope) => positive
                .scaled_by(slope)
                .ok_or_else(|| TrainError::Quantization {
                    problem: format!(
                        "layer {index} channel {c}: the LeakyReLU side's shift is out of range"
                    ),
                })?,
            None => positive,
        };
        weights.extend(q);
        channels.push(DenseChannel {
            bias,
            positive,
            negative,
        });
    }
    // A zero slope is ReLU (version 3 stores it as such); the negative multipliers it
    // derives are zero already.
    let layout = match slope {
        Some(Requant { multiplier: 0, .. }) => {
            for ch in &mut channels {
                ch.negative = Requant {
                    multiplier: 0,
                    shift: ch.positive.shift,
                };
            }
            ChannelLayout::Relu
        }
        _ => ChannelLayout::Shared(slope),
    };
    Ok(DenseSpec {
        role: Role::Encoder,
        output_scale: output.scale as f32,
        output_zero_point: output.zero_point,
        weights,
        channels,
        layout,
    })
}

/// Most rows the weight rounding of one layer is fitted on: a representative sample, as
/// TensorFlow Lite's converters use a few hundred. The tutorial's 670 training rows are
/// all used; 67,000 would make the fit cost a hundred times the training epochs.
pub const CALIBRATION_ROWS: usize = 4096;

/// The rows the rounding is fitted on: all of them up to [`CALIBRATION_ROWS`], else that
/// many spread evenly over the whole set (deterministic, in order).
fn calibration_rows(rows: usize) -> Vec<usize> {
    if rows <= CALIBRATION_ROWS {
        return (0..rows).collect();
    }
    (0..CALIBRATION_ROWS)
        .map(|k| k * rows / CALIBRATION_ROWS)
        .collect()
}

/// A stack of dense layers quantized one after the other.
#[derive(Debug, Clone)]
pub struct QuantizedStack {
    /// The layers, in order.
    pub layers: Vec<DenseSpec>,
    /// The int8 outputs of the last layer on the calibration rows (as i64).
    pub q_out: Array2<i64>,
    /// Scale and zero point of the last layer's output.
    pub out_affine: Affine,
}

/// Quantizes `layers` in order, each fitted to the int8 inputs it will really see on the
/// calibration rows (the error of the layers before it included). `activations` are the
/// float layers' outputs on those rows, `float_in` their float inputs, `q_in` the int8
/// inputs on scale `in_affine`. Each output's range comes from its float activations,
/// except the last layer's when `last_out` fixes it (a decoder's reconstruction is
/// quantized on the input's own scale, so the squared error is an integer sum).
/// `first_index` numbers the layers in error messages.
pub fn quantize_stack(
    layers: &[FloatDense],
    activations: &[Array2<f64>],
    float_in: &Array2<f64>,
    mut q_in: Array2<i64>,
    mut in_affine: Affine,
    last_out: Option<Affine>,
    first_index: usize,
) -> Result<QuantizedStack> {
    let mut specs = Vec::with_capacity(layers.len());
    // The float input of the layer at hand: borrowed, never copied (on 67,000 rows each
    // copy was tens of megabytes).
    let mut float_in = float_in;
    for (k, (layer, act)) in layers.iter().zip(activations).enumerate() {
        let out_affine = match last_out {
            Some(fixed) if k + 1 == layers.len() => fixed,
            _ => {
                let (lo, hi) = column_ranges(act);
                Affine::from_range(lo, hi)
            }
        };
        // The weight rounding is fitted on at most CALIBRATION_ROWS rows (its cost grows
        // with rows x weights); ranges above and the int8 outputs below use every row.
        let fit_rows = calibration_rows(q_in.nrows());
        let dequantized = q_in
            .select(Axis(0), &fit_rows)
            .mapv(|q| (q as f64 - f64::from(in_affine.zero_point)) * in_affine.scale);
        let target = float_in.select(Axis(0), &fit_rows).dot(&layer.weights.t()) + &layer.bias;
        let index = first_index + k;
        let dense = quantize_dense(layer, in_affine, out_affine, index, &dequantized, &target)?;
        q_in = dense_batch(&dense, &q_in);
        specs.push(dense);
        in_affine = out_affine;
        float_in = act;
    }
    Ok(QuantizedStack {
        layers: specs,
        q_out: q_in,
        out_affine: in_affine,
    })
}

/// Quantizes the head. `inputs` are the dequantized int8 features of the calibration
/// rows, `float_features` the float encoder's features of the same rows: the int8 head is
/// fitted to reproduce, from the int8 features, the classifier's logits on the float ones.
fn quantize_head(
    classifier: &LinearClassifier,
    features: Affine,
    inputs: &Array2<f64>,
    float_features: &Array2<f64>,
) -> Result<HeadSpec> {
    let calibration = Calibration::new(inputs);
    let targets = float_features.dot(&classifier.weights.t()) + &classifier.bias;
    let n_in = classifier.weights.ncols();
    let rows: Vec<(Vec<i8>, f64)> = classifier
        .weights
        .axis_iter(Axis(0))
        .map(|row| quantize_row(row.iter().copied()))
        .collect();
    // One common logit scale so logits compare directly: the largest accumulator scale,
    // which keeps every per-logit multiplier <= 1.
    let logit_scale = rows
        .iter()
        .map(|(_, s_w)| features.scale * s_w)
        .fold(0.0f64, f64::max);
    let mut weights = Vec::new();
    let mut channels = Vec::new();
    for (k, (_, s_w)) in rows.into_iter().enumerate() {
        let (q, bias_real) = fit_row(
            classifier.weights.row(k),
            s_w,
            &calibration,
            targets.column(k),
        );
        let row_sum: i64 = q.iter().map(|&w| i64::from(w)).sum();
        let acc_scale = features.scale * s_w;
        let b_q = (bias_real / acc_scale).round() as i64;
        let bias = clamp_bias(b_q - i64::from(features.zero_point) * row_sum, n_in);
        let requant = multiplier(&format!("head logit {k}"), acc_scale / logit_scale)?;
        weights.extend(q);
        channels.push(HeadChannel { bias, requant });
    }
    Ok(HeadSpec {
        logit_scale: logit_scale as f32,
        weights,
        channels,
    })
}

fn rows_f32(x: &Array2<f32>) -> Vec<Vec<f32>> {
    x.rows().into_iter().map(|r| r.to_vec()).collect()
}

/// Quantizes the float model into a model file, fits the head on the int8 encoder's
/// features, and measures the result on the test split with the runtime crate.
pub fn export_model(inputs: &ExportInputs<'_>) -> Result<ExportedModel> {
    let layers = inputs.layers;
    let x_train = inputs
        .scaler
        .transform(&inputs.train.features)
        .mapv(f64::from);
    let activations = forward_all(layers, &x_train);

    // Scaled inputs span [0, 1] on the training rows; fold the scaler into the affine.
    // An anomaly detector keeps headroom on both sides: anomalies leave the training
    // range, and saturating them there cost up to 0.02 of AUC (BENCHMARKS.md).
    let input = if inputs.decoder.is_some() && inputs.float_classifier.is_none() {
        Affine::from_range(-0.5, 1.5)
    } else {
        Affine::from_range(0.0, 1.0)
    };
    let input_affine: Vec<(f32, f32)> = inputs
        .scaler
        .min
        .iter()
        .zip(&inputs.scaler.range)
        .map(|(&lo, &range)| {
            let a = 1.0 / (f64::from(range) * input.scale);
            let b = f64::from(input.zero_point) - f64::from(lo) * a;
            (a as f32, b as f32)
        })
        .collect();

    // The spec starts with the input side only (the head is filled in last) and grows
    // layer by layer: each layer is fitted to the int8 inputs it will really see, i.e.
    // with the error of the layers before it.
    let mut spec = ModelSpec {
        input_scale: input.scale as f32,
        input_zero_point: input.zero_point,
        input_affine,
        feature_names: inputs.train.feature_names.clone(),
        layers: Vec::with_capacity(layers.len()),
        head: None,
        labels: if inputs.float_classifier.is_some() {
            inputs.train.labels.clone()
        } else {
            Vec::new()
        },
        anomaly: None,
        golden: Vec::new(),
    };
    let quantizer = ReferenceModel::new(&spec);
    let q_in = quantize_rows(&quantizer, &inputs.train.features);
    let stack = quantize_stack(layers, &activations, &x_train, q_in.clone(), input, None, 0)?;
    spec.layers = stack.layers;
    let feature_affine = stack.out_affine;
    if let Some(detector) = inputs.decoder {
        let float_features = activations.last().cloned().unwrap_or_default();
        let quantized = quantize_decoder(
            detector.layers,
            &float_features,
            stack.q_out.clone(),
            feature_affine,
            input,
            layers.len(),
        )?;
        // The threshold comes from the integer scores the device computes for the normal
        // training rows.
        let scores = match inputs.normal_train {
            Some(normal) => {
                let q_normal = quantize_rows(&quantizer, &normal.features);
                let q_features = spec
                    .layers
                    .iter()
                    .fold(q_normal.clone(), |q, layer| dense_batch(layer, &q));
                quantized.scores(&q_normal, &q_features)
            }
            // The training rows' int8 inputs and features are at hand already.
            None => quantized.scores(&q_in, &stack.q_out),
        };
        let n = x_train.ncols();
        let score_scale = (input.scale as f32) * (input.scale as f32) / n as f32;
        spec.anomaly = Some(AnomalySpec {
            score_scale,
            threshold: detector.threshold.integer(&scores, f64::from(score_scale)),
        });
        spec.layers
            .extend(quantized.stack.layers.into_iter().map(|mut l| {
                l.role = Role::Decoder;
                l
            }));
    }
    let q_in = stack.q_out;

    // After the loop `q_in` holds the int8 features the device computes for the training
    // rows: the head is fitted on them, dequantized.
    let device_classifier = match inputs.float_classifier {
        Some(_) => {
            let f_train = q_in.mapv(|q| feature_affine.dequantize(q as i8) as f32);
            let device_classifier = LinearClassifier::fit(
                &f_train,
                &inputs.train.targets,
                inputs.train.n_classes(),
                "int8 device features",
            )?;
            let float_train_features = activations.last().cloned().unwrap_or_default();
            spec.head = Some(quantize_head(
                &device_classifier,
                feature_affine,
                &f_train.mapv(f64::from),
                &float_train_features,
            )?);
            Some(device_classifier)
        }
        None => None,
    };
    let reference = ReferenceModel::new(&spec);

    let test_rows = rows_f32(&inputs.test.features);
    spec.golden = test_rows
        .iter()
        .take(GOLDEN_VECTORS)
        .map(|row| {
            let input = reference.quantize(row);
            let out = reference.infer(&input);
            GoldenSpec {
                input,
                features: out.features,
                logits: out.logits,
                class: out.class as u16,
                reconstruction: out.reconstruction,
                score: out.score,
            }
        })
        .collect();
    let bytes = spec.to_bytes().map_err(|e| TrainError::Quantization {
        problem: format!("the quantized model is not a valid file: {e}"),
    })?;

    let metrics = match (&device_classifier, inputs.float_classifier) {
        (Some(device), Some(float)) => Some(measure(
            inputs,
            &bytes,
            feature_affine,
            &test_rows,
            device,
            float,
        )?),
        _ => None,
    };
    let (anomaly, test_scores) = match inputs.decoder {
        Some(detector) => {
            let (m, s) = measure_anomaly(inputs, detector, &bytes, &test_rows)?;
            (Some(m), Some(s))
        }
        None => (None, None),
    };
    Ok(ExportedModel {
        spec,
        bytes,
        reference,
        device_classifier,
        metrics,
        anomaly,
        test_scores,
    })
}

/// `features` (unscaled rows) quantized as the device does, as i64.
fn quantize_rows(quantizer: &ReferenceModel, features: &Array2<f32>) -> Array2<i64> {
    let q: Vec<i64> = rows_f32(features)
        .iter()
        .flat_map(|r| quantizer.quantize(r))
        .map(i64::from)
        .collect();
    Array2::from_shape_vec((features.nrows(), features.ncols()), q).unwrap_or_default()
}

/// The device's scores on the test rows (run by the runtime) against the float model's,
/// and the detection metrics they give.
fn measure_anomaly(
    inputs: &ExportInputs<'_>,
    detector: Detector<'_>,
    bytes: &[u8],
    test_rows: &[Vec<f32>],
) -> Result<(AnomalyMetrics, Vec<(f64, bool)>)> {
    let model = Model::from_bytes(bytes).map_err(|e| TrainError::Quantization {
        problem: format!("the runtime rejects the model: {e}"),
    })?;
    let mut scratch = Scratch::<{ bottleneck_format::MAX_WIDTH }>::new();
    let mut scores = Vec::with_capacity(test_rows.len());
    for row in test_rows {
        let s = model
            .anomaly_score(row, &mut scratch)
            .map_err(|e| TrainError::Quantization {
                problem: format!("the runtime failed on a test row: {e}"),
            })?;
        scores.push(s.score);
    }
    let x_test = inputs
        .scaler
        .transform(&inputs.test.features)
        .mapv(f64::from);
    let stack: Vec<FloatDense> = inputs
        .layers
        .iter()
        .chain(detector.layers)
        .cloned()
        .collect();
    let reconstruction = forward_all(&stack, &x_test).pop().unwrap_or_default();
    let float = mse_scores(&x_test, &reconstruction);
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

fn measure(
    inputs: &ExportInputs<'_>,
    bytes: &[u8],
    feature_affine: Affine,
    test_rows: &[Vec<f32>],
    device_classifier: &LinearClassifier,
    float_classifier: &LinearClassifier,
) -> Result<DeviceMetrics> {
    let model = Model::from_bytes(bytes).map_err(|e| TrainError::Quantization {
        problem: format!("the runtime rejects the model: {e}"),
    })?;
    let mut scratch = Scratch::<{ bottleneck_format::MAX_WIDTH }>::new();
    let mut device_classes = Vec::with_capacity(test_rows.len());
    let mut device_features = Vec::with_capacity(test_rows.len());
    for row in test_rows {
        let out = model
            .infer(row, &mut scratch)
            .map_err(|e| TrainError::Quantization {
                problem: format!("the runtime failed on a test row: {e}"),
            })?;
        device_classes.push(out.class);
        device_features.push(out.features.to_vec());
    }

    let x_test = inputs.scaler.transform(&inputs.test.features);
    let float_features = forward_all(inputs.layers, &x_test.mapv(f64::from))
        .pop()
        .unwrap_or_default();
    let float_features_f32 = float_features.mapv(|v| v as f32);
    let float_classes = float_classifier.predict(&float_features_f32);
    let same_head_classes = device_classifier.predict(&float_features_f32);
    let mut err_max = 0.0f64;
    let mut err_sum = 0.0f64;
    let mut err_n = 0usize;
    for (q_row, f_row) in device_features.iter().zip(float_features.rows()) {
        for (&q, &f) in q_row.iter().zip(f_row) {
            let e = (feature_affine.dequantize(q) - f).abs() / feature_affine.scale;
            err_max = err_max.max(e);
            err_sum += e;
            err_n += 1;
        }
    }
    let targets = &inputs.test.targets;
    Ok(DeviceMetrics {
        float_encoder_accuracy: accuracy(&float_classes, targets),
        device_accuracy: accuracy(&device_classes, targets),
        class_agreement: accuracy(&device_classes, &same_head_classes),
        float_pipeline_agreement: accuracy(&device_classes, &float_classes),
        feature_error_max_steps: err_max,
        feature_error_mean_steps: err_sum / err_n.max(1) as f64,
        file_bytes: bytes.len(),
        parameters: model.view().parameter_count(),
        scratch_bytes: bottleneck_runtime::scratch_bytes(model.max_width()),
        handle_bytes_host: std::mem::size_of::<Model<'_>>() + std::mem::size_of::<Logits>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_uses_every_row_up_to_the_cap_then_an_even_spread() {
        assert_eq!(calibration_rows(5), vec![0, 1, 2, 3, 4]);
        assert_eq!(calibration_rows(CALIBRATION_ROWS).len(), CALIBRATION_ROWS);
        let many = calibration_rows(67_000);
        assert_eq!(many.len(), CALIBRATION_ROWS);
        assert!(many.windows(2).all(|w| w[0] < w[1]), "in order, no repeats");
        assert_eq!((many[0], *many.last().unwrap()), (0, 66_983));
    }
}
