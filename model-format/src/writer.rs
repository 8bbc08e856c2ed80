//! Owned model description and the writer that turns it into file bytes (`alloc` feature).

use alloc::string::String;
use alloc::vec::Vec;
use serde::Serialize;

use crate::bytes::{Bytes, DenseChannel, HeadChannel, Requant};
use crate::error::WriteError;
use crate::front_end::{BandKind, WindowKind};
use crate::header::Header;
use crate::model::ModelView;
use crate::records::{
    ACTIVATION_LEAKY, ACTIVATION_LINEAR, ACTIVATION_RELU, AnomalyRecord, BANDS_LINEAR, BANDS_MEL,
    COMPRESSION_LOG2_Q16, DenseRecord, FrontEndRecord, GoldenRecord, GoldenRecordV3, HeadRecord,
    LAYER_KIND_DENSE, LAYER_KIND_DENSE_ALIGNED, LAYER_KIND_DENSE_SHARED, PreambleRecord,
    ROLE_DECODER, ROLE_ENCODER, SAMPLE_FORMAT_I16, SharedDenseRecord, WINDOW_HANN, WINDOW_NONE,
};
use crate::view::Role;

/// How the writer stores a dense layer's negative side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChannelLayout {
    /// Layer kind 0 (version 1): stored per channel (14-byte records).
    #[default]
    PerChannel,
    /// Layer kind 1 (version 2, 9-byte records): the positive requantization scaled by
    /// one slope for the whole layer ([`Requant::scaled_by`]), or equal to it (`None`: a
    /// linear layer).
    Shared(Option<Requant>),
    /// ReLU (layer kind 2, version 3): every channel's `negative` has multiplier 0 and
    /// the positive side's shift, so accumulators below zero give the zero point.
    Relu,
}

/// Everything a model file holds, in owned form, as the trainer builds it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSpec {
    /// Scale of the quantized input.
    pub input_scale: f32,
    /// Zero point of the quantized input.
    pub input_zero_point: i8,
    /// Per input feature `(a_i, b_i)`: `q_i = clamp(round(x_i * a_i + b_i))`.
    pub input_affine: Vec<(f32, f32)>,
    /// The training columns' names, one per input (version 3), or none.
    pub feature_names: Vec<String>,
    /// Layers in order: the encoder's, then the decoder's (if any).
    pub layers: Vec<DenseSpec>,
    /// Classifier head (every version 1 and 2 file has one).
    pub head: Option<HeadSpec>,
    /// Class labels, indexed by class (empty without a head).
    pub labels: Vec<String>,
    /// Anomaly section (version 3; needs a decoder).
    pub anomaly: Option<AnomalySpec>,
    /// Signal front end (version 4): raw samples to the model's int8 input.
    pub front_end: Option<FrontEndSpec>,
    /// Golden self-test vectors.
    pub golden: Vec<GoldenSpec>,
}

/// The signal front end, owned (SPEC.md §8).
#[derive(Debug, Clone, PartialEq)]
pub struct FrontEndSpec {
    /// Interleaved int16 channels (1 to 8).
    pub channels: u8,
    /// Samples per second per channel, in Hz.
    pub sample_rate: u32,
    /// Samples per channel in a frame: a power of two, 64 to 2048.
    pub frame_len: u16,
    /// Samples per channel between frame starts.
    pub hop: u16,
    /// The window's kind; [`WindowKind::None`] needs an empty `window`.
    pub window_kind: WindowKind,
    /// `frame_len` Q15 values (at most 32768), or none.
    pub window: Vec<u16>,
    /// How the bands were laid out (informative).
    pub band_kind: BandKind,
    /// Lowest band frequency, in Hz (informative).
    pub f_min: f32,
    /// Highest band frequency, in Hz (informative).
    pub f_max: f32,
    /// Per band: first bin and Q15 weights of consecutive bins.
    pub bands: Vec<(u16, Vec<u16>)>,
    /// Frames stacked into one model input.
    pub frames: u8,
    /// Per model input: `(multiplier, offset)` of `q = sat8((L·m + o + 2^31) >> 32)`.
    pub affine: Vec<(i32, i64)>,
    /// Scores averaged into the smoothed score (1 to 32).
    pub smoothing: u8,
    /// Anomalous windows among the last `alarm_window` that raise the alarm.
    pub alarm_count: u8,
    /// Windows the alarm rule looks back over (1 to 32).
    pub alarm_window: u8,
}

