//! The C API from C: `tests/c/parity.c`, compiled with the host's C compiler against
//! `include/bottleneck.h` and the static library, must print exactly what the Rust runtime
//! computes for the same models and samples, and name every error the same way.

use std::fmt::Write;
use std::path::PathBuf;
use std::process::Command;

use bottleneck_runtime::{Error, Model, Scratch, Stream};
use bottleneck_test_support::{SplitMix, V3Shape, random_front_end, random_v3_spec};

/// The static library cargo built for this test run: `target/<profile>/deps/
/// libbottleneck_c-<hash>.a` (a test build does not copy it up to `target/<profile>`),
/// the newest if several builds left one.
fn static_library() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let deps = exe.parent().expect("target/<profile>/deps");
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(deps)
        .expect("deps directory")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libbottleneck_c-") && n.ends_with(".a"))
        })
        .filter_map(|p| Some((p.metadata().ok()?.modified().ok()?, p)))
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, p)| p)
        .expect("cargo builds libbottleneck_c-<hash>.a beside the test")
}

fn name(r: Result<(), Error>) -> &'static str {
    match r {
        Ok(()) => "BN_OK",
        Err(Error::Format(_)) => "BN_ERROR_INVALID_MODEL",
        Err(Error::SampleLength { .. }) => "BN_ERROR_SAMPLE_LENGTH",
        Err(Error::NonFiniteInput { .. }) => "BN_ERROR_NON_FINITE_INPUT",
        Err(Error::MissingPart { .. }) => "BN_ERROR_MISSING_PART",
        Err(e) => panic!("unexpected error {e:?}"),
    }
}

/// What parity.c prints, computed with the Rust runtime.
fn expected(model_bytes: &[u8], floats: &[Vec<f32>], ints: &[Vec<i8>]) -> String {
    let model = Model::from_bytes(model_bytes).expect("valid model");
    let mut scratch: Box<Scratch> = Box::new(Scratch::new());
    let n = model.n_inputs();
    let mut out = String::new();
    out += "unloaded: BN_ERROR_NOT_LOADED\n";
    out += "null model: BN_ERROR_NULL_POINTER\n";
    out += "truncated: BN_ERROR_INVALID_MODEL\n";
    out += "after a failed load: BN_ERROR_NOT_LOADED\n";
    out += "unknown status: BN_UNKNOWN_STATUS\n";
    out += "load: BN_OK\n";
    let _ = writeln!(
        out,
        "inputs {n} features {} classes {} scratch 1",
        model.n_features(),
        model.n_classes()
    );
    let vectors = model.self_test(&mut scratch).expect("self-test");
    let _ = writeln!(out, "self-test: BN_OK {vectors}");
    let has_head = model.view().head().is_some();
    let short = model
        .classify(&floats[0][..n - 1], &mut scratch)
        .map(|_| ());
    let _ = writeln!(out, "short sample: {}", name(short));
    out += "null output: BN_ERROR_NULL_POINTER\n";
    out += "nan: BN_ERROR_NON_FINITE_INPUT\n";
    let mut q = vec![0i8; n];
    for (i, x) in floats.iter().enumerate() {
        let r = model.quantize(x, &mut q);
        let _ = write!(out, "float {i}: {} q", name(r));
        for v in &q {
            let _ = write!(out, " {v}");
        }
        match model.classify(x, &mut scratch) {
            Ok(c) => {
                let _ = write!(
                    out,
                    " | BN_OK class {} p {:08x} label {} logits",
                    c.class,
                    c.probability.to_bits(),
                    c.label
                );
                for l in &c.logits {
                    let _ = write!(out, " {l}");
                }
            }
            Err(e) => {
                let _ = write!(out, " | {} class 0 p 00000000 label  logits", name(Err(e)));
            }
        }
        match model.detect(x, &mut scratch) {
            Ok(d) => {
                let _ = writeln!(
                    out,
                    " | BN_OK score {} threshold {} anomaly {} mse {:08x}",
                    d.score,
                    d.threshold,
                    u8::from(d.is_anomaly),
                    model.score_value(d.score).to_bits()
                );
            }
            Err(e) => {
                let _ = writeln!(
                    out,
                    " | {} score 0 threshold 0 anomaly 0 mse 00000000",
                    name(Err(e))
                );
            }
        }
    }
    for (i, x) in ints.iter().enumerate() {
        let f = model
            .encode_quantized(x, &mut scratch)
            .expect("encodes")
            .to_vec();
        let _ = write!(out, "int8 {i}: BN_OK features");
        for v in &f {
            let _ = write!(out, " {v}");
        }
        match model.classify_quantized(x, &mut scratch) {
            Ok(c) => {
                let _ = write!(out, " | BN_OK class {} logits", c.class);
                for l in &c.logits {
                    let _ = write!(out, " {l}");
                }
            }
            Err(e) => {
                let _ = write!(out, " | {} class 0 logits", name(Err(e)));
            }
        }
        match model.detect_quantized(x, &mut scratch) {
            Ok(d) => {
                let _ = writeln!(
                    out,
                    " | BN_OK score {} anomaly {}",
                    d.score,
                    u8::from(d.is_anomaly)
                );
            }
            Err(e) => {
                let _ = writeln!(out, " | {} score 0 anomaly 0", name(Err(e)));
            }
        }
    }
    assert!(has_head || model.view().anomaly().is_some());
    out
}

