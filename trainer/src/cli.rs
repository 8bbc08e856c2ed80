//! The `bottleneck` command line (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::data::{ClassificationRecipe, Dataset, MachineSoundRecipe};
use crate::model::{Activation, BottleneckActivation};
use crate::pipeline::{DataSource, RunConfig, Task};
use crate::quant::Threshold;

/// Train an autoencoder + classifier on tabular data and ship it to a microcontroller.
#[derive(Debug, Parser)]
#[command(name = "bottleneck", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train the autoencoder and the classifiers and write the artefacts.
    Train(TrainArgs),
    /// Write the built-in problem (or a sized variant) as CSV.
    Generate(GenerateArgs),
    /// Describe a model file: header, CRC, layers, quantization, labels, self-test.
    Inspect(InspectArgs),
    /// Run a model on labelled CSV data: accuracy and confusion matrix; for an anomaly
    /// model (with --normal-label) ROC AUC, precision, recall and F1 of its scores.
    Eval(EvalArgs),
    /// Run a model on every row of a CSV file: class, label and probability, and for an
    /// anomaly model score, mean squared error and verdict per row.
    Predict(PredictArgs),
    /// Check a board bit for bit: send CSV rows over its serial port to the Bottleneck
    /// firmware, compare every integer it returns with the host runtime, and report
    /// accuracy or AUC and the board's cycle counts.
    Device(DeviceArgs),
    /// Write a model file as firmware source (a C header, a Rust file), or CSV rows in
    /// the firmware's sample format (little-endian f32, the model's columns).
    Export(ExportArgs),
}

/// Options of `bottleneck export`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("output").required(true).multiple(true)
    .args(["c_header", "rust", "samples"])))]
pub struct ExportArgs {
    /// The model file.
    pub model: PathBuf,
    /// Write the model as a C header: an aligned `const uint8_t` array, its length, and
    /// `inspect`'s description as a comment.
    #[arg(long, value_name = "FILE.h")]
    pub c_header: Option<PathBuf>,
    /// Write the model as a Rust file: a 4-byte aligned `pub static` byte slice.
    #[arg(long, value_name = "FILE.rs")]
    pub rust: Option<PathBuf>,
    /// The array's name in the C header and the Rust file (upper-cased in Rust).
    #[arg(long, default_value = "bottleneck_model")]
    pub name: String,
    /// CSV rows to write in the firmware's sample format (needs --out); the model's
    /// feature columns are picked by name, other columns ignored.
    #[arg(long, value_name = "FILE.csv", requires = "out")]
    pub samples: Option<PathBuf>,
    /// Where --samples writes (the firmware's `BOTTLENECK_SAMPLES`).
    #[arg(long, value_name = "FILE.bin", requires = "samples")]
    pub out: Option<PathBuf>,
    /// With --samples: at most this many rows, from the top.
    #[arg(long, value_name = "N")]
    pub max_rows: Option<usize>,
}

/// Options of `bottleneck device`.
#[derive(Debug, Args)]
pub struct DeviceArgs {
    /// The board's serial port: a USB CDC or ST-LINK virtual COM port (/dev/ttyACM0), or
    /// the pseudo-terminal QEMU gives an emulated board (`-serial pty`).
    #[arg(long, value_name = "PATH")]
    pub port: String,
    /// The model file the board should run (its CRC must be the board's model's).
    #[arg(long, value_name = "FILE.bin")]
    pub model: PathBuf,
    /// CSV rows to send, with the model's feature columns.
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// Column of --data holding labels: accuracy of the board's classes, and with
    /// --normal-label the AUC of its scores.
    #[arg(long, value_name = "NAME")]
    pub label_column: Option<String>,
    /// For a model that detects anomalies: the label of normal rows.
    #[arg(long, value_name = "LABEL", requires = "label_column")]
    pub normal_label: Option<String>,
    /// When the board runs another model, send --model into its RAM first (checked by
    /// the board's loader; the model in flash stays for the next reset).
    #[arg(long)]
    pub send_model: bool,
    /// At most this many rows, from the top.
    #[arg(long, value_name = "N")]
    pub max_rows: Option<usize>,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 5.0)]
    pub timeout: f64,
    /// Then run MLPerf Tiny's performance mode as its runner does (`infer N 10`, 5 times,
    /// on the first row) and print the median inferences per second.
    #[arg(long)]
    pub mlperf: bool,
    /// Inferences per --mlperf run (the runner's 1500).
    #[arg(long, default_value_t = 1500, value_name = "N")]
    pub mlperf_inferences: u32,
}

/// Options of `bottleneck inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The model file.
    pub model: PathBuf,
}

/// Options of `bottleneck eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The model file.
    pub model: PathBuf,
    /// Labelled CSV data with the model's feature columns.
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// Column holding the labels.
    #[arg(long, value_name = "NAME")]
    pub label_column: String,
    /// For a model that detects anomalies: the label of normal rows (every other label
    /// counts as an anomaly).
    #[arg(long, value_name = "LABEL")]
    pub normal_label: Option<String>,
}

