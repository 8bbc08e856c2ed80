//! The float pipeline: data -> split -> scaler -> autoencoder -> logistic regressions.
//!
//! Everything is computed in memory; [`Pipeline::write_artifacts`] writes the results only
//! once every step has succeeded, each file atomically.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use serde::{Deserialize, Serialize};

use crate::artifacts::write_all_atomically;
use crate::classifier::{LinearClassifier, ScaledRows};
use crate::data::{
    ClassificationRecipe, Dataset, UnseenLabels, read_csv, read_csv_with_labels, read_features,
    read_header, train_test_split,
};
use crate::error::{Result, TrainError};
use crate::model::{Activation, Autoencoder, AutoencoderConfig, BottleneckActivation};
use crate::plot::{learning_curves_png, repeats_png, score_histogram_png};
use crate::quant::{
    Detector, ExportInputs, ExportedModel, Threshold, export_model, fold_decoder, fold_encoder,
};
use crate::report::{Accuracies, AutoencoderSummary, ClassCount, DataSummary, Report};
use crate::scaler::MinMaxScaler;
use crate::training::{Engine, EpochStats, History, TrainingConfig, encode, train_autoencoder};

/// Where the training data comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataSource {
    /// The built-in synthetic problem.
    Builtin(ClassificationRecipe),
    /// Raw signals through a front end (`train --signal`): a folder of WAV files or a
    /// time-series CSV; rows are the float front end's stacked windows.
    Signal(crate::signal::SignalSource),
    /// Rows handed over in memory by a program (the Python package, through
    /// [`crate::fit`]); `name` says where they came from in messages and the report.
    Arrays {
        /// What the rows are, for messages.
        name: String,
    },
    /// A CSV file with a header row.
    Csv {
        /// The file.
        path: PathBuf,
        /// The column holding the labels; `None`: unlabelled data (anomaly detection,
        /// every row normal).
        label_column: Option<String>,
        /// An explicit test file instead of a random split.
        test_path: Option<PathBuf>,
    },
}

/// Every setting that determines a run's results; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// The data.
    pub data: DataSource,
    /// Fraction of rows held out when no test file is given.
    pub test_fraction: f64,
    /// Bottleneck width; `None` means round(features / 2).
    pub bottleneck: Option<usize>,
    /// Encoder hidden widths; `None` means `[2n, n]` for n features.
    pub hidden: Option<Vec<usize>>,
    /// Training epochs.
    pub epochs: usize,
    /// Batch size.
    pub batch_size: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Seed for the split, the initialisation and the shuffling.
    pub seed: u64,
    /// Activation of the hidden layers.
    #[serde(default)]
    pub activation: Activation,
    /// What follows the bottleneck's Dense layer.
    #[serde(default)]
    pub bottleneck_activation: BottleneckActivation,
    /// What the model file ships.
    #[serde(default)]
    pub task: Task,
    /// The anomaly threshold (tasks with a decoder).
    #[serde(default = "default_threshold")]
    pub threshold: Threshold,
    /// The label of normal rows: the autoencoder trains and calibrates on them only, and
    /// test rows with any other label count as anomalies. `None`: every row is normal.
    #[serde(default)]
    pub normal_label: Option<String>,
    /// The seed of the initialisation and the shuffling when it differs from `seed`
    /// (`--repeats`: the data and split keep `seed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_seed: Option<u64>,
    /// How the autoencoder's gradient steps are computed.
    #[serde(default)]
    pub engine: Engine,
}

/// What the model file ships.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Encoder and classifier head (the tutorial).
    #[default]
    Classify,
    /// Encoder, decoder and anomaly section: reconstruction error against a threshold.
    Anomaly,
    /// Encoder, classifier head, decoder and anomaly section in one file.
    Both,
}

impl Task {
    /// Whether the file gets a classifier head.
    pub fn classifies(self) -> bool {
        self != Task::Anomaly
    }

    /// Whether the file gets a decoder and an anomaly section.
    pub fn detects(self) -> bool {
        self != Task::Classify
    }
}

fn default_threshold() -> Threshold {
    Threshold::Quantile(0.99)
}