#[test]
fn c_programs_get_the_runtimes_results_bit_for_bit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let include = manifest_dir().join("include");
    let source = manifest_dir().join("tests/c/parity.c");
    let exe = dir.path().join("parity");
    let compiled = Command::new("cc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-O1", "-o"])
        .arg(&exe)
        .arg(&source)
        .arg("-I")
        .arg(&include)
        .arg(static_library())
        .args(["-lpthread", "-ldl", "-lm"])
        .output();
    // `cc` is also Rust's linker on this host, so a machine that built this test has one.
    let compiled = compiled.unwrap_or_else(|e| panic!("cannot run the C compiler `cc`: {e}"));
    assert!(
        compiled.status.success(),
        "parity.c does not build against the header and library:\n{}",
        String::from_utf8_lossy(&compiled.stderr)
    );

    let shapes = [
        // Head and decoder: every call succeeds.
        V3Shape {
            n_inputs: 23,
            encoder: &[17, 9, 5],
            decoder: Some(&[9, 17]),
            n_classes: 3,
            n_golden: 3,
        },
        // Two classes, no decoder: detection names the missing part.
        V3Shape {
            n_inputs: 12,
            encoder: &[8, 6],
            decoder: None,
            n_classes: 2,
            n_golden: 2,
        },
    ];
    for (seed, shape) in shapes.iter().enumerate() {
        let model = random_v3_spec(40 + seed as u64, shape)
            .to_bytes()
            .expect("valid model");
        let mut rng = SplitMix(seed as u64);
        let floats: Vec<Vec<f32>> = (0..6)
            .map(|_| {
                (0..shape.n_inputs)
                    .map(|_| rng.range(-300, 300) as f32 / 97.0)
                    .collect()
            })
            .collect();
        let ints: Vec<Vec<i8>> = (0..6)
            .map(|_| (0..shape.n_inputs).map(|_| rng.i8()).collect())
            .collect();
        let paths = ["model.bin", "floats.bin", "ints.bin"].map(|f| dir.path().join(f));
        std::fs::write(&paths[0], &model).expect("write model");
        let float_bytes: Vec<u8> = floats
            .iter()
            .flatten()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        std::fs::write(&paths[1], float_bytes).expect("write floats");
        let int_bytes: Vec<u8> = ints.iter().flatten().map(|&v| v as u8).collect();
        std::fs::write(&paths[2], int_bytes).expect("write ints");

        let run = Command::new(&exe)
            .args(&paths)
            .output()
            .expect("run parity");
        assert!(
            run.status.success(),
            "parity exited with {:?}: {}",
            run.status,
            String::from_utf8_lossy(&run.stdout)
        );
        let got = String::from_utf8(run.stdout).expect("utf-8");
        let want = expected(&model, &floats, &ints);
        for (g, w) in got.lines().zip(want.lines()) {
            assert_eq!(g, w, "model {seed}");
        }
        assert_eq!(
            got.lines().count(),
            want.lines().count(),
            "model {seed}: {got}"
        );
    }
}

/// This package's directory, read when the test runs (cargo test sets it): the path
/// compiled in goes stale when one target directory serves two checkouts.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
        || env!("CARGO_MANIFEST_DIR").into(),
        std::path::PathBuf::from,
    )
}