/// Options of `bottleneck predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The model file.
    pub model: PathBuf,
    /// CSV data with the model's feature columns.
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// A column to ignore (e.g. the labels), if the file has one.
    #[arg(long, value_name = "NAME")]
    pub label_column: Option<String>,
    /// Write the predictions here instead of standard output.
    #[arg(long, value_name = "FILE.csv")]
    pub out: Option<PathBuf>,
}

/// Options of `bottleneck train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Training data (CSV with a header row); without it the built-in problem is used.
    #[arg(long, value_name = "FILE.csv")]
    pub data: Option<PathBuf>,
    /// Column of --data holding the class labels (text or integers); --task anomaly
    /// works without one (every row normal).
    #[arg(long, value_name = "NAME", requires = "data")]
    pub label_column: Option<String>,
    /// With --task anomaly or both: the label of normal rows. The autoencoder trains and
    /// calibrates on them only; test rows with other labels count as anomalies.
    #[arg(long, value_name = "LABEL")]
    pub normal_label: Option<String>,
    /// Explicit test set (same columns) instead of a random split.
    #[arg(long, value_name = "FILE.csv", requires = "data")]
    pub test_data: Option<PathBuf>,
    /// Fraction of rows held out for testing when --test-data is not given.
    #[arg(long, default_value_t = 0.33)]
    pub test_fraction: f64,
    /// Bottleneck width [default: round(features / 2), halves to even as Python's round].
    #[arg(long)]
    pub bottleneck: Option<usize>,
    /// Encoder hidden widths, comma-separated [default: 2n,n for n features].
    #[arg(long, value_delimiter = ',')]
    pub hidden: Option<Vec<usize>>,
    /// Training epochs.
    #[arg(long, default_value_t = 200)]
    pub epochs: usize,
    /// Rows per gradient step.
    #[arg(long, default_value_t = 16)]
    pub batch_size: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub learning_rate: f64,
    /// Seed for the generator, the split, the initialisation and the shuffling. The
    /// built-in problem and the split are scikit-learn's for this random_state, so it is
    /// NumPy's range: 0 to 4294967295.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Activation after each hidden layer's BatchNorm (leaky-relu: slope 0.3, as Keras).
    #[arg(long, value_enum, default_value_t = ActivationArg::LeakyRelu)]
    pub activation: ActivationArg,
    /// What follows the bottleneck's Dense layer: nothing (linear, as the tutorial), or
    /// BatchNorm and the hidden layers' activation (same, as MLPerf Tiny's model).
    #[arg(long, value_enum, default_value_t = BottleneckArg::Linear)]
    pub bottleneck_activation: BottleneckArg,
    /// What the model file ships: the encoder and classifier (classify), the encoder,
    /// decoder and a threshold on the reconstruction error (anomaly), or all (both).
    #[arg(long, value_enum, default_value_t = TaskArg::Classify)]
    pub task: TaskArg,
    /// Anomaly threshold: this quantile of the training rows' int8 scores.
    #[arg(long, default_value_t = 0.99, conflicts_with = "threshold")]
    pub threshold_quantile: f64,
    /// Anomaly threshold as a mean squared reconstruction error (scaled inputs).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Directory for the artefacts.
    #[arg(long, default_value = "artifacts")]
    pub out: PathBuf,
    /// Train this many models, with seeds --seed, --seed + 1, ... on the same data and
    /// split, and report every accuracy's mean, min and max (report.md, report.json,
    /// repeats.png). The model file and other artefacts are the first run's.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub repeats: u64,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `--activation` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ActivationArg {
    /// LeakyReLU, slope 0.3.
    LeakyRelu,
    /// ReLU.
    Relu,
}

/// `--task` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TaskArg {
    /// Encoder and classifier head.
    Classify,
    /// Encoder, decoder and anomaly threshold.
    Anomaly,
    /// Encoder, classifier head, decoder and anomaly threshold.
    Both,
}

/// `--bottleneck-activation` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BottleneckArg {
    /// No activation after the bottleneck.
    Linear,
    /// BatchNorm and the hidden layers' activation.
    Same,
}

/// Options of `bottleneck generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The CSV file to write.
    #[arg(long, value_name = "FILE.csv")]
    pub out: PathBuf,
    /// The kind of data: the tutorial's classification problem, or log-mel-like
    /// frames of a machine with injected anomalies (MLPerf Tiny's AD input shape).
    #[arg(long, value_enum, default_value_t = RecipeArg::Classification)]
    pub recipe: RecipeArg,
    /// Rows.
    #[arg(long, default_value_t = 1000)]
    pub samples: usize,
    /// Feature columns [default: 100] (classification).
    #[arg(long)]
    pub features: Option<usize>,
    /// Informative features [default: 10] (classification).
    #[arg(long)]
    pub informative: Option<usize>,
    /// Redundant features, linear combinations of the informative ones [default: 90]
    /// (classification).
    #[arg(long)]
    pub redundant: Option<usize>,
    /// Classes [default: 2] (classification).
    #[arg(long)]
    pub classes: Option<usize>,
    /// Frames per row [default: 5] (machine-sound).
    #[arg(long)]
    pub frames: Option<usize>,
    /// Mel bins per frame [default: 128] (machine-sound).
    #[arg(long)]
    pub mels: Option<usize>,
    /// Fraction of rows with an injected fault [default: 0.1] (machine-sound).
    #[arg(long)]
    pub anomaly_fraction: Option<f64>,
    /// Random seed: scikit-learn's random_state for the classification recipe (0 to
    /// 4294967295, NumPy's range); the machine-sound recipe's own generator otherwise.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// `--recipe` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecipeArg {
    /// scikit-learn's `make_classification` recipe (the tutorial's data).
    Classification,
    /// Log-mel-like machine-sound frames, labels `normal` / `anomaly`.
    MachineSound,
}

