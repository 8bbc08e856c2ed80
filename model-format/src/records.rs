//! The postcard records of the payload, in file order. See SPEC.md §3.

use serde::{Deserialize, Serialize};

use crate::bytes::{
    Bytes, DENSE_CHANNEL_LEN, DenseChannel, HEAD_CHANNEL_LEN, HeadChannel, Requant,
    SHARED_CHANNEL_LEN, le_f32,
};

/// First payload record: the input side of the model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Preamble<'a> {
    /// Number of input features.
    pub n_inputs: u16,
    /// Scale of the quantized input (`x_scaled ≈ (q - zero_point) * scale`).
    pub input_scale: f32,
    /// Zero point of the quantized input.
    pub input_zero_point: i8,
    /// Per feature, `a_i` then `b_i` as little-endian `f32`: `q_i = clamp(round(x_i * a_i + b_i))`.
    #[serde(borrow)]
    pub input_affine: Bytes<'a>,
}

impl Preamble<'_> {
    /// The affine `(a_i, b_i)` of feature `i`, or `None` past the last feature.
    pub fn affine(&self, i: usize) -> Option<(f32, f32)> {
        let at = i.checked_mul(8)?;
        Some((
            le_f32(self.input_affine.0, at)?,
            le_f32(self.input_affine.0, at + 4)?,
        ))
    }
}

/// Layer kind tag of a dense (fully connected) layer.
pub const LAYER_KIND_DENSE: u32 = 0;
/// Layer kind tag of a dense layer whose LeakyReLU slope is shared by all its channels
/// (format version 2): 9-byte channel records, see SPEC.md §3.4.
pub const LAYER_KIND_DENSE_SHARED: u32 = 1;

/// Where a dense layer's negative-side requantization comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChannelLayout {
    /// Layer kind 0: stored per channel ([`DENSE_CHANNEL_LEN`]-byte records).
    #[default]
    PerChannel,
    /// Layer kind 1 ([`SHARED_CHANNEL_LEN`]-byte records): the positive requantization
    /// scaled by one slope for the whole layer ([`Requant::scaled_by`]), or equal to it
    /// (`None`: a linear layer).
    Shared(Option<Requant>),
}

/// A quantized dense layer with fused (Leaky)ReLU or identity activation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DenseLayer<'a> {
    /// Input width.
    pub n_in: u16,
    /// Output width.
    pub n_out: u16,
    /// Scale of this layer's int8 output.
    pub output_scale: f32,
    /// Zero point of this layer's int8 output.
    pub output_zero_point: i8,
    /// `n_out × n_in` int8 weights, row-major (one row per output channel).
    #[serde(borrow)]
    pub weights: Bytes<'a>,
    /// `n_out` records of [`DenseLayer::record_len`] bytes, see [`DenseChannel`].
    #[serde(borrow)]
    pub channels: Bytes<'a>,
    /// How the records give the negative side; set by the loader from the layer kind
    /// (not part of a kind-0 record).
    #[serde(skip)]
    pub layout: ChannelLayout,
}

impl DenseLayer<'_> {
    /// Bytes per channel record: 14 (kind 0) or 9 (kind 1).
    pub fn record_len(&self) -> usize {
        match self.layout {
            ChannelLayout::PerChannel => DENSE_CHANNEL_LEN,
            ChannelLayout::Shared(_) => SHARED_CHANNEL_LEN,
        }
    }

    /// Decodes one channel record of this layer's layout; `None` if `record` is not
    /// [`DenseLayer::record_len`] bytes.
    #[inline]
    pub fn decode(&self, record: &[u8]) -> Option<DenseChannel> {
        match self.layout {
            ChannelLayout::PerChannel => Some(DenseChannel::from_bytes(record.try_into().ok()?)),
            ChannelLayout::Shared(slope) => Some(DenseChannel::from_shared_bytes(
                record.try_into().ok()?,
                slope,
            )),
        }
    }

    /// Parameters of output channel `c`, or `None` past the last channel.
    pub fn channel(&self, c: usize) -> Option<DenseChannel> {
        let len = self.record_len();
        let at = c.checked_mul(len)?;
        self.decode(self.channels.0.get(at..at.checked_add(len)?)?)
    }

    /// Weight of output channel `c` for input `j`, or `None` out of bounds.
    pub fn weight(&self, c: usize, j: usize) -> Option<i8> {
        if j >= usize::from(self.n_in) {
            return None;
        }
        let at = c.checked_mul(usize::from(self.n_in))?.checked_add(j)?;
        self.weights.0.get(at).map(|&w| w as i8)
    }
}

