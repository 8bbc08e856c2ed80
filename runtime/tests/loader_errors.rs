//! Every loader error variant, each reached by bytes built to trigger exactly it.

use bottleneck_format::{
    ChannelLayout, Error, HeadChannel, ModelSpec, ModelView, Requant, Role, WriteError,
    spec_example, spec_example_v3,
};
use bottleneck_test_support::{payload_of, seal, seal_as};

fn example() -> Vec<u8> {
    spec_example().to_bytes().expect("valid example")
}

/// Seals the (unchecked) payload of `spec`, bypassing the writer's own validation.
fn sealed(spec: &ModelSpec) -> Vec<u8> {
    seal_as(&spec.payload().expect("payload serializes"), spec.version())
}

fn parse_err(bytes: &[u8]) -> Error {
    ModelView::parse(bytes).expect_err("file must be rejected")
}

#[test]
fn too_short() {
    assert_eq!(parse_err(&example()[..15]), Error::TooShort { len: 15 });
    assert_eq!(parse_err(&[]), Error::TooShort { len: 0 });
}

#[test]
fn bad_magic() {
    let mut b = example();
    b[0] = b'X';
    assert_eq!(parse_err(&b), Error::BadMagic { found: *b"XNEK" });
}

#[test]
fn unsupported_version_names_both_versions() {
    let mut b = example();
    b[4] = 5;
    let e = parse_err(&b);
    assert_eq!(
        e,
        Error::UnsupportedVersion {
            found: 5,
            supported: 4
        }
    );
    let text = e.to_string();
    assert!(
        text.contains("version 5") && text.contains("versions 1 to 4"),
        "{text}"
    );
}

#[test]
fn unsupported_flags() {
    let mut b = example();
    b[7] = 0x80;
    assert_eq!(parse_err(&b), Error::UnsupportedFlags { flags: 0x8000 });
}

#[test]
fn length_mismatch() {
    let mut b = example();
    b.push(0);
    assert_eq!(
        parse_err(&b),
        Error::LengthMismatch {
            declared: 130,
            actual: 131
        }
    );
    let b = example();
    assert_eq!(
        parse_err(&b[..b.len() - 1]),
        Error::LengthMismatch {
            declared: 130,
            actual: 129
        }
    );
}

#[test]
fn crc_mismatch() {
    let mut b = example();
    b[20] ^= 1;
    assert!(matches!(
        parse_err(&b),
        Error::CrcMismatch {
            stored: 0xa093_c321,
            ..
        }
    ));
}

#[test]
fn malformed_truncated_payload() {
    let b = example();
    let payload = payload_of(&b);
    assert_eq!(
        parse_err(&seal(&payload[..3])),
        Error::Malformed { what: "preamble" }
    );
    assert_eq!(
        parse_err(&seal(&payload[..0x81 - 16])),
        Error::Malformed {
            what: "class label"
        }
    );
}

#[test]
fn malformed_label_utf8() {
    let b = example();
    let mut payload = payload_of(&b).to_vec();
    // 0x7f.. is the label "no"; 0xff is never valid UTF-8.
    payload[0x80 - 16] = 0xff;
    assert_eq!(
        parse_err(&seal(&payload)),
        Error::Malformed {
            what: "class label"
        }
    );
}

#[test]
fn trailing_bytes() {
    let b = example();
    let mut payload = payload_of(&b).to_vec();
    payload.extend_from_slice(&[0, 0]);
    assert_eq!(
        parse_err(&seal(&payload)),
        Error::TrailingBytes { count: 2 }
    );
}

#[test]
fn unknown_layer_kind() {
    let b = example();
    let mut payload = payload_of(&b).to_vec();
    payload[0x28 - 16] = 7; // layer 0's kind tag
    assert_eq!(
        parse_err(&seal(&payload)),
        Error::UnknownLayerKind { layer: 0, kind: 7 }
    );
}

