//! The `bottleneck` binary: artefacts on success; on bad input a clear message, a
//! non-zero exit and no artefacts at all.

use std::path::Path;
use std::process::{Command, Output};

fn bottleneck(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_bottleneck"))
        .args(args)
        .output()
        .expect("run bottleneck")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// A small 3-class problem for `generate`.
const THREE_CLASSES: &[&str] = &[
    "--samples",
    "150",
    "--features",
    "10",
    "--informative",
    "4",
    "--redundant",
    "4",
    "--classes",
    "3",
];

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `bottleneck generate --out CSV` with the given size flags; must succeed.
fn generate(csv: &Path, size: &[&str]) {
    let mut args = vec!["generate", "--out", path(csv)];
    args.extend(size);
    assert_ok(&bottleneck(&args));
}

/// `bottleneck train` on `csv` (label column `label`) into `out`, quietly, plus `extra`.
fn train_command(csv: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bottleneck"));
    command
        .args(["train", "--data", path(csv), "--label-column", "label"])
        .args(["--out", path(out), "-q"])
        .args(extra);
    command
}

fn train(csv: &Path, out: &Path, extra: &[&str]) -> Output {
    train_command(csv, out, extra)
        .output()
        .expect("run bottleneck")
}

#[test]
fn generate_then_train_on_csv_writes_every_artefact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("data.csv");
    generate(&csv, THREE_CLASSES);

    let artifacts = dir.path().join("artifacts");
    assert_ok(&train(
        &csv,
        &artifacts,
        &["--epochs", "3", "--hidden", "12,8", "--bottleneck", "4"],
    ));
    for name in [
        "config.json",
        "autoencoder.bpk",
        "learning_curves.png",
        "report.json",
        "report.md",
    ] {
        let meta = std::fs::metadata(artifacts.join(name)).expect(name);
        assert!(meta.len() > 0, "{name} is empty");
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(artifacts.join("report.json")).expect("report"))
            .expect("report.json is JSON");
    assert_eq!(report["data"]["features"], 10);
    assert_eq!(
        report["autoencoder"]["encoder_widths"],
        serde_json::json!([10, 12, 8, 4])
    );
    let png = std::fs::read(artifacts.join("learning_curves.png")).expect("png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // No temporary files are left behind.
    let stray: Vec<_> = std::fs::read_dir(&artifacts)
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn report_counts_the_test_rows_whose_features_saturate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("data.csv");
    generate(&csv, THREE_CLASSES);
    // The same rows with every feature 50 times larger: far outside the training range,
    // so every test row drives some bottleneck feature beyond the int8 range.
    let text = std::fs::read_to_string(&csv).expect("csv");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let label = header.split(',').position(|h| h == "label").expect("label");
    let mut far = format!("{header}\n");
    for line in lines.take(40) {
        let cells: Vec<String> = line
            .split(',')
            .enumerate()
            .map(|(i, c)| match i == label {
                true => c.to_string(),
                false => (50.0 * c.parse::<f64>().expect("number")).to_string(),
            })
            .collect();
        far += &(cells.join(",") + "\n");
    }
    let far_csv = dir.path().join("far.csv");
    std::fs::write(&far_csv, far).expect("write");

    let device = |out: &Path| -> serde_json::Value {
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("report"))
                .expect("json");
        report["device"].clone()
    };
    let small = ["--epochs", "3", "--hidden", "12,8", "--bottleneck", "4"];
    let near = dir.path().join("near");
    assert_ok(&train(&csv, &near, &small));
    let d = device(&near);
    let (saturated, rows) = (&d["saturated_test_rows"], &d["test_rows"]);
    assert_eq!(rows, 50, "a third of 150 rows: {d}");
    assert!(saturated.as_u64().expect("count") < 50, "{d}");

    let outside = dir.path().join("outside");
    let mut args = small.to_vec();
    args.extend(["--test-data", path(&far_csv)]);
    assert_ok(&train(&csv, &outside, &args));
    let d = device(&outside);
    assert_eq!(d["test_rows"], 40, "{d}");
    assert_eq!(d["saturated_test_rows"], 40, "{d}");
    let md = std::fs::read_to_string(outside.join("report.md")).expect("report.md");
    assert!(md.contains("saturated on the device) | 40 of 40 |"), "{md}");
}

