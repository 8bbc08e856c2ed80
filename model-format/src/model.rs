//! Parsing and validating a whole model file into zero-copy views.

use crate::Error;
use crate::bytes::{HEAD_CHANNEL_LEN, Requant};
use crate::cursor::Cursor;
use crate::front_end::{self, FrontEnd};
use crate::header::Header;
use crate::limits::{
    MAX_CLASSES, MAX_GOLDEN, MAX_LABEL_LEN, MAX_LAYERS, MAX_LAYERS_V2, MAX_NAME_LEN, MAX_WIDTH,
};
use crate::records::{
    ACTIVATION_LEAKY, ACTIVATION_LINEAR, ACTIVATION_RELU, AlignedDenseRecord, AlignedHeadRecord,
    AnomalyRecord, DenseRecord, FrontEndRecord, GoldenRecord, GoldenRecordV3, HeadRecord,
    LAYER_KIND_DENSE, LAYER_KIND_DENSE_ALIGNED, LAYER_KIND_DENSE_SHARED, PreambleRecord,
    ROLE_DECODER, ROLE_ENCODER, SharedDenseRecord,
};
use crate::view::{Activation, Anomaly, DenseLayer, Golden, Head, Layer, Role};
use postcard::ser_flavors::Size;
use serde::{Deserialize, Serialize};

/// Largest magnitude an int8 × int8 product can have; bounds the accumulator.
const MAX_PRODUCT: i64 = 128 * 128;

/// A model file that passed every check, borrowing all weights from the file's bytes.
///
/// Only [`ModelView::parse`] makes one, so what it reports has been checked. The handle
/// is small and its size does not grow with the model (no table per layer or label):
/// layers, labels and names are decoded again, without the checks, when iterated.
#[derive(Debug, Clone)]
pub struct ModelView<'a> {
    header: Header,
    preamble: PreambleRecord<'a>,
    names: Strings<'a>,
    layers: Layers<'a>,
    n_encoder: usize,
    n_features: usize,
    /// Widest activation, inputs included: asked before every inference, so kept rather
    /// than decoded again from the layers.
    max_width: usize,
    head: Option<Head<'a>>,
    labels: Strings<'a>,
    anomaly: Option<Anomaly>,
    /// The front-end record's bytes (decoded again on request: a view of it would triple
    /// the handle's size); empty without a front end.
    front_end: &'a [u8],
    golden_count: usize,
    golden_bytes: &'a [u8],
}

/// Decodes one postcard value from the front of `rest`, advancing it.
///
/// Only the minimal encoding of a value is accepted (SPEC.md §3): postcard itself would
/// also take overlong varints such as `82 00` for 2, and byte-string lengths of up to 10
/// bytes on a 64-bit host but 5 on a 32-bit one. Comparing the bytes used with the
/// value's own encoded size makes every host accept exactly the same files.
fn take<'a, T: Deserialize<'a> + Serialize>(
    rest: &mut &'a [u8],
    what: &'static str,
) -> Result<T, Error> {
    let (value, tail) =
        postcard::take_from_bytes::<T>(rest).map_err(|_| Error::Malformed { what })?;
    let used = rest.len() - tail.len();
    let minimal = postcard::serialize_with_flavor::<T, Size, usize>(&value, Size::default())
        .map_err(|_| Error::Malformed { what })?;
    if used != minimal {
        return Err(Error::NonCanonical { what });
    }
    *rest = tail;
    Ok(value)
}

/// Decodes one value already checked by [`take`] during [`ModelView::parse`], without
/// repeating the canonical-encoding check (iteration over a checked model).
fn take_again<'a, T: Deserialize<'a>>(rest: &mut &'a [u8]) -> Option<T> {
    let (value, tail) = postcard::take_from_bytes::<T>(rest).ok()?;
    *rest = tail;
    Some(value)
}

/// Reads a varint count and checks it against `min..=max`.
fn take_count(
    rest: &mut &[u8],
    what: &'static str,
    min: usize,
    max: usize,
) -> Result<usize, Error> {
    let found: u32 = take(rest, what)?;
    check_range(what, found, min, max)
}

