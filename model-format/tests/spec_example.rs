//! Pins the exact bytes of SPEC.md's worked example, and checks SPEC.md shows the same.

use bottleneck_format::{
    Activation, DenseChannel, DenseLayer, HeadChannel, ModelView, Requant, spec_example,
    spec_example_ties, spec_example_v2,
};

/// The example file, byte for byte, as SPEC.md §5 lists it.
const EXPECTED: &str = "
42 4e 45 4b 01 00 00 00 82 00 00 00 21 c3 93 a0
02 00 00 80 3c e0 10 00 00 80 42 00 00 00 c2 00
00 00 42 00 00 00 c2 02 00 02 02 00 00 00 3e fb
04 03 fe ff 04 1c 0a 00 00 00 00 00 00 40 00 00
00 20 02 02 00 00 00 00 00 00 00 40 00 00 00 20
02 02 00 02 01 00 00 00 3f 00 02 02 05 0e 08 00
00 00 00 00 00 40 00 00 00 40 00 00 01 01 00 00
80 3e 01 fd 09 14 00 00 00 00 00 00 40 ff 02 02
6e 6f 03 79 65 73 01 02 01 10 01 06 04 02 00 00
00 01";

fn parse_hex(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|h| u8::from_str_radix(h, 16).expect("hex byte"))
        .collect()
}

/// Dense layer `i` of a checked model.
fn dense<'a>(view: &ModelView<'a>, i: usize) -> DenseLayer<'a> {
    view.layers()
        .nth(i)
        .and_then(|l| l.as_dense().copied())
        .expect("a dense layer")
}

#[test]
fn writer_produces_the_pinned_bytes() {
    let bytes = spec_example().to_bytes().expect("valid example");
    assert_eq!(bytes, parse_hex(EXPECTED));
}

#[test]
fn spec_md_hex_dump_matches_the_writer() {
    let spec = std::fs::read_to_string(manifest_dir().join("SPEC.md")).expect("SPEC.md exists");
    // The dump is the block of lines "OFFSET: hex hex ..." under the example heading.
    let dump: String = spec
        .lines()
        .filter_map(|l| l.strip_prefix("    ").unwrap_or(l).split_once(": "))
        .filter(|(off, _)| off.len() == 4 && off.chars().all(|c| c.is_ascii_hexdigit()))
        .map(|(_, hex)| format!("{hex} "))
        .collect();
    assert_eq!(
        parse_hex(&dump),
        spec_example().to_bytes().expect("valid example")
    );
}

#[test]
fn parsed_example_has_the_documented_fields() {
    let bytes = spec_example().to_bytes().expect("valid example");
    let view = ModelView::parse(&bytes).expect("example parses");
    assert_eq!(view.header().payload_len, 130);
    assert_eq!(view.header().crc32, 0xa093_c321);
    assert_eq!(view.n_inputs(), 2);
    assert_eq!(view.input_affine(0), Some((64.0, -32.0)));
    assert_eq!(view.input_affine(1), Some((32.0, -32.0)));
    assert_eq!(view.input_affine(2), None);
    assert_eq!(view.layers().len(), 2);
    assert_eq!(dense(&view, 0).weight(1, 1), Some(4));
    assert_eq!(dense(&view, 0).weight(0, 2), None);
    let ch = dense(&view, 0).channel(0).expect("channel 0");
    assert_eq!(ch.bias(), 10);
    assert_eq!(
        ch.positive(),
        Requant {
            multiplier: 1 << 30,
            shift: 2
        }
    );
    assert_eq!(
        ch.negative(),
        Requant {
            multiplier: 1 << 29,
            shift: 2
        }
    );
    assert_eq!(dense(&view, 0).activation(), Activation::PerChannel);
    assert_eq!(
        view.head().expect("a head").channel(0),
        Some(HeadChannel {
            bias: 20,
            requant: Requant {
                multiplier: 1 << 30,
                shift: -1
            }
        })
    );
    assert_eq!(view.labels().collect::<Vec<_>>(), ["no", "yes"]);
    assert_eq!(view.n_features(), 1);
    assert_eq!(view.max_width(), 2);
    let golden: Vec<_> = view.golden().collect();
    assert_eq!(golden.len(), 1);
    assert_eq!(golden[0].input().collect::<Vec<_>>(), [1, 16]);
    assert_eq!(golden[0].features().collect::<Vec<_>>(), [6]);
    assert_eq!(golden[0].logits().collect::<Vec<_>>(), [2]);
    assert_eq!(golden[0].class(), Some(1));
}

