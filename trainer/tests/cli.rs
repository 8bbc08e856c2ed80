//! The `bottleneck` binary: artefacts on success; on bad input a clear message, a
//! non-zero exit and no artefacts at all.

use std::path::Path;
use std::process::Command;

fn bottleneck(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_bottleneck"))
        .args(args)
        .output()
        .expect("run bottleneck")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

#[test]
fn generate_then_train_on_csv_writes_every_artefact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("data.csv");
    let out = bottleneck(&[
        "generate",
        "--out",
        path(&csv),
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
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let artifacts = dir.path().join("artifacts");
    let out = bottleneck(&[
        "train",
        "--data",
        path(&csv),
        "--label-column",
        "label",
        "--epochs",
        "3",
        "--hidden",
        "12,8",
        "--bottleneck",
        "4",
        "--out",
        path(&artifacts),
        "-q",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
    ];
    for (name, text, extra, message) in cases {
        let csv = dir.path().join(name);
        std::fs::write(&csv, text).expect("write");
        let out_dir = dir.path().join(format!("out-{name}"));
        let mut args = vec![
            "train",
            "--data",
            path(&csv),
            "--label-column",
            "label",
            "--epochs",
            "1",
            "--out",
            path(&out_dir),
            "-q",
        ];
        args.extend(extra);
        let out = bottleneck(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name}: succeeded");
        assert!(stderr.contains(message), "{name}: {stderr}");
        assert!(
            !out_dir.exists(),
            "{name}: artefacts written despite the error"
        );
    }
}