#[test]
fn bad_input_exits_non_zero_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: Vec<(&str, &str, Vec<&str>, &str)> = vec![
        ("empty.csv", "", vec![], "empty"),
        (
            "ragged.csv",
            "a,b,label\n1,2,x\n3,y\n",
            vec![],
            "row 2 (line 3)",
        ),
        (
            "nan.csv",
            "a,b,label\n1,2,x\n3,NaN,y\n",
            vec![],
            "column \"b\"",
        ),
        (
            "text.csv",
            "a,b,label\n1,2,x\nfoo,4,y\n",
            vec![],
            "\"foo\" is not a number",
        ),
        (
            "one.csv",
            "a,b,label\n1,2,x\n3,4,x\n5,6,x\n",
            vec![],
            "at least two classes",
        ),
        ("few.csv", "a,b,label\n1,2,x\n3,4,y\n", vec![], "2 rows"),
        (
            "ok.csv",
            "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n9,1,x\n2,2,y\n",
            vec!["--bottleneck", "0"],
            "--bottleneck",
        ),
        (
            "ok2.csv",
            "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n9,1,x\n2,2,y\n",
            vec!["--bottleneck", "3"],
            "input width 2",
        ),
        (
            "nolabel.csv",
            "a,b,class\n1,2,x\n",
            vec![],
            "no column named \"label\"",
        ),
        (
            "wide.csv",
            "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n9,1,x\n2,2,y\n",
            vec!["--hidden", "2000"],
            "a layer 2000 wide: the model file allows at most 1024",
        ),
        (
            "deep.csv",
            "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n9,1,x\n2,2,y\n",
            vec!["--hidden", "4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4"],
            "17 encoder layers; the model file holds at most 16",
        ),
        (
            "quantile.csv",
            "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n9,1,x\n2,2,y\n",
            vec!["--task", "both", "--threshold-quantile", "1.5"],
            "invalid setting --threshold-quantile: 1.5 must lie in (0, 1]",
        ),
        (
            "threshold.csv",
            "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n9,1,x\n2,2,y\n",
            vec!["--task", "both", "--threshold=-1"],
            "invalid setting --threshold: -1 must be a finite mean squared error >= 0",
        ),
        (
            "deep-both.csv",
            "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n9,1,x\n2,2,y\n",
            vec!["--task", "both", "--hidden", "4,4,4,4,4,4,4,4"],
            "18 encoder and decoder layers; the model file holds at most 16",
        ),
        (
            "tanh.csv",
            "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n9,1,x\n2,2,y\n",
            vec!["--activation", "tanh"],
            "possible values: leaky-relu, relu",
        ),
    ];
    for (name, text, extra, message) in cases {
        let csv = dir.path().join(name);
        std::fs::write(&csv, text).expect("write");
        let out_dir = dir.path().join(format!("out-{name}"));
        let mut flags = vec!["--epochs", "1"];
        flags.extend(extra);
        let out = train(&csv, &out_dir, &flags);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name}: succeeded");
        assert!(stderr.contains(message), "{name}: {stderr}");
        assert!(
            !out_dir.exists(),
            "{name}: artefacts written despite the error"
        );
    }
}