#[test]
fn out_of_range_counts_and_widths() {
    let mut spec = spec_example();
    spec.layers.clear();
    assert!(matches!(
        parse_err(&sealed(&spec)),
        Error::OutOfRange {
            what: "layer count",
            found: 0,
            min: 1,
            max: 8
        }
    ));

    let mut spec = spec_example();
    let extra = spec.layers[1].clone();
    let mut square = spec.layers[0].clone();
    square.output_zero_point = 0;
    spec.layers = vec![square; 9];
    spec.layers.push(extra);
    assert!(matches!(
        parse_err(&sealed(&spec)),
        Error::OutOfRange {
            what: "layer count",
            found: 10,
            ..
        }
    ));

    let mut spec = spec_example();
    spec.input_affine.clear();
    assert!(matches!(
        parse_err(&sealed(&spec)),
        Error::OutOfRange {
            what: "input count",
            found: 0,
            ..
        }
    ));

    let mut spec = spec_example();
    spec.input_affine = vec![(1.0, 0.0); 1025];
    assert!(matches!(
        parse_err(&sealed(&spec)),
        Error::OutOfRange {
            what: "input count",
            found: 1025,
            min: 1,
            max: 1024
        }
    ));

    let mut spec = spec_example();
    spec.labels.truncate(1);
    assert!(matches!(
        parse_err(&sealed(&spec)),
        Error::OutOfRange {
            what: "class count",
            found: 1,
            ..
        }
    ));

    let mut spec = spec_example();
    let g = spec.golden[0].clone();
    spec.golden = vec![g; 17];
    assert!(matches!(
        parse_err(&sealed(&spec)),
        Error::OutOfRange {
            what: "golden vector count",
            found: 17,
            ..
        }
    ));
}

#[test]
fn shape_mismatches() {
    let mut spec = spec_example();
    spec.layers[0].weights.pop();
    assert_eq!(
        parse_err(&sealed(&spec)),
        Error::ShapeMismatch {
            what: "layer weights",
            expected: 4,
            found: 3
        }
    );

    let mut spec = spec_example();
    spec.layers[1].weights = vec![1, 2, 3]; // 3 inputs, but layer 0 has 2 outputs
    let b = sealed(&spec);
    let mut payload = payload_of(&b).to_vec();
    payload[0x53 - 16] = 3; // layer 1 n_in
    assert_eq!(
        parse_err(&seal(&payload)),
        Error::ShapeMismatch {
            what: "layer input width",
            expected: 2,
            found: 3
        }
    );

    let mut spec = spec_example();
    spec.head.as_mut().expect("a head").channels = vec![HeadChannel::default(); 3];
    spec.head.as_mut().expect("a head").weights = vec![1; 3];
    spec.golden.clear();
    assert_eq!(
        parse_err(&sealed(&spec)),
        Error::ShapeMismatch {
            what: "head logit count",
            expected: 2,
            found: 3
        }
    );

    let mut spec = spec_example();
    spec.golden[0].features = vec![1, 2];
    assert_eq!(
        parse_err(&sealed(&spec)),
        Error::ShapeMismatch {
            what: "golden features",
            expected: 1,
            found: 2
        }
    );
}

/// A named edit of a valid spec.
type Mutate = Box<dyn Fn(&mut ModelSpec)>;