impl Default for RunConfig {
    /// The tutorial: built-in problem, 33 % test split, bottleneck n/2, 200 epochs of 16.
    fn default() -> Self {
        RunConfig {
            data: DataSource::Builtin(ClassificationRecipe::default()),
            test_fraction: 0.33,
            bottleneck: None,
            hidden: None,
            epochs: 200,
            batch_size: 16,
            learning_rate: 1e-3,
            seed: 1,
            activation: Activation::LeakyRelu,
            bottleneck_activation: BottleneckActivation::Linear,
            task: Task::Classify,
            threshold: default_threshold(),
            normal_label: None,
            training_seed: None,
            engine: Engine::Fused,
        }
    }
}

/// The fitted float pipeline and its report.
#[derive(Debug)]
pub struct Pipeline {
    /// The settings used.
    pub config: RunConfig,
    /// The training configuration derived from them.
    pub training: TrainingConfig,
    /// Training rows (unscaled).
    pub train: Dataset,
    /// With `--normal-label`, its class and the training rows of that class, which the
    /// autoencoder learns and the threshold is calibrated on ([`Pipeline::normal_train`]);
    /// `None`: every training row is normal.
    pub normal: Option<(usize, Dataset)>,
    /// Test rows (unscaled).
    pub test: Dataset,
    /// Scaler fitted on the training rows.
    pub scaler: MinMaxScaler,
    /// The trained autoencoder (inference mode).
    pub autoencoder: Autoencoder,
    /// Loss per epoch.
    pub history: History,
    /// Logistic regression on scaled raw features (tasks with a classifier).
    pub raw_classifier: Option<LinearClassifier>,
    /// Logistic regression on float bottleneck features (tasks with a classifier).
    pub bottleneck_classifier: Option<LinearClassifier>,
    /// The report.
    pub report: Report,
}

pub use crate::data::UNLABELLED;

/// A data set without a label column: every row normal.
fn unlabelled(path: &std::path::Path) -> Result<Dataset> {
    let (feature_names, features) = read_features(path, None)?;
    Ok(Dataset {
        source: path.display().to_string(),
        feature_names,
        targets: vec![0; features.nrows()],
        features,
        labels: vec![UNLABELLED.to_string()],
    })
}

/// A labelled test file for unlabelled training rows: its labels are its own, its
/// feature columns must be the training data's.
fn labelled_test(path: &Path, label_column: &str, train: &Dataset) -> Result<Dataset> {
    let test = read_csv(path, label_column)?;
    if test.feature_names != train.feature_names {
        return Err(TrainError::TestDataMismatch {
            path: path.to_path_buf(),
            problem: format!(
                "feature columns besides the label column {label_column:?} differ from the \
                 training data's"
            ),
        });
    }
    Ok(test)
}