#[test]
fn channel_records_round_trip() {
    let d = DenseChannel {
        bias: -123_456,
        positive: Requant {
            multiplier: i32::MAX,
            shift: -30,
        },
        negative: Requant {
            multiplier: 0,
            shift: 31,
        },
    };
    assert_eq!(DenseChannel::from_bytes(&d.to_bytes()), d);
    let h = HeadChannel {
        bias: i32::MIN,
        requant: Requant {
            multiplier: 7,
            shift: -1,
        },
    };
    assert_eq!(HeadChannel::from_bytes(&h.to_bytes()), h);
}

/// SPEC.md §5.3's dump (lines `v2 OFFSET: hex ...`) is the writer's version-2 file.
#[test]
fn spec_md_v2_dump_matches_the_writer() {
    let bytes = spec_example_v2().to_bytes().expect("valid example");
    assert_eq!(spec_md_dump("v2"), bytes);
    assert_eq!(bytes.len(), 141);
    assert_eq!(
        &bytes[4..6],
        &[2, 0],
        "a file with kind-1 layers is version 2"
    );
}

/// The version-2 example derives exactly the negative side the version-1 file stores,
/// so both files describe the same integers.
#[test]
fn v2_example_derives_the_v1_parameters() {
    let v1_bytes = spec_example().to_bytes().expect("valid example");
    let v2_bytes = spec_example_v2().to_bytes().expect("valid example");
    let (v1, v2) = (
        ModelView::parse(&v1_bytes).expect("v1 parses"),
        ModelView::parse(&v2_bytes).expect("v2 parses"),
    );
    assert_eq!(v1.header().version, 1);
    assert_eq!(v2.header().version, 2);
    let slope = Requant {
        multiplier: 1 << 30,
        shift: 0,
    };
    assert_eq!(dense(&v2, 0).activation(), Activation::LeakyRelu(slope));
    assert_eq!(dense(&v2, 1).activation(), Activation::Linear);
    for i in 0..2 {
        let (a, b) = (dense(&v1, i), dense(&v2, i));
        for c in 0..a.n_out() {
            let (ca, cb) = (a.channel(c).expect("v1"), b.channel(c).expect("v2"));
            assert_eq!(
                (ca.bias(), ca.positive(), ca.negative()),
                (cb.bias(), cb.positive(), cb.negative()),
                "layer {i} channel {c}"
            );
            for acc in [-5, 0, 5] {
                assert_eq!(ca.requant(acc), cb.requant(acc));
            }
        }
    }
    assert_eq!(
        dense(&v2, 0).channel(0).map(|c| c.negative()),
        Some(Requant {
            multiplier: 1 << 29,
            shift: 2
        })
    );
}