#[test]
fn inspect_eval_and_predict_use_the_model_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("data.csv");
    generate(
        &csv,
        &[
            "--samples",
            "120",
            "--features",
            "8",
            "--informative",
            "3",
            "--redundant",
            "3",
        ],
    );
    let artifacts = dir.path().join("a");
    assert_ok(&train(&csv, &artifacts, &["--epochs", "2"]));
    let model = artifacts.join("model.bin");

    let out = bottleneck(&["inspect", path(&model)]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for expected in [
        "version 3",
        ": OK",
        "feature names: x0, x1, x2",
        "layer 0: encoder dense 8 -> 16 (LeakyReLU)",
        "layer 2: encoder dense 8 -> 4 (linear)",
        "head: 4 -> 1 logit(s) (sigmoid)",
        "labels: 0, 1",
        "self-test: 4 golden vectors",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }

    let out = bottleneck(&[
        "eval",
        path(&model),
        "--data",
        path(&csv),
        "--label-column",
        "label",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.starts_with("accuracy: ") && text.contains("(120 rows)"),
        "{text}"
    );
    assert!(text.contains("predicted"), "{text}");

    let predictions = dir.path().join("pred.csv");
    let out = bottleneck(&[
        "predict",
        path(&model),
        "--data",
        path(&csv),
        "--label-column",
        "label",
        "--out",
        path(&predictions),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&predictions).expect("predictions");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "row,class,label,probability");
    assert_eq!(lines.len(), 121);

    // Columns are picked by name: the label column left in is ignored, and the same
    // columns in reverse order give the same predictions and the same accuracy.
    let reversed = dir.path().join("reversed.csv");
    let original = std::fs::read_to_string(&csv).expect("csv");
    let flipped: String = original
        .lines()
        .map(|l| l.split(',').rev().collect::<Vec<_>>().join(",") + "\n")
        .collect();
    std::fs::write(&reversed, flipped).expect("write");
    for data in [&csv, &reversed] {
        let again = dir.path().join("again.csv");
        let out = bottleneck(&[
            "predict",
            path(&model),
            "--data",
            path(data),
            "--out",
            path(&again),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(std::fs::read_to_string(&again).expect("predictions"), text);
    }
    let eval_text = |data: &Path| {
        let out = bottleneck(&[
            "eval",
            path(&model),
            "--data",
            path(data),
            "--label-column",
            "label",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(eval_text(&csv), eval_text(&reversed));
    // A missing column is named, with a non-zero exit.
    let short = dir.path().join("short.csv");
    let dropped: String = original
        .lines()
        .map(|l| l.split(',').skip(1).collect::<Vec<_>>().join(",") + "\n")
        .collect();
    std::fs::write(&short, dropped).expect("write");
    let out = bottleneck(&["predict", path(&model), "--data", path(&short)]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("1 of the model's 8 input columns are missing: x0"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A corrupted file is diagnosed, not trusted.
    let mut bytes = std::fs::read(&model).expect("model");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let bad = dir.path().join("bad.bin");
    std::fs::write(&bad, &bytes).expect("write");
    let out = bottleneck(&["inspect", path(&bad)]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("MISMATCH") && text.contains("INVALID"),
        "{text}"
    );
    // A script gating a flash on `inspect` must see the failure in the exit status.
    assert!(!out.status.success(), "inspect exited 0 on a corrupt file");
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid model file"));
    // A truncated file too, with the header still described.
    let cut = dir.path().join("cut.bin");
    std::fs::write(&cut, &bytes[..40]).expect("write");
    let out = bottleneck(&["inspect", path(&cut)]);
    assert!(
        !out.status.success(),
        "inspect exited 0 on a truncated file"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("header: magic"));
    let out = bottleneck(&[
        "eval",
        path(&bad),
        "--data",
        path(&csv),
        "--label-column",
        "label",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("CRC-32"));
}

#[test]
fn a_failing_run_leaves_the_previous_artefacts_intact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.csv");
    generate(
        &good,
        &[
            "--samples",
            "100",
            "--features",
            "6",
            "--informative",
            "3",
            "--redundant",
            "2",
        ],
    );
    let artifacts = dir.path().join("artifacts");
    assert_ok(&train(&good, &artifacts, &["--epochs", "2"]));
    let snapshot = |d: &Path| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(d)
            .expect("dir")
            .map(|e| e.expect("entry"))
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).expect("read"),
                )
            })
            .collect();
        files.sort();
        files
    };
    let before = snapshot(&artifacts);
    assert!(
        before
            .iter()
            .any(|(n, b)| n == "model.bin" && !b.is_empty())
    );

    // A second run into the same directory fails on row 57's bad cell, after parsing
    // most of the file: nothing is replaced, nothing half-written, nothing left over.
    let mut text = std::fs::read_to_string(&good).expect("csv");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[57] = lines[57].replacen(',', ",oops", 1);
    text = lines.join("\n");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, text).expect("write");
    let out = train(&bad, &artifacts, &["--epochs", "2"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("row 57 (line 58)"));
    assert_eq!(snapshot(&artifacts), before, "previous artefacts changed");
}

#[test]
fn same_data_seed_and_flags_give_a_byte_identical_model_whatever_the_thread_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("data.csv");
    generate(&csv, THREE_CLASSES);
    let mut models = Vec::new();
    for threads in ["1", "2", "1"] {
        let out_dir = dir.path().join(format!("run-{}", models.len()));
        let out = train_command(&csv, &out_dir, &["--epochs", "3", "--seed", "9"])
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .expect("run");
        assert_ok(&out);
        models.push(std::fs::read(out_dir.join("model.bin")).expect("model"));
    }
    assert_eq!(models[0], models[1]);
    assert_eq!(models[0], models[2]);
}

#[test]
fn anomaly_task_trains_on_normal_rows_and_eval_predict_report_scores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("data.csv");
    generate(
        &csv,
        &[
            "--samples",
            "200",
            "--features",
            "8",
            "--informative",
            "3",
            "--redundant",
            "3",
        ],
    );
    let artifacts = dir.path().join("a");
    let out = train_command(&csv, &artifacts, &[])
        .args(["--task", "anomaly", "--normal-label", "0", "--epochs", "5"])
        .output()
        .expect("run");
    assert_ok(&out);
    for file in [
        "model.bin",
        "report.json",
        "report.md",
        "anomaly_scores.png",
    ] {
        assert!(artifacts.join(file).exists(), "{file} missing");
    }
    let report = std::fs::read_to_string(artifacts.join("report.json")).expect("report");
    for key in [
        "\"auc_int8\"",
        "\"auc_float\"",
        "\"precision\"",
        "\"score_spearman\"",
        "\"threshold\"",
    ] {
        assert!(report.contains(key), "{key} missing in {report}");
    }
    let model = artifacts.join("model.bin");
    let text = String::from_utf8_lossy(&bottleneck(&["inspect", path(&model)]).stdout).into_owned();
    assert!(
        text.contains("head: none") && text.contains("anomaly: score"),
        "{text}"
    );
    assert!(text.contains("decoder dense"), "{text}");

    let eval = |extra: &[&str]| {
        let mut args = vec![
            "eval",
            path(&model),
            "--data",
            path(&csv),
            "--label-column",
            "label",
        ];
        args.extend(extra);
        bottleneck(&args)
    };
    let out = eval(&["--normal-label", "0"]);
    assert_ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ROC AUC, int8 (device)") && text.contains("precision"),
        "{text}"
    );
    // Without the normal label the model cannot be judged: a clear error.
    let out = eval(&[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --normal-label"));
    let out = eval(&["--normal-label", "9"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--normal-label \"9\" names no row"));

    let out = bottleneck(&["predict", path(&model), "--data", path(&csv)]);
    assert_ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "row,score,mse,anomaly");
    assert_eq!(lines.len(), 201);
    assert!(lines[1].ends_with(",true") || lines[1].ends_with(",false"));
}

#[test]
fn anomaly_task_takes_unlabelled_data_and_refuses_bad_settings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("plain.csv");
    let mut text = String::from("a,b,c\n");
    for i in 0..40 {
        text.push_str(&format!("{},{},{}\n", i % 7, (i * 3) % 5, i % 2));
    }
    std::fs::write(&csv, text).expect("write");
    let artifacts = dir.path().join("a");
    let run = |out: &Path, extra: &[&str]| {
        let mut args = vec![
            "train",
            "--data",
            path(&csv),
            "--out",
            path(out),
            "--epochs",
            "2",
        ];
        args.extend(extra);
        bottleneck(&args)
    };
    let out = run(&artifacts, &["--task", "anomaly"]);
    assert_ok(&out);
    // Every test row is normal: AUC undefined, said so, the rest still reported.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("undefined: no anomalous rows"), "{stdout}");
    assert!(stdout.contains("normal test rows flagged"), "{stdout}");
    let bad = dir.path().join("bad");
    for (extra, message) in [
        (vec![], "a classifier needs the labels"),
        (
            vec!["--task", "anomaly", "--normal-label", "x"],
            "needs --label-column",
        ),
        (
            vec!["--task", "anomaly", "--threshold-quantile", "0"],
            "must lie in (0, 1]",
        ),
    ] {
        let out = run(&bad, &extra);
        assert!(!out.status.success(), "{extra:?} succeeded");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{extra:?}: {stderr}");
        assert!(
            !bad.exists(),
            "{extra:?}: artefacts written despite the error"
        );
    }
}