pub(crate) fn check_range(
    what: &'static str,
    found: u32,
    min: usize,
    max: usize,
) -> Result<usize, Error> {
    let value = usize::try_from(found).unwrap_or(usize::MAX);
    if value < min || value > max {
        return Err(Error::OutOfRange {
            what,
            found,
            min: u32::try_from(min).unwrap_or(u32::MAX),
            max: u32::try_from(max).unwrap_or(u32::MAX),
        });
    }
    Ok(value)
}

pub(crate) fn check_len(what: &'static str, expected: usize, found: usize) -> Result<(), Error> {
    if expected != found {
        return Err(Error::ShapeMismatch {
            what,
            expected,
            found,
        });
    }
    Ok(())
}

fn check_scale(what: &'static str, index: usize, scale: f32) -> Result<(), Error> {
    if !(scale.is_finite() && scale > 0.0) {
        return Err(Error::ParameterOutOfRange { what, index });
    }
    Ok(())
}

/// The accumulator of a channel is `bias + Σ w·x` over `n_in` products of at most
/// 128·128; requiring this to fit in i32 makes overflow impossible in every kernel.
fn check_bias(what: &'static str, index: usize, bias: i32, n_in: usize) -> Result<(), Error> {
    let reach = i64::from(bias).abs() + (n_in as i64) * MAX_PRODUCT;
    if reach > i64::from(i32::MAX) {
        return Err(Error::ParameterOutOfRange { what, index });
    }
    Ok(())
}

fn check_requant(what: &'static str, index: usize, r: Requant) -> Result<(), Error> {
    if !r.is_valid() {
        return Err(Error::ParameterOutOfRange { what, index });
    }
    Ok(())
}

fn check_dense(
    layer: &DenseLayer<'_>,
    index: usize,
    n_in_expected: usize,
    max_width: usize,
) -> Result<(), Error> {
    let n_in = check_range("layer input width", u32::from(layer.n_in), 1, max_width)?;
    let n_out = check_range("layer output width", u32::from(layer.n_out), 1, max_width)?;
    check_len("layer input width", n_in_expected, n_in)?;
    check_len(
        "layer weights",
        n_out * layer.row_stride(),
        layer.weights.len(),
    )?;
    check_len(
        "layer channels",
        n_out * layer.record_len(),
        layer.records.len(),
    )?;
    check_scale("layer output scale", index, layer.output_scale)?;
    if let Activation::LeakyRelu(slope) = layer.activation {
        check_requant("layer slope", index, slope)?;
    }
    for c in 0..n_out {
        let ch = layer.channel(c).ok_or(Error::Malformed {
            what: "layer channels",
        })?;
        check_bias("layer bias", c, ch.bias(), n_in)?;
        check_requant("layer positive requantization", c, ch.positive())?;
        // A derived negative side must exist (its shift can leave the legal range).
        let negative = match layer.activation {
            Activation::LeakyRelu(slope) => ch.positive().scaled_by(slope),
            Activation::Linear | Activation::PerChannel | Activation::Relu => Some(ch.negative()),
        }
        .ok_or(Error::ParameterOutOfRange {
            what: "layer negative requantization",
            index: c,
        })?;
        check_requant("layer negative requantization", c, negative)?;
    }
    Ok(())
}

/// `n_in` rounded up to a whole number of 4-byte words: a version-3 row stride.
fn aligned_stride(n_in: u16) -> u16 {
    n_in.div_ceil(4).saturating_mul(4)
}

/// Checks the padding in front of a version-3 weight matrix and inside its rows: the
/// matrix starts on a 4-byte boundary of `file`, the padding field is the shortest that
/// does this (0 to 3 bytes), and every padding byte is zero.
fn check_alignment(
    what: &'static str,
    file: &[u8],
    padding: &[u8],
    weights: &[u8],
    n_in: usize,
    stride: usize,
) -> Result<(), Error> {
    let offset_of = |p: *const u8| (p as usize).wrapping_sub(file.as_ptr() as usize);
    let offset = offset_of(weights.as_ptr());
    if !offset.is_multiple_of(4) {
        return Err(Error::Misaligned { what, offset });
    }
    if padding.len() > 3 {
        return Err(Error::PaddingTooLong {
            what,
            len: padding.len(),
        });
    }
    if let Some(b) = padding.iter().find(|&&b| b != 0) {
        return Err(Error::NonZeroPadding {
            what,
            offset: offset_of(b),
        });
    }
    if n_in < stride {
        for (row, weights) in weights.chunks_exact(stride.max(1)).enumerate() {
            if let Some(b) = weights
                .get(n_in..)
                .and_then(|pad| pad.iter().find(|&&b| b != 0))
            {
                return Err(Error::NonZeroRowPadding {
                    what,
                    row,
                    offset: offset_of(b),
                });
            }
        }
    }
    Ok(())
}