/// Kind 1 is a version-2 feature: the same payload labelled version 1 is refused.
#[test]
fn kind_one_layers_need_version_two() {
    let mut bytes = spec_example_v2().to_bytes().expect("valid example");
    bytes[4] = 1;
    assert_eq!(
        ModelView::parse(&bytes).map(|_| ()),
        Err(bottleneck_format::Error::UnknownLayerKind { layer: 0, kind: 1 })
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

    /// The slope derivation (SPEC.md §4.3) equals its exact definition in 128-bit
    /// arithmetic wherever it is defined.
    #[test]
    fn slope_scaling_is_exact(
        m in 0..=i32::MAX, s in -30i8..=31, k in 0..=i32::MAX, t in -30i8..=31,
    ) {
        let (positive, slope) = (Requant { multiplier: m, shift: s }, Requant { multiplier: k, shift: t });
        let exact_m = ((u128::from(m as u32) * u128::from(k as u32) + (1 << 30)) >> 31) as i32;
        let exact_s = i16::from(s) + i16::from(t);
        match positive.scaled_by(slope) {
            Some(r) => {
                proptest::prop_assert_eq!(r, Requant { multiplier: exact_m, shift: exact_s as i8 });
            }
            None => proptest::prop_assert!(!(-30..=31).contains(&exact_s)),
        }
    }
}

/// SPEC.md §5.4's dump (lines `ties OFFSET: hex ...`) is the writer's rounding example.
#[test]
fn spec_md_ties_dump_matches_the_writer() {
    let bytes = spec_example_ties().to_bytes().expect("valid example");
    assert_eq!(spec_md_dump("ties"), bytes);
    assert_eq!(bytes.len(), 110);
}

/// SPEC.md §6.4's dump (lines `v3 OFFSET: hex ...`) is the writer's version-3 file, and
/// every weight matrix in it starts on a 4-byte boundary.
#[test]
fn spec_md_v3_dump_matches_the_writer() {
    let bytes = bottleneck_format::spec_example_v3()
        .to_bytes()
        .expect("valid example");
    assert_eq!(spec_md_dump("v3"), bytes);
    assert_eq!(bytes.len(), 224);
    let view = ModelView::parse(&bytes).expect("parses");
    assert_eq!(view.header().version, 3);
    let offsets: Vec<usize> = view
        .layers()
        .map(|l| l.as_dense().expect("dense").weights().as_ptr() as usize)
        .chain(view.head().map(|h| h.weights().as_ptr() as usize))
        .map(|p| p - bytes.as_ptr() as usize)
        .collect();
    assert_eq!(offsets, [0x58, 0x78, 0xa0, 0xbc]);
    assert_eq!(view.anomaly().map(|a| a.score_scale()), Some(1.0 / 8192.0));
}

/// SPEC.md §8.9's dump (lines `v4 OFFSET: hex ...`) is the writer's version-4 file; its
/// front end reads back with the documented fields, and the weights stay aligned.
#[test]
fn spec_md_v4_dump_matches_the_writer() {
    let bytes = bottleneck_format::spec_example_v4()
        .to_bytes()
        .expect("valid example");
    assert_eq!(spec_md_dump("v4"), bytes);
    assert_eq!(bytes.len(), 292);
    let view = ModelView::parse(&bytes).expect("parses");
    assert_eq!(view.header().version, 4);
    let fe = view.front_end().expect("a front end");
    assert_eq!(
        (fe.channels(), fe.sample_rate(), fe.frame_len(), fe.hop()),
        (1, 8000, 64, 32)
    );
    assert_eq!(fe.window_kind(), bottleneck_format::WindowKind::None);
    assert_eq!(fe.window(5), 32768);
    assert_eq!(fe.band_kind(), bottleneck_format::BandKind::Linear);
    assert_eq!(fe.band_range(), (0.0, 375.0));
    assert_eq!(
        (fe.band_weight_bits(), fe.n_bands(), fe.n_bins()),
        (17, 2, 33)
    );
    let bands: Vec<(usize, Vec<u32>)> = fe
        .bands()
        .map(|b| (b.first_bin, b.weights().collect()))
        .collect();
    assert_eq!(bands, [(0, vec![32768, 32768]), (2, vec![32768, 32768])]);
    assert_eq!((fe.frames(), fe.frame_width()), (1, 2));
    assert_eq!(fe.affine(0), Some((1 << 18, -200 << 32)));
    assert_eq!(fe.affine(1), Some((1 << 18, -120 << 32)));
    assert_eq!(fe.affine(2), None);
    assert_eq!(
        (fe.smoothing(), fe.alarm_count(), fe.alarm_window()),
        (2, 1, 2)
    );
    for layer in view.layers() {
        let offset =
            layer.as_dense().expect("dense").weights().as_ptr() as usize - bytes.as_ptr() as usize;
        assert_eq!(offset % 4, 0);
    }
    // Older versions have no front end; the v3 example reads back without one.
    let v3 = bottleneck_format::spec_example_v3()
        .to_bytes()
        .expect("valid");
    assert!(ModelView::parse(&v3).expect("parses").front_end().is_none());
}

/// The bytes of the SPEC.md dump whose lines start `PREFIX OFFSET: hex ...`.
fn spec_md_dump(prefix: &str) -> Vec<u8> {
    let spec = std::fs::read_to_string(manifest_dir().join("SPEC.md")).expect("SPEC.md exists");
    let dump: String = spec
        .lines()
        .filter_map(|l| l.strip_prefix(prefix)?.strip_prefix(' '))
        .filter_map(|l| l.split_once(": "))
        .map(|(_, hex)| format!("{hex} "))
        .collect();
    parse_hex(&dump)
}

/// This package's directory, read when the test runs (cargo test sets it): the path
/// compiled in goes stale when one target directory serves two checkouts.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
        || env!("CARGO_MANIFEST_DIR").into(),
        std::path::PathBuf::from,
    )
}