impl FrontEndSpec {
    /// Writes the front-end record (SPEC.md §8.1).
    fn put(&self, out: &mut Vec<u8>) -> Result<(), WriteError> {
        let u16s = |v: &[u16]| -> Vec<u8> { v.iter().flat_map(|w| w.to_le_bytes()).collect() };
        let mut table = Vec::new();
        let mut weights = Vec::new();
        for (first, w) in &self.bands {
            table.extend(first.to_le_bytes());
            table.extend(dim("band bin count exceeds u16", w.len())?.to_le_bytes());
            weights.extend(u16s(w));
        }
        let affine: Vec<u8> = self
            .affine
            .iter()
            .flat_map(|&(m, o)| m.to_le_bytes().into_iter().chain(o.to_le_bytes()))
            .collect();
        put(
            out,
            &FrontEndRecord {
                sample_format: SAMPLE_FORMAT_I16,
                channels: self.channels,
                sample_rate: self.sample_rate,
                frame_len: self.frame_len,
                hop: self.hop,
                window_kind: match self.window_kind {
                    WindowKind::None => WINDOW_NONE,
                    WindowKind::Hann => WINDOW_HANN,
                },
                window: Bytes(&u16s(&self.window)),
                band_kind: match self.band_kind {
                    BandKind::Mel => BANDS_MEL,
                    BandKind::Linear => BANDS_LINEAR,
                },
                f_min: self.f_min,
                f_max: self.f_max,
                compression: COMPRESSION_LOG2_Q16,
                bands: Bytes(&table),
                band_weights: Bytes(&weights),
                frames: self.frames,
                affine: Bytes(&affine),
                smoothing: self.smoothing,
                alarm_count: self.alarm_count,
                alarm_window: self.alarm_window,
            },
        )
    }
}

/// The anomaly section, owned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnomalySpec {
    /// Real value of one unit of the integer score (`input_scale² / n_inputs`).
    pub score_scale: f32,
    /// Integer scores above this are anomalies.
    pub threshold: u32,
}

/// One quantized dense layer, owned.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseSpec {
    /// Encoder or decoder (a decoder layer needs version 3).
    pub role: Role,
    /// Scale of the layer's int8 output.
    pub output_scale: f32,
    /// Zero point of the layer's int8 output.
    pub output_zero_point: i8,
    /// Row-major `n_out × n_in` weights.
    pub weights: Vec<i8>,
    /// One record per output channel; `n_out = channels.len()`.
    pub channels: Vec<DenseChannel>,
    /// How the file stores the negative side: per channel (layer kind 0, version 1), or
    /// one slope for the layer (kind 1, version 2), in which case every channel's
    /// `negative` must be its `positive` scaled by that slope (or equal to it, linear).
    pub layout: ChannelLayout,
}

impl DenseSpec {
    /// Whether every channel's `negative` is what `layout` derives from its `positive`.
    fn is_consistent(&self) -> bool {
        match self.layout {
            ChannelLayout::PerChannel => true,
            ChannelLayout::Shared(None) => self.channels.iter().all(|c| c.negative == c.positive),
            ChannelLayout::Shared(Some(slope)) => self
                .channels
                .iter()
                .all(|c| c.positive.scaled_by(slope) == Some(c.negative)),
            ChannelLayout::Relu => self.channels.iter().all(|c| {
                c.negative
                    == Requant {
                        multiplier: 0,
                        shift: c.positive.shift,
                    }
            }),
        }
    }
}

