//! Training the autoencoder: Adam on the reconstruction MSE, shuffled mini-batches,
//! validation loss on the held-out rows after every epoch (as Keras' `fit` does).

// burn-ndarray is deprecated upstream in favour of burn-flex, but it is the backend
// Bottleneck's users asked for; see `training_device`.
#[allow(deprecated)]
use burn::backend::NdArrayDevice;
use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::{Config, Device, Tensor, TensorData};
use ndarray::Array2;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::classifier::ScaledRows;
use crate::error::{Result, TrainError};
use crate::model::{Autoencoder, AutoencoderConfig, Encoder};
use crate::scaler::chunks;

mod autodiff;
mod fused;

pub use autodiff::AutodiffSteps;
pub use fused::FusedSteps;

/// How the gradient steps are computed. Both compute the same formulas (burn's `Linear`,
/// `BatchNorm`, `leaky_relu`, mean squared error and `Adam`) from the same seeded
/// initial weights and batches; their models differ by float rounding only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// Loops over flat buffers allocated once (`crate::fused`): at small batches most of
    /// an autodiff step is bookkeeping around the arithmetic, which these skip.
    #[default]
    Fused,
    /// burn's autodiff and Adam on the ndarray backend, one tensor operation at a time:
    /// the reference the fused engine is tested against.
    Autodiff,
}

/// One engine's side of training: a gradient step per batch, the reconstruction error
/// in inference mode, and the trained model at the end. Batches are row-major,
/// `count x width`, scaled.
pub trait Steps {
    /// Input (and reconstruction) width.
    fn width(&self) -> usize;
    /// One Adam step on the mean squared reconstruction error of `rows`; returns that
    /// error before the step (f32, as burn's `mean`).
    fn step(&mut self, rows: &[f32], count: usize, learning_rate: f64) -> f32;
    /// The sum of squared reconstruction errors of `rows`, BatchNorm in inference mode.
    fn squared_error(&mut self, rows: &[f32], count: usize) -> f64;
    /// The trained model, in inference mode.
    fn into_model(self: Box<Self>) -> Autoencoder;
}

/// Optimisation settings; saved with the artefacts.
#[derive(Config, Debug, PartialEq)]
pub struct TrainingConfig {
    /// The network.
    pub autoencoder: AutoencoderConfig,
    /// Passes over the training rows.
    #[config(default = 200)]
    pub epochs: usize,
    /// Rows per gradient step.
    #[config(default = 16)]
    pub batch_size: usize,
    /// Adam learning rate.
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// Adam epsilon (Keras default 1e-7).
    #[config(default = 1e-7)]
    pub adam_epsilon: f32,
    /// Seed for weight initialisation and batch shuffling.
    #[config(default = 1)]
    pub seed: u64,
    /// How the gradient steps are computed.
    #[config(default = "Engine::Fused")]
    pub engine: Engine,
}

/// Mean squared reconstruction error per epoch.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct History {
    /// Mean of the batch losses of each epoch (training mode, as Keras reports it).
    pub train_loss: Vec<f64>,
    /// Loss on the validation rows after each epoch (inference mode).
    pub valid_loss: Vec<f64>,
}

/// The device training runs on. burn 0.22 dispatches on the device rather than on a
/// backend type parameter, so swapping the backend is this one line.
#[allow(deprecated)]
pub fn training_device() -> Device {
    Device::new(NdArrayDevice::default())
}

/// Rows of an ndarray matrix as a burn tensor.
pub fn to_tensor(x: &Array2<f32>, device: &Device) -> Tensor<2> {
    let data = TensorData::new(
        x.iter().copied().collect::<Vec<f32>>(),
        [x.nrows(), x.ncols()],
    );
    Tensor::from_data(data, device)
}

/// A burn matrix as an ndarray matrix.
pub fn to_array(t: Tensor<2>) -> Array2<f32> {
    let [rows, cols] = t.dims();
    let values: Vec<f32> = t.into_data().try_into_vec().unwrap_or_default();
    Array2::from_shape_vec((rows, cols), values).unwrap_or_else(|_| Array2::zeros((rows, cols)))
}

/// What the progress callback is told after each epoch.
#[derive(Debug, Clone, Copy)]
pub struct EpochStats {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss of the epoch.
    pub train_loss: f64,
    /// Validation loss after the epoch.
    pub valid_loss: f64,
}

/// Serialises seeding burn's generator and drawing the initial weights with it.
static INITIALISATION: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Touches every float parameter, which makes burn draw its lazily initialised value.
struct InitialiseEveryParameter;

impl ModuleVisitor for InitialiseEveryParameter {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }
}

