//! The postcard records of the payload, in file order (SPEC.md §3). Private: what the
//! rest of the world sees are the checked views of `view.rs`, which only the loader
//! builds from these.

use serde::{Deserialize, Serialize};

use crate::bytes::{Bytes, le_f32};

/// Layer kind tag of a dense (fully connected) layer with per-channel records.
pub const LAYER_KIND_DENSE: u32 = 0;
/// Layer kind tag of a dense layer whose LeakyReLU slope is shared by all its channels
/// (format version 2): 9-byte channel records, see SPEC.md §3.4.
pub const LAYER_KIND_DENSE_SHARED: u32 = 1;

/// `activation` of a linear kind-1 layer.
pub const ACTIVATION_LINEAR: u8 = 0;
/// `activation` of a LeakyReLU kind-1 layer.
pub const ACTIVATION_LEAKY: u8 = 1;

/// First payload record: the input side of the model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct PreambleRecord<'a> {
    pub n_inputs: u16,
    pub input_scale: f32,
    pub input_zero_point: i8,
    /// Per feature, `a_i` then `b_i` as little-endian `f32`.
    #[serde(borrow)]
    pub input_affine: Bytes<'a>,
}

impl PreambleRecord<'_> {
    /// The affine `(a_i, b_i)` of feature `i`, or `None` past the last feature.
    pub fn affine(&self, i: usize) -> Option<(f32, f32)> {
        let at = i.checked_mul(8)?;
        Some((
            le_f32(self.input_affine.0, at)?,
            le_f32(self.input_affine.0, at + 4)?,
        ))
    }
}

/// A kind-0 dense layer record: 14-byte channel records with the negative side stored.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct DenseRecord<'a> {
    pub n_in: u16,
    pub n_out: u16,
    pub output_scale: f32,
    pub output_zero_point: i8,
    /// `n_out × n_in` int8 weights, row-major.
    #[serde(borrow)]
    pub weights: Bytes<'a>,
    #[serde(borrow)]
    pub channels: Bytes<'a>,
}

/// A kind-1 dense layer record (format version 2): the activation and its shared slope
/// before the byte fields, 9-byte channel records.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct SharedDenseRecord<'a> {
    pub n_in: u16,
    pub n_out: u16,
    pub output_scale: f32,
    pub output_zero_point: i8,
    /// [`ACTIVATION_LINEAR`] or [`ACTIVATION_LEAKY`].
    pub activation: u8,
    /// Slope multiplier (Q31); 0 for a linear layer.
    pub slope_multiplier: i32,
    /// Slope shift; 0 for a linear layer.
    pub slope_shift: i8,
    #[serde(borrow)]
    pub weights: Bytes<'a>,
    #[serde(borrow)]
    pub channels: Bytes<'a>,
}

/// The classifier head record.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct HeadRecord<'a> {
    pub n_in: u16,
    pub n_logits: u16,
    pub logit_scale: f32,
    #[serde(borrow)]
    pub weights: Bytes<'a>,
    #[serde(borrow)]
    pub channels: Bytes<'a>,
}

/// A golden vector record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct GoldenRecord<'a> {
    #[serde(borrow)]
    pub input: Bytes<'a>,
    #[serde(borrow)]
    pub features: Bytes<'a>,
    /// `n_logits` little-endian int32.
    #[serde(borrow)]
    pub logits: Bytes<'a>,
    pub class: u16,
}

/// Layer kind tag of a version-3 dense layer: a role, any activation, and weight rows
/// that start on 4-byte boundaries of the file (SPEC.md §3.5).
pub const LAYER_KIND_DENSE_ALIGNED: u32 = 2;

/// `activation` of a ReLU kind-2 layer (version 3): outputs below zero become the
/// output zero point.
pub const ACTIVATION_RELU: u8 = 2;

/// `role` of an encoder layer (version 3).
pub const ROLE_ENCODER: u8 = 0;
/// `role` of a decoder layer (version 3).
pub const ROLE_DECODER: u8 = 1;