/// The kind-1 record of a dense layer (format version 2), in file order: like
/// [`DenseLayer`], plus the activation and its shared slope before the byte fields.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SharedDenseRecord<'a> {
    /// Input width.
    pub n_in: u16,
    /// Output width.
    pub n_out: u16,
    /// Scale of this layer's int8 output.
    pub output_scale: f32,
    /// Zero point of this layer's int8 output.
    pub output_zero_point: i8,
    /// 0: linear (negative side = positive side); 1: LeakyReLU with the slope below.
    pub activation: u8,
    /// Slope multiplier (Q31); 0 for a linear layer.
    pub slope_multiplier: i32,
    /// Slope shift; 0 for a linear layer.
    pub slope_shift: i8,
    /// `n_out × n_in` int8 weights, row-major.
    #[serde(borrow)]
    pub weights: Bytes<'a>,
    /// `n_out` records of [`SHARED_CHANNEL_LEN`] bytes.
    #[serde(borrow)]
    pub channels: Bytes<'a>,
}

/// `activation` of a linear kind-1 layer.
pub const ACTIVATION_LINEAR: u8 = 0;
/// `activation` of a LeakyReLU kind-1 layer.
pub const ACTIVATION_LEAKY: u8 = 1;

impl<'a> SharedDenseRecord<'a> {
    /// The layer view, or `None` if `activation` is unknown or a linear layer's slope
    /// fields are not zero.
    pub fn into_layer(self) -> Option<DenseLayer<'a>> {
        let slope = match (self.activation, self.slope_multiplier, self.slope_shift) {
            (ACTIVATION_LINEAR, 0, 0) => None,
            (ACTIVATION_LEAKY, multiplier, shift) => Some(Requant { multiplier, shift }),
            _ => return None,
        };
        Some(DenseLayer {
            n_in: self.n_in,
            n_out: self.n_out,
            output_scale: self.output_scale,
            output_zero_point: self.output_zero_point,
            weights: self.weights,
            channels: self.channels,
            layout: ChannelLayout::Shared(slope),
        })
    }
}

/// The quantized linear classifier on the bottleneck features.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Head<'a> {
    /// Input width (the bottleneck width).
    pub n_in: u16,
    /// Number of logits: 1 for a binary (sigmoid) head, else one per class (softmax).
    pub n_logits: u16,
    /// Real value of one unit of an int32 logit.
    pub logit_scale: f32,
    /// `n_logits × n_in` int8 weights, row-major.
    #[serde(borrow)]
    pub weights: Bytes<'a>,
    /// `n_logits` records of [`HEAD_CHANNEL_LEN`] bytes, see [`HeadChannel`].
    #[serde(borrow)]
    pub channels: Bytes<'a>,
}

impl Head<'_> {
    /// Parameters of logit `k`, or `None` past the last logit.
    pub fn channel(&self, k: usize) -> Option<HeadChannel> {
        let at = k.checked_mul(HEAD_CHANNEL_LEN)?;
        let rec = self.channels.0.get(at..at.checked_add(HEAD_CHANNEL_LEN)?)?;
        Some(HeadChannel::from_bytes(rec.try_into().ok()?))
    }

    /// Weight of logit `k` for feature `j`, or `None` out of bounds.
    pub fn weight(&self, k: usize, j: usize) -> Option<i8> {
        if j >= usize::from(self.n_in) {
            return None;
        }
        let at = k.checked_mul(usize::from(self.n_in))?.checked_add(j)?;
        self.weights.0.get(at).map(|&w| w as i8)
    }
}

/// A stored input with the outputs every conforming runtime must produce for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Golden<'a> {
    /// Quantized input, `n_inputs` int8 values.
    #[serde(borrow)]
    pub input: Bytes<'a>,
    /// Expected bottleneck features, int8.
    #[serde(borrow)]
    pub features: Bytes<'a>,
    /// Expected logits, `n_logits` little-endian int32.
    #[serde(borrow)]
    pub logits: Bytes<'a>,
    /// Expected class index.
    pub class: u16,
}
