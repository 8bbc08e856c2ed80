//! `train --signal`, `generate --recipe machine-sound | vibration` and `predict --signal`
//! from the command line: the whole path from WAV files to a model file with its front
//! end, the device's per-file scores, and on bad signals a message naming the file (and
//! row and column), a non-zero exit and no model file.

use std::path::Path;
use std::process::{Command, Output};

fn bottleneck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bottleneck"))
        .args(args)
        .output()
        .expect("run bottleneck")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Fails unless `out` failed with a message containing every one of `needles`.
fn assert_refused(out: &Output, needles: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "should fail; stderr: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} not in: {stderr}");
    }
    stderr
}

/// Small clips: 8 kHz, half a second; 8 training clips, 2 + 2 test clips.
fn generate_clips(dir: &Path) {
    assert_ok(&bottleneck(&[
        "generate",
        "--recipe",
        "machine-sound",
        "--samples",
        "8",
        "--seconds",
        "0.5",
        "--sample-rate",
        "8000",
        "--out",
        path(dir),
    ]));
}

/// A small front end and network for the clips of [`generate_clips`].
const SMALL: &[&str] = &[
    "--frame-len",
    "256",
    "--hop",
    "128",
    "--bands",
    "24",
    "--frames",
    "3",
    "--hidden",
    "32",
    "--bottleneck",
    "8",
    "--epochs",
    "5",
    "-q",
];

fn train_signal(signal: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["train", "--signal", path(signal), "--out", path(out)];
    args.extend(extra);
    bottleneck(&args)
}

fn write_wav(path: &Path, rate: u32, bits: u16, samples: usize) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for i in 0..samples {
        let v = ((i as f64 * 0.05).sin() * 100.0) as i32;
        w.write_sample(v).expect("sample");
    }
    w.finalize().expect("finalize");
}

#[test]
fn machine_sound_trains_from_audio_and_predict_streams_the_same_file_scores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audio = dir.path().join("audio");
    generate_clips(&audio);
    for f in [
        "train/normal_00007.wav",
        "test/normal_00001.wav",
        "test/anomaly_00001.wav",
    ] {
        assert!(audio.join(f).is_file(), "{f} missing");
    }
    let out = dir.path().join("model");
    assert_ok(&train_signal(&audio, &out, SMALL));

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).expect("report"))
            .expect("json");
    let signal = &report["signal"];
    assert_eq!(signal["sample_rate"], 8000);
    assert_eq!(signal["test_recordings"], 4);
    // CMSIS-DSP's own acceptance for its Q15 MFCC is 34 dB.
    let snr = signal["snr_db_min"].as_f64().expect("snr");
    assert!(snr > 34.0, "integer front end SNR {snr} dB");
    let auc = signal["file_auc"].as_f64().expect("a file-level AUC");
    assert!((0.0..=1.0).contains(&auc));

    // The runtime's Stream on this host gives the file scores `train` computed with the
    // trainer's integer reference.
    let inspect = bottleneck(&["inspect", path(&out.join("model.bin"))]);
    assert_ok(&inspect);
    assert!(String::from_utf8_lossy(&inspect.stdout).contains("front end: int16 at 8000 Hz"));
    let predicted = bottleneck(&[
        "predict",
        path(&out.join("model.bin")),
        "--signal",
        path(&audio),
    ]);
    assert_ok(&predicted);
    let predicted = String::from_utf8_lossy(&predicted.stdout).into_owned();
    let trained = std::fs::read_to_string(out.join("file_scores.csv")).expect("file scores");
    let rows: Vec<&str> = trained.lines().skip(1).collect();
    assert_eq!(rows.len(), 4);
    for row in rows {
        assert!(
            predicted.lines().any(|l| l == row),
            "{row} not in:\n{predicted}"
        );
    }
}

#[test]
fn vibration_csv_trains_a_three_axis_front_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("vibration.csv");
    assert_ok(&bottleneck(&[
        "generate",
        "--recipe",
        "vibration",
        "--samples",
        "12",
        "--seconds",
        "1",
        "--out",
        path(&csv),
    ]));
    let text = std::fs::read_to_string(&csv).expect("csv");
    assert!(text.starts_with("time,x,y,z,segment,label\n"));
    let out = dir.path().join("model");
    assert_ok(&train_signal(
        &csv,
        &out,
        &[
            "--label-column",
            "label",
            "--frame-len",
            "128",
            "--hop",
            "64",
            "--band-layout",
            "linear",
            "--bands",
            "16",
            "--frames",
            "2",
            "--hidden",
            "16",
            "--bottleneck",
            "4",
            "--epochs",
            "3",
            "--test-fraction",
            "0.5",
            "-q",
        ],
    ));
    let report = std::fs::read_to_string(out.join("report.json")).expect("report");
    assert!(report.contains("\"channels\": 3"), "{report}");
    assert!(report.contains("\"sample_rate\": 1600"), "{report}");
}

