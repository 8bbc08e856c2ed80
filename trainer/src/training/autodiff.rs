//! The autodiff engine: burn's autodiff and `Adam` on the ndarray backend, one tensor
//! operation at a time. The fused engine computes the same formulas and is tested
//! against this one.

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::{Device, Tensor, TensorData};

use super::Steps;
use crate::model::Autoencoder;

/// A model on the autodiff device and its optimiser.
pub struct AutodiffSteps {
    model: Option<Autoencoder>,
    optimizer: burn::optim::ModuleOptimizer,
    device: Device,
    width: usize,
}

impl AutodiffSteps {
    /// Trains `model` (initialised on the autodiff device) with Adam's `epsilon`.
    pub fn new(model: Autoencoder, epsilon: f32) -> AutodiffSteps {
        let device = model.encoder.bottleneck.weight.device();
        let [width, _] = model
            .encoder
            .hidden
            .first()
            .map_or(model.encoder.bottleneck.weight.dims(), |l| {
                l.linear.weight.dims()
            });
        AutodiffSteps {
            model: Some(model),
            optimizer: AdamConfig::new().with_epsilon(epsilon).init(),
            device,
            width,
        }
    }

    fn model(&self) -> &Autoencoder {
        self.model
            .as_ref()
            .expect("the model is only taken by into_model")
    }

    /// The model as trained so far, in inference mode.
    pub fn current(&self) -> Autoencoder {
        self.model().valid()
    }
}

fn rows_tensor(rows: &[f32], count: usize, width: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(rows.to_vec(), [count, width]), device)
}

impl Steps for AutodiffSteps {
    fn width(&self) -> usize {
        self.width
    }

    fn step(&mut self, rows: &[f32], count: usize, learning_rate: f64) -> f32 {
        let model = self
            .model
            .take()
            .expect("the model is only taken by into_model");
        let x = rows_tensor(rows, count, self.width, &self.device);
        let d = model.forward(x.clone()) - x;
        let loss = (d.clone() * d).mean();
        let value = loss.clone().into_scalar::<f32>();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.optimizer.step(learning_rate, model, grads));
        value
    }

    fn squared_error(&mut self, rows: &[f32], count: usize) -> f64 {
        let model = self.model().valid();
        let device = model.encoder.bottleneck.weight.device();
        let reconstruction = model.forward(rows_tensor(rows, count, self.width, &device));
        let values: Vec<f32> = reconstruction
            .into_data()
            .try_into_vec()
            .expect("the reconstruction is f32");
        values
            .iter()
            .zip(rows)
            .map(|(&p, &t)| f64::from(p - t).powi(2))
            .sum()
    }

    fn into_model(mut self: Box<Self>) -> Autoencoder {
        self.model
            .take()
            .expect("the model is only taken by into_model")
            .valid()
    }
}