/// The quantized classifier head, owned.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadSpec {
    /// Real value of one unit of an int32 logit.
    pub logit_scale: f32,
    /// Row-major `n_logits × n_in` weights.
    pub weights: Vec<i8>,
    /// One record per logit; `n_logits = channels.len()`.
    pub channels: Vec<HeadChannel>,
}

/// One golden self-test vector, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldenSpec {
    /// Quantized input.
    pub input: Vec<i8>,
    /// Expected int8 bottleneck features.
    pub features: Vec<i8>,
    /// Expected int32 logits (empty without a head).
    pub logits: Vec<i32>,
    /// Expected class index (0 without a head).
    pub class: u16,
    /// Expected int8 reconstruction (empty without a decoder).
    pub reconstruction: Vec<i8>,
    /// Expected integer anomaly score (0 without a decoder).
    pub score: u32,
}

fn as_bytes(v: &[i8]) -> Vec<u8> {
    v.iter().map(|&x| x as u8).collect()
}

fn dim(what: &'static str, n: usize) -> Result<u16, WriteError> {
    u16::try_from(n).map_err(|_| WriteError::Unwritable { what })
}

fn put<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), WriteError> {
    // Serializing into a Vec only fails if the allocator does, so the message is generic.
    let bytes = postcard::to_allocvec(value).map_err(|_| WriteError::Unwritable {
        what: "postcard serialization failed",
    })?;
    out.extend_from_slice(&bytes);
    Ok(())
}

fn put_count(out: &mut Vec<u8>, what: &'static str, n: usize) -> Result<(), WriteError> {
    put(
        out,
        &u32::try_from(n).map_err(|_| WriteError::Unwritable { what })?,
    )
}

/// Appends the padding field and then the weights field, the padding (0 to 3 zero bytes)
/// chosen so that the first weight lands on a 4-byte boundary of the file, whose payload
/// starts at byte 16 (itself a multiple of 4), and each row zero-padded to `stride`.
fn put_aligned_weights(
    out: &mut Vec<u8>,
    weights: &[i8],
    n_in: usize,
    stride: usize,
) -> Result<(), WriteError> {
    let rows: Vec<u8> = weights
        .chunks(n_in.max(1))
        .flat_map(|row| {
            row.iter()
                .map(|&w| w as u8)
                .chain(core::iter::repeat_n(0, stride - row.len().min(stride)))
        })
        .collect();
    let length_prefix =
        postcard::to_allocvec(&(rows.len() as u32)).map_err(|_| WriteError::Unwritable {
            what: "postcard serialization failed",
        })?;
    // Padding field: one length byte (0..=3) plus that many zeros, then the prefix.
    let unaligned = (crate::HEADER_LEN + out.len() + 1 + length_prefix.len()) % 4;
    let pad = (4 - unaligned) % 4;
    put(out, &Bytes(&alloc::vec![0u8; pad]))?;
    put(out, &Bytes(&rows))
}

/// The v3 activation byte and slope of a layout.
fn activation_fields(layout: ChannelLayout) -> Result<(u8, Requant), WriteError> {
    Ok(match layout {
        ChannelLayout::Shared(Some(s)) => (ACTIVATION_LEAKY, s),
        ChannelLayout::Shared(None) => (ACTIVATION_LINEAR, Requant::default()),
        ChannelLayout::Relu => (ACTIVATION_RELU, Requant::default()),
        ChannelLayout::PerChannel => {
            return Err(WriteError::Unwritable {
                what: "version 3 has no per-channel negative side (layer kind 0)",
            });
        }
    })
}