/// MLPerf Tiny's anomaly-detection network from flags, on generated log-mel-like frames:
/// 640 -> 128 x4 -> 8 -> 128 x4 -> 640, BatchNorm + ReLU everywhere but the output, and
/// the published 264,192 weights + 1,672 biases once BatchNorm is folded.
#[test]
fn mlperf_tiny_anomaly_network_from_flags_has_its_published_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("frames.csv");
    generate(&csv, &["--recipe", "log-mel-frames", "--samples", "120"]);
    let artifacts = dir.path().join("ad");
    let out = train_command(&csv, &artifacts, &[])
        .args([
            "--task",
            "anomaly",
            "--normal-label",
            "normal",
            "--epochs",
            "1",
        ])
        .args(["--hidden", "128,128,128,128", "--bottleneck", "8"])
        .args(["--activation", "relu", "--bottleneck-activation", "same"])
        .output()
        .expect("run");
    assert_ok(&out);
    let model = artifacts.join("model.bin");
    let text = String::from_utf8_lossy(&bottleneck(&["inspect", path(&model)]).stdout).into_owned();
    assert!(text.contains("parameters: 265864;"), "{text}");
    assert!(
        text.contains("layer 4: encoder dense 128 -> 8 (ReLU)"),
        "{text}"
    );
    assert!(
        text.contains("layer 9: decoder dense 128 -> 640 (linear)"),
        "{text}"
    );
    assert!(text.contains("self-test: 4 golden vectors"), "{text}");
}

