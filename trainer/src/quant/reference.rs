//! The trainer's reference integer inference, the other side of the parity contract.
//!
//! Deliberately written differently from the runtime's kernels: whole matrices in i64
//! with ndarray, the input rounded through f64, requantization in i128 with Euclidean
//! division instead of shifts. Both must agree bit for bit with SPEC.md §4.

use bottleneck_format::{ChannelLayout, DenseSpec, ModelSpec, Requant, Role};
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
    decoder: Vec<RefLayer>,
    head: bool,
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
    /// Predicted class (0 without a head).
    pub class: usize,
    /// int8 reconstruction on the input's scale (empty without a decoder).
    pub reconstruction: Vec<i8>,
    /// Integer anomaly score `Σ (q_i - r_i)²` (0 without a decoder).
    pub score: u32,
}

/// `round_half_up(acc * m / 2^(31 + shift))`, exactly, in i128.
pub fn requantize(acc: i64, r: Requant) -> i64 {
    let t = 31 + i32::from(r.shift);
    let denominator = 1i128 << t;
    let numerator = i128::from(acc) * i128::from(r.multiplier) + denominator / 2;
    numerator.div_euclid(denominator) as i64
}

/// The negative-side requantization of a LeakyReLU channel whose layer stores one slope
/// (format version 2, SPEC.md §4.3), derived here on its own rather than through the
/// format crate: multiplier `round_half_up(m_pos * m_slope / 2^31)` in i128, shifts
/// added.
pub fn slope_scaled(positive: Requant, slope: Requant) -> Requant {
    let product = i128::from(positive.multiplier) * i128::from(slope.multiplier);
    let multiplier = (product + (1i128 << 30)).div_euclid(1i128 << 31);
    Requant {
        multiplier: multiplier as i32,
        shift: positive.shift + slope.shift,
    }
}

/// The Q31 multiplier and shift of a real factor in `(0, 1]`, such as a LeakyReLU slope:
/// `m / 2^(31 + shift)` with `m` in `[2^30, 2^31)`, computed in f64 and rounded half up.
/// The trainer's quantizer must store exactly this.
pub fn q31(real: f64) -> Requant {
    let mut shift = 0i8;
    let mut m = real;
    while m < 0.5 {
        m *= 2.0;
        shift += 1;
    }
    let mut multiplier = (m * 2f64.powi(31) + 0.5).floor() as i64;
    if multiplier == 1i64 << 31 {
        multiplier /= 2;
        shift -= 1;
    }
    Requant {
        multiplier: multiplier as i32,
        shift,
    }
}

/// Each channel's negative-side requantization as the file defines it: stored (layer
/// kind 0), equal to the positive side (linear kind 1) or derived from the slope.
fn negatives(layer: &DenseSpec) -> Vec<Requant> {
    layer
        .channels
        .iter()
        .map(|c| match layer.layout {
            ChannelLayout::PerChannel => c.negative,
            ChannelLayout::Shared(None) => c.positive,
            ChannelLayout::Shared(Some(slope)) => slope_scaled(c.positive, slope),
            // Below zero the output is the zero point: a zero multiplier.
            ChannelLayout::Relu => Requant {
                multiplier: 0,
                shift: c.positive.shift,
            },
        })
        .collect()
}

fn matrix(rows: usize, cols: usize, values: &[i8]) -> Array2<i64> {
    Array2::from_shape_fn((rows, cols), |(r, c)| i64::from(values[r * cols + c]))
}

/// `input · Wᵀ + bias` of `layer`, the 32-bit accumulators (as i64).
fn accumulators(layer: &DenseSpec, input: &Array2<i64>) -> Array2<i64> {
    let n_in = input.ncols();
    let n_out = layer.channels.len();
    let weights = Array2::from_shape_fn((n_out, n_in), |(r, c)| {
        f32::from(layer.weights[r * n_in + c])
    });
    let bias: Array1<i64> = layer.channels.iter().map(|c| i64::from(c.bias)).collect();
    // The products are summed in f32, which is exact here: inputs and weights are int8
    // values, so every partial sum is an integer of magnitude at most
    // MAX_WIDTH * 128 * 128 = 2^24, which f32 represents exactly, whatever order the
    // matrix product adds them in. It runs on matrixmultiply's kernels, 20x faster than
    // ndarray's generic i64 product on the 67,000 rows of the scaling benchmark.
    debug_assert!(n_in <= bottleneck_format::MAX_WIDTH);
    debug_assert!(input.iter().all(|&v| (-128..=127).contains(&v)));
    let products = input.mapv(|v| v as f32).dot(&weights.t());
    products.mapv(|v| v as i64) + &bias
}

/// One dense layer on a batch of int8 rows (`samples × n_in`, as i64), in matrix form:
/// the same arithmetic as [`ReferenceModel::infer`], used during quantization.
pub fn dense_batch(layer: &DenseSpec, input: &Array2<i64>) -> Array2<i64> {
    let mut acc = accumulators(layer, input);
    let zero_point = i64::from(layer.output_zero_point);
    let negative = negatives(layer);
    for mut row in acc.rows_mut() {
        for ((v, ch), &neg) in row.iter_mut().zip(&layer.channels).zip(&negative) {
            let r = if *v >= 0 { ch.positive } else { neg };
            *v = (requantize(*v, r) + zero_point).clamp(-128, 127);
        }
    }
    acc
}

