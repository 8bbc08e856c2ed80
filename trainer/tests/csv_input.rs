//! CSV input: parsing, labels, round trips, and every kind of bad input with the file,
//! row and column named.

use std::path::{Path, PathBuf};

use bottleneck_trainer::TrainError;
use bottleneck_trainer::data::{
    ClassificationRecipe, UnseenLabels, read_csv, read_csv_with_labels, write_csv,
};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path
}

fn err(dir: &Path, text: &str) -> (PathBuf, TrainError) {
    let path = write(dir, "bad.csv", text);
    let e = read_csv(&path, "label").expect_err("bad input must be refused");
    (path, e)
}

#[test]
fn text_and_integer_labels_keep_their_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "t.csv",
        "a,label,b\n1,cat,2\n3,dog,4\n5,cat,6.5\n",
    );
    let d = read_csv(&path, "label").expect("valid");
    assert_eq!(d.feature_names, ["a", "b"]);
    assert_eq!(d.labels, ["cat", "dog"]);
    assert_eq!(d.targets, [0, 1, 0]);
    assert_eq!(d.features[[2, 1]], 6.5);

    // Integer labels sort numerically, as scikit-learn's do: 2 before 10.
    let path = write(dir.path(), "n.csv", "x,y\n0.5,10\n0.25,2\n1,10\n");
    let d = read_csv(&path, "y").expect("valid");
    assert_eq!(d.labels, ["2", "10"]);
    assert_eq!(d.targets, [1, 0, 1]);
}

#[test]
fn generated_data_round_trips_through_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = ClassificationRecipe {
        n_samples: 50,
        n_features: 8,
        n_informative: 3,
        n_redundant: 2,
        n_classes: 3,
        n_clusters_per_class: 1,
        ..ClassificationRecipe::default()
    }
    .generate()
    .expect("valid");
    let path = dir.path().join("gen.csv");
    write_csv(&data, &path).expect("written");
    let back = read_csv(&path, "label").expect("readable");
    assert_eq!(back.features, data.features);
    assert_eq!(back.targets, data.targets);
    assert_eq!(back.labels, data.labels);
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, e) = err(dir.path(), "");
    assert!(matches!(e, TrainError::EmptyFile { .. }), "{e:?}");
    assert!(e.to_string().contains(&path.display().to_string()));
    let (_, e) = err(dir.path(), "a,label\n");
    assert!(e.to_string().contains("no data rows"), "{e}");
}

#[test]
fn unknown_label_column_lists_the_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "t.csv", "a,b,class\n1,2,x\n");
    let e = read_csv(&path, "label").expect_err("no such column");
    let text = e.to_string();
    assert!(
        text.contains("\"label\"") && text.contains("a, b, class"),
        "{text}"
    );
}

#[test]
fn ragged_rows_name_the_row_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, e) = err(dir.path(), "a,b,label\n1,2,x\n3,4,y\n5,x\n");
    let text = e.to_string();
    assert!(matches!(
        e,
        TrainError::RaggedRow {
            row: 3,
            line: 4,
            found: 2,
            expected: 3,
            ..
        }
    ));
    assert!(text.starts_with(&path.display().to_string()), "{text}");
}

#[test]
fn bad_cells_name_file_row_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (cell, problem) in [
        ("abc", "not a number"),
        ("NaN", "NaN"),
        ("inf", "infinite"),
        ("1e99", "infinite"),
        ("", "not a number"),
    ] {
        let (path, e) = err(dir.path(), &format!("a,b,label\n1,2,x\n3,{cell},y\n"));
        let text = e.to_string();
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains("row 2") && text.contains("line 3"), "{text}");
        assert!(text.contains("column \"b\""), "{text}");
        assert!(text.contains(problem), "{cell}: {text}");
    }
    let (_, e) = err(dir.path(), "a,label\n1,x\n2, \n");
    assert!(e.to_string().contains("empty label"), "{e}");
}

#[test]
fn header_without_features() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, e) = err(dir.path(), "label\nx\n");
    assert!(e.to_string().contains("no feature column"), "{e}");
}

#[test]
fn missing_file_is_named() {
    let e = read_csv(Path::new("/nonexistent/data.csv"), "label").expect_err("missing");
    assert!(
        e.to_string()
            .starts_with("/nonexistent/data.csv: cannot read"),
        "{e}"
    );
}

#[test]
fn test_file_must_match_the_training_columns_and_labels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let train = read_csv(
        &write(dir.path(), "train.csv", "a,b,label\n1,2,x\n3,4,y\n"),
        "label",
    )
    .expect("valid");
    let other_cols = write(dir.path(), "t1.csv", "a,c,label\n1,2,x\n");
    let e = read_csv_with_labels(&other_cols, "label", &train, UnseenLabels::Refuse)
        .expect_err("columns differ");
    assert!(e.to_string().contains("feature columns differ"), "{e}");
    let new_label = write(dir.path(), "t2.csv", "a,b,label\n1,2,x\n1,2,z\n");
    let e = read_csv_with_labels(&new_label, "label", &train, UnseenLabels::Refuse)
        .expect_err("unknown label");
    assert!(
        e.to_string().contains("row 2 (line 3) has label \"z\""),
        "{e}"
    );
    // An anomaly detector keeps it as a new class after the training data's.
    let kept = read_csv_with_labels(&new_label, "label", &train, UnseenLabels::Keep).expect("kept");
    assert_eq!(kept.labels, ["x", "y", "z"]);
    assert_eq!(kept.targets, [0, 2]);
}
