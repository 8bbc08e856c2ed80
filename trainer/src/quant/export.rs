//! Quantizes the fitted pipeline into a model file and measures what the device will do.

use bottleneck_format::{AnomalySpec, GoldenSpec, HeadChannel, HeadSpec, ModelSpec, Role};
use bottleneck_runtime::Model;
use ndarray::{Array2, Axis};

use super::anomaly::quantize_decoder;
use super::fold::FloatDense;
#[cfg(doc)]
use super::fold::fold_encoder;
use super::int8_pass::{Int8Pass, quantize_rows};
use super::measure::{measure, measure_anomaly, scaled_f64};
use super::normalize::FeatureNormalization;
use super::params::{Affine, quantize_row};
use super::reference::ReferenceModel;
use super::rounding::{Calibration, fit_row};
use super::stack::{
    activation_ranges, calibration_rows, clamp_bias, multiplier, overall, quantize_stack,
};
use crate::classifier::LinearClassifier;
use crate::data::Dataset;
use crate::detection::AnomalyMetrics;
use crate::error::{Result, TrainError};
use crate::report::DeviceMetrics;
use crate::scaler::MinMaxScaler;

/// Golden vectors stored in the file for the on-device self-test: four cover both classes
/// of the seed problem. They are 616 of the seed model's 50,151 bytes; with the feature
/// names format version 3 added, the file is 1.105 bytes per parameter (BENCHMARKS.md).
pub const GOLDEN_VECTORS: usize = 4;

/// What quantization reads: the trained float model and data, nothing of the pipeline
/// that produced them.
#[derive(Debug, Clone, Copy)]
pub struct ExportInputs<'a> {
    /// The encoder with BatchNorm folded in ([`fold_encoder`]), input side first.
    pub layers: &'a [FloatDense],
    /// The min-max scaler fitted on the training rows (folded into the input affine).
    pub scaler: &'a MinMaxScaler,
    /// Training rows (unscaled): calibration ranges and rounding.
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
    /// The head before quantization: the float pipeline's logistic regression carried
    /// onto the features the device computes (files with a head).
    pub device_classifier: Option<LinearClassifier>,
    /// Classification measured on the test split (files with a head).
    pub metrics: Option<DeviceMetrics>,
    /// Anomaly detection measured on the test split (files with a decoder).
    pub anomaly: Option<AnomalyMetrics>,
    /// Per test row, the device's score as a mean squared error and whether the row is
    /// an anomaly (files with a decoder): the histogram's data.
    pub test_scores: Option<Vec<(f64, bool)>>,
    /// A model with a signal front end: each test recording as the device scores it.
    pub files: Option<Vec<crate::signal::FileScore>>,
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

