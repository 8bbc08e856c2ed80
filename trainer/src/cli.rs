//! The `bottleneck` command line (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use bottleneck_format::WindowKind;

use crate::data::{ClassificationRecipe, Dataset, MachineSoundRecipe};
use crate::model::{Activation, BottleneckActivation};
use crate::pipeline::{DataSource, RunConfig, Task};
use crate::quant::Threshold;
use crate::signal::{BandLayout, FrontEndDesign, SeriesColumns, SignalSource};
use crate::training::Engine;

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
    Train(Box<TrainArgs>),
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
#[command(group(clap::ArgGroup::new("input").required(true).args(["data", "signal"])))]
pub struct PredictArgs {
    /// The model file.
    pub model: PathBuf,
    /// CSV data with the model's feature columns.
    #[arg(long, value_name = "FILE.csv")]
    pub data: Option<PathBuf>,
    /// For a model with a signal front end: a 16-bit WAV file, or a folder of them (and
    /// its train/ and test/ folders), streamed through the runtime as the device streams
    /// them; per file: windows, mean score, anomalous windows, alarm, most frequent class.
    #[arg(long, value_name = "FILE.wav|DIR")]
    pub signal: Option<PathBuf>,
    /// A column to ignore (e.g. the labels), if the file has one.
    #[arg(long, value_name = "NAME", requires = "data")]
    pub label_column: Option<String>,
    /// Write the predictions here instead of standard output.
    #[arg(long, value_name = "FILE.csv")]
    pub out: Option<PathBuf>,
}

/// Options of `bottleneck train`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("input").args(["data", "signal"])))]
pub struct TrainArgs {
    /// Training data (CSV with a header row); without it the built-in problem is used.
    #[arg(long, value_name = "FILE.csv")]
    pub data: Option<PathBuf>,
    /// Raw signals instead of features: a folder of 16-bit WAV files in the DCASE /
    /// MLPerf Tiny layout (train/normal_*.wav, test/normal_*.wav, test/anomaly_*.wav;
    /// a file's label is its name up to the first `_`), or a time-series CSV (one column
    /// per channel in raw int16 counts, optional time, segment and label columns). The
    /// model file gets the integer front end (SPEC.md §8); the report measures it.
    #[arg(long, value_name = "DIR|FILE.csv", conflicts_with_all = ["data", "test_data"])]
    pub signal: Option<PathBuf>,
    /// Column of --data holding the class labels (text or integers); --task anomaly
    /// works without one (every row normal). With a --signal CSV: each segment's label.
    #[arg(long, value_name = "NAME", requires = "input")]
    pub label_column: Option<String>,
    /// The front end of a --signal model.
    #[command(flatten)]
    pub front_end: FrontEndArgs,
    /// With --task anomaly or both: the label of normal rows. The autoencoder trains and
    /// calibrates on them only; test rows with other labels count as anomalies
    /// [default with a labelled --signal: normal].
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
    /// decoder and a threshold on the reconstruction error (anomaly), or all (both)
    /// [default: classify; anomaly with --signal].
    #[arg(long, value_enum)]
    pub task: Option<TaskArg>,
    /// Anomaly threshold: this quantile of the training rows' int8 scores.
    #[arg(long, default_value_t = 0.99, conflicts_with = "threshold")]
    pub threshold_quantile: f64,
    /// Anomaly threshold as a mean squared reconstruction error (scaled inputs).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// How the autoencoder's gradient steps are computed: fused loops over flat buffers,
    /// or burn's autodiff one tensor operation at a time (the same formulas, slower; the
    /// reference the fused engine is tested against).
    #[arg(long, value_enum, default_value_t = EngineArg::Fused)]
    pub engine: EngineArg,
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

/// The front end `train --signal` puts into the model file: MLPerf Tiny's anomaly
/// features by default, any part overridden.
#[derive(Debug, Args)]
#[command(next_help_heading = "Signal front end (with --signal)")]
pub struct FrontEndArgs {
    /// Samples per second per channel [default: the first training recording's; a CSV
    /// without a time column needs it].
    #[arg(long, value_name = "HZ", requires = "signal")]
    pub sample_rate: Option<u32>,
    /// FFT length: a power of two from 64 to 2048 [default: 1024].
    #[arg(long, value_name = "N", requires = "signal")]
    pub frame_len: Option<u16>,
    /// Sample instants between frames, 1 to --frame-len [default: 512].
    #[arg(long, value_name = "N", requires = "signal")]
    pub hop: Option<u16>,
    /// Window applied to each frame [default: hann].
    #[arg(long, value_enum, requires = "signal")]
    pub window: Option<WindowArg>,
    /// Bands per channel, 1 to 256 [default: 128].
    #[arg(long, value_name = "N", requires = "signal")]
    pub bands: Option<usize>,
    /// Triangular mel filters (Slaney, as librosa) or rectangular bands of equal width
    /// [default: mel].
    #[arg(long, value_enum, requires = "signal")]
    pub band_layout: Option<BandLayoutArg>,
    /// Lowest band edge in Hz [default: 0].
    #[arg(long, value_name = "HZ", requires = "signal")]
    pub f_min: Option<f64>,
    /// Highest band edge in Hz [default: half the sample rate].
    #[arg(long, value_name = "HZ", requires = "signal")]
    pub f_max: Option<f64>,
    /// Frames stacked into one model input, 1 to 32 [default: 5].
    #[arg(long, value_name = "N", requires = "signal")]
    pub frames: Option<u8>,
    /// The device's smoothed score: the mean of the last K window scores, 1 to 32
    /// [default: 1].
    #[arg(long, value_name = "K", requires = "signal")]
    pub smoothing: Option<u8>,
    /// The device's alarm: K anomalous windows among the last N, as K/N with
    /// 1 <= K <= N <= 32 [default: 1/1].
    #[arg(long, value_name = "K/N", requires = "signal")]
    pub alarm: Option<String>,
    /// A --signal CSV's column naming each row's segment (recording) [default: the
    /// column `segment` if there is one, else a new segment where the label changes].
    #[arg(long, value_name = "NAME", requires = "signal")]
    pub segment_column: Option<String>,
    /// A --signal CSV's column of times in seconds, checked for gaps [default: the
    /// column `time` if there is one].
    #[arg(long, value_name = "NAME", requires = "signal")]
    pub time_column: Option<String>,
}

/// `--window` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WindowArg {
    /// A periodic Hann window.
    Hann,
    /// No window.
    None,
}