fn check_head(head: &Head<'_>, n_features: usize, n_classes: usize) -> Result<(), Error> {
    let n_in = check_range("head input width", u32::from(head.n_in), 1, MAX_WIDTH)?;
    check_len("head input width", n_features, n_in)?;
    let n_logits = head.n_logits();
    // A binary head may store a single logit (sigmoid); otherwise one logit per class.
    let binary_single = n_classes == 2 && n_logits == 1;
    if !binary_single {
        check_len("head logit count", n_classes, n_logits)?;
    }
    check_len(
        "head weights",
        head.row_stride() * n_logits,
        head.weights.len(),
    )?;
    check_len(
        "head channels",
        n_logits * HEAD_CHANNEL_LEN,
        head.records.len(),
    )?;
    check_scale("head logit scale", 0, head.logit_scale)?;
    for k in 0..n_logits {
        let ch = head.channel(k).ok_or(Error::Malformed {
            what: "head channels",
        })?;
        check_bias("head bias", k, ch.bias, n_in)?;
        check_requant("head requantization", k, ch.requant)?;
    }
    Ok(())
}

/// The view of a kind-0 record (per-channel negative side).
fn dense_view(r: DenseRecord<'_>) -> DenseLayer<'_> {
    DenseLayer {
        role: Role::Encoder,
        n_in: r.n_in,
        n_out: r.n_out,
        stride: r.n_in,
        output_scale: r.output_scale,
        output_zero_point: r.output_zero_point,
        weights: r.weights.0,
        records: r.channels.0,
        activation: Activation::PerChannel,
    }
}

/// The activation a kind-1 or kind-2 record declares, or `None` if `activation` is
/// unknown (ReLU needs kind 2) or a non-LeakyReLU layer's slope fields are not zero.
fn activation_of(activation: u8, multiplier: i32, shift: i8, relu: bool) -> Option<Activation> {
    Some(match (activation, multiplier, shift) {
        (ACTIVATION_LINEAR, 0, 0) => Activation::Linear,
        (ACTIVATION_RELU, 0, 0) if relu => Activation::Relu,
        (ACTIVATION_LEAKY, multiplier, shift) => {
            Activation::LeakyRelu(Requant { multiplier, shift })
        }
        _ => return None,
    })
}

/// The view of a kind-1 record, or `None` if its activation fields are invalid.
fn shared_dense_view(r: SharedDenseRecord<'_>) -> Option<DenseLayer<'_>> {
    Some(DenseLayer {
        role: Role::Encoder,
        n_in: r.n_in,
        n_out: r.n_out,
        stride: r.n_in,
        output_scale: r.output_scale,
        output_zero_point: r.output_zero_point,
        weights: r.weights.0,
        records: r.channels.0,
        activation: activation_of(r.activation, r.slope_multiplier, r.slope_shift, false)?,
    })
}

/// The view of a kind-2 record, or the name of the field that is invalid.
fn aligned_dense_view(r: AlignedDenseRecord<'_>) -> Result<DenseLayer<'_>, &'static str> {
    let role = match r.role {
        ROLE_ENCODER => Role::Encoder,
        ROLE_DECODER => Role::Decoder,
        _ => return Err("layer role"),
    };
    Ok(DenseLayer {
        role,
        n_in: r.n_in,
        n_out: r.n_out,
        stride: aligned_stride(r.n_in),
        output_scale: r.output_scale,
        output_zero_point: r.output_zero_point,
        weights: r.weights.0,
        records: r.channels.0,
        activation: activation_of(r.activation, r.slope_multiplier, r.slope_shift, true)
            .ok_or("layer activation or slope")?,
    })
}

/// Decodes the next layer record (kind tag and record) of a `version` file; `None` when
/// the bytes do not decode. `checked` applies the canonical-encoding check of [`take`]
/// (parsing) or not (iterating over a checked model).
fn read_layer<'a>(
    rest: &mut &'a [u8],
    version: u16,
    index: usize,
    checked: bool,
) -> Result<(DenseLayer<'a>, &'a [u8]), Error> {
    fn next<'a, T: Deserialize<'a> + Serialize>(
        rest: &mut &'a [u8],
        what: &'static str,
        checked: bool,
    ) -> Result<T, Error> {
        if checked {
            take(rest, what)
        } else {
            take_again(rest).ok_or(Error::Malformed { what })
        }
    }
    let bad = |what| Error::ParameterOutOfRange { what, index };
    if !checked && version >= 3 {
        // The per-inference path: the record was checked when the file was parsed.
        let mut cursor = Cursor(rest);
        let record = match cursor.varint() {
            Some(LAYER_KIND_DENSE_ALIGNED) => cursor.aligned_dense(),
            _ => None,
        }
        .ok_or(Error::Malformed {
            what: "aligned dense layer",
        })?;
        *rest = cursor.0;
        return Ok((aligned_dense_view(record).map_err(bad)?, &[]));
    }
    let kind: u32 = next(rest, "layer kind", checked)?;
    Ok(match (kind, version) {
        (LAYER_KIND_DENSE, 1 | 2) => (dense_view(next(rest, "dense layer", checked)?), &[]),
        // Kind 1 is new in version 2.
        (LAYER_KIND_DENSE_SHARED, 2) => {
            let record: SharedDenseRecord<'a> = next(rest, "shared-slope dense layer", checked)?;
            let view = shared_dense_view(record).ok_or(bad("layer activation or slope"))?;
            (view, &[])
        }
        // Versions 3 and 4 have kind 2 only: every weight matrix aligned.
        (LAYER_KIND_DENSE_ALIGNED, 3..) => {
            let record: AlignedDenseRecord<'a> = next(rest, "aligned dense layer", checked)?;
            let padding = record.padding.0;
            (aligned_dense_view(record).map_err(bad)?, padding)
        }
        _ => return Err(Error::UnknownLayerKind { layer: index, kind }),
    })
}

/// The layer stack of a checked model, input side first (see [`ModelView::layers`]).
#[derive(Debug, Clone)]
pub struct Layers<'a> {
    rest: &'a [u8],
    left: usize,
    index: usize,
    version: u16,
}

