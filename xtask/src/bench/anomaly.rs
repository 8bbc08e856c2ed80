//! Anomaly detection on public data (issue 25): Bottleneck's int8 AUC beside a PyTorch
//! autoencoder, an isolation forest and PCA fitted on the very same rows, and what each
//! lever the issue names (input headroom, a per-feature weighted error, epochs, widths,
//! early stopping) does to it.
//!
//! Each data set is relabelled `normal` / `anomaly` and split by the trainer's
//! `train_test_split` (scikit-learn's, 25 % test) for every seed; the two files are written
//! out, so `bottleneck train --task anomaly --data <train> --test-data <test>
//! --label-column label --normal-label normal --seed <s>` reproduces a row, and the Python
//! baselines (`scripts/anomaly_baselines.py`) read the same files.

use std::path::{Path, PathBuf};

use bottleneck_trainer::data::{Dataset, read_csv, train_test_split, write_csv};
use bottleneck_trainer::pipeline::{Pipeline, RunConfig, Task};

use super::anomaly_levers::{Lever, LeverScores, measure_levers};
use super::anomaly_references::{References, spawn_references};

/// Training seeds in the tables: 1 to `SEEDS`.
pub const SEEDS: u64 = 10;

/// The seeds the issue's reference figures were measured on: 1 to `ISSUE_SEEDS`.
pub const ISSUE_SEEDS: u64 = 3;

/// Fraction of each data set's rows held out for testing.
pub const TEST_FRACTION: f64 = 0.25;

/// A public data set and which of its labels are normal.
#[derive(Debug, Clone, Copy)]
pub struct DataSet {
    /// Its name in the tables.
    pub name: &'static str,
    /// The CSV, relative to the xtask crate.
    pub file: &'static str,
    /// Its label column.
    pub label_column: &'static str,
    /// The labels of normal rows; every other label is an anomaly.
    pub normal: &'static [&'static str],
    /// What it is, for the report.
    pub about: &'static str,
}

/// The data sets of the table (`xtask/data/README.md` says where they come from).
pub const DATA_SETS: [DataSet; 2] = [
    DataSet {
        name: "breast cancer",
        file: "data/breast_cancer.csv",
        label_column: "diagnosis",
        normal: &["benign"],
        about: "Wisconsin diagnostic breast cancer, 569 rows of 30 features; benign rows \
                are normal, malignant ones the anomalies",
    },
    DataSet {
        name: "digits",
        file: "data/digits.csv",
        label_column: "digit",
        normal: &["0", "1", "2", "3", "4"],
        about: "scikit-learn's 8x8 handwritten digits, 1797 rows of 64 pixels; digits 0-4 \
                are normal, 5-9 the anomalies",
    },
];

/// `data` with two labels, `normal` (class 0) and `anomaly` (class 1).
pub fn relabel(data: Dataset, normal: &[&str]) -> Dataset {
    let is_normal: Vec<bool> = data
        .labels
        .iter()
        .map(|l| normal.contains(&l.as_str()))
        .collect();
    Dataset {
        targets: data
            .targets
            .iter()
            .map(|&t| usize::from(!is_normal[t]))
            .collect(),
        labels: vec!["normal".to_string(), "anomaly".to_string()],
        ..data
    }
}

/// One seed's split of a data set, as files.
#[derive(Debug, Clone)]
pub struct SplitFiles {
    /// Training rows, normal and anomalous (the trainer keeps the normal ones).
    pub train: PathBuf,
    /// Test rows.
    pub test: PathBuf,
    /// The training rows themselves.
    pub train_rows: Dataset,
    /// Normal and anomalous test rows.
    pub test_counts: (usize, usize),
}

/// Writes `set`'s split for `seed` into `dir`.
pub fn write_split(set: &DataSet, seed: u64, dir: &Path) -> Result<SplitFiles, String> {
    let path = crate::workspace_root().join("xtask").join(set.file);
    let data = relabel(
        read_csv(&path, set.label_column).map_err(|e| e.to_string())?,
        set.normal,
    );
    let (train, test) = train_test_split(data, TEST_FRACTION, seed).map_err(|e| e.to_string())?;
    let stem = set.name.replace(' ', "_");
    let files = SplitFiles {
        train: dir.join(format!("{stem}_{seed}_train.csv")),
        test: dir.join(format!("{stem}_{seed}_test.csv")),
        test_counts: {
            let counts = test.class_counts();
            (counts[0], counts[1])
        },
        train_rows: train.clone(),
    };
    write_csv(&train, &files.train).map_err(|e| e.to_string())?;
    write_csv(&test, &files.test).map_err(|e| e.to_string())?;
    Ok(files)
}

/// The trainer's settings for a split: `--task anomaly --label-column label
/// --normal-label normal --seed <seed>`, everything else default.
pub fn config(train: &Path, test: &Path, seed: u64) -> RunConfig {
    RunConfig {
        data: bottleneck_trainer::pipeline::DataSource::Csv {
            path: train.to_path_buf(),
            label_column: Some("label".into()),
            test_path: Some(test.to_path_buf()),
        },
        seed,
        task: Task::Anomaly,
        normal_label: Some("normal".into()),
        ..RunConfig::default()
    }
}