/// The test file of unlabelled training data: unlabelled too when it has the same
/// columns; labelled when it has exactly one column more, which is then the label column
/// (a label column only the test file has).
fn test_for_unlabelled(path: &Path, train: &Dataset) -> Result<Dataset> {
    let header = read_header(path)?;
    let extra: Vec<&String> = header
        .iter()
        .filter(|h| !train.feature_names.contains(h))
        .collect();
    match extra.as_slice() {
        [] => {
            let test = unlabelled(path)?;
            if test.feature_names != train.feature_names {
                return Err(TrainError::TestDataMismatch {
                    path: path.to_path_buf(),
                    problem: "feature columns differ from the training data".into(),
                });
            }
            Ok(test)
        }
        [label_column] => labelled_test(path, label_column, train),
        more => Err(TrainError::TestDataMismatch {
            path: path.to_path_buf(),
            problem: format!(
                "columns {} are not in the training data; a test file may add one label \
                 column (--label-column names it)",
                more.iter()
                    .map(|c| format!("{c:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

fn load(config: &RunConfig) -> Result<(Dataset, Dataset)> {
    // An anomaly detector's test rows may carry labels its training rows lack: every
    // label but the normal one is an anomaly. A classifier cannot score a class it never
    // saw.
    let unseen = if config.task.detects() {
        UnseenLabels::Keep
    } else {
        UnseenLabels::Refuse
    };
    let (data, explicit_test) = match &config.data {
        DataSource::Arrays { name } => {
            return Err(TrainError::InvalidSetting {
                flag: "data",
                problem: format!("{name}: in-memory rows are given to the trainer with its rows"),
            });
        }
        DataSource::Builtin(recipe) => (recipe.generate()?, None),
        DataSource::Signal(source) => {
            let (train, test) = source
                .read(config.seed, config.test_fraction)?
                .windows(&source.path);
            (train.dataset, Some(test.dataset))
        }
        DataSource::Csv {
            path,
            label_column: Some(label_column),
            test_path: Some(t),
        } if config.task.detects() && !read_header(path)?.iter().any(|h| h == label_column) => {
            // The label column is the test file's only: the training rows are unlabelled.
            let data = unlabelled(path)?;
            let test = labelled_test(t, label_column, &data)?;
            (data, Some(test))
        }
        DataSource::Csv {
            path,
            label_column: Some(label_column),
            test_path,
        } => {
            let data = read_csv(path, label_column)?;
            let test = match test_path {
                Some(t) => Some(read_csv_with_labels(t, label_column, &data, unseen)?),
                None => None,
            };
            (data, test)
        }
        DataSource::Csv {
            path,
            label_column: None,
            test_path,
        } => {
            let data = unlabelled(path)?;
            let test = match test_path {
                Some(t) => Some(test_for_unlabelled(t, &data)?),
                None => None,
            };
            (data, test)
        }
    };
    match explicit_test {
        Some(test) => {
            if data.n_rows() < 2 {
                return Err(TrainError::TooFewRows {
                    source_name: data.source.clone(),
                    rows: data.n_rows(),
                    needed: "training needs at least 2 rows".into(),
                });
            }
            Ok((data, test))
        }
        None => train_test_split(data, config.test_fraction, config.seed),
    }
}

/// The class index of `--normal-label` in `train`, checked against the task and the
/// test rows' labels; `None` when every training row is normal.
fn normal_class(config: &RunConfig, train: &Dataset, test: &Dataset) -> Result<Option<usize>> {
    let unlabelled_train = train.labels == [UNLABELLED];
    let labelled_test = test.labels != [UNLABELLED];
    let Some(label) = &config.normal_label else {
        if unlabelled_train && labelled_test {
            return Err(TrainError::InvalidSetting {
                flag: "normal-label",
                problem: format!(
                    "the test rows of {} are labelled ({}) but the training rows are not: \
                     give --normal-label to say which test label is normal",
                    test.source,
                    test.labels.join(", ")
                ),
            });
        }
        return Ok(None);
    };
    if !config.task.detects() {
        return Err(TrainError::InvalidSetting {
            flag: "normal-label",
            problem: "only --task anomaly or both detect anomalies".into(),
        });
    }
    if unlabelled_train {
        if !labelled_test {
            return Err(TrainError::InvalidSetting {
                flag: "normal-label",
                problem: "needs --label-column to know each row's label".into(),
            });
        }
        // Every training row is normal; the label names the test rows that are.
        if !test.labels.iter().any(|l| l == label) {
            return Err(TrainError::InvalidSetting {
                flag: "normal-label",
                problem: format!(
                    "{label:?} names no test row of {} (labels: {})",
                    test.source,
                    test.labels.join(", ")
                ),
            });
        }
        return Ok(None);
    }
    match train.labels.iter().position(|l| l == label) {
        Some(k) => Ok(Some(k)),
        None => Err(TrainError::InvalidSetting {
            flag: "normal-label",
            problem: format!(
                "{label:?} names no training row of {} (labels: {})",
                train.source,
                train.labels.join(", ")
            ),
        }),
    }
}

/// Which rows of `data` are anomalies: with a normal label, those whose label is another
/// (by name, so it holds for test labels the training rows lack); without one, every
/// training row was normal, and the anomalies are the rows whose label is not one of the
/// first `seen` (the training data's labels; test labels it lacks come after them).
pub fn anomalous_rows(data: &Dataset, normal: Option<&str>, seen: usize) -> Vec<bool> {
    data.targets
        .iter()
        .map(|&t| match normal {
            Some(n) => data.labels.get(t).is_some_and(|l| l != n),
            None => t >= seen,
        })
        .collect()
}

/// The rows of `test` whose label is one of the first `n_classes` (the classes a
/// classifier was fitted on), and how many were left out.
pub fn known_rows(test: &Dataset, n_classes: usize) -> (std::borrow::Cow<'_, Dataset>, usize) {
    let known: Vec<usize> = (0..test.n_rows())
        .filter(|&i| test.targets[i] < n_classes)
        .collect();
    let left_out = test.n_rows() - known.len();
    if left_out == 0 {
        (std::borrow::Cow::Borrowed(test), 0)
    } else {
        (std::borrow::Cow::Owned(test.select(&known)), left_out)
    }
}

/// The tutorial's default bottleneck width, Python's `round(n_inputs / 2)`: halves round
/// to even (13 inputs give 6, 11 give 6), never below one.
pub fn default_bottleneck(n_inputs: usize) -> usize {
    ((n_inputs as f64) / 2.0).round_ties_even().max(1.0) as usize
}

fn training_config(config: &RunConfig, n_inputs: usize) -> Result<TrainingConfig> {
    let bottleneck = config
        .bottleneck
        .unwrap_or_else(|| default_bottleneck(n_inputs));
    if bottleneck == 0 || bottleneck > n_inputs {
        return Err(TrainError::InvalidSetting {
            flag: "bottleneck",
            problem: format!("{bottleneck} must be between 1 and the input width {n_inputs}"),
        });
    }
    let hidden = config
        .hidden
        .clone()
        .unwrap_or_else(|| vec![2 * n_inputs, n_inputs]);
    if hidden.contains(&0) {
        return Err(TrainError::InvalidSetting {
            flag: "hidden",
            problem: "every hidden width must be at least 1".into(),
        });
    }
    // The model file's limits, checked before training rather than at export.
    let limit = bottleneck_format::MAX_WIDTH;
    for (flag, width) in std::iter::once(("data", n_inputs))
        .chain(hidden.iter().map(|&w| ("hidden", w)))
        .chain([("bottleneck", bottleneck)])
    {
        if width > limit {
            let what = if flag == "data" {
                format!("{width} input features")
            } else {
                format!("a layer {width} wide")
            };
            return Err(TrainError::InvalidSetting {
                flag,
                problem: format!("{what}: the model file allows at most {limit}"),
            });
        }
    }
    // The decoder mirrors the hidden layers and ends with the output layer.
    let (layers, what) = match config.task {
        Task::Classify => (hidden.len() + 1, "encoder layers"),
        Task::Anomaly | Task::Both => (2 * (hidden.len() + 1), "encoder and decoder layers"),
    };
    if layers > bottleneck_format::MAX_LAYERS {
        return Err(TrainError::InvalidSetting {
            flag: "hidden",
            problem: format!(
                "{} hidden layers and the bottleneck make {layers} {what}; the model file holds at most {}",
                hidden.len(),
                bottleneck_format::MAX_LAYERS
            ),
        });
    }
    match config.threshold {
        Threshold::Quantile(q) if !(q > 0.0 && q <= 1.0) => {
            return Err(TrainError::InvalidSetting {
                flag: "threshold-quantile",
                problem: format!("{q} must lie in (0, 1]"),
            });
        }
        Threshold::Value(v) if !(v.is_finite() && v >= 0.0) => {
            return Err(TrainError::InvalidSetting {
                flag: "threshold",
                problem: format!("{v} must be a finite mean squared error >= 0"),
            });
        }
        _ => {}
    }
    if config.epochs == 0 {
        return Err(TrainError::InvalidSetting {
            flag: "epochs",
            problem: "must be at least 1".into(),
        });
    }
    Ok(TrainingConfig::new(
        AutoencoderConfig::new(n_inputs, hidden, bottleneck)
            .with_activation(config.activation)
            .with_bottleneck_activation(config.bottleneck_activation),
    )
    .with_epochs(config.epochs)
    .with_batch_size(config.batch_size)
    .with_learning_rate(config.learning_rate)
    .with_seed(config.training_seed.unwrap_or(config.seed))
    .with_engine(config.engine))
}

/// A long phase of `bottleneck train` after the epochs, for progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Fitting the logistic regression on `features` of `rows` training rows.
    Classifier {
        /// Which features.
        features: &'static str,
        /// Training rows.
        rows: usize,
    },
    /// Encoding the training and test rows into bottleneck features.
    Encoding {
        /// Rows encoded.
        rows: usize,
    },
    /// Quantizing to int8: calibration, weight rounding, the reference inference on
    /// every training row and the classifier on the device's features.
    Quantizing {
        /// Training rows.
        rows: usize,
    },
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Phase::Classifier { features, rows } => {
                write!(f, "fitting logistic regression on {features} ({rows} rows)")
            }
            Phase::Encoding { rows } => write!(f, "encoding {rows} rows"),
            Phase::Quantizing { rows } => write!(
                f,
                "quantizing to int8: calibration, rounding, device-path inference on {rows} rows"
            ),
        }
    }
}

impl Pipeline {
    /// Runs the whole float pipeline, reporting each epoch to `progress`.
    pub fn run(config: RunConfig, progress: impl FnMut(EpochStats)) -> Result<Pipeline> {
        Self::run_with_phases(config, progress, |_| {})
    }

    /// [`Pipeline::run`], also announcing each long phase after the epochs to `phase`
    /// (the command line shows it, as it shows the epochs).
    pub fn run_with_phases(
        config: RunConfig,
        progress: impl FnMut(EpochStats),
        phase: impl FnMut(Phase),
    ) -> Result<Pipeline> {
        let start = Instant::now();
        if let (
            true,
            DataSource::Csv {
                label_column: None, ..
            },
        ) = (config.task.classifies(), &config.data)
        {
            return Err(TrainError::InvalidSetting {
                flag: "label-column",
                problem: "a classifier needs the labels; unlabelled data suits --task anomaly"
                    .into(),
            });
        }
        let (train, test) = load(&config)?;
        Self::fit_rows(config, train, test, progress, phase, start)
    }

    /// [`Pipeline::run_with_phases`] on rows already loaded and split (the library
    /// facade, [`crate::fit`]); `start` is when the run began, for the report's total.
    pub fn fit_rows(
        config: RunConfig,
        train: Dataset,
        test: Dataset,
        progress: impl FnMut(EpochStats),
        mut phase: impl FnMut(Phase),
        start: Instant,
    ) -> Result<Pipeline> {
        if config.task.classifies() && train.n_classes() < 2 {
            return Err(TrainError::SingleClass {
                source_name: train.source.clone(),
                label: train.labels.first().cloned().unwrap_or_default(),
            });
        }
        let training = training_config(&config, train.n_features())?;
        let normal = normal_class(&config, &train, &test)?.map(|k| {
            let rows: Vec<usize> = (0..train.n_rows())
                .filter(|&i| train.targets[i] == k)
                .collect();
            (k, train.select(&rows))
        });
        let normal_train = normal.as_ref().map_or(&train, |(_, rows)| rows);
        if normal_train.n_rows() < 2 {
            return Err(TrainError::TooFewRows {
                source_name: train.source.clone(),
                rows: normal_train.n_rows(),
                needed: "the autoencoder needs at least 2 normal training rows".into(),
            });
        }

        // Fitted on the rows the autoencoder learns: what the device will see as normal.
        let scaler = MinMaxScaler::fit(&normal_train.features);
        // The rows as the model sees them, scaled on the fly chunk by chunk: no scaled copy
        // of the data is ever held.
        let x_train = ScaledRows {
            raw: &train.features,
            scaler: &scaler,
        };
        let x_normal = ScaledRows {
            raw: &normal_train.features,
            scaler: &scaler,
        };
        let x_test = ScaledRows {
            raw: &test.features,
            scaler: &scaler,
        };

        let ae_start = Instant::now();
        let (autoencoder, history) = train_autoencoder(&training, x_normal, x_test, progress)?;
        let training_seconds = ae_start.elapsed().as_secs_f64();
        crate::memory::release_free_memory();

        let (raw_classifier, bottleneck_classifier, accuracy) = if config.task.classifies() {
            let n_classes = train.n_classes();
            let rows = train.n_rows();
            phase(Phase::Classifier {
                features: "raw features",
                rows,
            });
            let raw = LinearClassifier::fit(&x_train, &train.targets, n_classes, "raw features")?;
            crate::memory::release_free_memory();
            phase(Phase::Encoding { rows });
            let z_train = encode(&autoencoder.encoder, x_train);
            phase(Phase::Classifier {
                features: "bottleneck features",
                rows,
            });
            let bottleneck =
                LinearClassifier::fit(&z_train, &train.targets, n_classes, "bottleneck features")?;
            drop(z_train);
            crate::memory::release_free_memory();
            // Test rows with a label the classifier never saw (an anomaly detector's test
            // file may have them) count for detection only.
            let (known, unseen_label_rows) = known_rows(&test, n_classes);
            let x_known = ScaledRows {
                raw: &known.features,
                scaler: &scaler,
            };
            let accuracy = Accuracies {
                raw_features: raw.accuracy(&x_known, &known.targets),
                bottleneck_features: bottleneck
                    .accuracy(&encode(&autoencoder.encoder, x_known), &known.targets),
                unseen_label_rows,
            };
            (Some(raw), Some(bottleneck), Some(accuracy))
        } else {
            (None, None, None)
        };

        // Rows per label over both splits, by name: the test rows may have labels the
        // training rows lack.
        let mut balance: Vec<ClassCount> = train
            .labels
            .iter()
            .zip(train.class_counts())
            .map(|(label, rows)| ClassCount {
                label: label.clone(),
                rows,
            })
            .collect();
        for (label, rows) in test.labels.iter().zip(test.class_counts()) {
            match balance.iter_mut().find(|c| &c.label == label) {
                Some(c) => c.rows += rows,
                None if rows > 0 => balance.push(ClassCount {
                    label: label.clone(),
                    rows,
                }),
                None => {}
            }
        }
        let mut encoder_widths = vec![training.autoencoder.n_inputs];
        encoder_widths.extend(&training.autoencoder.hidden);
        encoder_widths.push(training.autoencoder.bottleneck);
        let report = Report {
            data: DataSummary {
                source: train.source.clone(),
                train_rows: train.n_rows(),
                test_rows: test.n_rows(),
                features: train.n_features(),
                class_balance: balance,
            },
            autoencoder: AutoencoderSummary {
                encoder_widths,
                epochs: training.epochs,
                final_train_mse: history.train_loss.last().copied().unwrap_or(f64::NAN),
                final_valid_mse: history.valid_loss.last().copied().unwrap_or(f64::NAN),
                training_seconds,
            },
            accuracy,
            device: None,
            anomaly: None,
            signal: None,
            total_seconds: start.elapsed().as_secs_f64(),
            repeats: None,
        };
        Ok(Pipeline {
            config,
            training,
            train,
            normal,
            test,
            scaler,
            autoencoder,
            history,
            raw_classifier,
            bottleneck_classifier,
            report,
        })
    }

    /// The training rows the autoencoder learns and the threshold is calibrated on: the
    /// normal ones with `--normal-label`, else all of them.
    pub fn normal_train(&self) -> &Dataset {
        self.normal.as_ref().map_or(&self.train, |(_, rows)| rows)
    }

    /// Quantizes the pipeline into a model file and adds the device measurements to the
    /// report.
    pub fn export(&mut self) -> Result<ExportedModel> {
        let layers = fold_encoder(&self.autoencoder.encoder);
        let decoder = fold_decoder(&self.autoencoder.decoder);
        let anomalous = anomalous_rows(
            &self.test,
            self.config.normal_label.as_deref(),
            self.train.n_classes(),
        );
        let (train, normal_train) = if self.config.task.classifies() {
            (&self.train, self.normal.as_ref().map(|(_, rows)| rows))
        } else {
            (self.normal_train(), None)
        };
        let exported = export_model(&ExportInputs {
            layers: &layers,
            scaler: &self.scaler,
            train,
            normal_train,
            test: &self.test,
            float_classifier: self.bottleneck_classifier.as_ref(),
            decoder: self.config.task.detects().then_some(Detector {
                layers: &decoder,
                threshold: self.config.threshold,
                anomalous: &anomalous,
                normal_label: self.config.normal_label.as_deref(),
            }),
        })?;
        let mut exported = exported;
        if let DataSource::Signal(source) = &self.config.data {
            let data = source.read(self.config.seed, self.config.test_fraction)?;
            let (metrics, _) = crate::signal::deploy(
                &data,
                self.config.normal_label.as_deref(),
                self.config.threshold,
                &mut exported,
            )?;
            self.report.signal = Some(metrics);
        }
        self.report.device = exported.metrics.clone();
        self.report.anomaly = exported.anomaly.clone();
        Ok(exported)
    }

    /// Writes the artefacts into `dir` (created if needed) and returns their paths. Every
    /// file is rendered in memory first, then all are written with
    /// [`write_all_atomically`], so a failure leaves any earlier artefacts untouched.
    /// `model` adds `model.bin`.
    pub fn write_artifacts(
        &self,
        dir: &Path,
        model: Option<&ExportedModel>,
    ) -> Result<Vec<PathBuf>> {
        let json_error = |e: serde_json::Error| TrainError::Write {
            path: dir.join("config.json"),
            message: e.to_string(),
        };
        let config_json = serde_json::to_string_pretty(&serde_json::json!({
            "run": self.config,
            "training": self.training,
            "scaler": self.scaler,
        }))
        .map_err(json_error)?
            + "\n";
        let record = self
            .autoencoder
            .clone()
            .into_record()
            .into_bytes()
            .map_err(|e| TrainError::Write {
                path: dir.join("autoencoder.bpk"),
                message: e.to_string(),
            })?;
        let png = learning_curves_png(&self.history).map_err(|message| TrainError::Write {
            path: dir.join("learning_curves.png"),
            message,
        })?;
        let mut files: Vec<(&str, Vec<u8>)> = vec![
            ("config.json", config_json.into_bytes()),
            ("autoencoder.bpk", record.to_vec()),
            ("learning_curves.png", png),
            ("report.json", self.report.to_json().into_bytes()),
            ("report.md", self.report.to_markdown().into_bytes()),
        ];
        if let Some(repeats) = self
            .report
            .repeats
            .as_ref()
            .filter(|r| !r.series().is_empty())
        {
            let png = repeats_png(repeats).map_err(|message| TrainError::Write {
                path: dir.join("repeats.png"),
                message,
            })?;
            files.push(("repeats.png", png));
        }
        if let Some(model) = model {
            files.push(("model.bin", model.bytes.clone()));
            if let Some(scores) = &model.files {
                files.push((
                    "file_scores.csv",
                    crate::signal::FileScore::csv(scores).into_bytes(),
                ));
            }
            if let (Some(scores), Some(a)) = (&model.test_scores, &model.anomaly) {
                let png = score_histogram_png(scores, a.threshold_mse).map_err(|message| {
                    TrainError::Write {
                        path: dir.join("anomaly_scores.png"),
                        message,
                    }
                })?;
                files.push(("anomaly_scores.png", png));
            }
        }
        let files: Vec<(PathBuf, Vec<u8>)> = files
            .into_iter()
            .map(|(name, bytes)| (dir.join(name), bytes))
            .collect();
        write_all_atomically(&files)?;
        Ok(files.into_iter().map(|(path, _)| path).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::default_bottleneck;

    #[test]
    fn default_bottleneck_rounds_halves_to_even_as_python() {
        // Python: [max(1, round(n / 2)) for n in (1, 2, 3, 5, 7, 11, 13, 100)]
        let python = [
            (1, 1),
            (2, 1),
            (3, 2),
            (5, 2),
            (7, 4),
            (11, 6),
            (13, 6),
            (100, 50),
        ];
        for (n, expected) in python {
            assert_eq!(default_bottleneck(n), expected, "{n} inputs");
        }
    }
}