/// Compiles `tests/c/<name>.c` against the header and the static library into `dir`.
fn compile_c(name: &str, dir: &std::path::Path) -> PathBuf {
    let exe = dir.join(name);
    let compiled = Command::new("cc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-O1", "-o"])
        .arg(&exe)
        .arg(manifest_dir().join(format!("tests/c/{name}.c")))
        .arg("-I")
        .arg(manifest_dir().join("include"))
        .arg(static_library())
        .args(["-lpthread", "-ldl", "-lm"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run the C compiler `cc`: {e}"));
    assert!(
        compiled.status.success(),
        "{name}.c does not build against the header and library:\n{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    exe
}

/// What stream.c prints, computed with the Rust runtime's `Stream` fed the same chunks.
fn expected_stream(model_bytes: &[u8], signal: &[i16]) -> String {
    let model = Model::from_bytes(model_bytes).expect("valid model");
    let mut stream = Box::new(Stream::<4096, 1024>::new(&model).expect("stream"));
    let mut scratch: Box<Scratch> = Box::new(Scratch::new());
    let mut out = String::from(
        "uninitialised: BN_ERROR_NOT_LOADED\n\
         unloaded model: BN_ERROR_NOT_LOADED\n\
         no front end: BN_ERROR_MISSING_PART\n\
         too big: BN_ERROR_CAPACITY\n\
         init: BN_OK fits 1\n\
         null consumed: BN_ERROR_NULL_POINTER\n\
         short input buffer: BN_ERROR_OUTPUT_TOO_SHORT\n",
    );
    let mut frames = 0;
    for chunk in signal.chunks(37) {
        stream
            .push(chunk, &mut scratch, |s, frame| {
                frames += 1;
                let Some(w) = frame.window else { return };
                if w.index == 0 {
                    out += "first input:";
                    for v in s.last_input() {
                        let _ = write!(out, " {v}");
                    }
                    out += "\n";
                }
                let _ = writeln!(
                    out,
                    "frame {} window {}: score {} smoothed {} anomaly {} alarm {} class {}",
                    frame.index,
                    w.index,
                    w.score.unwrap_or(0),
                    w.smoothed.unwrap_or(0),
                    u8::from(w.anomaly),
                    u8::from(w.alarm),
                    w.class.map_or(-1, |c| c as i64)
                );
            })
            .expect("stream");
    }
    let _ = writeln!(out, "frames: {frames}");
    out += "reset: BN_OK\n";
    let first = stream.front_end().frame_samples();
    let _ = writeln!(
        out,
        "after reset: BN_OK first frame 0 after {first} samples"
    );
    out
}

#[test]
fn c_programs_stream_samples_as_the_runtime_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = compile_c("stream", dir.path());
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        path
    };
    let plain = random_v3_spec(
        7,
        &V3Shape {
            n_inputs: 12,
            encoder: &[8, 6],
            decoder: Some(&[8]),
            n_classes: 2,
            n_golden: 1,
        },
    );
    let plain = write("plain.bin", &plain.to_bytes().expect("valid"));
    // Two channels of 2048 samples: beyond BN_STREAM_FRAME.
    let mut rng = SplitMix(5);
    let mut big = random_v3_spec(
        8,
        &V3Shape {
            n_inputs: 6,
            encoder: &[4],
            decoder: None,
            n_classes: 2,
            n_golden: 1,
        },
    );
    let mut fe = random_front_end(&mut rng, 2, 3, 1);
    fe.frame_len = 2048;
    fe.hop = 1024;
    fe.window.clear();
    fe.window_kind = bottleneck_format::WindowKind::None;
    big.front_end = Some(fe);
    let big = write("big.bin", &big.to_bytes().expect("valid"));

    // A head and a decoder, and one without a decoder (no scores).
    for (seed, decoder) in [(1u64, Some(&[9usize, 15][..])), (2, None)] {
        let mut rng = SplitMix(seed);
        let (channels, bands, frames) = (2u8, 4usize, 3u8);
        let mut spec = random_v3_spec(
            seed,
            &V3Shape {
                n_inputs: usize::from(channels) * bands * usize::from(frames),
                encoder: &[15, 9, 5],
                decoder,
                n_classes: 3,
                n_golden: 0,
            },
        );
        spec.front_end = Some(random_front_end(&mut rng, channels, bands, frames));
        let bytes = spec.to_bytes().expect("valid model");
        let signal: Vec<i16> = (0..5000).map(|_| rng.range(-32768, 32767) as i16).collect();
        let signal_bytes: Vec<u8> = signal.iter().flat_map(|s| s.to_le_bytes()).collect();
        let model = write("model.bin", &bytes);
        let signal_path = write("signal.bin", &signal_bytes);
        let run = Command::new(&exe)
            .args([&model, &signal_path, &plain, &big])
            .output()
            .expect("run stream");
        let got = String::from_utf8_lossy(&run.stdout);
        assert!(run.status.success(), "stream failed:\n{got}");
        let expected = expected_stream(&bytes, &signal);
        assert!(
            expected.contains("window 0:"),
            "the signal completes windows"
        );
        assert_eq!(got, expected, "model {seed}");
    }
}