/// A freshly initialised autoencoder on the autodiff device, its weights drawn from
/// burn's generator seeded with `seed` (Keras' initialisers, see `model`).
pub fn initial_autoencoder(config: &AutoencoderConfig, seed: u64) -> Autoencoder {
    let base = training_device();
    let device = base.clone().autodiff();
    // burn keeps one generator per backend, shared by every thread: two models
    // initialised at once (tests run in parallel threads) drew from it in whatever
    // interleaving the scheduler chose, and a seed did not always give the same
    // weights. Seeding and initialising under one lock makes it so.
    // burn initialises parameters lazily, on first use: every one is touched here,
    // inside the lock, so no draw happens later.
    let _guard = INITIALISATION.lock().unwrap_or_else(|e| e.into_inner());
    base.seed(seed);
    let model = config.init(&device);
    model.visit(&mut InitialiseEveryParameter);
    model
}

/// Trains the autoencoder on `train` (scaled rows), reporting each epoch to `progress`.
/// Returns the trained model in inference mode and the loss history.
pub fn train_autoencoder(
    config: &TrainingConfig,
    train: ScaledRows<'_>,
    valid: ScaledRows<'_>,
    mut progress: impl FnMut(EpochStats),
) -> Result<(Autoencoder, History)> {
    if config.batch_size == 0 {
        return Err(TrainError::InvalidSetting {
            flag: "batch-size",
            problem: "must be at least 1".into(),
        });
    }
    if !(config.learning_rate > 0.0 && config.learning_rate.is_finite()) {
        return Err(TrainError::InvalidSetting {
            flag: "learning-rate",
            problem: format!("{} is not a positive number", config.learning_rate),
        });
    }
    let model = initial_autoencoder(&config.autoencoder, config.seed);
    let mut engine: Box<dyn Steps> = match config.engine {
        Engine::Fused => Box::new(FusedSteps::new(model.valid(), config.adam_epsilon)),
        Engine::Autodiff => Box::new(AutodiffSteps::new(model, config.adam_epsilon)),
    };
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut history = History::default();
    let mut order: Vec<usize> = (0..train.raw.nrows()).collect();
    let mut batch_rows = Vec::with_capacity(config.batch_size * engine.width());

    for epoch in 1..=config.epochs {
        order.shuffle(&mut rng);
        let mut total = 0.0;
        let mut batches = 0usize;
        for batch in order.chunks(config.batch_size) {
            scale_rows(train, batch.iter().copied(), &mut batch_rows);
            let loss = engine.step(&batch_rows, batch.len(), config.learning_rate);
            total += f64::from(loss);
            batches += 1;
        }
        let train_loss = total / batches.max(1) as f64;
        let valid_loss = validation_loss(engine.as_mut(), valid, &mut batch_rows);
        if !train_loss.is_finite() {
            return Err(TrainError::Diverged {
                epoch,
                loss: train_loss,
            });
        }
        history.train_loss.push(train_loss);
        history.valid_loss.push(valid_loss);
        progress(EpochStats {
            epoch,
            train_loss,
            valid_loss,
        });
    }
    Ok((engine.into_model(), history))
}

/// Writes the scaled rows `rows` of `x` into `out` (`rows x features`, row-major).
fn scale_rows(x: ScaledRows<'_>, rows: impl Iterator<Item = usize>, out: &mut Vec<f32>) {
    out.clear();
    for row in rows {
        let raw = x.raw.row(row);
        out.extend(
            raw.iter()
                .zip(&x.scaler.min)
                .zip(&x.scaler.range)
                .map(|((&v, &lo), &r)| (v - lo) / r),
        );
    }
}

/// Bottleneck features of `x` (scaled rows) from the float encoder.
pub fn encode(encoder: &Encoder, x: ScaledRows<'_>) -> Array2<f32> {
    let device = training_device();
    // burn stores a Linear weight as `in x out`: the bottleneck's width is its second axis.
    let width = encoder.bottleneck.weight.dims()[1];
    let mut features = Array2::zeros((x.raw.nrows(), width));
    for rows in chunks(x.raw.nrows()) {
        let chunk = x.scaler.transform_rows(x.raw, rows.clone());
        let z = to_array(encoder.forward(to_tensor(&chunk, &device)));
        features.slice_mut(ndarray::s![rows, ..]).assign(&z);
    }
    features
}

/// The mean squared reconstruction error on the rows of `valid` (Keras' `val_loss`) in
/// inference mode, chunk by chunk: the whole validation set at once took hundreds of
/// megabytes of activations on large data.
fn validation_loss(engine: &mut dyn Steps, valid: ScaledRows<'_>, buffer: &mut Vec<f32>) -> f64 {
    let n = valid.raw.nrows();
    let mut sum = 0.0;
    for rows in chunks(n) {
        let count = rows.len();
        scale_rows(valid, rows, buffer);
        sum += engine.squared_error(buffer, count);
    }
    sum / (n * engine.width()).max(1) as f64
}
