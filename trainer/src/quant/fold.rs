//! The float encoder as plain matrices, with each BatchNorm folded into its Dense layer.

use ndarray::{Array1, Array2, Axis};

use crate::model::{Decoder, Encoder, HiddenLayer};
use crate::training::to_array;
use burn::nn::BatchNorm;
use burn::prelude::Tensor;

/// One dense layer of the folded float encoder: `y = act(W x + b)`.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatDense {
    /// `out × in`.
    pub weights: Array2<f64>,
    /// `out`.
    pub bias: Array1<f64>,
    /// LeakyReLU slope (0 for ReLU), or `None` for a linear layer.
    pub leaky_slope: Option<f64>,
}

fn vector(t: Tensor<1>) -> Array1<f64> {
    let n = t.dims()[0];
    to_array(t.reshape([1, n])).row(0).mapv(f64::from)
}

fn linear_parts(linear: &burn::nn::Linear) -> (Array2<f64>, Array1<f64>) {
    // burn stores the weight as `in × out`; the file wants one row per output.
    let w = to_array(linear.weight.val())
        .mapv(f64::from)
        .reversed_axes();
    let b = match &linear.bias {
        Some(b) => vector(b.val()),
        None => Array1::zeros(w.nrows()),
    };
    (w, b)
}

fn fold_hidden(layer: &HiddenLayer, slope: f64) -> FloatDense {
    fold_norm(&layer.linear, &layer.norm, slope)
}

/// A Dense layer followed by BatchNorm (inference mode) and the activation of `slope`.
fn fold_norm(linear: &burn::nn::Linear, norm: &BatchNorm, slope: f64) -> FloatDense {
    let (w, b) = linear_parts(linear);
    let gamma = vector(norm.gamma.val());
    let beta = vector(norm.beta.val());
    let mean = vector(norm.running_mean.value());
    let var = vector(norm.running_var.value());
    // BN(z) = gamma (z - mean) / sqrt(var + eps) + beta, applied per output channel.
    let scale = &gamma / &var.mapv(|v| (v + norm.epsilon).sqrt());
    let weights = &w * &scale.view().insert_axis(Axis(1));
    let bias = (&b - &mean) * &scale + &beta;
    FloatDense {
        weights,
        bias,
        leaky_slope: Some(slope),
    }
}

/// The encoder in inference mode as folded float layers, input side first.
pub fn fold_encoder(encoder: &Encoder) -> Vec<FloatDense> {
    let mut layers: Vec<FloatDense> = encoder
        .hidden
        .iter()
        .map(|h| fold_hidden(h, encoder.slope))
        .collect();
    layers.push(match &encoder.bottleneck_norm {
        Some(norm) => fold_norm(&encoder.bottleneck, norm, encoder.slope),
        None => {
            let (weights, bias) = linear_parts(&encoder.bottleneck);
            FloatDense {
                weights,
                bias,
                leaky_slope: None,
            }
        }
    });
    layers
}

/// Runs the folded layers on `x` (rows × inputs) and returns every layer's output.
pub fn forward_all(layers: &[FloatDense], x: &Array2<f64>) -> Vec<Array2<f64>> {
    let mut outputs = Vec::with_capacity(layers.len());
    let mut current = x.clone();
    for layer in layers {
        let mut y = current.dot(&layer.weights.t()) + &layer.bias;
        if let Some(slope) = layer.leaky_slope {
            y.mapv_inplace(|v| if v >= 0.0 { v } else { slope * v });
        }
        outputs.push(y.clone());
        current = y;
    }
    outputs
}

/// The decoder in inference mode as folded float layers, bottleneck side first: hidden
/// layers with their BatchNorm folded in, then the linear reconstruction layer.
pub fn fold_decoder(decoder: &Decoder) -> Vec<FloatDense> {
    let mut layers: Vec<FloatDense> = decoder
        .hidden
        .iter()
        .map(|h| fold_hidden(h, decoder.slope))
        .collect();
    let (weights, bias) = linear_parts(&decoder.output);
    layers.push(FloatDense {
        weights,
        bias,
        leaky_slope: None,
    });
    layers
}
