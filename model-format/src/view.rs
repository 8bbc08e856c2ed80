//! Read-only views of a checked model file. Only the loader ([`crate::ModelView::parse`])
//! builds them, so every dimension, length and parameter range they report has been
//! checked: code that takes a view may rely on it without checking again.

use core::slice::ChunksExact;

use crate::bytes::{DENSE_CHANNEL_LEN, HEAD_CHANNEL_LEN, HeadChannel, Requant, SHARED_CHANNEL_LEN};

/// What a dense layer does to accumulators below zero, as the file defines it.
///
/// Every arm has its counterpart in the runtime's requantization ([`Channel::requant`])
/// and in the trainer's reference inference: a new activation is one variant here plus
/// those two arms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Activation {
    /// Identity: one requantization for every accumulator (layer kind 1, activation 0).
    Linear,
    /// LeakyReLU with one slope for the whole layer (layer kind 1, activation 1): below
    /// zero, the channel's requantization scaled by this Q31 slope (SPEC.md §4.3).
    LeakyRelu(Requant),
    /// Layer kind 0 (version 1): each channel stores its own negative-side
    /// requantization (LeakyReLU with the slope folded in, or the positive side again
    /// for a linear layer).
    PerChannel,
    /// ReLU (layer kind 2, activation 2, version 3): every accumulator below zero gives
    /// the output zero point (a negative-side multiplier of 0).
    Relu,
}

impl Activation {
    /// Bytes per channel record for layers with this activation.
    pub(crate) fn record_len(self) -> usize {
        match self {
            Activation::PerChannel => DENSE_CHANNEL_LEN,
            Activation::Linear | Activation::LeakyRelu(_) | Activation::Relu => SHARED_CHANNEL_LEN,
        }
    }
}

/// Where a channel's negative-side requantization comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum Negative {
    /// Stored in the record (kind 0), or the positive side itself (linear).
    Stored(Requant),
    /// The positive side scaled by the layer's slope; derived only when needed.
    Slope(Requant),
}

/// One output channel of a checked dense layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Channel {
    bias: i32,
    positive: Requant,
    negative: Negative,
}

impl Channel {
    /// Decodes one record: the one channel decoder every consumer goes through.
    #[inline(always)]
    fn decode(record: &[u8], activation: Activation) -> Option<Channel> {
        match activation {
            Activation::PerChannel => {
                let &[b0, b1, b2, b3, p0, p1, p2, p3, n0, n1, n2, n3, ps, ns] = record else {
                    return None;
                };
                Some(Channel {
                    bias: i32::from_le_bytes([b0, b1, b2, b3]),
                    positive: Requant {
                        multiplier: i32::from_le_bytes([p0, p1, p2, p3]),
                        shift: ps as i8,
                    },
                    negative: Negative::Stored(Requant {
                        multiplier: i32::from_le_bytes([n0, n1, n2, n3]),
                        shift: ns as i8,
                    }),
                })
            }
            Activation::Linear | Activation::LeakyRelu(_) | Activation::Relu => {
                let &[b0, b1, b2, b3, m0, m1, m2, m3, s] = record else {
                    return None;
                };
                let positive = Requant {
                    multiplier: i32::from_le_bytes([m0, m1, m2, m3]),
                    shift: s as i8,
                };
                Some(Channel {
                    bias: i32::from_le_bytes([b0, b1, b2, b3]),
                    positive,
                    negative: match activation {
                        Activation::LeakyRelu(slope) => Negative::Slope(slope),
                        // Multiplier 0: `(0 + 2^(t-1)) >> t` is 0, the output the zero point.
                        Activation::Relu => Negative::Stored(Requant {
                            multiplier: 0,
                            shift: positive.shift,
                        }),
                        _ => Negative::Stored(positive),
                    },
                })
            }
        }
    }

    /// Folded int32 bias (input zero point already folded in).
    #[inline(always)]
    pub fn bias(&self) -> i32 {
        self.bias
    }

