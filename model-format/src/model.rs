//! Parsing and validating a whole model file into zero-copy views.

use crate::Error;
use crate::bytes::{HEAD_CHANNEL_LEN, Requant};
use crate::header::Header;
use crate::limits::{MAX_CLASSES, MAX_GOLDEN, MAX_LABEL_LEN, MAX_LAYERS, MAX_WIDTH};
use crate::records::{
    ACTIVATION_LEAKY, ACTIVATION_LINEAR, DenseRecord, GoldenRecord, HeadRecord, LAYER_KIND_DENSE,
    LAYER_KIND_DENSE_SHARED, PreambleRecord, SharedDenseRecord,
};
use crate::view::{Activation, DenseLayer, Golden, Head, Layer};
use postcard::ser_flavors::Size;
use serde::{Deserialize, Serialize};

/// Largest magnitude an int8 × int8 product can have; bounds the accumulator.
const MAX_PRODUCT: i64 = 128 * 128;

/// A model file that passed every check, borrowing all weights from the file's bytes.
///
/// Only [`ModelView::parse`] makes one, so what it reports has been checked.
#[derive(Debug, Clone)]
pub struct ModelView<'a> {
    header: Header,
    preamble: PreambleRecord<'a>,
    layers: heapless::Vec<Layer<'a>, MAX_LAYERS>,
    head: Head<'a>,
    labels: heapless::Vec<&'a str, MAX_CLASSES>,
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

fn check_range(what: &'static str, found: u32, min: usize, max: usize) -> Result<usize, Error> {
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

fn check_len(what: &'static str, expected: usize, found: usize) -> Result<(), Error> {
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

fn check_dense(layer: &DenseLayer<'_>, index: usize, n_in_expected: usize) -> Result<(), Error> {
    let n_in = check_range("layer input width", u32::from(layer.n_in), 1, MAX_WIDTH)?;
    let n_out = check_range("layer output width", u32::from(layer.n_out), 1, MAX_WIDTH)?;
    check_len("layer input width", n_in_expected, n_in)?;
    check_len("layer weights", n_in * n_out, layer.weights.len())?;
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
            Activation::Linear | Activation::PerChannel => Some(ch.negative()),
        }
        .ok_or(Error::ParameterOutOfRange {
            what: "layer negative requantization",
            index: c,
        })?;
        check_requant("layer negative requantization", c, negative)?;
    }
    Ok(())
}

fn check_head(head: &HeadRecord<'_>, n_features: usize, n_classes: usize) -> Result<(), Error> {
    let n_in = check_range("head input width", u32::from(head.n_in), 1, MAX_WIDTH)?;
    check_len("head input width", n_features, n_in)?;
    let n_logits = usize::from(head.n_logits);
    // A binary head may store a single logit (sigmoid); otherwise one logit per class.
    let binary_single = n_classes == 2 && n_logits == 1;
    if !binary_single {
        check_len("head logit count", n_classes, n_logits)?;
    }
    check_len("head weights", n_in * n_logits, head.weights.0.len())?;
    check_len(
        "head channels",
        n_logits * HEAD_CHANNEL_LEN,
        head.channels.0.len(),
    )?;
    check_scale("head logit scale", 0, head.logit_scale)?;
    let view = head_view(head);
    for k in 0..n_logits {
        let ch = view.channel(k).ok_or(Error::Malformed {
            what: "head channels",
        })?;
        check_bias("head bias", k, ch.bias, n_in)?;
        check_requant("head requantization", k, ch.requant)?;
    }
    Ok(())
}

fn head_view<'a>(h: &HeadRecord<'a>) -> Head<'a> {
    Head {
        n_in: h.n_in,
        n_logits: h.n_logits,
        logit_scale: h.logit_scale,
        weights: h.weights.0,
        records: h.channels.0,
    }
}