/// `--band-layout` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BandLayoutArg {
    /// Triangular filters on the Slaney mel scale, Slaney-normalised.
    Mel,
    /// Rectangular bands of equal width.
    Linear,
}

impl FrontEndArgs {
    /// The design these options describe, from MLPerf Tiny's AD preset; sample rate and
    /// channels 0 (and f_max 0) stand for "the data's" until the recordings are read.
    pub fn design(&self) -> crate::Result<FrontEndDesign> {
        let d = FrontEndDesign::mlperf_ad();
        let n = self.bands.unwrap_or(d.n_bands());
        let f_min = self.f_min.unwrap_or(0.0);
        let f_max = self.f_max.unwrap_or(0.0);
        let (alarm_count, alarm_window) = match &self.alarm {
            None => (1, 1),
            Some(text) => {
                let parsed = text.split_once('/').and_then(|(k, n)| {
                    Some((k.trim().parse::<u8>().ok()?, n.trim().parse::<u8>().ok()?))
                });
                parsed.ok_or_else(|| crate::TrainError::InvalidSetting {
                    flag: "alarm",
                    problem: format!("{text:?} is not K/N (e.g. 3/5)"),
                })?
            }
        };
        Ok(FrontEndDesign {
            sample_rate: self.sample_rate.unwrap_or(0),
            channels: 0,
            frame_len: self.frame_len.unwrap_or(d.frame_len),
            hop: self.hop.unwrap_or(d.hop),
            window: match self.window {
                Some(WindowArg::None) => WindowKind::None,
                _ => WindowKind::Hann,
            },
            bands: match self.band_layout {
                Some(BandLayoutArg::Linear) => BandLayout::Linear { n, f_min, f_max },
                _ => BandLayout::Mel { n, f_min, f_max },
            },
            frames: self.frames.unwrap_or(d.frames),
            smoothing: self.smoothing.unwrap_or(1),
            alarm_count,
            alarm_window,
        })
    }
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

/// `--engine` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// Fused loops over flat buffers.
    Fused,
    /// burn's autodiff and Adam.
    Autodiff,
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
    /// The CSV file to write; for --recipe machine-sound, the folder (train/ and test/
    /// are made in it).
    #[arg(long, value_name = "FILE.csv|DIR")]
    pub out: PathBuf,
    /// The kind of data: the tutorial's classification problem; WAV clips of a machine
    /// with faults in the DCASE / MLPerf Tiny layout; a 3-axis accelerometer CSV; or
    /// log-mel-like frames with faults (MLPerf Tiny's AD input shape, as features).
    #[arg(long, value_enum, default_value_t = RecipeArg::Classification)]
    pub recipe: RecipeArg,
    /// Rows (classification: 1000, log-mel-frames: 2000); training clips
    /// (machine-sound: 40, and a quarter as many normal and anomalous test clips);
    /// segments (vibration: 60).
    #[arg(long)]
    pub samples: Option<usize>,
    /// Seconds per clip or segment [default: 2] (machine-sound, vibration).
    #[arg(long)]
    pub seconds: Option<f64>,
    /// Samples per second [default: 16000 for machine-sound, 1600 for vibration].
    #[arg(long, value_name = "HZ")]
    pub sample_rate: Option<u32>,
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
    /// Frames per row [default: 5] (log-mel-frames).
    #[arg(long)]
    pub frames: Option<usize>,
    /// Mel bins per frame [default: 128] (log-mel-frames).
    #[arg(long)]
    pub mels: Option<usize>,
    /// Fraction of rows or segments with an injected fault [default: 0.1 for
    /// log-mel-frames, 0.2 for vibration].
    #[arg(long)]
    pub anomaly_fraction: Option<f64>,
    /// Random seed: scikit-learn's random_state for the classification recipe (0 to
    /// 4294967295, NumPy's range); the other recipes' own generator otherwise.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// `--recipe` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecipeArg {
    /// scikit-learn's `make_classification` recipe (the tutorial's data).
    Classification,
    /// WAV clips of a machine (hum, harmonics, noise; faults: bearing clicks, a shifted
    /// harmonic, an imbalance) in train/ and test/, for `train --signal`.
    MachineSound,
    /// A 3-axis accelerometer on a motor as CSV (`time,x,y,z,segment,label`), for
    /// `train --signal`.
    Vibration,
    /// Log-mel-like machine-sound frames as CSV rows, labels `normal` / `anomaly`.
    LogMelFrames,
}

