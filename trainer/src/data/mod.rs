//! Data sets: the built-in generator, CSV input and output, and the train/test split.

mod csv_io;
mod generate;
mod machine_audio;
mod machine_sound;
pub mod numpy_random;
mod split;
mod vibration;
mod wav;

pub use csv_io::{
    UnseenLabels, parse_csv, read_csv, read_csv_with_labels, read_features, read_header, write_csv,
    write_csv_exact,
};
pub use generate::{ClassificationRecipe, numpy_seed};
pub use machine_audio::{Clip, MachineAudioRecipe};
pub use machine_sound::MachineSoundRecipe;
pub use split::train_test_split;
pub use vibration::VibrationRecipe;
pub use wav::{Wav, read_wav, write_wav};

use ndarray::Array2;

/// The label an unlabelled data set's rows get.
pub const UNLABELLED: &str = "(unlabelled)";

/// A labelled table: one row per sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Where the data came from (a path or the generator's name), for messages.
    pub source: String,
    /// Names of the feature columns.
    pub feature_names: Vec<String>,
    /// `rows × features`.
    pub features: Array2<f32>,
    /// Class index of each row, into `labels`.
    pub targets: Vec<usize>,
    /// The original label of each class, in class order.
    pub labels: Vec<String>,
}

impl Dataset {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.features.nrows()
    }

    /// Number of feature columns.
    pub fn n_features(&self) -> usize {
        self.features.ncols()
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.labels.len()
    }

    /// Rows per class, in class order.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.labels.len()];
        for &t in &self.targets {
            counts[t] += 1;
        }
        counts
    }

    /// Rows handed over in memory: `labels` holds each row's label as text, and the
    /// classes are ordered as a CSV file's are (numerically when every label is an
    /// integer), so the same rows give the same class indices either way. `classes`
    /// fixes the class order instead (test rows take the training rows' classes); a
    /// label outside it is an error naming the row.
    pub fn from_rows(
        source: &str,
        feature_names: Vec<String>,
        features: Array2<f32>,
        labels: &[String],
        classes: Option<&[String]>,
    ) -> crate::Result<Dataset> {
        let invalid = |problem: String| crate::TrainError::InvalidSetting {
            flag: "X",
            problem: format!("{source}: {problem}"),
        };
        if labels.len() != features.nrows() {
            return Err(invalid(format!(
                "{} rows but {} labels",
                features.nrows(),
                labels.len()
            )));
        }
        if feature_names.len() != features.ncols() {
            return Err(invalid(format!(
                "{} columns but {} column names",
                features.ncols(),
                feature_names.len()
            )));
        }
        if let Some(((row, column), v)) = features.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(invalid(format!(
                "row {row}, column {column} ({:?}) is {v}; every value must be finite",
                feature_names[column]
            )));
        }
        let classes: Vec<String> = match classes {
            Some(classes) => classes.to_vec(),
            None => {
                let unique: std::collections::BTreeSet<&String> = labels.iter().collect();
                let mut classes: Vec<String> = unique.into_iter().cloned().collect();
                sort_labels(&mut classes);
                classes
            }
        };
        let mut targets = Vec::with_capacity(labels.len());
        for (row, label) in labels.iter().enumerate() {
            let Some(class) = classes.iter().position(|c| c == label) else {
                return Err(crate::TrainError::InvalidSetting {
                    flag: "y",
                    problem: format!(
                        "{source}: row {row} has label {label:?}, which the training rows do not have"
                    ),
                });
            };
            targets.push(class);
        }
        Ok(Dataset {
            source: source.to_string(),
            feature_names,
            features,
            targets,
            labels: classes,
        })
    }

    /// The rows at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Dataset {
        Dataset {
            source: self.source.clone(),
            feature_names: self.feature_names.clone(),
            features: self.features.select(ndarray::Axis(0), indices),
            targets: indices.iter().map(|&i| self.targets[i]).collect(),
            labels: self.labels.clone(),
        }
    }
}

/// Orders class labels as scikit-learn does: numerically when every label is an integer,
/// otherwise as strings.
pub(crate) fn sort_labels(labels: &mut [String]) {
    let all_integers = labels.iter().all(|l| l.trim().parse::<i64>().is_ok());
    if all_integers {
        labels.sort_by_key(|l| l.trim().parse::<i64>().unwrap_or(0));
    } else {
        labels.sort();
    }
}