#[test]
fn parameters_out_of_range() {
    let cases: Vec<(&str, Mutate, &str)> = vec![
        (
            "negative multiplier",
            Box::new(|s| s.layers[0].channels[1].positive.multiplier = -1),
            "layer positive requantization",
        ),
        (
            "shift too large",
            Box::new(|s| s.layers[0].channels[0].negative.shift = 32),
            "layer negative requantization",
        ),
        (
            "shift too small",
            Box::new(|s| {
                s.head.as_mut().expect("a head").channels[0].requant = Requant {
                    multiplier: 1,
                    shift: -31,
                }
            }),
            "head requantization",
        ),
        (
            "bias overflows accumulator",
            Box::new(|s| s.layers[1].channels[0].bias = i32::MAX - 100),
            "layer bias",
        ),
        (
            "head bias overflows",
            Box::new(|s| s.head.as_mut().expect("a head").channels[0].bias = i32::MIN),
            "head bias",
        ),
        (
            "NaN output scale",
            Box::new(|s| s.layers[0].output_scale = f32::NAN),
            "layer output scale",
        ),
        (
            "zero logit scale",
            Box::new(|s| s.head.as_mut().expect("a head").logit_scale = 0.0),
            "head logit scale",
        ),
        (
            "negative input scale",
            Box::new(|s| s.input_scale = -1.0),
            "input scale",
        ),
        (
            "infinite affine",
            Box::new(|s| s.input_affine[1].1 = f32::INFINITY),
            "input affine",
        ),
        (
            "golden class",
            Box::new(|s| s.golden[0].class = 2),
            "golden class",
        ),
        (
            "long label",
            Box::new(|s| s.labels[1] = "x".repeat(65)),
            "class label length",
        ),
        (
            "empty label",
            Box::new(|s| s.labels[0] = String::new()),
            "class label (empty)",
        ),
        (
            "duplicate label",
            Box::new(|s| s.labels[1] = s.labels[0].clone()),
            "class label (duplicate)",
        ),
    ];
    for (name, mutate, what) in cases {
        let mut spec = spec_example();
        mutate(&mut spec);
        match parse_err(&sealed(&spec)) {
            Error::ParameterOutOfRange { what: found, .. } => assert_eq!(found, what, "{name}"),
            other => panic!("{name}: expected ParameterOutOfRange, got {other:?}"),
        }
        // The writer refuses to produce such a file in the first place.
        assert!(spec.to_bytes().is_err(), "{name}: writer accepted it");
    }
}

#[test]
fn errors_display_a_specific_message() {
    let e = Error::CrcMismatch {
        stored: 1,
        computed: 2,
    };
    assert_eq!(
        e.to_string(),
        "payload CRC-32 is 0x00000002 but the header says 0x00000001 (corrupt file)"
    );
    let e = Error::OutOfRange {
        what: "layer count",
        found: 9,
        min: 1,
        max: 8,
    };
    assert_eq!(e.to_string(), "layer count is 9, allowed 1..=8");
}

#[test]
fn writer_refuses_dimensions_the_format_cannot_hold() {
    let mut spec = spec_example();
    spec.input_affine = vec![(1.0, 0.0); 70_000];
    assert_eq!(
        spec.to_bytes(),
        Err(WriteError::Unwritable {
            what: "input count exceeds u16"
        })
    );
}

/// SPEC.md §3: one encoding per value. `n_inputs` 2 as the overlong `82 00`, and the
/// affine's length 16 as a 6-byte varint (which a 64-bit postcard alone would accept and a
/// 32-bit one refuse), are both refused on every host.
#[test]
fn overlong_varints_are_refused() {
    let payload = payload_of(&example()).to_vec();
    // Payload byte 0 is n_inputs (02); byte 6 is the affine's length (10).
    let mut overlong = vec![0x82, 0x00];
    overlong.extend_from_slice(&payload[1..]);
    assert_eq!(
        parse_err(&seal(&overlong)),
        Error::NonCanonical { what: "preamble" }
    );
    assert_eq!(payload[6], 0x10);
    let mut long_len = payload[..6].to_vec();
    long_len.extend_from_slice(&[0x90, 0x80, 0x80, 0x80, 0x80, 0x00]);
    long_len.extend_from_slice(&payload[7..]);
    let e = parse_err(&seal(&long_len));
    assert!(
        matches!(
            e,
            Error::NonCanonical { what: "preamble" } | Error::Malformed { what: "preamble" }
        ),
        "{e:?}"
    );
    // The canonical file itself loads.
    assert!(ModelView::parse(&seal(&payload)).is_ok());
}

/// SPEC.md §3: the logit count's range is checked when the head is read, before labels.
#[test]
fn logit_count_out_of_range_is_refused_at_the_head() {
    for n_logits in [0usize, 17] {
        let mut spec = spec_example();
        spec.head.as_mut().expect("a head").channels = vec![HeadChannel::default(); n_logits];
        spec.head.as_mut().expect("a head").weights = vec![1; n_logits];
        spec.golden.clear();
        assert_eq!(
            parse_err(&sealed(&spec)),
            Error::OutOfRange {
                what: "head logit count",
                found: n_logits as u32,
                min: 1,
                max: 16
            }
        );
    }
}

// ---- Version 3 -------------------------------------------------------------------------

fn v3() -> ModelSpec {
    spec_example_v3()
}

