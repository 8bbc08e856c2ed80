//! Quantizing a stack of dense layers, one after the other, each fitted to the int8
//! inputs it will really see.
//!
//! Only two things need every training row: each layer's output range (a float pass,
//! [`activation_ranges`]) and, once the layers are fixed, their int8 outputs
//! ([`run_int8`]). Both stream the rows in chunks of [`CHUNK_ROWS`]. The weight rounding
//! is fitted on at most [`CALIBRATION_ROWS`] of them, held in memory: on 67,000 rows the
//! earlier whole-matrix version held every layer's activations in f64 (600 MB).

use std::ops::Range;

use bottleneck_format::{ChannelLayout, DenseChannel, DenseSpec, Requant, Role};
use ndarray::Array2;

use super::fold::{FloatDense, forward_all};
use super::params::{Affine, bias_limit, quantize_multiplier};
use super::reference::dense_batch;
use super::rounding::{Calibration, fit_rows};
use crate::error::{Result, TrainError};
use crate::parallel::on_two_halves;

#[cfg(doc)]
use crate::scaler::CHUNK_ROWS;
pub use crate::scaler::chunks;

pub(super) fn multiplier(what: &str, m: f64) -> Result<bottleneck_format::Requant> {
    quantize_multiplier(m).ok_or_else(|| TrainError::Quantization {
        problem: format!("{what}: real multiplier {m:e} cannot be represented"),
    })
}

pub(super) fn clamp_bias(b: i64, n_in: usize) -> i32 {
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
    calibration: &Calibration,
    target: &Array2<f64>,
) -> Result<DenseSpec> {
    let n_in = layer.weights.ncols();
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
    let fitted = fit_rows(&layer.weights, calibration, target);
    for (c, (q, bias_real, s_w)) in fitted.into_iter().enumerate() {
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
/// all used; 67,000 would make the fit cost a hundred times the training epochs. At
/// 67,000 rows, 2,048 gave the same device accuracy as 4,096 (0.910 vs 0.909) at half the
/// time and memory of this step, which was the run's memory peak.
pub const CALIBRATION_ROWS: usize = 2048;

/// The rows the rounding is fitted on: all of them up to [`CALIBRATION_ROWS`], else that
/// many spread evenly over the whole set (deterministic, in order).
pub fn calibration_rows(rows: usize) -> Vec<usize> {
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
    /// The float stack's outputs on the same rows.
    pub float_out: Array2<f64>,
    /// Scale and zero point of the last layer's output.
    pub out_affine: Affine,
}

/// The smallest and largest output of each channel of each layer of `layers` (run in
/// order) over every row of `rows` rows, chunk by chunk: `chunk(range)` gives the float
/// inputs of the rows `range`. The halves run on the two cores; min and max do not depend
/// on the order. [`overall`] gives a layer's range from its channels'.
pub fn activation_ranges(
    layers: &[FloatDense],
    rows: usize,
    chunk: impl Fn(Range<usize>) -> Array2<f64> + Sync,
) -> Vec<Vec<(f64, f64)>> {
    let empty = || -> Vec<Vec<(f64, f64)>> {
        layers
            .iter()
            .map(|l| vec![(f64::INFINITY, f64::NEG_INFINITY); l.weights.nrows()])
            .collect()
    };
    let ranges: Vec<Range<usize>> = chunks(rows).collect();
    let per_half = on_two_halves(ranges.len(), |half| {
        let mut found = empty();
        for rows in &ranges[half] {
            for (channels, act) in found
                .iter_mut()
                .zip(forward_all(layers, &chunk(rows.clone())))
            {
                // Lows and highs in two arrays beside the row: the loop vectorizes.
                let (mut lo, mut hi): (Vec<f64>, Vec<f64>) = channels.iter().copied().unzip();
                for row in act.rows() {
                    for ((l, h), &v) in lo.iter_mut().zip(hi.iter_mut()).zip(row) {
                        *l = l.min(v);
                        *h = h.max(v);
                    }
                }
                for (range, (l, h)) in channels.iter_mut().zip(lo.into_iter().zip(hi)) {
                    *range = (l, h);
                }
            }
        }
        vec![found]
    });
    let mut ranges = empty();
    for found in per_half {
        for (channels, half) in ranges.iter_mut().zip(found) {
            for (range, (lo, hi)) in channels.iter_mut().zip(half) {
                *range = (range.0.min(lo), range.1.max(hi));
            }
        }
    }
    ranges
}

/// A layer's output range from its channels' ([`activation_ranges`]).
pub fn overall(channels: &[(f64, f64)]) -> (f64, f64) {
    channels
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(l, h)| {
            (lo.min(l), hi.max(h))
        })
}

/// Quantizes `layers` in order, each fitted to the int8 inputs it will really see on the
/// calibration rows (the error of the layers before it included). `ranges` are the float
/// layers' output ranges over every row ([`activation_ranges`]), `float_in` the float
/// inputs of the calibration rows, `q_in` their int8 inputs on scale `in_affine`. Each
/// output's scale comes from its range, except the last layer's when `last_out` fixes it
/// (a decoder's reconstruction is quantized on the input's own scale, so the squared error
/// is an integer sum). `first_index` numbers the layers in error messages.
pub fn quantize_stack(
    layers: &[FloatDense],
    ranges: &[(f64, f64)],
    float_in: Array2<f64>,
    mut q_in: Array2<i64>,
    mut in_affine: Affine,
    last_out: Option<Affine>,
    first_index: usize,
) -> Result<QuantizedStack> {
    let mut specs = Vec::with_capacity(layers.len());
    let mut float_in = float_in;
    for (k, (layer, &(lo, hi))) in layers.iter().zip(ranges).enumerate() {
        let out_affine = match last_out {
            Some(fixed) if k + 1 == layers.len() => fixed,
            _ => Affine::from_range(lo, hi),
        };
        // The float pre-activations: the rounding's target, and after the activation the
        // next layer's float input (the same arithmetic as `forward_all`). Each array is
        // dropped as soon as it is used: the step's peak is the run's at 67,000 rows.
        let mut target = float_in.dot(&layer.weights.t()) + &layer.bias;
        drop(float_in);
        let calibration = Calibration::from_fn(q_in.dim(), |i, j| {
            (q_in[[i, j]] as f64 - f64::from(in_affine.zero_point)) * in_affine.scale
        });
        let index = first_index + k;
        let dense = quantize_dense(layer, in_affine, out_affine, index, &calibration, &target)?;
        drop(calibration);
        q_in = dense_batch(&dense, &q_in);
        specs.push(dense);
        in_affine = out_affine;
        if let Some(slope) = layer.leaky_slope {
            target.mapv_inplace(|v| if v >= 0.0 { v } else { slope * v });
        }
        float_in = target;
    }
    Ok(QuantizedStack {
        layers: specs,
        q_out: q_in,
        float_out: float_in,
        out_affine: in_affine,
    })
}

/// The int8 layers `layers` run on the int8 rows `q_in` (as i64).
pub fn run_int8(layers: &[DenseSpec], q_in: &Array2<i64>) -> Array2<i64> {
    match layers.split_first() {
        None => q_in.clone(),
        Some((first, rest)) => rest
            .iter()
            .fold(dense_batch(first, q_in), |q, layer| dense_batch(layer, &q)),
    }
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
        assert_eq!((many[0], *many.last().unwrap()), (0, 66_967));
    }
}