impl GenerateArgs {
    /// The classification recipe these options describe.
    pub fn recipe(&self) -> ClassificationRecipe {
        let d = ClassificationRecipe::default();
        ClassificationRecipe {
            n_samples: self.samples,
            n_features: self.features.unwrap_or(d.n_features),
            n_informative: self.informative.unwrap_or(d.n_informative),
            n_redundant: self.redundant.unwrap_or(d.n_redundant),
            n_classes: self.classes.unwrap_or(d.n_classes),
            seed: self.seed,
            ..d
        }
    }

    /// The data these options describe; an option of the other recipe is refused
    /// rather than ignored.
    pub fn generate(&self) -> crate::Result<Dataset> {
        Ok(self.generate_exact()?.0)
    }

    /// [`GenerateArgs::generate`], with the classification recipe's values in f64 as
    /// scikit-learn returns them (the data set holds them as f32).
    pub fn generate_exact(&self) -> crate::Result<(Dataset, Option<ndarray::Array2<f64>>)> {
        fn foreign(flags: &[(&'static str, bool)]) -> Option<&'static str> {
            flags
                .iter()
                .find(|(_, given)| *given)
                .map(|(flag, _)| *flag)
        }
        match self.recipe {
            RecipeArg::Classification => {
                if let Some(flag) = foreign(&[
                    ("frames", self.frames.is_some()),
                    ("mels", self.mels.is_some()),
                    ("anomaly-fraction", self.anomaly_fraction.is_some()),
                ]) {
                    return Err(crate::TrainError::InvalidSetting {
                        flag: "recipe",
                        problem: format!("--{flag} applies to --recipe machine-sound only"),
                    });
                }
                let recipe = self.recipe();
                let (values, targets) = recipe.arrays()?;
                let data = recipe.dataset(&values, targets);
                Ok((data, Some(values)))
            }
            RecipeArg::MachineSound => {
                if let Some(flag) = foreign(&[
                    ("features", self.features.is_some()),
                    ("informative", self.informative.is_some()),
                    ("redundant", self.redundant.is_some()),
                    ("classes", self.classes.is_some()),
                ]) {
                    return Err(crate::TrainError::InvalidSetting {
                        flag: "recipe",
                        problem: format!("--{flag} applies to --recipe classification only"),
                    });
                }
                let d = MachineSoundRecipe::default();
                MachineSoundRecipe {
                    n_samples: self.samples,
                    frames: self.frames.unwrap_or(d.frames),
                    mels: self.mels.unwrap_or(d.mels),
                    anomaly_fraction: self.anomaly_fraction.unwrap_or(d.anomaly_fraction),
                    seed: self.seed,
                }
                .generate()
                .map(|data| (data, None))
            }
        }
    }
}

impl TrainArgs {
    /// The run configuration these options describe.
    pub fn run_config(&self) -> RunConfig {
        let data = match &self.data {
            Some(path) => DataSource::Csv {
                path: path.clone(),
                label_column: self.label_column.clone(),
                test_path: self.test_data.clone(),
            },
            None => DataSource::Builtin(ClassificationRecipe {
                seed: self.seed,
                ..ClassificationRecipe::default()
            }),
        };
        RunConfig {
            data,
            test_fraction: self.test_fraction,
            bottleneck: self.bottleneck,
            hidden: self.hidden.clone(),
            epochs: self.epochs,
            batch_size: self.batch_size,
            learning_rate: self.learning_rate,
            seed: self.seed,
            activation: match self.activation {
                ActivationArg::LeakyRelu => Activation::LeakyRelu,
                ActivationArg::Relu => Activation::Relu,
            },
            bottleneck_activation: match self.bottleneck_activation {
                BottleneckArg::Linear => BottleneckActivation::Linear,
                BottleneckArg::Same => BottleneckActivation::Same,
            },
            task: match self.task {
                TaskArg::Classify => Task::Classify,
                TaskArg::Anomaly => Task::Anomaly,
                TaskArg::Both => Task::Both,
            },
            threshold: match self.threshold {
                Some(v) => Threshold::Value(v),
                None => Threshold::Quantile(self.threshold_quantile),
            },
            normal_label: self.normal_label.clone(),
            training_seed: None,
        }
    }
}