impl<'a> Iterator for Layers<'a> {
    type Item = Layer<'a>;

    fn next(&mut self) -> Option<Layer<'a>> {
        if self.left == 0 {
            return None;
        }
        // Cannot fail: the same bytes were decoded and checked by the loader.
        let (layer, _) = read_layer(&mut self.rest, self.version, self.index, false).ok()?;
        self.left -= 1;
        self.index += 1;
        Some(Layer::Dense(layer))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Layers<'_> {}

/// Class labels or feature names of a checked model, in file order.
#[derive(Debug, Clone)]
pub struct Strings<'a> {
    rest: &'a [u8],
    left: usize,
}

impl<'a> Strings<'a> {
    const EMPTY: Strings<'static> = Strings { rest: &[], left: 0 };

    /// Reads `count` strings of `1..=max_len` bytes, none equal to an earlier one, and
    /// returns them as a lazily decoded list.
    fn parse(
        rest: &mut &'a [u8],
        count: usize,
        what: [&'static str; 4],
        max_len: usize,
    ) -> Result<Strings<'a>, Error> {
        let [name, too_long, empty, duplicate] = what;
        let list = Strings { rest, left: count };
        // Names seen so far, as bits of a hash: only a name whose bit is already set is
        // compared with the earlier ones (a quadratic scan that decoded every earlier name
        // again cost 25 M instructions for 640 names on a Cortex-M4).
        let mut seen = [0u32; SEEN_WORDS];
        for index in 0..count {
            let s: &'a str = take(rest, name)?;
            if s.len() > max_len {
                return Err(Error::ParameterOutOfRange {
                    what: too_long,
                    index,
                });
            }
            if s.is_empty() {
                return Err(Error::ParameterOutOfRange { what: empty, index });
            }
            let bit = name_hash(s) % (32 * SEEN_WORDS as u32);
            let (word, mask) = ((bit / 32) as usize, 1u32 << (bit % 32));
            let Some(slot) = seen.get_mut(word) else {
                continue;
            };
            let repeated = *slot & mask != 0
                && if max_len < 128 {
                    earlier_raw(list.rest, index).any(|e| e == s.as_bytes())
                } else {
                    let mut earlier = Strings {
                        rest: list.rest,
                        left: index,
                    };
                    earlier.any(|e| e == s)
                };
            if repeated {
                return Err(Error::ParameterOutOfRange {
                    what: duplicate,
                    index,
                });
            }
            *slot |= mask;
        }
        Ok(list)
    }
}