/// A kind-2 dense layer record (format version 3): the parameters, the channel records,
/// then 0 to 3 zero padding bytes so that the first weight lies on a 4-byte boundary of
/// the file, then `n_out` rows of `stride = round_up(n_in, 4)` bytes (zero-padded).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct AlignedDenseRecord<'a> {
    /// [`ROLE_ENCODER`] or [`ROLE_DECODER`].
    pub role: u8,
    pub n_in: u16,
    pub n_out: u16,
    pub output_scale: f32,
    pub output_zero_point: i8,
    /// [`ACTIVATION_LINEAR`], [`ACTIVATION_LEAKY`] or [`ACTIVATION_RELU`].
    pub activation: u8,
    /// LeakyReLU slope multiplier (Q31); 0 for other activations.
    pub slope_multiplier: i32,
    /// LeakyReLU slope shift; 0 for other activations.
    pub slope_shift: i8,
    #[serde(borrow)]
    pub channels: Bytes<'a>,
    #[serde(borrow)]
    pub padding: Bytes<'a>,
    #[serde(borrow)]
    pub weights: Bytes<'a>,
}

/// The classifier head of a version-3 file: as [`HeadRecord`] with the channels first and
/// aligned, padded weight rows as in [`AlignedDenseRecord`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct AlignedHeadRecord<'a> {
    pub n_in: u16,
    pub n_logits: u16,
    pub logit_scale: f32,
    #[serde(borrow)]
    pub channels: Bytes<'a>,
    #[serde(borrow)]
    pub padding: Bytes<'a>,
    #[serde(borrow)]
    pub weights: Bytes<'a>,
}

/// The anomaly section of a version-3 file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct AnomalyRecord {
    /// Real value of one unit of the integer score (`input_scale² / n_inputs`).
    pub score_scale: f32,
    /// Integer scores above this are anomalies.
    pub threshold: u32,
}

/// A golden vector record of a version-3 file: [`GoldenRecord`] plus the decoder's
/// expected outputs (empty byte strings and zeros for the parts a model does not have).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct GoldenRecordV3<'a> {
    #[serde(borrow)]
    pub input: Bytes<'a>,
    #[serde(borrow)]
    pub features: Bytes<'a>,
    #[serde(borrow)]
    pub logits: Bytes<'a>,
    pub class: u16,
    #[serde(borrow)]
    pub reconstruction: Bytes<'a>,
    pub score: u32,
}

/// The signal front end of a version-4 file (SPEC.md §8): how raw samples become the
/// model's int8 input, and how the stream's scores become alarms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct FrontEndRecord<'a> {
    /// [`SAMPLE_FORMAT_I16`], the only one.
    pub sample_format: u8,
    pub channels: u8,
    /// Samples per second per channel.
    pub sample_rate: u32,
    pub frame_len: u16,
    pub hop: u16,
    /// [`WINDOW_NONE`] (empty table) or [`WINDOW_HANN`].
    pub window_kind: u8,
    /// `frame_len` Q15 values, u16 LE, each at most 32768; empty for no window.
    #[serde(borrow)]
    pub window: Bytes<'a>,
    /// [`BANDS_MEL`] or [`BANDS_LINEAR`].
    pub band_kind: u8,
    pub f_min: f32,
    pub f_max: f32,
    /// [`COMPRESSION_LOG2_Q16`], the only one.
    pub compression: u8,
    /// Per band: first bin (u16 LE), bin count (u16 LE).
    #[serde(borrow)]
    pub bands: Bytes<'a>,
    /// Every band's weights in band order, Q15 u16 LE, each at most 32768.
    #[serde(borrow)]
    pub band_weights: Bytes<'a>,
    /// Frames stacked into one model input.
    pub frames: u8,
    /// Per model input: multiplier (i32 LE), offset (i64 LE).
    #[serde(borrow)]
    pub affine: Bytes<'a>,
    /// Scores averaged into the smoothed score.
    pub smoothing: u8,
    /// Anomalous windows among the last `alarm_window` that raise the alarm.
    pub alarm_count: u8,
    pub alarm_window: u8,
}

/// `sample_format` of interleaved little-endian int16 samples.
pub const SAMPLE_FORMAT_I16: u8 = 0;
/// `window_kind` of a frame used as it is (rectangular window, no table).
pub const WINDOW_NONE: u8 = 0;
/// `window_kind` of a periodic Hann window (the table is what the arithmetic uses).
pub const WINDOW_HANN: u8 = 1;
/// `band_kind` of triangular filters on the mel scale.
pub const BANDS_MEL: u8 = 0;
/// `band_kind` of rectangular bands of equal width in Hz.
pub const BANDS_LINEAR: u8 = 1;
/// `compression` of the base-2 logarithm in Q16 (SPEC.md §8.6).
pub const COMPRESSION_LOG2_Q16: u8 = 0;