#[test]
fn v3_example_loads_with_its_parts() {
    let bytes = v3().to_bytes().expect("valid");
    let view = ModelView::parse(&bytes).expect("loads");
    assert_eq!(view.header().version, 3);
    assert_eq!(view.feature_names().collect::<Vec<_>>(), ["temp", "rpm"]);
    assert_eq!(view.encoder().len(), 2);
    assert_eq!(view.decoder().count(), 1);
    assert!(view.has_decoder());
    assert_eq!(view.anomaly().map(|a| a.threshold()), Some(1000));
    assert_eq!(view.label(1), Some("yes"));
}

#[test]
fn v3_feature_names_are_checked() {
    let mut spec = v3();
    spec.feature_names = vec!["a".into()];
    assert_eq!(
        parse_err(&sealed(&spec)),
        Error::ShapeMismatch {
            what: "feature name count",
            expected: 2,
            found: 1
        }
    );
    spec.feature_names = vec!["a".into(), "a".into()];
    assert_eq!(
        parse_err(&sealed(&spec)),
        Error::ParameterOutOfRange {
            what: "feature name (duplicate)",
            index: 1
        }
    );
    spec.feature_names = vec!["a".into(), String::new()];
    assert_eq!(
        parse_err(&sealed(&spec)),
        Error::ParameterOutOfRange {
            what: "feature name (empty)",
            index: 1
        }
    );
    spec.feature_names = vec!["a".into(), "x".repeat(65)];
    assert_eq!(
        parse_err(&sealed(&spec)),
        Error::ParameterOutOfRange {
            what: "feature name length",
            index: 1
        }
    );
}

#[test]
fn v3_roles_come_encoder_first() {
    let mut spec = v3();
    spec.layers[0].role = Role::Decoder;
    assert_eq!(
        parse_err(&sealed(&spec)),
        Error::ParameterOutOfRange {
            what: "layer role (encoder layers first, then decoder layers)",
            index: 0
        }
    );
}

#[test]
fn v3_decoder_output_must_be_on_the_input_scale() {
    let mut spec = v3();
    spec.layers[2].output_zero_point = 0;
    assert_eq!(
        parse_err(&sealed(&spec)),
        Error::Inconsistent {
            what: "the decoder's output scale and zero point differ from the input's"
        }
    );
}

#[test]
fn v3_anomaly_section_needs_a_decoder() {
    let mut spec = v3();
    spec.layers.pop();
    for g in &mut spec.golden {
        g.reconstruction.clear();
        g.score = 0;
    }
    assert_eq!(
        parse_err(&sealed(&spec)),
        Error::Inconsistent {
            what: "an anomaly section needs a decoder"
        }
    );
}

#[test]
fn v3_golden_score_must_match_its_vectors() {
    let mut spec = v3();
    spec.golden[0].score += 1;
    assert_eq!(
        parse_err(&sealed(&spec)),
        Error::ParameterOutOfRange {
            what: "golden score",
            index: 0
        }
    );
}

/// The file offset of layer `index`'s weights in the model file `bytes`, and its row
/// stride.
fn layer_weights(bytes: &[u8], index: usize) -> (usize, usize) {
    let view = ModelView::parse(bytes).expect("loads");
    let layer = view
        .layers()
        .nth(index)
        .and_then(|l| l.as_dense().copied())
        .expect("dense");
    let offset = layer.weights().as_ptr() as usize - bytes.as_ptr() as usize;
    (offset, layer.row_stride())
}

#[test]
fn v3_padding_is_checked() {
    let bytes = v3().to_bytes().expect("valid");
    // The decoder layer (layer 2) has rows of 1 weight + 3 zero bytes: make a padding
    // byte nonzero.
    let (offset, stride) = layer_weights(&bytes, 2);
    assert_eq!(offset % 4, 0, "weights start word-aligned");
    assert_eq!(stride, 4);
    let mut payload = payload_of(&bytes).to_vec();
    payload[offset - 16 + 1] = 9;
    assert_eq!(
        parse_err(&seal_as(&payload, 3)),
        Error::NonZeroRowPadding {
            what: "layer weights",
            row: 0,
            offset: offset + 1
        }
    );
}