/// Words of the duplicate-name filter: 4096 bits, at most a quarter set for the largest
/// name list (1024), so few names need comparing.
const SEEN_WORDS: usize = 128;

/// FNV-1a of a name, for the duplicate filter.
fn name_hash(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The first `count` strings of an already checked list as raw bytes: one-byte varint
/// lengths (for strings under 128 bytes), no UTF-8 validation again.
fn earlier_raw(mut rest: &[u8], count: usize) -> impl Iterator<Item = &[u8]> {
    (0..count).map_while(move |_| {
        let (&len, tail) = rest.split_first()?;
        let len = usize::from(len);
        let s = tail.get(..len)?;
        rest = tail.get(len..)?;
        Some(s)
    })
}

impl<'a> Iterator for Strings<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.left == 0 {
            return None;
        }
        let s = take_again::<&'a str>(&mut self.rest)?;
        self.left -= 1;
        Some(s)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Strings<'_> {}

/// The golden vector record of a `version` file, as a view.
fn read_golden<'a>(rest: &mut &'a [u8], version: u16, checked: bool) -> Result<Golden<'a>, Error> {
    const WHAT: &str = "golden vector";
    if version < 3 {
        let g: GoldenRecord<'a> = if checked {
            take(rest, WHAT)?
        } else {
            take_again(rest).ok_or(Error::Malformed { what: WHAT })?
        };
        return Ok(Golden {
            input: g.input.0,
            features: g.features.0,
            logits: g.logits.0,
            class: Some(g.class),
            reconstruction: &[],
            score: None,
        });
    }
    let g: GoldenRecordV3<'a> = if checked {
        take(rest, WHAT)?
    } else {
        take_again(rest).ok_or(Error::Malformed { what: WHAT })?
    };
    Ok(Golden {
        input: g.input.0,
        features: g.features.0,
        logits: g.logits.0,
        class: Some(g.class),
        reconstruction: g.reconstruction.0,
        score: Some(g.score),
    })
}

/// The integer anomaly score of SPEC.md §6.3, `Σ (q_i - r_i)²` over an int8 input and
/// its int8 reconstruction: at most 1024 × 255², so it fits u32. The loader checks
/// golden vectors with it and the runtime scores samples with it.
pub fn squared_error(
    input: impl IntoIterator<Item = i8>,
    reconstruction: impl IntoIterator<Item = i8>,
) -> u32 {
    input
        .into_iter()
        .zip(reconstruction)
        .map(|(q, r)| {
            let d = (i32::from(q) - i32::from(r)).unsigned_abs();
            d * d
        })
        .sum()
}