/// Quantizes the float model into a model file, fits the head on the int8 encoder's
/// features, and measures the result on the test split with the runtime crate.
///
/// Memory stays a few megabytes above the data whatever the number of rows: passes over
/// every training row go chunk by chunk (see [`super::stack`]), and what is kept per row
/// is the int8 features (for the head's fit) and the anomaly scores (for the threshold).
pub fn export_model(inputs: &ExportInputs<'_>) -> Result<ExportedModel> {
    let scaler = inputs.scaler;
    // The rows the int8 layers are fitted on. A file that detects anomalies gets exactly
    // the detector `--task anomaly` would ship: input range, activation ranges and
    // rounding from the normal rows only. (`--task both` fitted them on every training row,
    // anomalies included, whose wider ranges cost the int8 detector up to 0.08 of AUC and
    // bought the classifier nothing; BENCHMARKS.md.) The classifier reads the encoder's
    // features of every training row.
    let fit_rows = match inputs.decoder {
        Some(_) => inputs.normal_train.unwrap_or(inputs.train),
        None => inputs.train,
    };
    let train = &fit_rows.features;
    let n_train = train.nrows();

    // Output ranges of every channel of every float layer, encoder and decoder, over
    // every row the layers are fitted on.
    let decoder_layers = inputs.decoder.map_or(&[][..], |d| d.layers);
    let mut float_stack: Vec<FloatDense> = inputs
        .layers
        .iter()
        .chain(decoder_layers)
        .cloned()
        .collect();
    let mut channel_ranges = activation_ranges(&float_stack, n_train, |rows| {
        scaled_f64(scaler, train, rows)
    });
    crate::memory::release_free_memory();

    // A classifier's features are normalized per channel before they are quantized
    // (`normalize`): folded into the bottleneck layer. Only a linear bottleneck can take
    // the shift; an activated one (`--bottleneck-activation same`) keeps its raw
    // features, and so does a file with a decoder, whose layers are the anomaly
    // detector's own.
    let n_encoder = inputs.layers.len();
    let bottleneck = n_encoder.wrapping_sub(1);
    let linear_bottleneck = float_stack
        .get(bottleneck)
        .is_some_and(|l| l.leaky_slope.is_none());
    let normalization = match (inputs.float_classifier, channel_ranges.get(bottleneck)) {
        (Some(_), Some(ranges)) if linear_bottleneck && inputs.decoder.is_none() => {
            Some(FeatureNormalization::fit(ranges))
        }
        _ => None,
    };
    if let Some(n) = &normalization {
        n.apply_to(&mut float_stack[bottleneck]);
        channel_ranges[bottleneck] = n.map_ranges(&channel_ranges[bottleneck]);
    }
    let (layers, decoder_layers) = float_stack.split_at(n_encoder);
    // No headroom beyond the training range: widening the features' range by 25 % or 50 %
    // cost more agreement (mean 99.6 %, 99.5 %) than the rare saturated test value did.
    let ranges: Vec<(f64, f64)> = channel_ranges.iter().map(|c| overall(c)).collect();
    let (encoder_ranges, decoder_ranges) = ranges.split_at(layers.len());

    // Scaled inputs span [0, 1] on the training rows; fold the scaler into the affine.
    // An anomaly detector keeps headroom on both sides: anomalies leave the training
    // range, and saturating them there cost up to 0.02 of AUC (BENCHMARKS.md).
    let input = if inputs.decoder.is_some() {
        Affine::from_range(-0.5, 1.5)
    } else {
        Affine::from_range(0.0, 1.0)
    };
    let input_affine: Vec<(f32, f32)> = scaler
        .min
        .iter()
        .zip(&scaler.range)
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
        front_end: None,
        golden: Vec::new(),
    };
    let quantizer = ReferenceModel::new(&spec);
    let calibration = train.select(Axis(0), &calibration_rows(n_train));
    let stack = quantize_stack(
        layers,
        encoder_ranges,
        scaler.transform(&calibration).mapv(f64::from),
        quantize_rows(&quantizer, calibration.view()),
        input,
        None,
        0,
    )?;
    spec.layers = stack.layers;
    crate::memory::release_free_memory();
    let feature_affine = stack.out_affine;
    let decoder = match inputs.decoder {
        Some(_) => Some(quantize_decoder(
            decoder_layers,
            decoder_ranges,
            stack.float_out.clone(),
            stack.q_out.clone(),
            feature_affine,
            input,
            layers.len(),
        )?),
        None => None,
    };

    if let (Some(detector), Some(quantized)) = (inputs.decoder, decoder) {
        // Every row the layers were fitted on (for a file with a decoder, the normal
        // training rows) through the int8 encoder and decoder: the scores the threshold is
        // calibrated on.
        let scores = Int8Pass {
            quantizer: &quantizer,
            encoder: &spec.layers,
            decoder: &quantized,
        }
        .scores(train);
        crate::memory::release_free_memory();
        let n = scaler.n_features();
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

    // The head is the float pipeline's classifier, carried onto the normalized features
    // the device computes, not a classifier refitted on the int8 features: a refit lands on
    // another boundary and disagrees with the float pipeline on more rows, at the same int8
    // accuracy (BENCHMARKS.md, accuracy). Its rounding is calibrated on the calibration
    // rows' int8 features (for a file with a decoder, normal rows: rows whose features
    // saturate pulled the rounding off and cost accuracy when they were included).
    let device_classifier = match inputs.float_classifier {
        Some(float) => {
            let dequantize = |q: i64| feature_affine.dequantize(q as i8) as f32;
            let device_classifier = match &normalization {
                Some(n) => n.map_classifier(float),
                None => float.clone(),
            };
            spec.head = Some(quantize_head(
                &device_classifier,
                feature_affine,
                &stack.q_out.mapv(|q| f64::from(dequantize(q))),
                &stack.float_out,
            )?);
            Some(device_classifier)
        }
        None => None,
    };
    let reference = ReferenceModel::new(&spec);

    let test = &inputs.test.features;
    spec.golden = test
        .rows()
        .into_iter()
        .take(GOLDEN_VECTORS)
        .map(|row| {
            let input = reference.quantize(&row.to_vec());
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

    // The runtime reads the file once for both measurements.
    let model = Model::from_bytes(&bytes).map_err(|e| TrainError::Quantization {
        problem: format!("the runtime rejects the model: {e}"),
    })?;
    let metrics = match (&device_classifier, inputs.float_classifier) {
        (Some(device), Some(float)) => Some(measure(
            inputs,
            &model,
            bytes.len(),
            feature_affine,
            normalization.as_ref(),
            device,
            float,
        )?),
        _ => None,
    };
    let (anomaly, test_scores) = match inputs.decoder {
        Some(detector) => {
            let (m, s) = measure_anomaly(inputs, detector, &model)?;
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
        files: None,
    })
}