#[test]
fn v3_padding_field_must_be_short_and_zero() {
    let bytes = v3().to_bytes().expect("valid");
    let (offset, _) = layer_weights(&bytes, 0);
    // The first layer's weights follow the padding field `01 00` and their length `08`
    // (SPEC.md §6.4).
    let at = offset - 16 - 3;
    let payload = payload_of(&bytes).to_vec();
    assert_eq!(payload[at..at + 3], [1, 0, 8]);

    let mut nonzero = payload.clone();
    nonzero[at + 1] = 5;
    assert_eq!(
        parse_err(&seal_as(&nonzero, 3)),
        Error::NonZeroPadding {
            what: "layer weights",
            offset: 16 + at + 1
        }
    );
    // Five padding bytes keep the weights aligned but are not the shortest padding.
    let mut long = payload.clone();
    long[at] = 5;
    long.splice(at + 1..at + 1, [0u8; 4]);
    assert_eq!(
        parse_err(&seal_as(&long, 3)),
        Error::PaddingTooLong {
            what: "layer weights",
            len: 5
        }
    );
    // The three messages differ, and none calls it an overlong varint.
    let messages: Vec<String> = [
        parse_err(&seal_as(&nonzero, 3)),
        parse_err(&seal_as(&long, 3)),
        Error::NonZeroRowPadding {
            what: "layer weights",
            row: 0,
            offset: 40,
        },
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert!(
        messages.iter().all(|m| !m.contains("overlong")),
        "{messages:?}"
    );
    assert!(messages[0] != messages[1] && messages[1] != messages[2]);
}

#[test]
fn v3_misaligned_weights_are_refused() {
    let bytes = v3().to_bytes().expect("valid");
    let (offset, _) = layer_weights(&bytes, 0);
    let mut payload = payload_of(&bytes).to_vec();
    // In the example (SPEC.md §6.4) the first layer's weights are preceded by the
    // padding field `01 00` and their length `08`. Dropping the padding byte (field
    // `00`) moves the weights to an odd offset.
    let at = offset - 16 - 3;
    assert_eq!(payload[at..at + 3], [1, 0, 8]);
    payload[at] = 0;
    payload.remove(at + 1);
    let e = parse_err(&seal_as(&payload, 3));
    assert!(
        matches!(
            e,
            Error::Misaligned {
                what: "layer weights",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn v3_relu_needs_version_3_and_kind_2_refuses_old_versions() {
    let mut spec = bottleneck_format::spec_example_v2();
    spec.layers[1].layout = ChannelLayout::Relu;
    spec.layers[1].channels[0].negative = Requant {
        multiplier: 0,
        shift: spec.layers[1].channels[0].positive.shift,
    };
    assert_eq!(spec.version(), 3);
    // A version-3 payload read as version 2 fails in the payload.
    let payload = spec.payload().expect("payload");
    assert!(ModelView::parse(&seal_as(&payload, 2)).is_err());
}

/// The duplicate-name check on the longest list the format allows: 1,024 distinct names
/// load (among them, many share the check's hash bit), a repeat far from its original is
/// found with its index, and so is one between long names.
#[test]
fn duplicate_feature_names_in_a_long_list() {
    use bottleneck_test_support::{V3Shape, random_v3_spec};
    let shape = V3Shape {
        n_inputs: 1024,
        encoder: &[4],
        decoder: None,
        n_classes: 2,
        n_golden: 0,
    };
    let mut spec = random_v3_spec(5, &shape);
    assert!(ModelView::parse(&sealed(&spec)).is_ok());
    spec.feature_names[1023] = spec.feature_names[3].clone();
    assert_eq!(
        parse_err(&sealed(&spec)),
        Error::ParameterOutOfRange {
            what: "feature name (duplicate)",
            index: 1023
        }
    );
    spec.feature_names = (0..1024).map(|i| format!("{i:064}")).collect();
    assert!(ModelView::parse(&sealed(&spec)).is_ok());
    spec.feature_names[700] = spec.feature_names[699].clone();
    assert_eq!(
        parse_err(&sealed(&spec)),
        Error::ParameterOutOfRange {
            what: "feature name (duplicate)",
            index: 700
        }
    );
}