impl ModelSpec {
    /// The format version the file gets: the oldest that can hold everything in it, so
    /// files without version-3 parts stay readable by older loaders. A front end needs
    /// version 4. Feature names, a
    /// decoder, ReLU layers, an anomaly section or a missing head need version 3; layers
    /// with a shared slope version 2.
    pub fn version(&self) -> u16 {
        if self.front_end.is_some() {
            return 4;
        }
        let v3 = !self.feature_names.is_empty()
            || self.head.is_none()
            || self.anomaly.is_some()
            || self
                .layers
                .iter()
                .any(|l| l.role == Role::Decoder || l.layout == ChannelLayout::Relu);
        if v3 {
            3
        } else if self
            .layers
            .iter()
            .any(|l| l.layout != ChannelLayout::PerChannel)
        {
            2
        } else {
            1
        }
    }

    /// The postcard payload (everything after the header).
    pub fn payload(&self) -> Result<Vec<u8>, WriteError> {
        let v3 = self.version() >= 3;
        let mut out = Vec::new();
        let affine: Vec<u8> = self
            .input_affine
            .iter()
            .flat_map(|&(a, b)| a.to_le_bytes().into_iter().chain(b.to_le_bytes()))
            .collect();
        put(
            &mut out,
            &PreambleRecord {
                n_inputs: dim("input count exceeds u16", self.input_affine.len())?,
                input_scale: self.input_scale,
                input_zero_point: self.input_zero_point,
                input_affine: Bytes(&affine),
            },
        )?;
        if v3 {
            put_count(&mut out, "feature name count", self.feature_names.len())?;
            for name in &self.feature_names {
                put(&mut out, name.as_str())?;
            }
        }
        if self.version() >= 4 {
            put(&mut out, &u8::from(self.front_end.is_some()))?;
            if let Some(front_end) = &self.front_end {
                front_end.put(&mut out)?;
            }
        }

        put_count(&mut out, "layer count", self.layers.len())?;
        let mut n_in = self.input_affine.len();
        for layer in &self.layers {
            let n_out = layer.channels.len();
            let n_in16 = dim("layer input width exceeds u16", n_in)?;
            let n_out16 = dim("layer output width exceeds u16", n_out)?;
            if !layer.is_consistent() {
                return Err(WriteError::Unwritable {
                    what: "a channel's negative requantization differs from what the layer's activation derives",
                });
            }
            if v3 {
                let (activation, slope) = activation_fields(layer.layout)?;
                let channels: Vec<u8> = layer
                    .channels
                    .iter()
                    .flat_map(|c| c.to_shared_bytes())
                    .collect();
                put(&mut out, &LAYER_KIND_DENSE_ALIGNED)?;
                put(
                    &mut out,
                    &(
                        match layer.role {
                            Role::Encoder => ROLE_ENCODER,
                            Role::Decoder => ROLE_DECODER,
                        },
                        n_in16,
                        n_out16,
                        layer.output_scale,
                        layer.output_zero_point,
                        activation,
                        slope.multiplier,
                        slope.shift,
                        Bytes(&channels),
                    ),
                )?;
                put_aligned_weights(&mut out, &layer.weights, n_in, n_in.div_ceil(4) * 4)?;
                n_in = n_out;
                continue;
            }
            let weights = as_bytes(&layer.weights);
            match layer.layout {
                ChannelLayout::PerChannel => {
                    let channels: Vec<u8> =
                        layer.channels.iter().flat_map(|c| c.to_bytes()).collect();
                    put(&mut out, &LAYER_KIND_DENSE)?;
                    put(
                        &mut out,
                        &DenseRecord {
                            n_in: n_in16,
                            n_out: n_out16,
                            output_scale: layer.output_scale,
                            output_zero_point: layer.output_zero_point,
                            weights: Bytes(&weights),
                            channels: Bytes(&channels),
                        },
                    )?;
                }
                ChannelLayout::Shared(slope) => {
                    let channels: Vec<u8> = layer
                        .channels
                        .iter()
                        .flat_map(|c| c.to_shared_bytes())
                        .collect();
                    let (activation, slope) = match slope {
                        Some(s) => (ACTIVATION_LEAKY, s),
                        None => (ACTIVATION_LINEAR, Requant::default()),
                    };
                    put(&mut out, &LAYER_KIND_DENSE_SHARED)?;
                    put(
                        &mut out,
                        &SharedDenseRecord {
                            n_in: n_in16,
                            n_out: n_out16,
                            output_scale: layer.output_scale,
                            output_zero_point: layer.output_zero_point,
                            activation,
                            slope_multiplier: slope.multiplier,
                            slope_shift: slope.shift,
                            weights: Bytes(&weights),
                            channels: Bytes(&channels),
                        },
                    )?;
                }
                ChannelLayout::Relu => {
                    return Err(WriteError::Unwritable {
                        what: "ReLU layers need version 3",
                    });
                }
            }
            n_in = n_out;
        }
        // The head reads the bottleneck: the last encoder layer's output.
        let n_features = self
            .layers
            .iter()
            .take_while(|l| l.role == Role::Encoder)
            .last()
            .map_or(0, |l| l.channels.len());

        if v3 {
            put(&mut out, &u8::from(self.head.is_some()))?;
        }
        if let Some(head) = &self.head {
            let head_channels: Vec<u8> = head.channels.iter().flat_map(|c| c.to_bytes()).collect();
            let n_in16 = dim("head input width exceeds u16", n_features)?;
            let n_logits = dim("head logit count exceeds u16", head.channels.len())?;
            if v3 {
                put(
                    &mut out,
                    &(n_in16, n_logits, head.logit_scale, Bytes(&head_channels)),
                )?;
                put_aligned_weights(
                    &mut out,
                    &head.weights,
                    n_features,
                    n_features.div_ceil(4) * 4,
                )?;
            } else {
                let head_weights = as_bytes(&head.weights);
                put(
                    &mut out,
                    &HeadRecord {
                        n_in: n_in16,
                        n_logits,
                        logit_scale: head.logit_scale,
                        weights: Bytes(&head_weights),
                        channels: Bytes(&head_channels),
                    },
                )?;
            }
            put_count(&mut out, "class count", self.labels.len())?;
            for label in &self.labels {
                put(&mut out, label.as_str())?;
            }
        }
        if v3 {
            put(&mut out, &u8::from(self.anomaly.is_some()))?;
            if let Some(a) = &self.anomaly {
                put(
                    &mut out,
                    &AnomalyRecord {
                        score_scale: a.score_scale,
                        threshold: a.threshold,
                    },
                )?;
            }
        }

        put_count(&mut out, "golden vector count", self.golden.len())?;
        for g in &self.golden {
            let input = as_bytes(&g.input);
            let features = as_bytes(&g.features);
            let logits: Vec<u8> = g.logits.iter().flat_map(|l| l.to_le_bytes()).collect();
            if v3 {
                let reconstruction = as_bytes(&g.reconstruction);
                put(
                    &mut out,
                    &GoldenRecordV3 {
                        input: Bytes(&input),
                        features: Bytes(&features),
                        logits: Bytes(&logits),
                        class: g.class,
                        reconstruction: Bytes(&reconstruction),
                        score: g.score,
                    },
                )?;
            } else {
                put(
                    &mut out,
                    &GoldenRecord {
                        input: Bytes(&input),
                        features: Bytes(&features),
                        logits: Bytes(&logits),
                        class: g.class,
                    },
                )?;
            }
        }
        Ok(out)
    }

    /// The complete file: header followed by payload, in [`ModelSpec::version`].
    ///
    /// The bytes are parsed back before they are returned, so the writer never produces a
    /// file the loader would reject; the loader's error is returned instead.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WriteError> {
        let payload = self.payload()?;
        let header =
            Header::for_payload_version(&payload, self.version()).map_err(WriteError::Invalid)?;
        let mut file = Vec::with_capacity(payload.len() + crate::HEADER_LEN);
        file.extend_from_slice(&header.to_bytes());
        file.extend_from_slice(&payload);
        ModelView::parse(&file).map_err(WriteError::Invalid)?;
        Ok(file)
    }
}
