//! Training the autoencoder: Adam on the reconstruction MSE, shuffled mini-batches,
//! validation loss on the held-out rows after every epoch (as Keras' `fit` does).

// burn-ndarray is deprecated upstream in favour of burn-flex, but it is the backend
// Bottleneck's users asked for; see `training_device`.
#[allow(deprecated)]
use burn::backend::NdArrayDevice;
use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::{Config, Device, Tensor, TensorData};
use ndarray::{Array2, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::classifier::ScaledRows;
use crate::error::{Result, TrainError};
use crate::model::{Autoencoder, AutoencoderConfig, Encoder};
use crate::scaler::chunks;

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

fn mse(prediction: Tensor<2>, target: Tensor<2>) -> Tensor<1> {
    let d = prediction - target;
    (d.clone() * d).mean()
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
    let base = training_device();
    let device = base.clone().autodiff();
    let mut model = {
        // burn keeps one generator per backend, shared by every thread: two models
        // initialised at once (tests run in parallel threads) drew from it in whatever
        // interleaving the scheduler chose, and a seed did not always give the same
        // weights. Seeding and initialising under one lock makes it so.
        // burn initialises parameters lazily, on first use: every one is touched here,
        // inside the lock, so no draw happens later in the training loop.
        let _guard = INITIALISATION.lock().unwrap_or_else(|e| e.into_inner());
        base.seed(config.seed);
        let model = config.autoencoder.init(&device);
        model.visit(&mut InitialiseEveryParameter);
        model
    };
    let mut optimizer = AdamConfig::new().with_epsilon(config.adam_epsilon).init();
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut history = History::default();
    let mut order: Vec<usize> = (0..train.raw.nrows()).collect();

    for epoch in 1..=config.epochs {
        order.shuffle(&mut rng);
        let mut total = 0.0;
        let mut batches = 0usize;
        for batch in order.chunks(config.batch_size) {
            let rows = train.raw.select(Axis(0), batch);
            let x = to_tensor(&train.scaler.transform(&rows), &device);
            let loss = mse(model.forward(x.clone()), x);
            total += f64::from(loss.clone().into_scalar::<f32>());
            batches += 1;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(config.learning_rate, model, grads);
        }
        let train_loss = total / batches.max(1) as f64;
        let valid_loss = validation_loss(&model.valid(), valid, &base);
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
    Ok((model.valid(), history))
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

/// The mean squared reconstruction error on the rows of `valid` (Keras' `val_loss`),
/// chunk by chunk: the whole validation set in one tensor took hundreds of megabytes of
/// activations on large data.
fn validation_loss(model: &Autoencoder, valid: ScaledRows<'_>, device: &Device) -> f64 {
    let n = valid.raw.nrows();
    let mut sum = 0.0;
    for rows in chunks(n) {
        let x = to_tensor(
            &valid.scaler.transform_rows(valid.raw, rows.clone()),
            device,
        );
        let mean = f64::from(mse(model.forward(x.clone()), x).into_scalar::<f32>());
        sum += mean * rows.len() as f64;
    }
    sum / n.max(1) as f64
}