/// The view of a kind-0 record (per-channel negative side).
fn dense_view(r: DenseRecord<'_>) -> DenseLayer<'_> {
    DenseLayer {
        n_in: r.n_in,
        n_out: r.n_out,
        output_scale: r.output_scale,
        output_zero_point: r.output_zero_point,
        weights: r.weights.0,
        records: r.channels.0,
        activation: Activation::PerChannel,
    }
}

/// The view of a kind-1 record, or `None` if `activation` is unknown or a linear layer's
/// slope fields are not zero.
fn shared_dense_view(r: SharedDenseRecord<'_>) -> Option<DenseLayer<'_>> {
    let activation = match (r.activation, r.slope_multiplier, r.slope_shift) {
        (ACTIVATION_LINEAR, 0, 0) => Activation::Linear,
        (ACTIVATION_LEAKY, multiplier, shift) => {
            Activation::LeakyRelu(Requant { multiplier, shift })
        }
        _ => return None,
    };
    Some(DenseLayer {
        n_in: r.n_in,
        n_out: r.n_out,
        output_scale: r.output_scale,
        output_zero_point: r.output_zero_point,
        weights: r.weights.0,
        records: r.channels.0,
        activation,
    })
}

fn golden_view(g: GoldenRecord<'_>) -> Golden<'_> {
    Golden {
        input: g.input.0,
        features: g.features.0,
        logits: g.logits.0,
        class: g.class,
    }
}

fn check_golden(g: &GoldenRecord<'_>, index: usize, view: &ModelView<'_>) -> Result<(), Error> {
    check_len("golden input", view.n_inputs(), g.input.0.len())?;
    check_len("golden features", view.n_features(), g.features.0.len())?;
    check_len("golden logits", view.n_logits() * 4, g.logits.0.len())?;
    if usize::from(g.class) >= view.n_classes() {
        return Err(Error::ParameterOutOfRange {
            what: "golden class",
            index,
        });
    }
    Ok(())
}

impl<'a> ModelView<'a> {
    /// Checks `file` completely and returns views into it.
    ///
    /// Never panics: every malformed input yields an [`Error`] naming the first problem.
    pub fn parse(file: &'a [u8]) -> Result<ModelView<'a>, Error> {
        let (header, mut rest) = Header::split(file)?;
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

        let n_layers = take_count(rest, "layer count", 1, MAX_LAYERS)?;
        let mut layers = heapless::Vec::new();
        let mut width = n_inputs;
        for index in 0..n_layers {
            let kind: u32 = take(rest, "layer kind")?;
            let layer: DenseLayer<'a> = match kind {
                LAYER_KIND_DENSE => dense_view(take(rest, "dense layer")?),
                // Kind 1 is new in version 2: a version-1 file cannot hold it.
                LAYER_KIND_DENSE_SHARED if header.version >= 2 => {
                    let record: SharedDenseRecord<'a> = take(rest, "shared-slope dense layer")?;
                    shared_dense_view(record).ok_or(Error::ParameterOutOfRange {
                        what: "layer activation or slope",
                        index,
                    })?
                }
                _ => return Err(Error::UnknownLayerKind { layer: index, kind }),
            };
            check_dense(&layer, index, width)?;
            width = layer.n_out();
            layers
                .push(Layer::Dense(layer))
                .map_err(|_| Error::OutOfRange {
                    what: "layer count",
                    found: u32::try_from(n_layers).unwrap_or(u32::MAX),
                    min: 1,
                    max: MAX_LAYERS as u32,
                })?;
        }

        let head: HeadRecord<'a> = take(rest, "head")?;
        // The logit count's own range is checked here; its agreement with the class count
        // once the labels are read (check_head).
        check_range("head logit count", u32::from(head.n_logits), 1, MAX_CLASSES)?;

        let n_classes = take_count(rest, "class count", 2, MAX_CLASSES)?;
        let mut labels = heapless::Vec::new();
        for index in 0..n_classes {
            let label: &'a str = take(rest, "class label")?;
            if label.len() > MAX_LABEL_LEN {
                return Err(Error::ParameterOutOfRange {
                    what: "class label length",
                    index,
                });
            }
            if label.is_empty() {
                return Err(Error::ParameterOutOfRange {
                    what: "class label (empty)",
                    index,
                });
            }
            if labels.contains(&label) {
                return Err(Error::ParameterOutOfRange {
                    what: "class label (duplicate)",
                    index,
                });
            }
            labels.push(label).map_err(|_| Error::OutOfRange {
                what: "class count",
                found: u32::try_from(n_classes).unwrap_or(u32::MAX),
                min: 2,
                max: MAX_CLASSES as u32,
            })?;
        }
        check_head(&head, width, n_classes)?;

        let golden_count = take_count(rest, "golden vector count", 0, MAX_GOLDEN)?;
        let golden_bytes: &'a [u8] = rest;
        let mut view = ModelView {
            header,
            preamble,
            layers,
            head: head_view(&head),
            labels,
            golden_count,
            golden_bytes,
        };
        for index in 0..golden_count {
            let g: GoldenRecord<'a> = take(rest, "golden vector")?;
            check_golden(&g, index, &view)?;
        }
        if !rest.is_empty() {
            return Err(Error::TrailingBytes { count: rest.len() });
        }
        view.golden_bytes = golden_bytes;
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

    /// The layer stack, input side first.
    pub fn layers(&self) -> &[Layer<'a>] {
        &self.layers
    }

    /// The classifier head.
    pub fn head(&self) -> &Head<'a> {
        &self.head
    }

    /// Class labels, indexed by class.
    pub fn labels(&self) -> &[&'a str] {
        &self.labels
    }

    /// Number of bottleneck features (the last layer's width).
    pub fn n_features(&self) -> usize {
        self.layers.last().map_or(0, Layer::n_out)
    }

    /// Widest activation in the stack, inputs included: the scratch size inference needs.
    pub fn max_width(&self) -> usize {
        self.layers
            .iter()
            .map(Layer::n_out)
            .fold(self.n_inputs(), usize::max)
    }

    /// Multiply-accumulates of one inference (every layer and the head).
    pub fn mac_count(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.n_in() * l.n_out())
            .sum::<usize>()
            + self.head.n_in() * self.head.n_logits()
    }

    /// Number of logits the head produces (1 for a binary sigmoid head).
    pub fn n_logits(&self) -> usize {
        self.head.n_logits()
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.labels.len()
    }

    /// Weights and biases in the layer stack and the head.
    pub fn parameter_count(&self) -> usize {
        self.layers
            .iter()
            .map(Layer::parameter_count)
            .sum::<usize>()
            + self.head.n_in() * self.head.n_logits()
            + self.head.n_logits()
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
        }
    }
}

/// Iterator over the golden vectors of a checked model (see [`ModelView::golden`]).
#[derive(Debug, Clone)]
pub struct GoldenIter<'a> {
    rest: &'a [u8],
    left: usize,
}

impl<'a> Iterator for GoldenIter<'a> {
    type Item = Golden<'a>;

    fn next(&mut self) -> Option<Golden<'a>> {
        if self.left == 0 {
            return None;
        }
        // Parsing cannot fail here: the same bytes were decoded during validation.
        let g = take::<GoldenRecord<'a>>(&mut self.rest, "golden vector").ok()?;
        self.left -= 1;
        Some(golden_view(g))
    }
}