impl ReferenceModel {
    /// Builds the reference from the owned description the file is written from.
    pub fn new(spec: &ModelSpec) -> ReferenceModel {
        let mut n_in = spec.input_affine.len();
        let mut n_features = n_in;
        let mut layers = Vec::new();
        let mut decoder = Vec::new();
        for l in &spec.layers {
            let n_out = l.channels.len();
            let layer = RefLayer {
                weights: matrix(n_out, n_in, &l.weights),
                bias: l.channels.iter().map(|c| i64::from(c.bias)).collect(),
                positive: l.channels.iter().map(|c| c.positive).collect(),
                negative: negatives(l),
                zero_point: i64::from(l.output_zero_point),
            };
            match l.role {
                Role::Encoder => {
                    layers.push(layer);
                    n_features = n_out;
                }
                Role::Decoder => decoder.push(layer),
            }
            n_in = n_out;
        }
        let (weights, channels) = match &spec.head {
            Some(h) => (h.weights.as_slice(), h.channels.as_slice()),
            None => (&[][..], &[][..]),
        };
        ReferenceModel {
            affine: spec.input_affine.clone(),
            layers,
            decoder,
            head: spec.head.is_some(),
            head_weights: matrix(channels.len(), n_features, weights),
            head_bias: channels.iter().map(|c| i64::from(c.bias)).collect(),
            head_requant: channels.iter().map(|c| c.requant).collect(),
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

    /// Whether the model has a decoder.
    pub fn has_decoder(&self) -> bool {
        !self.decoder.is_empty()
    }

    fn run(layers: &[RefLayer], mut x: Array1<i64>) -> Array1<i64> {
        for layer in layers {
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
        x
    }

    /// Integer inference on a quantized sample: encoder, then head and decoder (those
    /// the model has).
    pub fn infer(&self, input: &[i8]) -> ReferenceOutput {
        let q: Array1<i64> = input.iter().map(|&v| i64::from(v)).collect();
        let x = Self::run(&self.layers, q.clone());
        let features: Vec<i8> = x.iter().map(|&v| v as i8).collect();
        let (reconstruction, score) = if self.decoder.is_empty() {
            (Vec::new(), 0)
        } else {
            let r = Self::run(&self.decoder, x.clone());
            let score: i64 = (&q - &r).iter().map(|d| d * d).sum();
            (r.iter().map(|&v| v as i8).collect(), score as u32)
        };
        if !self.head {
            return ReferenceOutput {
                features,
                logits: Vec::new(),
                class: 0,
                reconstruction,
                score,
            };
        }
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
            reconstruction,
            score,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bottleneck_format::DenseChannel;

    /// A layer whose every output is its raw accumulator: multiplier 2^30 with shift -1
    /// is 1.0, zero point 0, and the clamp is what the test looks behind.
    fn identity_layer(weights: Vec<i8>, n_out: usize) -> DenseSpec {
        DenseSpec {
            role: Role::Encoder,
            output_scale: 1.0,
            output_zero_point: 0,
            weights,
            channels: vec![
                DenseChannel {
                    bias: 0,
                    positive: Requant {
                        multiplier: 1 << 30,
                        shift: -1
                    },
                    negative: Requant {
                        multiplier: 1 << 30,
                        shift: -1
                    },
                };
                n_out
            ],
            layout: ChannelLayout::PerChannel,
        }
    }

    #[test]
    fn the_float_product_is_exact_at_the_widest_extremes() {
        let n = bottleneck_format::MAX_WIDTH;
        // Accumulators of +-2^24 and one step off it: exact only if f32 sums are.
        let mut weights = vec![-128i8; n];
        weights.extend(std::iter::repeat_n(127i8, n));
        let mut input = Array2::from_elem((2, n), -128i64);
        input[[1, 0]] = -127;
        let layer = identity_layer(weights, 2);
        let acc = accumulators(&layer, &input);
        assert_eq!(acc[[0, 0]], 1 << 24);
        assert_eq!(acc[[1, 0]], (1 << 24) - 128);
        assert_eq!(acc[[0, 1]], -128 * 127 * n as i64);
        // Through the layer: +2^24 saturates to 127, the negative sums to -128.
        let out = dense_batch(&layer, &input);
        assert_eq!(out.row(0).to_vec(), vec![127, -128]);
    }

    #[test]
    fn accumulators_match_an_integer_product_on_random_int8_data() {
        let (rows, n_in, n_out) = (64, 1000, 3);
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 56) as u8 as i8
        };
        let weights: Vec<i8> = (0..n_in * n_out).map(|_| next()).collect();
        let input = Array2::from_shape_fn((rows, n_in), |_| i64::from(next()));
        let layer = identity_layer(weights.clone(), n_out);
        let integer = input.dot(&matrix(n_out, n_in, &weights).t());
        assert_eq!(accumulators(&layer, &input), integer);
    }
}
