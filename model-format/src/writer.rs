//! Owned model description and the writer that turns it into file bytes (`alloc` feature).

use alloc::string::String;
use alloc::vec::Vec;
use serde::Serialize;

use crate::bytes::{Bytes, DenseChannel, HeadChannel, Requant};
use crate::error::WriteError;
use crate::header::Header;
use crate::model::ModelView;
use crate::records::{
    ACTIVATION_LEAKY, ACTIVATION_LINEAR, DenseRecord, GoldenRecord, HeadRecord, LAYER_KIND_DENSE,
    LAYER_KIND_DENSE_SHARED, PreambleRecord, SharedDenseRecord,
};

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
    /// Encoder layers in order.
    pub layers: Vec<DenseSpec>,
    /// Classifier head.
    pub head: HeadSpec,
    /// Class labels, indexed by class.
    pub labels: Vec<String>,
    /// Golden self-test vectors.
    pub golden: Vec<GoldenSpec>,
}

/// One quantized dense layer, owned.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseSpec {
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
    /// Expected int32 logits.
    pub logits: Vec<i32>,
    /// Expected class index.
    pub class: u16,
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

impl ModelSpec {
    /// The postcard payload (everything after the header).
    pub fn payload(&self) -> Result<Vec<u8>, WriteError> {
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

        put_count(&mut out, "layer count", self.layers.len())?;
        let mut n_in = self.input_affine.len();
        for layer in &self.layers {
            let n_out = layer.channels.len();
            let weights = as_bytes(&layer.weights);
            let n_in16 = dim("layer input width exceeds u16", n_in)?;
            let n_out16 = dim("layer output width exceeds u16", n_out)?;
            if !layer.is_consistent() {
                return Err(WriteError::Unwritable {
                    what: "a channel's negative requantization differs from the layer slope's",
                });
            }
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
            }
            n_in = n_out;
        }

        let head_weights = as_bytes(&self.head.weights);
        let head_channels: Vec<u8> = self
            .head
            .channels
            .iter()
            .flat_map(|c| c.to_bytes())
            .collect();
        put(
            &mut out,
            &HeadRecord {
                n_in: dim("head input width exceeds u16", n_in)?,
                n_logits: dim("head logit count exceeds u16", self.head.channels.len())?,
                logit_scale: self.head.logit_scale,
                weights: Bytes(&head_weights),
                channels: Bytes(&head_channels),
            },
        )?;

        put_count(&mut out, "class count", self.labels.len())?;
        for label in &self.labels {
            put(&mut out, label.as_str())?;
        }

        put_count(&mut out, "golden vector count", self.golden.len())?;
        for g in &self.golden {
            let input = as_bytes(&g.input);
            let features = as_bytes(&g.features);
            let logits: Vec<u8> = g.logits.iter().flat_map(|l| l.to_le_bytes()).collect();
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
        Ok(out)
    }

    /// The complete file: header followed by payload.
    ///
    /// The bytes are parsed back before they are returned, so the writer never produces a
    /// file the loader would reject; the loader's error is returned instead.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WriteError> {
        let payload = self.payload()?;
        // The oldest version that can hold the layers: files without kind-1 layers stay
        // version 1, readable by every loader.
        let shared = self
            .layers
            .iter()
            .any(|l| l.layout != ChannelLayout::PerChannel);
        let version = if shared { 2 } else { 1 };
        let header = Header::for_payload_version(&payload, version).map_err(WriteError::Invalid)?;
        let mut file = Vec::with_capacity(payload.len() + crate::HEADER_LEN);
        file.extend_from_slice(&header.to_bytes());
        file.extend_from_slice(&payload);
        ModelView::parse(&file).map_err(WriteError::Invalid)?;
        Ok(file)
    }
}