#[test]
fn bad_signals_are_refused_by_name_and_write_no_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audio = dir.path().join("audio");
    generate_clips(&audio);
    let out = dir.path().join("model");
    let check = |needles: &[&str]| {
        assert_refused(&train_signal(&audio, &out, SMALL), needles);
        assert!(!out.join("model.bin").exists(), "a model was written");
    };

    // Another sample rate than the rest.
    let odd = audio.join("test/normal_09999.wav");
    write_wav(&odd, 44100, 16, 44100);
    check(&["normal_09999.wav", "44100 Hz", "8000 Hz"]);
    // Another sample width.
    write_wav(&odd, 8000, 8, 8000);
    check(&["normal_09999.wav", "8-bit integer samples", "16-bit"]);
    // A header cut short.
    let good = std::fs::read(audio.join("test/normal_00000.wav")).expect("wav");
    std::fs::write(&odd, &good[..20]).expect("write");
    check(&["normal_09999.wav", "not a readable WAV file"]);
    // Data cut short.
    std::fs::write(&odd, &good[..good.len() - 101]).expect("write");
    check(&["normal_09999.wav", "cut short"]);
    // Shorter than one input: 3 frames of 256 every 128 need 512 samples.
    write_wav(&odd, 8000, 16, 500);
    check(&[
        "normal_09999.wav",
        "shorter than one model input",
        "512 samples",
    ]);
    std::fs::remove_file(&odd).expect("remove");

    // A folder without train/.
    assert_refused(
        &train_signal(&audio.join("test"), &out, SMALL),
        &["no train/ folder"],
    );
    // Settings the file format cannot hold are refused before training.
    let mut bad = SMALL.to_vec();
    bad.extend(["--alarm", "5/3"]);
    assert_refused(&train_signal(&audio, &out, &bad), &["--alarm", "5/3"]);
    let mut bad = SMALL.to_vec();
    bad[1] = "300";
    assert_refused(
        &train_signal(&audio, &out, &bad),
        &["--frame-len", "power of two"],
    );

    // A CSV with a gap in time, and one with a sample that is not an int16 count.
    let csv = dir.path().join("series.csv");
    let mut rows = String::from("time,x,label\n");
    for i in 0..2000 {
        let t = if i < 1000 { i } else { i + 5 };
        rows += &format!("{:.6},{},normal\n", f64::from(t) / 1000.0, i % 50);
    }
    std::fs::write(&csv, &rows).expect("write");
    let series = |extra: &[&str]| {
        let mut args = vec!["--label-column", "label"];
        args.extend(extra);
        args.extend(SMALL);
        train_signal(&csv, &out, &args)
    };
    assert_refused(
        &series(&[]),
        &["series.csv", "row 1001", "\"time\"", "gap in time"],
    );
    std::fs::write(&csv, rows.replace("0.500000,0,", "0.500000,0.5,")).expect("write");
    assert_refused(
        &series(&[]),
        &["series.csv", "row 501", "\"x\"", "not a raw int16 sample"],
    );
    assert!(!out.join("model.bin").exists(), "a model was written");
}

#[test]
fn predict_refuses_a_wav_the_model_cannot_take() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audio = dir.path().join("audio");
    generate_clips(&audio);
    let out = dir.path().join("model");
    assert_ok(&train_signal(&audio, &out, SMALL));
    let model = out.join("model.bin");
    let odd = dir.path().join("odd.wav");
    write_wav(&odd, 16000, 16, 16000);
    assert_refused(
        &bottleneck(&["predict", path(&model), "--signal", path(&odd)]),
        &["odd.wav", "16000 Hz", "8000 Hz"],
    );
    write_wav(&odd, 8000, 16, 300);
    assert_refused(
        &bottleneck(&["predict", path(&model), "--signal", path(&odd)]),
        &["odd.wav", "shorter than one model input"],
    );
    // A model without a front end cannot stream.
    let features = dir.path().join("features");
    assert_ok(&bottleneck(&[
        "train",
        "--epochs",
        "1",
        "-q",
        "--out",
        path(&features),
    ]));
    write_wav(&odd, 8000, 16, 8000);
    assert_refused(
        &bottleneck(&[
            "predict",
            path(&features.join("model.bin")),
            "--signal",
            path(&odd),
        ]),
        &["no signal front end"],
    );
}