#[test]
fn repeats_train_each_seed_on_the_same_split_and_keep_the_first_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("data.csv");
    generate(&csv, THREE_CLASSES);
    let single = dir.path().join("single");
    assert_ok(&train(&csv, &single, &["--epochs", "3", "--seed", "4"]));
    let repeated = dir.path().join("repeated");
    assert_ok(&train(
        &csv,
        &repeated,
        &["--epochs", "3", "--seed", "4", "--repeats", "3"],
    ));
    // The files are the first run's: the single run with --seed 4.
    let read = |d: &Path, f: &str| std::fs::read(d.join(f)).expect("artefact");
    assert_eq!(read(&single, "model.bin"), read(&repeated, "model.bin"));
    assert!(!read(&repeated, "repeats.png").is_empty());
    let report: serde_json::Value =
        serde_json::from_slice(&read(&repeated, "report.json")).expect("json");
    let runs = report["repeats"]["runs"].as_array().expect("runs");
    let seeds: Vec<u64> = runs
        .iter()
        .map(|r| r["seed"].as_u64().expect("seed"))
        .collect();
    assert_eq!(seeds, [4, 5, 6]);
    // Every run shares --seed 4's split: the raw-feature accuracy cannot move.
    let raw: Vec<f64> = runs
        .iter()
        .map(|r| r["raw_features"].as_f64().expect("raw"))
        .collect();
    assert!(raw.iter().all(|&a| a == raw[0]), "{raw:?}");
    let single_report: serde_json::Value =
        serde_json::from_slice(&read(&single, "report.json")).expect("json");
    assert_eq!(
        runs[0]["bottleneck_features"],
        single_report["accuracy"]["bottleneck_features"]
    );
    let spread = &report["repeats"]["bottleneck_features"];
    let values: Vec<f64> = runs
        .iter()
        .map(|r| r["bottleneck_features"].as_f64().expect("acc"))
        .collect();
    let mean = values.iter().sum::<f64>() / 3.0;
    assert!((spread["mean"].as_f64().expect("mean") - mean).abs() < 1e-12);
    assert!(String::from_utf8_lossy(&read(&repeated, "report.md")).contains("| **mean** |"));
    // A bad count is refused before anything is written.
    let refused = dir.path().join("refused");
    let out = train(&csv, &refused, &["--repeats", "0"]);
    assert!(!out.status.success());
    assert!(!refused.exists());
}

