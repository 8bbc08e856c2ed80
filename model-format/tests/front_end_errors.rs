//! Every front-end check of SPEC.md §7 (F2 to F27) raises its documented error: the
//! worked example of §8.9 with one field made invalid, written and then refused by the
//! loader the writer runs on its own output.

use bottleneck_format::{Error, FrontEndSpec, ModelSpec, WindowKind, WriteError, spec_example_v4};

/// The loader's error for the worked example with its front end changed by `edit`.
fn error_of(edit: impl FnOnce(&mut FrontEndSpec)) -> Error {
    let mut spec: ModelSpec = spec_example_v4();
    edit(spec.front_end.as_mut().expect("a front end"));
    match spec.to_bytes() {
        Err(WriteError::Invalid(e)) => e,
        other => panic!("expected the loader to refuse it, got {other:?}"),
    }
}

fn out_of_range(what: &'static str, found: u32, min: u32, max: u32) -> Error {
    Error::OutOfRange {
        what,
        found,
        min,
        max,
    }
}

fn bad(what: &'static str, index: usize) -> Error {
    Error::ParameterOutOfRange { what, index }
}

#[test]
fn each_front_end_field_out_of_its_range_is_named() {
    assert_eq!(
        error_of(|f| f.channels = 0),
        out_of_range("channel count", 0, 1, 8)
    );
    assert_eq!(
        error_of(|f| f.channels = 9),
        out_of_range("channel count", 9, 1, 8)
    );
    assert_eq!(
        error_of(|f| f.sample_rate = 0),
        out_of_range("sample rate", 0, 1, 1_000_000)
    );
    assert_eq!(
        error_of(|f| f.frame_len = 32),
        out_of_range("frame length", 32, 64, 2048)
    );
    assert_eq!(
        error_of(|f| f.frame_len = 4096),
        out_of_range("frame length", 4096, 64, 2048)
    );
    assert_eq!(
        error_of(|f| f.frame_len = 96),
        bad("frame length (not a power of two)", 0)
    );
    assert_eq!(error_of(|f| f.hop = 0), out_of_range("hop", 0, 1, 64));
    assert_eq!(error_of(|f| f.hop = 65), out_of_range("hop", 65, 1, 64));
    assert_eq!(
        error_of(|f| f.window = vec![32768; 64]),
        Error::ShapeMismatch {
            what: "window",
            expected: 0,
            found: 128
        }
    );
    assert_eq!(
        error_of(|f| {
            f.window_kind = WindowKind::Hann;
            f.window = vec![32768; 64];
            f.window[9] = 32769;
        }),
        bad("window value", 9)
    );
    assert_eq!(error_of(|f| f.f_max = 4001.0), bad("band frequencies", 0));
    assert_eq!(error_of(|f| f.f_min = f32::NAN), bad("band frequencies", 0));
}

#[test]
fn bands_must_fit_the_spectrum() {
    assert_eq!(error_of(|f| f.bands[1] = (2, vec![])), bad("band bins", 1));
    // 33 bins for N = 64: bins 32 and 33 would run past Nyquist.
    assert_eq!(
        error_of(|f| f.bands[1] = (32, vec![1, 1])),
        bad("band bins", 1)
    );
    assert_eq!(error_of(|f| f.bands[1].1[1] = 40000), bad("band weight", 3));
    assert_eq!(
        error_of(|f| {
            f.bands.clear();
            f.affine.clear();
        }),
        out_of_range("band count", 0, 1, 256)
    );
}

#[test]
fn stacking_affine_and_alarm_fields_are_checked() {
    assert_eq!(
        error_of(|f| f.frames = 0),
        out_of_range("stacked frames", 0, 1, 32)
    );
    assert_eq!(
        error_of(|f| f.frames = 2),
        Error::ShapeMismatch {
            what: "front-end input count",
            expected: 2,
            found: 4
        }
    );
    assert_eq!(
        error_of(|f| {
            f.affine.pop();
        }),
        Error::ShapeMismatch {
            what: "front-end affine",
            expected: 24,
            found: 12
        }
    );
    assert_eq!(
        error_of(|f| f.affine[1].1 = (1 << 62) + 1),
        bad("front-end affine offset", 1)
    );
    assert_eq!(
        error_of(|f| f.smoothing = 0),
        out_of_range("smoothing", 0, 1, 32)
    );
    assert_eq!(
        error_of(|f| f.alarm_window = 33),
        out_of_range("alarm window", 33, 1, 32)
    );
    assert_eq!(
        error_of(|f| f.alarm_count = 3),
        out_of_range("alarm count", 3, 1, 2)
    );
}

#[test]
fn presence_and_kind_bytes_are_checked_in_the_file() {
    let bytes = spec_example_v4().to_bytes().expect("valid");
    let reseal = |edit: &dyn Fn(&mut Vec<u8>)| {
        let mut payload = bytes[16..].to_vec();
        edit(&mut payload);
        let header = bottleneck_format::Header::for_payload_version(&payload, 4).expect("header");
        let mut file = header.to_bytes().to_vec();
        file.extend(payload);
        bottleneck_format::ModelView::parse(&file).expect_err("refused")
    };
    // Payload offsets are the file's (SPEC.md §8.9) minus the 16-byte header.
    assert_eq!(reseal(&|p| p[0x31 - 16] = 2), bad("front-end presence", 0));
    assert_eq!(reseal(&|p| p[0x32 - 16] = 1), bad("sample format", 0));
    assert_eq!(reseal(&|p| p[0x38 - 16] = 2), bad("window kind", 0));
    assert_eq!(reseal(&|p| p[0x3a - 16] = 2), bad("band kind", 0));
    assert_eq!(reseal(&|p| p[0x43 - 16] = 1), bad("compression", 0));
    // A band table of 7 bytes: its length byte and one byte fewer.
    assert_eq!(
        reseal(&|p| {
            p[0x44 - 16] = 7;
            p.remove(0x4c - 16);
        }),
        Error::ShapeMismatch {
            what: "band table",
            expected: 4,
            found: 7
        }
    );
    // Without a front end the writer falls back to version 3.
    let mut spec = spec_example_v4();
    spec.front_end = None;
    assert_eq!(spec.version(), 3);
}