fn check_golden(g: &mut Golden<'_>, index: usize, view: &ModelView<'_>) -> Result<(), Error> {
    check_len("golden input", view.n_inputs(), g.input.len())?;
    check_len("golden features", view.n_features(), g.features.len())?;
    check_len("golden logits", view.n_logits() * 4, g.logits.len())?;
    let bad = |what| Error::ParameterOutOfRange { what, index };
    match (view.head.is_some(), g.class) {
        (true, Some(class)) if usize::from(class) >= view.n_classes() => {
            return Err(bad("golden class"));
        }
        // Version 3 stores 0 where the model has no head.
        (false, Some(0)) => g.class = None,
        (false, Some(_)) => return Err(bad("golden class")),
        _ => {}
    }
    let decoder = view.has_decoder();
    let width = if decoder { view.n_inputs() } else { 0 };
    check_len("golden reconstruction", width, g.reconstruction.len())?;
    match (decoder, g.score) {
        (true, Some(score)) if score != squared_error(g.input(), g.reconstruction()) => {
            return Err(bad("golden score"));
        }
        (false, Some(0)) => g.score = None,
        (false, Some(_)) => return Err(bad("golden score")),
        _ => {}
    }
    Ok(())
}

/// Reads a version-3 presence byte: 0 (absent) or 1 (present).
fn take_presence(rest: &mut &[u8], what: &'static str) -> Result<bool, Error> {
    match take::<u8>(rest, what)? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Error::ParameterOutOfRange { what, index: 0 }),
    }
}