/// The byte values of every `0x..` literal in `text`, in order.
fn hex_literals(text: &str) -> Vec<u8> {
    text.split("0x")
        .skip(1)
        .map(|s| u8::from_str_radix(&s[..2], 16).expect("hex byte"))
        .collect()
}

#[test]
fn export_writes_a_c_header_a_rust_file_and_samples_the_firmware_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("data.csv");
    generate(&csv, THREE_CLASSES);
    let artifacts = dir.path().join("a");
    assert_ok(&train(&csv, &artifacts, &["--epochs", "2"]));
    let model_path = artifacts.join("model.bin");
    let model = std::fs::read(&model_path).expect("model");
    let (header, rust, samples) = (
        dir.path().join("model.h"),
        dir.path().join("model.rs"),
        dir.path().join("samples.bin"),
    );
    assert_ok(&bottleneck(&[
        "export",
        path(&model_path),
        "--c-header",
        path(&header),
        "--rust",
        path(&rust),
        "--samples",
        path(&csv),
        "--out",
        path(&samples),
        "--max-rows",
        "7",
    ]));

    // The header: the file's bytes after its comment block, and a C compiler agrees.
    let h = std::fs::read_to_string(&header).expect("header");
    let body = &h[h.find("*/").expect("comment end")..];
    assert_eq!(hex_literals(body), model);
    assert!(h.contains(&format!("#define BOTTLENECK_MODEL_LEN {}u", model.len())));
    assert!(h.contains("self-test:"), "inspect's description: {h}");
    let check = dir.path().join("check.c");
    std::fs::write(
        &check,
        "#include \"model.h\"\n#include <stdio.h>\n\
         int main(void) {\n\
           unsigned long sum = 0;\n\
           for (size_t i = 0; i < bottleneck_model_len; i++) sum = sum * 31u + bottleneck_model[i];\n\
           printf(\"%zu %d %lu\\n\", sizeof bottleneck_model, (int)((uintptr_t)bottleneck_model % 4), sum);\n\
           return 0;\n\
         }\n",
    )
    .expect("write C");
    let exe = dir.path().join("check");
    let compiled = std::process::Command::new("cc")
        .args(["-std=c99", "-Wall", "-Werror", "-o"])
        .arg(&exe)
        .arg(&check)
        .current_dir(dir.path())
        .output();
    match compiled {
        Ok(out) if out.status.success() => {
            let run = std::process::Command::new(&exe)
                .output()
                .expect("run check");
            let sum = model
                .iter()
                .fold(0u64, |s, &b| s.wrapping_mul(31).wrapping_add(u64::from(b)));
            assert_eq!(
                String::from_utf8_lossy(&run.stdout).trim(),
                format!("{} 0 {sum}", model.len())
            );
        }
        Ok(out) => panic!(
            "the header does not compile: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        // `cc` is also Rust's linker on this host: a machine that built this test has one.
        Err(e) => panic!("cannot run the C compiler `cc`: {e}"),
    }

    // The Rust file: the same bytes through the runtime's alignment wrapper.
    let r = std::fs::read_to_string(&rust).expect("rust");
    assert!(r.contains("pub static BOTTLENECK_MODEL: &[u8] = BOTTLENECK_MODEL_ALIGNED.bytes();"));
    let start = r.find("Aligned([").expect("array");
    assert_eq!(hex_literals(&r[start..]), model);

    // Samples: the first 7 rows' features as little-endian f32, the label column left out.
    let text = std::fs::read_to_string(&csv).expect("csv");
    let expected: Vec<u8> = text
        .lines()
        .skip(1)
        .take(7)
        .flat_map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            cells[..cells.len() - 1]
                .iter()
                .flat_map(|c| c.parse::<f32>().expect("number").to_le_bytes())
                .collect::<Vec<u8>>()
        })
        .collect();
    assert_eq!(std::fs::read(&samples).expect("samples"), expected);

    // Bad input: no output asked for, a bad name, a file that is not a model; nothing
    // written.
    let refused = dir.path().join("refused.h");
    for args in [
        vec!["export", path(&model_path)],
        vec![
            "export",
            path(&model_path),
            "--c-header",
            path(&refused),
            "--name",
            "2x",
        ],
        vec!["export", path(&csv), "--c-header", path(&refused)],
        vec!["export", path(&model_path), "--samples", path(&csv)],
    ] {
        let out = bottleneck(&args);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
        assert!(!refused.exists());
    }
}