/// What one model file measured on one split.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    /// AUC of the float autoencoder.
    pub float_auc: f64,
    /// AUC of the model file's integers (the device's scores).
    pub int8_auc: f64,
    /// Spearman correlation of int8 and float scores.
    pub spearman: f64,
    /// Pearson correlation of int8 and float scores.
    pub pearson: f64,
}

/// Trains and exports `config` as `bottleneck train` does; the pipeline and its scores.
pub fn train(config: RunConfig) -> Result<(Pipeline, Scores), String> {
    let mut pipeline = Pipeline::run(config, |_| {}).map_err(|e| e.to_string())?;
    pipeline.export().map_err(|e| e.to_string())?;
    let a = pipeline
        .report
        .anomaly
        .clone()
        .ok_or("the report has no anomaly metrics")?;
    let scores = Scores {
        float_auc: a.auc_float.ok_or("float AUC undefined")?,
        int8_auc: a.auc_int8.ok_or("int8 AUC undefined")?,
        spearman: a.score_spearman.ok_or("no Spearman correlation")?,
        pearson: a.score_pearson.ok_or("no Pearson correlation")?,
    };
    Ok((pipeline, scores))
}

/// One data set's measurements, per seed `1 + index`.
#[derive(Debug, Clone)]
pub struct DataSetRun {
    /// The data set.
    pub set: DataSet,
    /// The autoencoder's widths, input to bottleneck.
    pub widths: Vec<usize>,
    /// Normal training rows, normal test rows, anomalous test rows (seed 1).
    pub rows: (usize, usize, usize),
    /// The default model file per seed.
    pub default: Vec<Scores>,
    /// Each lever's int8 AUC per seed.
    pub levers: Vec<(Lever, Vec<LeverScores>)>,
    /// The Python baselines, or why they did not run.
    pub references: Result<References, String>,
}

/// Runs every data set: ours and the levers on this thread, the Python baselines in a
/// child process beside it. The split files go to `keep` (created if needed), else to a
/// temporary directory.
pub fn run(keep: Option<&Path>) -> Result<Vec<DataSetRun>, String> {
    let temporary = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = match keep {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            dir
        }
        None => temporary.path(),
    };
    let mut splits = Vec::new();
    for set in &DATA_SETS {
        let files = (1..=SEEDS)
            .map(|seed| write_split(set, seed, dir))
            .collect::<Result<Vec<_>, _>>()?;
        splits.push((*set, files));
    }
    let mut children = Vec::new();
    for (_, files) in &splits {
        let n = files[0].train_rows.n_features();
        let b = bottleneck_trainer::pipeline::default_bottleneck(n);
        children.push(spawn_references(files, b));
    }
    let mut runs = Vec::new();
    for ((set, files), child) in splits.iter().zip(children) {
        eprintln!(
            "  {}: the model file and the levers, seeds 1-{SEEDS}...",
            set.name
        );
        let mut default = Vec::new();
        let mut levers: Vec<(Lever, Vec<LeverScores>)> = Vec::new();
        let mut widths = Vec::new();
        for (seed, f) in (1..=SEEDS).zip(files) {
            let (pipeline, scores) = train(config(&f.train, &f.test, seed))?;
            widths = pipeline.report.autoencoder.encoder_widths.clone();
            default.push(scores);
            for (lever, s) in measure_levers(&pipeline, f, seed, dir)? {
                match levers.iter_mut().find(|(l, _)| *l == lever) {
                    Some((_, all)) => all.push(s),
                    None => levers.push((lever, vec![s])),
                }
            }
        }
        let normal_train = files[0].train_rows.class_counts()[0];
        runs.push(DataSetRun {
            set: *set,
            widths,
            rows: (normal_train, files[0].test_counts.0, files[0].test_counts.1),
            default,
            levers,
            references: child.and_then(|c| c.wait()),
        });
    }
    Ok(runs)
}

/// The mean of the first `n` values.
pub fn mean_of_first(values: impl Iterator<Item = f64>, n: u64) -> f64 {
    let taken: Vec<f64> = values.take(n as usize).collect();
    taken.iter().sum::<f64>() / taken.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relabelling_keeps_the_rows_and_names_every_other_label_an_anomaly() {
        let data = Dataset {
            source: "t".into(),
            feature_names: vec!["x".into()],
            features: ndarray::arr2(&[[1.0], [2.0], [3.0], [4.0]]),
            targets: vec![0, 1, 2, 1],
            labels: vec!["7".into(), "0".into(), "4".into()],
        };
        let r = relabel(data.clone(), &["0", "4"]);
        assert_eq!(r.targets, [1, 0, 0, 0]);
        assert_eq!(r.labels, ["normal", "anomaly"]);
        assert_eq!(r.features, data.features);
    }

    /// The digits file is scikit-learn's `load_digits()`: 1797 rows, 64 pixels, classes
    /// 0-4 (901 rows) normal.
    #[test]
    fn digits_file_has_scikit_learns_rows() {
        let set = DATA_SETS[1];
        let path = crate::workspace_root().join("xtask").join(set.file);
        let data = relabel(
            read_csv(&path, set.label_column).expect("digits"),
            set.normal,
        );
        assert_eq!((data.n_rows(), data.n_features()), (1797, 64));
        assert_eq!(data.class_counts(), [901, 896]);
    }
}