impl<'a> ModelView<'a> {
    /// Checks `file` completely and returns views into it.
    ///
    /// Never panics: every malformed input yields an [`Error`] naming the first problem.
    pub fn parse(file: &'a [u8]) -> Result<ModelView<'a>, Error> {
        let (header, mut rest) = Header::split(file)?;
        let version = header.version;
        let v3 = version >= 3;
        let rest = &mut rest;

        let preamble: PreambleRecord<'a> = take(rest, "preamble")?;
        let n_inputs = check_range("input count", u32::from(preamble.n_inputs), 1, MAX_WIDTH)?;
        check_len("input affine", n_inputs * 8, preamble.input_affine.0.len())?;
        check_scale("input scale", 0, preamble.input_scale)?;
        for i in 0..n_inputs {
            match preamble.affine(i) {
                Some((a, b)) if a.is_finite() && b.is_finite() => {}
                _ => {
                    return Err(Error::ParameterOutOfRange {
                        what: "input affine",
                        index: i,
                    });
                }
            }
        }

        let names = if v3 {
            let count = take_count(rest, "feature name count", 0, MAX_WIDTH)?;
            if count != 0 {
                check_len("feature name count", n_inputs, count)?;
            }
            Strings::parse(
                rest,
                count,
                [
                    "feature name",
                    "feature name length",
                    "feature name (empty)",
                    "feature name (duplicate)",
                ],
                MAX_NAME_LEN,
            )?
        } else {
            Strings::EMPTY
        };

        let front_end = if version >= 4 && take_presence(rest, "front-end presence")? {
            let start: &'a [u8] = rest;
            let record: FrontEndRecord<'a> = take(rest, "front end")?;
            front_end::check(record, n_inputs)?;
            start.get(..start.len() - rest.len()).unwrap_or_default()
        } else {
            &[]
        };

        let max_layers = if v3 { MAX_LAYERS } else { MAX_LAYERS_V2 };
        let n_layers = take_count(rest, "layer count", 1, max_layers)?;
        let layers = Layers {
            rest,
            left: n_layers,
            index: 0,
            version,
        };
        let mut width = n_inputs;
        let mut n_encoder = 0;
        let mut n_features = 0;
        let mut max_width = n_inputs;
        let mut last = None;
        for index in 0..n_layers {
            let (layer, padding) = read_layer(rest, version, index, true)?;
            check_dense(&layer, index, width, MAX_WIDTH)?;
            if v3 {
                check_alignment(
                    "layer weights",
                    file,
                    padding,
                    layer.weights,
                    layer.n_in(),
                    layer.row_stride(),
                )?;
            }
            match layer.role {
                Role::Encoder if n_encoder == index => {
                    n_encoder += 1;
                    n_features = layer.n_out();
                }
                Role::Decoder if n_encoder > 0 => {}
                // The encoder comes first, at least one layer, then the decoder.
                _ => {
                    return Err(Error::ParameterOutOfRange {
                        what: "layer role (encoder layers first, then decoder layers)",
                        index,
                    });
                }
            }
            width = layer.n_out();
            max_width = max_width.max(width);
            last = Some(layer);
        }
        let decoder = n_encoder < n_layers;
        if let (true, Some(last)) = (decoder, last) {
            check_len("decoder output width", n_inputs, last.n_out())?;
            if last.output_scale.to_bits() != preamble.input_scale.to_bits()
                || last.output_zero_point != preamble.input_zero_point
            {
                return Err(Error::Inconsistent {
                    what: "the decoder's output scale and zero point differ from the input's",
                });
            }
        }

        let has_head = !v3 || take_presence(rest, "classifier presence")?;
        let (head, labels) = if has_head {
            let head = if v3 {
                let r: AlignedHeadRecord<'a> = take(rest, "head")?;
                let head = Head {
                    n_in: r.n_in,
                    n_logits: r.n_logits,
                    stride: aligned_stride(r.n_in),
                    logit_scale: r.logit_scale,
                    weights: r.weights.0,
                    records: r.channels.0,
                };
                check_alignment(
                    "head weights",
                    file,
                    r.padding.0,
                    r.weights.0,
                    head.n_in(),
                    head.row_stride(),
                )?;
                head
            } else {
                let r: HeadRecord<'a> = take(rest, "head")?;
                Head {
                    n_in: r.n_in,
                    n_logits: r.n_logits,
                    stride: r.n_in,
                    logit_scale: r.logit_scale,
                    weights: r.weights.0,
                    records: r.channels.0,
                }
            };
            // The logit count's own range is checked here; its agreement with the class
            // count once the labels are read (check_head).
            check_range("head logit count", u32::from(head.n_logits), 1, MAX_CLASSES)?;
            let n_classes = take_count(rest, "class count", 2, MAX_CLASSES)?;
            let labels = Strings::parse(
                rest,
                n_classes,
                [
                    "class label",
                    "class label length",
                    "class label (empty)",
                    "class label (duplicate)",
                ],
                MAX_LABEL_LEN,
            )?;
            check_head(&head, n_features, n_classes)?;
            (Some(head), labels)
        } else {
            (None, Strings::EMPTY)
        };

        let anomaly = if v3 && take_presence(rest, "anomaly section presence")? {
            let r: AnomalyRecord = take(rest, "anomaly section")?;
            check_scale("anomaly score scale", 0, r.score_scale)?;
            if !decoder {
                return Err(Error::Inconsistent {
                    what: "an anomaly section needs a decoder",
                });
            }
            Some(Anomaly {
                score_scale: r.score_scale,
                threshold: r.threshold,
            })
        } else {
            None
        };

        let golden_count = take_count(rest, "golden vector count", 0, MAX_GOLDEN)?;
        let golden_bytes: &'a [u8] = rest;
        let view = ModelView {
            header,
            preamble,
            names,
            layers,
            n_encoder,
            n_features,
            max_width,
            head,
            labels,
            anomaly,
            front_end,
            golden_count,
            golden_bytes,
        };
        for index in 0..golden_count {
            let mut g = read_golden(rest, version, true)?;
            check_golden(&mut g, index, &view)?;
        }
        if !rest.is_empty() {
            return Err(Error::TrailingBytes { count: rest.len() });
        }
        Ok(view)
    }

    /// The checked header.
    pub fn header(&self) -> Header {
        self.header
    }

    /// Number of input features.
    pub fn n_inputs(&self) -> usize {
        usize::from(self.preamble.n_inputs)
    }

    /// Scale of the quantized input (`x_scaled ≈ (q - zero_point) * scale`).
    pub fn input_scale(&self) -> f32 {
        self.preamble.input_scale
    }

    /// Zero point of the quantized input.
    pub fn input_zero_point(&self) -> i8 {
        self.preamble.input_zero_point
    }

    /// The affine `(a_i, b_i)` of feature `i` (`q_i = clamp(round(x_i * a_i + b_i))`),
    /// or `None` past the last feature.
    pub fn input_affine(&self, i: usize) -> Option<(f32, f32)> {
        self.preamble.affine(i)
    }

    /// All input affines as stored: little-endian f32 pairs `a_i, b_i`, `8 * n_inputs`
    /// bytes, for kernels that quantize several features at once.
    pub fn input_affine_bytes(&self) -> &'a [u8] {
        self.preamble.input_affine.0
    }