    /// Requantization for accumulators `>= 0`.
    #[inline(always)]
    pub fn positive(&self) -> Requant {
        self.positive
    }

    /// Requantization for accumulators `< 0`.
    #[inline(always)]
    pub fn negative(&self) -> Requant {
        match self.negative {
            Negative::Stored(r) => r,
            Negative::Slope(slope) => self.positive.scaled_by_loaded(slope),
        }
    }

    /// The requantization for accumulator `acc` (bias included): [`Channel::positive`]
    /// for `acc >= 0`, [`Channel::negative`] below.
    #[inline(always)]
    pub fn requant(&self, acc: i32) -> Requant {
        match self.negative {
            // Two selects rather than a branch: the sign of the accumulator is data, and
            // on a host a mispredicted branch per channel costs more than requantizing.
            Negative::Stored(negative) => {
                let is_negative = acc < 0;
                Requant {
                    multiplier: if is_negative {
                        negative.multiplier
                    } else {
                        self.positive.multiplier
                    },
                    shift: if is_negative {
                        negative.shift
                    } else {
                        self.positive.shift
                    },
                }
            }
            // Derived only when needed: a multiply the positive side never pays.
            Negative::Slope(slope) if acc < 0 => self.positive.scaled_by_loaded(slope),
            Negative::Slope(_) => self.positive,
        }
    }
}

/// The channels of a dense layer, in output order (see [`DenseLayer::channels`]).
#[derive(Debug, Clone)]
pub struct Channels<'a> {
    records: ChunksExact<'a, u8>,
    activation: Activation,
}

impl Iterator for Channels<'_> {
    type Item = Channel;

    #[inline(always)]
    fn next(&mut self) -> Option<Channel> {
        Channel::decode(self.records.next()?, self.activation)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.records.size_hint()
    }
}

impl ExactSizeIterator for Channels<'_> {}

/// Which half of the autoencoder a layer belongs to (version 3; every layer of a version
/// 1 or 2 file is an encoder layer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Role {
    /// Maps the input to the bottleneck features: the layers before the head.
    Encoder,
    /// Maps the bottleneck features back to the input (the reconstruction).
    Decoder,
}

/// A checked dense layer: int8 weights, one [`Channel`] per output, an [`Activation`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DenseLayer<'a> {
    pub(crate) role: Role,
    pub(crate) n_in: u16,
    pub(crate) n_out: u16,
    /// Bytes from one weight row to the next: `n_in` (versions 1, 2) or `n_in` rounded
    /// up to a multiple of 4 (version 3).
    pub(crate) stride: u16,
    pub(crate) output_scale: f32,
    pub(crate) output_zero_point: i8,
    pub(crate) weights: &'a [u8],
    pub(crate) records: &'a [u8],
    pub(crate) activation: Activation,
}

impl<'a> DenseLayer<'a> {
    /// Input width.
    #[inline(always)]
    pub fn n_in(&self) -> usize {
        usize::from(self.n_in)
    }

    /// Output width.
    #[inline(always)]
    pub fn n_out(&self) -> usize {
        usize::from(self.n_out)
    }

    /// Bytes from the start of one weight row to the next: `n_in` in versions 1 and 2,
    /// `n_in` rounded up to a multiple of 4 in version 3 (the padding bytes are zero).
    #[inline(always)]
    pub fn row_stride(&self) -> usize {
        usize::from(self.stride)
    }

    /// Encoder or decoder.
    #[inline(always)]
    pub fn role(&self) -> Role {
        self.role
    }

    /// Scale of this layer's int8 output.
    pub fn output_scale(&self) -> f32 {
        self.output_scale
    }

    /// Zero point of this layer's int8 output.
    #[inline(always)]
    pub fn output_zero_point(&self) -> i8 {
        self.output_zero_point
    }

