//! The trainer's reference integer inference, the other side of the parity contract.
//!
//! Deliberately written differently from the runtime's kernels: whole matrices in i64
//! with ndarray, the input rounded through f64, requantization in i128 with Euclidean
//! division instead of shifts. Both must agree bit for bit with SPEC.md §4.

use bottleneck_format::{DenseSpec, ModelSpec, Requant};
use ndarray::{Array1, Array2};

/// One layer in matrix form.
#[derive(Debug, Clone)]
struct RefLayer {
    weights: Array2<i64>,
    bias: Array1<i64>,
    positive: Vec<Requant>,
    negative: Vec<Requant>,
    zero_point: i64,
}

/// The reference implementation of a model's integer inference.
#[derive(Debug, Clone)]
pub struct ReferenceModel {
    affine: Vec<(f32, f32)>,
    layers: Vec<RefLayer>,
    head_weights: Array2<i64>,
    head_bias: Array1<i64>,
    head_requant: Vec<Requant>,
}

/// What the reference computes for one sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceOutput {
    /// int8 bottleneck features.
    pub features: Vec<i8>,
    /// int32 logits.
    pub logits: Vec<i32>,
    /// Predicted class.
    pub class: usize,
}

/// `round_half_up(acc * m / 2^(31 + shift))`, exactly, in i128.
pub fn requantize(acc: i64, r: Requant) -> i64 {
    let t = 31 + i32::from(r.shift);
    let denominator = 1i128 << t;
    let numerator = i128::from(acc) * i128::from(r.multiplier) + denominator / 2;
    numerator.div_euclid(denominator) as i64
}

fn matrix(rows: usize, cols: usize, values: &[i8]) -> Array2<i64> {
    Array2::from_shape_fn((rows, cols), |(r, c)| i64::from(values[r * cols + c]))
}

/// One dense layer on a batch of int8 rows (`samples × n_in`, as i64), in matrix form:
/// the same arithmetic as [`ReferenceModel::infer`], used during quantization.
pub fn dense_batch(layer: &DenseSpec, input: &Array2<i64>) -> Array2<i64> {
    let n_in = input.ncols();
    let n_out = layer.channels.len();
    let weights = matrix(n_out, n_in, &layer.weights);
    let bias: Array1<i64> = layer.channels.iter().map(|c| i64::from(c.bias)).collect();
    let mut acc = input.dot(&weights.t()) + &bias;
    let zero_point = i64::from(layer.output_zero_point);
    for mut row in acc.rows_mut() {
        for (v, ch) in row.iter_mut().zip(&layer.channels) {
            let r = if *v >= 0 { ch.positive } else { ch.negative };
            *v = (requantize(*v, r) + zero_point).clamp(-128, 127);
        }
    }
    acc
}

impl ReferenceModel {
    /// Builds the reference from the owned description the file is written from.
    pub fn new(spec: &ModelSpec) -> ReferenceModel {
        let mut n_in = spec.input_affine.len();
        let layers = spec
            .layers
            .iter()
            .map(|l| {
                let n_out = l.channels.len();
                let layer = RefLayer {
                    weights: matrix(n_out, n_in, &l.weights),
                    bias: l.channels.iter().map(|c| i64::from(c.bias)).collect(),
                    positive: l.channels.iter().map(|c| c.positive).collect(),
                    negative: l.channels.iter().map(|c| c.negative).collect(),
                    zero_point: i64::from(l.output_zero_point),
                };
                n_in = n_out;
                layer
            })
            .collect();
        let n_logits = spec.head.channels.len();
        ReferenceModel {
            affine: spec.input_affine.clone(),
            layers,
            head_weights: matrix(n_logits, n_in, &spec.head.weights),
            head_bias: spec
                .head
                .channels
                .iter()
                .map(|c| i64::from(c.bias))
                .collect(),
            head_requant: spec.head.channels.iter().map(|c| c.requant).collect(),
        }
    }

    /// Quantizes a float sample: `clamp(round_half_up(x * a + b))`, the product and sum
    /// in f32 as the device computes them, the rounding exact in f64.
    pub fn quantize(&self, sample: &[f32]) -> Vec<i8> {
        sample
            .iter()
            .zip(&self.affine)
            .map(|(&x, &(a, b))| {
                let v: f32 = x * a + b;
                (f64::from(v) + 0.5).floor().clamp(-128.0, 127.0) as i8
            })
            .collect()
    }

    /// Integer inference on a quantized sample.
    pub fn infer(&self, input: &[i8]) -> ReferenceOutput {
        let mut x: Array1<i64> = input.iter().map(|&v| i64::from(v)).collect();
        for layer in &self.layers {
            let acc = layer.weights.dot(&x) + &layer.bias;
            x = acc
                .iter()
                .enumerate()
                .map(|(c, &a)| {
                    let r = if a >= 0 {
                        layer.positive[c]
                    } else {
                        layer.negative[c]
                    };
                    (requantize(a, r) + layer.zero_point).clamp(-128, 127)
                })
                .collect();
        }
        let features: Vec<i8> = x.iter().map(|&v| v as i8).collect();
        let acc = self.head_weights.dot(&x) + &self.head_bias;
        let logits: Vec<i32> = acc
            .iter()
            .zip(&self.head_requant)
            .map(|(&a, &r)| requantize(a, r).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
            .collect();
        let class = if logits.len() == 1 {
            usize::from(logits[0] > 0)
        } else {
            let max = logits.iter().copied().max().unwrap_or(0);
            logits.iter().position(|&l| l == max).unwrap_or(0)
        };
        ReferenceOutput {
            features,
            logits,
            class,
        }
    }
}