/// `bottleneck device` without a board: a missing port and a bad timeout are named, with
/// exit status 1 (the checks against emulated boards are in tests/tests/device_link.rs).
#[test]
fn device_names_a_missing_port_and_bad_settings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("data.csv");
    generate(&csv, THREE_CLASSES);
    let out = dir.path().join("run");
    assert_ok(&train(&csv, &out, &["--epochs", "1"]));
    let model = out.join("model.bin");
    let device = |extra: &[&str]| {
        let mut args = vec!["device", "--model", path(&model), "--data", path(&csv)];
        args.extend(extra);
        bottleneck(&args)
    };
    let missing = device(&["--port", "/dev/no-such-board"]);
    assert_eq!(missing.status.code(), Some(1));
    let text = String::from_utf8_lossy(&missing.stderr);
    assert!(
        text.contains("error: /dev/no-such-board: cannot open the serial port"),
        "{text}"
    );
    let timeout = device(&["--port", "/dev/no-such-board", "--timeout", "0"]);
    assert_eq!(timeout.status.code(), Some(1));
    let text = String::from_utf8_lossy(&timeout.stderr);
    assert!(text.contains("timeout"), "{text}");
    let no_port = device(&[]);
    assert_eq!(no_port.status.code(), Some(2));
}

/// `bottleneck predict … | head -1`: the reader goes away early; the command ends quietly
/// (killed by SIGPIPE, as `cat` is), with no panic message on standard error.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn a_closed_standard_output_ends_a_command_without_a_panic() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("data.csv");
    generate(
        &csv,
        &[
            "--samples",
            "20000",
            "--features",
            "10",
            "--informative",
            "4",
            "--redundant",
            "4",
        ],
    );
    let out = dir.path().join("run");
    assert_ok(&train(&csv, &out, &["--epochs", "1"]));
    let mut child = Command::new(env!("CARGO_BIN_EXE_bottleneck"))
        .args([
            "predict",
            path(&out.join("model.bin")),
            "--data",
            path(&csv),
        ])
        .args(["--label-column", "label"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("predict");
    let mut first = [0u8; 16];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("some output");
    // The pipe's reading end is closed here, as `head` closes it.
    let output = child.wait_with_output().expect("exit");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.signal(), Some(13), "{:?}", output.status);
}