    /// `n_out` rows of [`DenseLayer::row_stride`] bytes, each starting with the `n_in`
    /// int8 weights of one output channel (zero padding after them in version 3).
    #[inline(always)]
    pub fn weights(&self) -> &'a [u8] {
        self.weights
    }

    /// The activation, which also fixes the channel record layout.
    #[inline(always)]
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The channels, decoded one by one.
    #[inline(always)]
    pub fn channels(&self) -> Channels<'a> {
        Channels {
            records: self.records.chunks_exact(self.record_len()),
            activation: self.activation,
        }
    }

    /// Decodes one of this layer's records (a [`DenseLayer::record_len`]-byte piece of
    /// [`DenseLayer::channel_records`]), for kernels that walk the records in their own
    /// blocks; `None` for a record of the wrong length.
    #[inline(always)]
    pub fn decode_channel(&self, record: &[u8]) -> Option<Channel> {
        Channel::decode(record, self.activation)
    }

    /// Output channel `c`, or `None` past the last channel.
    pub fn channel(&self, c: usize) -> Option<Channel> {
        let len = self.record_len();
        let at = c.checked_mul(len)?;
        Channel::decode(self.records.get(at..at.checked_add(len)?)?, self.activation)
    }

    /// The raw channel records (`n_out` of [`DenseLayer::record_len`] bytes, SPEC.md
    /// §3.3 and §3.4), for kernels that decode several at once.
    #[inline(always)]
    pub fn channel_records(&self) -> &'a [u8] {
        self.records
    }

    /// Bytes per channel record: 14 (layer kind 0) or 9 (kind 1).
    #[inline(always)]
    pub fn record_len(&self) -> usize {
        self.activation.record_len()
    }

    /// Weight of output channel `c` for input `j`, or `None` out of bounds.
    pub fn weight(&self, c: usize, j: usize) -> Option<i8> {
        if j >= self.n_in() {
            return None;
        }
        let at = c.checked_mul(self.row_stride())?.checked_add(j)?;
        self.weights.get(at).map(|&w| w as i8)
    }
}

/// One layer of a checked model's stack.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Layer<'a> {
    /// A fully connected layer.
    Dense(DenseLayer<'a>),
}

impl<'a> Layer<'a> {
    /// The dense layer, if this is one.
    pub fn as_dense(&self) -> Option<&DenseLayer<'a>> {
        match self {
            Layer::Dense(d) => Some(d),
        }
    }

    /// Input width.
    pub fn n_in(&self) -> usize {
        match self {
            Layer::Dense(d) => d.n_in(),
        }
    }

    /// Output width.
    pub fn n_out(&self) -> usize {
        match self {
            Layer::Dense(d) => d.n_out(),
        }
    }

    /// Encoder or decoder.
    pub fn role(&self) -> Role {
        match self {
            Layer::Dense(d) => d.role(),
        }
    }

    /// Weights and biases.
    pub fn parameter_count(&self) -> usize {
        match self {
            Layer::Dense(d) => d.n_in() * d.n_out() + d.n_out(),
        }
    }
}

/// The checked classifier head: int8 weights, one [`HeadChannel`] per logit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Head<'a> {
    pub(crate) n_in: u16,
    pub(crate) n_logits: u16,
    /// Bytes from one weight row to the next (as [`DenseLayer::row_stride`]).
    pub(crate) stride: u16,
    pub(crate) logit_scale: f32,
    pub(crate) weights: &'a [u8],
    pub(crate) records: &'a [u8],
}

impl<'a> Head<'a> {
    /// Input width (the bottleneck width).
    pub fn n_in(&self) -> usize {
        usize::from(self.n_in)
    }

    /// Number of logits: 1 for a binary (sigmoid) head, else one per class (softmax).
    pub fn n_logits(&self) -> usize {
        usize::from(self.n_logits)
    }

    /// Real value of one unit of an int32 logit.
    pub fn logit_scale(&self) -> f32 {
        self.logit_scale
    }

