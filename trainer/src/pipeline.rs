//! The float pipeline: data -> split -> scaler -> autoencoder -> logistic regressions.
//!
//! Everything is computed in memory; [`Pipeline::write_artifacts`] writes the results only
//! once every step has succeeded, each file atomically.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use serde::{Deserialize, Serialize};

use crate::artifacts::write_all_atomically;
use crate::classifier::LinearClassifier;
use crate::data::{
    ClassificationRecipe, Dataset, read_csv, read_csv_with_labels, train_test_split,
};
use crate::error::{Result, TrainError};
use crate::model::{Activation, Autoencoder, AutoencoderConfig, BottleneckActivation};
use crate::plot::learning_curves_png;
use crate::quant::{
    ExportInputs, ExportedModel, Threshold, export_model, fold_decoder, fold_encoder,
};
use crate::report::{Accuracies, AutoencoderSummary, ClassCount, DataSummary, Report};
use crate::scaler::MinMaxScaler;
use crate::training::{EpochStats, History, TrainingConfig, encode, train_autoencoder};

/// Where the training data comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataSource {
    /// The built-in synthetic problem.
    Builtin(ClassificationRecipe),
    /// A CSV file with a header row.
    Csv {
        /// The file.
        path: PathBuf,
        /// The column holding the labels.
        label_column: String,
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
}

/// What the model file ships.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Encoder and classifier head (the tutorial).
    #[default]
    Classify,
    /// Encoder, classifier head, decoder and anomaly section in one file.
    Both,
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
    /// Test rows (unscaled).
    pub test: Dataset,
    /// Scaler fitted on the training rows.
    pub scaler: MinMaxScaler,
    /// The trained autoencoder (inference mode).
    pub autoencoder: Autoencoder,
    /// Loss per epoch.
    pub history: History,
    /// Logistic regression on scaled raw features.
    pub raw_classifier: LinearClassifier,
    /// Logistic regression on float bottleneck features.
    pub bottleneck_classifier: LinearClassifier,
    /// The report.
    pub report: Report,
}

fn load(config: &RunConfig) -> Result<(Dataset, Dataset)> {
    let (data, explicit_test) = match &config.data {
        DataSource::Builtin(recipe) => (recipe.generate()?, None),
        DataSource::Csv {
            path,
            label_column,
            test_path,
        } => {
            let data = read_csv(path, label_column)?;
            let test = match test_path {
                Some(t) => Some(read_csv_with_labels(t, label_column, &data)?),
                None => None,
            };
            (data, test)
        }
    };
    if data.n_classes() < 2 {
        return Err(TrainError::SingleClass {
            source_name: data.source.clone(),
            label: data.labels.first().cloned().unwrap_or_default(),
        });
    }
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
        None => train_test_split(&data, config.test_fraction, config.seed),
    }
}

fn training_config(config: &RunConfig, n_inputs: usize) -> Result<TrainingConfig> {
    let bottleneck = config
        .bottleneck
        .unwrap_or_else(|| ((n_inputs as f64) / 2.0).round().max(1.0) as usize);
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
        Task::Both => (2 * (hidden.len() + 1), "encoder and decoder layers"),
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
    .with_seed(config.seed))
}

impl Pipeline {
    /// Runs the whole float pipeline, reporting each epoch to `progress`.
    pub fn run(config: RunConfig, progress: impl FnMut(EpochStats)) -> Result<Pipeline> {
        let start = Instant::now();
        let (train, test) = load(&config)?;
        let training = training_config(&config, train.n_features())?;

        let scaler = MinMaxScaler::fit(&train.features);
        let x_train = scaler.transform(&train.features);
        let x_test = scaler.transform(&test.features);

        let ae_start = Instant::now();
        let (autoencoder, history) = train_autoencoder(&training, &x_train, &x_test, progress)?;
        let training_seconds = ae_start.elapsed().as_secs_f64();

        let n_classes = train.n_classes();
        let raw_classifier =
            LinearClassifier::fit(&x_train, &train.targets, n_classes, "raw features")?;
        let z_train = encode(&autoencoder.encoder, &x_train);
        let z_test = encode(&autoencoder.encoder, &x_test);
        let bottleneck_classifier =
            LinearClassifier::fit(&z_train, &train.targets, n_classes, "bottleneck features")?;

        let mut counts = train.class_counts();
        for (c, t) in counts.iter_mut().zip(test.class_counts()) {
            *c += t;
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
                class_balance: train
                    .labels
                    .iter()
                    .zip(counts)
                    .map(|(label, rows)| ClassCount {
                        label: label.clone(),
                        rows,
                    })
                    .collect(),
            },
            autoencoder: AutoencoderSummary {
                encoder_widths,
                epochs: training.epochs,
                final_train_mse: history.train_loss.last().copied().unwrap_or(f64::NAN),
                final_valid_mse: history.valid_loss.last().copied().unwrap_or(f64::NAN),
                training_seconds,
            },
            accuracy: Accuracies {
                raw_features: raw_classifier.accuracy(&x_test, &test.targets),
                bottleneck_features: bottleneck_classifier.accuracy(&z_test, &test.targets),
            },
            device: None,
            total_seconds: start.elapsed().as_secs_f64(),
        };
        Ok(Pipeline {
            config,
            training,
            train,
            test,
            scaler,
            autoencoder,
            history,
            raw_classifier,
            bottleneck_classifier,
            report,
        })
    }

    /// Quantizes the pipeline into a model file and adds the device measurements to the
    /// report.
    pub fn export(&mut self) -> Result<ExportedModel> {
        let layers = fold_encoder(&self.autoencoder.encoder);
        let decoder = fold_decoder(&self.autoencoder.decoder);
        let exported = export_model(&ExportInputs {
            layers: &layers,
            scaler: &self.scaler,
            train: &self.train,
            test: &self.test,
            float_classifier: &self.bottleneck_classifier,
            decoder: (self.config.task == Task::Both)
                .then_some((decoder.as_slice(), self.config.threshold)),
        })?;
        self.report.device = Some(exported.metrics.clone());
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
        if let Some(model) = model {
            files.push(("model.bin", model.bytes.clone()));
        }
        let files: Vec<(PathBuf, Vec<u8>)> = files
            .into_iter()
            .map(|(name, bytes)| (dir.join(name), bytes))
            .collect();
        write_all_atomically(&files)?;
        Ok(files.into_iter().map(|(path, _)| path).collect())
    }
}
