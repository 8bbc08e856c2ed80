//! Backward compatibility: `data/v1-small-3class.bin`, a real v1 model file made by
//! `bottleneck train` (8 inputs, 12-8-4 encoder, 3 classes), must load in every future
//! loader and give exactly the outputs recorded in `data/v1-small-3class.expected`.
//!
//! The expected file is committed; `BOTTLENECK_BLESS=1 cargo test --test backward_compat`
//! rewrites it, which should only ever happen together with that file's creation.

use std::fmt::Write as _;

use bottleneck_format::Error as FormatError;
use bottleneck_runtime::{Error, Model, Scratch};
use bottleneck_test_support::{SplitMix, payload_of};

const MODEL: &[u8] = include_bytes!("data/v1-small-3class.bin");

fn outputs() -> String {
    let model = Model::from_bytes(MODEL).expect("the committed v1 model loads");
    let mut scratch = Scratch::<16>::new();
    let mut out = String::new();
    let mut rng = SplitMix(2026);
    for i in 0..32 {
        // Float samples spread around the training range, including out-of-range values.
        let sample: Vec<f32> = (0..model.n_inputs())
            .map(|_| (rng.range(-6000, 6000) as f32) / 1000.0)
            .collect();
        let c = model
            .classify(&sample, &mut scratch)
            .expect("finite sample");
        let q: Vec<i8> = (0..model.n_inputs()).map(|_| rng.i8()).collect();
        let r = model
            .infer_quantized(&q, &mut scratch)
            .expect("right length");
        writeln!(
            out,
            "{i}: float class {} logits {:?} | int8 {:?} -> features {:?} logits {:?} class {}",
            c.class,
            c.logits.as_slice(),
            q,
            r.features,
            r.logits.as_slice(),
            r.class
        )
        .expect("write to string");
    }
    out
}

#[test]
fn the_committed_v1_file_still_loads_and_gives_its_recorded_outputs() {
    let path = manifest_dir().join("tests/data/v1-small-3class.expected");
    let got = outputs();
    if std::env::var_os("BOTTLENECK_BLESS").is_some() {
        std::fs::write(&path, &got).expect("write expected outputs");
    }
    let expected = std::fs::read_to_string(&path).expect("expected outputs are committed");
    assert_eq!(got, expected);

    let model = Model::from_bytes(MODEL).expect("loads");
    assert_eq!(model.self_test(&mut Scratch::<16>::new()), Ok(8));
    assert_eq!(model.view().labels().collect::<Vec<_>>(), ["0", "1", "2"]);
}

#[test]
fn a_higher_format_version_is_refused_naming_both_versions() {
    for version in [5u16, 7, u16::MAX] {
        let mut file = MODEL.to_vec();
        file[4..6].copy_from_slice(&version.to_le_bytes());
        let e = Model::from_bytes(&file).expect_err("newer version");
        assert_eq!(
            e,
            Error::Format(FormatError::UnsupportedVersion {
                found: version,
                supported: 4
            })
        );
        // The runtime's error names the file as invalid; the loader's reason is its source.
        assert_eq!(e.to_string(), "invalid model file");
        let text = std::error::Error::source(&e).expect("a source").to_string();
        assert!(
            text.contains(&format!("version {version} is not supported"))
                && text.contains("reads versions 1 to 4"),
            "{text}"
        );
    }
    // A version-2 payload labelled version 3 is read as version 3 and refused (its
    // layout differs: the feature names follow the preamble), not misread.
    let mut file = MODEL.to_vec();
    file[4..6].copy_from_slice(&3u16.to_le_bytes());
    assert!(Model::from_bytes(&file).is_err());
    // The payload is untouched by the version field: resealing as version 1 changes
    // nothing.
    let header = bottleneck_format::Header::for_payload_version(payload_of(MODEL), 1)
        .expect("small payload");
    assert_eq!([&header.to_bytes()[..], payload_of(MODEL)].concat(), MODEL);
}

/// This package's directory, read when the test runs (cargo test sets it): the path
/// compiled in goes stale when one target directory serves two checkouts.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
        || env!("CARGO_MANIFEST_DIR").into(),
        std::path::PathBuf::from,
    )
}