    /// `n_logits` rows of [`Head::row_stride`] bytes, each starting with one logit's
    /// `n_in` int8 weights.
    pub fn weights(&self) -> &'a [u8] {
        self.weights
    }

    /// Bytes from one weight row to the next: `n_in`, or `n_in` rounded up to a multiple
    /// of 4 in version 3.
    pub fn row_stride(&self) -> usize {
        usize::from(self.stride)
    }

    /// The logits' bias and requantization, in order.
    pub fn channels(&self) -> impl ExactSizeIterator<Item = HeadChannel> + 'a {
        self.records
            .chunks_exact(HEAD_CHANNEL_LEN)
            .map(|r| HeadChannel::from_bytes(r.try_into().unwrap_or(&[0; HEAD_CHANNEL_LEN])))
    }

    /// Parameters of logit `k`, or `None` past the last logit.
    pub fn channel(&self, k: usize) -> Option<HeadChannel> {
        let at = k.checked_mul(HEAD_CHANNEL_LEN)?;
        let rec = self.records.get(at..at.checked_add(HEAD_CHANNEL_LEN)?)?;
        Some(HeadChannel::from_bytes(rec.try_into().ok()?))
    }

    /// Weight of logit `k` for feature `j`, or `None` out of bounds.
    pub fn weight(&self, k: usize, j: usize) -> Option<i8> {
        if j >= self.n_in() {
            return None;
        }
        let at = k.checked_mul(self.row_stride())?.checked_add(j)?;
        self.weights.get(at).map(|&w| w as i8)
    }
}

/// The anomaly section of a checked version-3 model: how integer reconstruction scores
/// map to real values, and the threshold above which a sample is an anomaly.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Anomaly {
    pub(crate) score_scale: f32,
    pub(crate) threshold: u32,
}

impl Anomaly {
    /// Real value of one unit of the integer score: the mean squared reconstruction error
    /// in the scaled input space is `score * score_scale` (`input_scale² / n_inputs`).
    pub fn score_scale(&self) -> f32 {
        self.score_scale
    }

    /// Integer scores strictly above this are anomalies.
    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// Whether integer score `score` is an anomaly (`score > threshold`).
    pub fn is_anomaly(&self, score: u32) -> bool {
        score > self.threshold
    }
}

/// A stored input with the outputs every conforming runtime must produce for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Golden<'a> {
    pub(crate) input: &'a [u8],
    pub(crate) features: &'a [u8],
    pub(crate) logits: &'a [u8],
    pub(crate) class: Option<u16>,
    pub(crate) reconstruction: &'a [u8],
    pub(crate) score: Option<u32>,
}

impl<'a> Golden<'a> {
    /// The quantized input, `n_inputs` int8 values.
    pub fn input(&self) -> impl ExactSizeIterator<Item = i8> + 'a {
        self.input.iter().map(|&b| b as i8)
    }

    /// The expected bottleneck features, int8.
    pub fn features(&self) -> impl ExactSizeIterator<Item = i8> + 'a {
        self.features.iter().map(|&b| b as i8)
    }

    /// The expected int32 logits (none for a model without a head).
    pub fn logits(&self) -> impl ExactSizeIterator<Item = i32> + 'a {
        self.logits
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes(c.try_into().unwrap_or([0; 4])))
    }

    /// The expected class index, `None` for a model without a head.
    pub fn class(&self) -> Option<usize> {
        self.class.map(usize::from)
    }

    /// The expected int8 reconstruction (on the input's scale; none without a decoder).
    pub fn reconstruction(&self) -> impl ExactSizeIterator<Item = i8> + 'a {
        self.reconstruction.iter().map(|&b| b as i8)
    }

    /// The expected integer anomaly score, `None` for a model without a decoder.
    pub fn score(&self) -> Option<u32> {
        self.score
    }

    /// Bytes of the stored vectors (length prefixes not counted).
    pub fn stored_bytes(&self) -> usize {
        self.input.len() + self.features.len() + self.logits.len() + self.reconstruction.len()
    }
}