    /// The training columns' names, one per input in input order (version 3); empty if
    /// the file stores none.
    pub fn feature_names(&self) -> Strings<'a> {
        self.names.clone()
    }

    /// The layer stack, input side first: the encoder layers, then the decoder's.
    pub fn layers(&self) -> Layers<'a> {
        self.layers.clone()
    }

    /// The encoder layers (input to bottleneck features).
    pub fn encoder(&self) -> core::iter::Take<Layers<'a>> {
        self.layers().take(self.n_encoder)
    }

    /// The decoder layers (bottleneck features to reconstruction); none without a decoder.
    pub fn decoder(&self) -> core::iter::Skip<Layers<'a>> {
        self.layers().skip(self.n_encoder)
    }

    /// Whether the model has a decoder (and so a reconstruction and a score).
    pub fn has_decoder(&self) -> bool {
        self.n_encoder < self.layers.len()
    }

    /// The classifier head, `None` for a version-3 model without one.
    pub fn head(&self) -> Option<&Head<'a>> {
        self.head.as_ref()
    }

    /// The anomaly section (score scale and threshold), if the model has one.
    pub fn anomaly(&self) -> Option<Anomaly> {
        self.anomaly
    }

    /// The signal front end (version 4), if the model reads raw samples.
    pub fn front_end(&self) -> Option<FrontEnd<'a>> {
        let mut bytes = self.front_end;
        take_again::<FrontEndRecord<'a>>(&mut bytes).map(FrontEnd::from_checked)
    }

    /// Class labels, indexed by class (none without a head).
    pub fn labels(&self) -> Strings<'a> {
        self.labels.clone()
    }

    /// Label of class `class`, if it exists.
    pub fn label(&self, class: usize) -> Option<&'a str> {
        self.labels().nth(class)
    }

    /// Number of bottleneck features (the last encoder layer's width).
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Widest activation in the stack, inputs included: the scratch size inference needs.
    pub fn max_width(&self) -> usize {
        self.max_width
    }

    /// Multiply-accumulates of one full inference: every layer and the head.
    pub fn mac_count(&self) -> usize {
        self.layers().map(|l| l.n_in() * l.n_out()).sum::<usize>()
            + self.head.map_or(0, |h| h.n_in() * h.n_logits())
    }

    /// Number of logits the head produces (1 for a binary sigmoid head; 0 without a head).
    pub fn n_logits(&self) -> usize {
        self.head.map_or(0, |h| h.n_logits())
    }

    /// Number of classes (0 without a head).
    pub fn n_classes(&self) -> usize {
        self.labels.len()
    }

    /// Weights and biases in the layer stack and the head.
    pub fn parameter_count(&self) -> usize {
        self.layers().map(|l| l.parameter_count()).sum::<usize>()
            + self
                .head
                .map_or(0, |h| h.n_in() * h.n_logits() + h.n_logits())
    }

    /// Number of golden self-test vectors.
    pub fn golden_count(&self) -> usize {
        self.golden_count
    }

    /// The golden self-test vectors, in file order.
    pub fn golden(&self) -> GoldenIter<'a> {
        GoldenIter {
            rest: self.golden_bytes,
            left: self.golden_count,
            version: self.header.version,
            head: self.head.is_some(),
            decoder: self.has_decoder(),
        }
    }
}

/// Iterator over the golden vectors of a checked model (see [`ModelView::golden`]).
#[derive(Debug, Clone)]
pub struct GoldenIter<'a> {
    rest: &'a [u8],
    left: usize,
    version: u16,
    head: bool,
    decoder: bool,
}

impl<'a> Iterator for GoldenIter<'a> {
    type Item = Golden<'a>;

    fn next(&mut self) -> Option<Golden<'a>> {
        if self.left == 0 {
            return None;
        }
        // Parsing cannot fail here: the same bytes were decoded during validation.
        let mut g = read_golden(&mut self.rest, self.version, false).ok()?;
        if !self.head {
            g.class = None;
        }
        if !self.decoder {
            g.score = None;
        }
        self.left -= 1;
        Some(g)
    }
}