/// What `generate` produced.
#[derive(Debug)]
pub enum Generated {
    /// A table, with the classification recipe's values in f64 as scikit-learn returns
    /// them.
    Table(Dataset, Option<ndarray::Array2<f64>>),
    /// WAV clips, paths relative to `--out`.
    Clips(Vec<crate::data::Clip>),
    /// A time-series CSV to write with this recipe.
    Series(crate::data::VibrationRecipe),
}

impl GenerateArgs {
    /// The classification recipe these options describe.
    pub fn recipe(&self) -> ClassificationRecipe {
        let d = ClassificationRecipe::default();
        ClassificationRecipe {
            n_samples: self.samples.unwrap_or(d.n_samples),
            n_features: self.features.unwrap_or(d.n_features),
            n_informative: self.informative.unwrap_or(d.n_informative),
            n_redundant: self.redundant.unwrap_or(d.n_redundant),
            n_classes: self.classes.unwrap_or(d.n_classes),
            seed: self.seed,
            ..d
        }
    }

    /// The table these options describe (the classification and log-mel-frames
    /// recipes); an option of another recipe is refused rather than ignored.
    pub fn generate(&self) -> crate::Result<Dataset> {
        match self.generate_any()? {
            Generated::Table(data, _) => Ok(data),
            _ => Err(crate::TrainError::InvalidSetting {
                flag: "recipe",
                problem: "this recipe writes signals, not a table".into(),
            }),
        }
    }

    /// What these options describe; an option another recipe takes is refused rather
    /// than ignored.
    pub fn generate_any(&self) -> crate::Result<Generated> {
        let given = [
            ("features", self.features.is_some()),
            ("informative", self.informative.is_some()),
            ("redundant", self.redundant.is_some()),
            ("classes", self.classes.is_some()),
            ("frames", self.frames.is_some()),
            ("mels", self.mels.is_some()),
            ("anomaly-fraction", self.anomaly_fraction.is_some()),
            ("seconds", self.seconds.is_some()),
            ("sample-rate", self.sample_rate.is_some()),
        ];
        let (name, takes): (&str, &[&str]) = match self.recipe {
            RecipeArg::Classification => (
                "classification",
                &["features", "informative", "redundant", "classes"],
            ),
            RecipeArg::MachineSound => ("machine-sound", &["seconds", "sample-rate"]),
            RecipeArg::Vibration => ("vibration", &["seconds", "sample-rate", "anomaly-fraction"]),
            RecipeArg::LogMelFrames => ("log-mel-frames", &["frames", "mels", "anomaly-fraction"]),
        };
        if let Some((flag, _)) = given.iter().find(|(f, g)| *g && !takes.contains(f)) {
            return Err(crate::TrainError::InvalidSetting {
                flag: "recipe",
                problem: format!("--{flag} does not apply to --recipe {name}"),
            });
        }
        match self.recipe {
            RecipeArg::Classification => {
                let recipe = self.recipe();
                let (values, targets) = recipe.arrays()?;
                let data = recipe.dataset(&values, targets);
                Ok(Generated::Table(data, Some(values)))
            }
            RecipeArg::MachineSound => {
                let d = crate::data::MachineAudioRecipe::default();
                let train_clips = self.samples.unwrap_or(d.train_clips);
                crate::data::MachineAudioRecipe {
                    train_clips,
                    test_clips: (train_clips / 4).max(1),
                    seconds: self.seconds.unwrap_or(d.seconds),
                    sample_rate: self.sample_rate.unwrap_or(d.sample_rate),
                    seed: self.seed,
                }
                .generate()
                .map(Generated::Clips)
            }
            RecipeArg::Vibration => {
                let d = crate::data::VibrationRecipe::default();
                let recipe = crate::data::VibrationRecipe {
                    segments: self.samples.unwrap_or(d.segments),
                    seconds: self.seconds.unwrap_or(d.seconds),
                    sample_rate: self.sample_rate.unwrap_or(d.sample_rate),
                    anomaly_fraction: self.anomaly_fraction.unwrap_or(d.anomaly_fraction),
                    seed: self.seed,
                };
                recipe.validate()?;
                Ok(Generated::Series(recipe))
            }
            RecipeArg::LogMelFrames => {
                let d = MachineSoundRecipe::default();
                MachineSoundRecipe {
                    n_samples: self.samples.unwrap_or(d.n_samples),
                    frames: self.frames.unwrap_or(d.frames),
                    mels: self.mels.unwrap_or(d.mels),
                    anomaly_fraction: self.anomaly_fraction.unwrap_or(d.anomaly_fraction),
                    seed: self.seed,
                }
                .generate()
                .map(|data| Generated::Table(data, None))
            }
        }
    }
}

impl TrainArgs {
    /// The run configuration these options describe.
    pub fn run_config(&self) -> crate::Result<RunConfig> {
        let task = self.task.unwrap_or(if self.signal.is_some() {
            TaskArg::Anomaly
        } else {
            TaskArg::Classify
        });
        let mut normal_label = self.normal_label.clone();
        let data = match (&self.signal, &self.data) {
            (Some(path), _) => {
                // A WAV folder's files are labelled by name: `normal` is the normal one.
                let labelled = path.is_dir() || self.label_column.is_some();
                if normal_label.is_none() && labelled && task != TaskArg::Classify {
                    normal_label = Some("normal".into());
                }
                DataSource::Signal(SignalSource {
                    path: path.clone(),
                    columns: SeriesColumns {
                        label: self.label_column.clone(),
                        segment: self.front_end.segment_column.clone(),
                        time: self.front_end.time_column.clone(),
                    },
                    design: self.front_end.design()?,
                })
            }
            (None, Some(path)) => DataSource::Csv {
                path: path.clone(),
                label_column: self.label_column.clone(),
                test_path: self.test_data.clone(),
            },
            (None, None) => DataSource::Builtin(ClassificationRecipe {
                seed: self.seed,
                ..ClassificationRecipe::default()
            }),
        };
        Ok(RunConfig {
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
            engine: match self.engine {
                EngineArg::Fused => Engine::Fused,
                EngineArg::Autodiff => Engine::Autodiff,
            },
            task: match task {
                TaskArg::Classify => Task::Classify,
                TaskArg::Anomaly => Task::Anomaly,
                TaskArg::Both => Task::Both,
            },
            threshold: match self.threshold {
                Some(v) => Threshold::Value(v),
                None => Threshold::Quantile(self.threshold_quantile),
            },
            normal_label,
            training_seed: None,
        })
    }
}
