//! The autoencoder as a list of fused layers, read from and written back to burn's module.

use burn::module::Param;
use burn::nn::{BatchNorm, Linear};
use burn::prelude::{Device, Tensor, TensorData};

use super::adam::AdamStep;
use super::layer::Layer;
use super::norm::Norm;
use crate::model::{Autoencoder, HiddenLayer};

/// The autoencoder's layers in forward order (encoder, bottleneck, decoder,
/// reconstruction) and the gradient buffers of a training step.
#[derive(Debug, Clone)]
pub struct Network {
    layers: Vec<Layer>,
    slope: f32,
    /// Gradient of the current layer's output, then of its input (swapped per layer).
    grad: Vec<f32>,
    input_grad: Vec<f32>,
}

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    // Every parameter of the model is an f32 tensor on the ndarray device.
    tensor
        .into_data()
        .try_into_vec()
        .expect("autoencoder parameters are f32")
}

fn dense(linear: &Linear) -> Layer {
    let [inputs, outputs] = linear.weight.dims();
    let bias = match &linear.bias {
        Some(bias) => values(bias.val()),
        None => vec![0.0; outputs],
    };
    Layer::new(inputs, outputs, values(linear.weight.val()), bias)
}

fn norm(norm: &BatchNorm) -> Norm {
    Norm::new(
        values(norm.gamma.val()),
        values(norm.beta.val()),
        values(norm.running_mean.value()),
        values(norm.running_var.value()),
        norm.momentum,
        norm.epsilon,
    )
}

fn hidden(layer: &HiddenLayer) -> Layer {
    let mut dense = dense(&layer.linear);
    dense.norm = Some(norm(&layer.norm));
    dense
}

fn tensor<const D: usize>(values: &[f32], shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values.to_vec(), shape), device)
}

fn set<const D: usize>(param: &mut Param<Tensor<D>>, values: &[f32]) {
    let shape = param.dims();
    // `map` keeps the parameter's id, which burn's records and optimisers key on.
    *param = param.clone().map(|t| tensor(values, shape, &t.device()));
}

fn write_dense(layer: &Layer, linear: &mut Linear) {
    set(&mut linear.weight, &layer.weight);
    if let Some(bias) = &mut linear.bias {
        set(bias, &layer.bias);
    }
}

fn write_norm(norm: &Norm, module: &mut BatchNorm) {
    set(&mut module.gamma, &norm.gamma);
    set(&mut module.beta, &norm.beta);
    let device = module.running_mean.value().device();
    let width = norm.gamma.len();
    for (state, values) in [
        (&module.running_mean, &norm.running_mean),
        (&module.running_var, &norm.running_var),
    ] {
        // `update` files the value under this thread until the next sync; `value_sync`
        // makes it the value every reader sees.
        state.update(tensor(values, [width], &device));
        let _ = state.value_sync();
    }
}

impl Network {
    /// The layers of `model` (burn's parameters and running statistics, as initialised or
    /// trained).
    pub fn from_autoencoder(model: &Autoencoder) -> Network {
        let encoder = &model.encoder;
        let decoder = &model.decoder;
        let mut layers: Vec<Layer> = encoder.hidden.iter().map(hidden).collect();
        let mut bottleneck = dense(&encoder.bottleneck);
        bottleneck.norm = encoder.bottleneck_norm.as_ref().map(norm);
        layers.push(bottleneck);
        layers.extend(decoder.hidden.iter().map(hidden));
        layers.push(dense(&decoder.output));
        Network {
            layers,
            // burn applies the slope as an f32 scalar.
            slope: encoder.slope as f32,
            grad: Vec::new(),
            input_grad: Vec::new(),
        }
    }

    /// Writes the parameters and running statistics into `model`, whose structure this
    /// network was read from.
    pub fn write_to(&self, model: &mut Autoencoder) {
        let mut layers = self.layers.iter();
        let mut next = || layers.next().expect("the network has the model's layers");
        for module in model.encoder.hidden.iter_mut() {
            write_hidden(next(), module);
        }
        let bottleneck = next();
        write_dense(bottleneck, &mut model.encoder.bottleneck);
        if let (Some(norm), Some(module)) = (&bottleneck.norm, &mut model.encoder.bottleneck_norm) {
            write_norm(norm, module);
        }
        for module in model.decoder.hidden.iter_mut() {
            write_hidden(next(), module);
        }
        write_dense(next(), &mut model.decoder.output);
    }

    /// Input (and reconstruction) width.
    pub fn width(&self) -> usize {
        self.layers.first().map_or(0, |l| l.inputs)
    }

    /// Runs `x` (`rows x width`, scaled) forward; the reconstruction is the last layer's
    /// output.
    fn forward(&mut self, x: &[f32], rows: usize, training: bool) {
        let slope = self.slope;
        for i in 0..self.layers.len() {
            let (before, rest) = self.layers.split_at_mut(i);
            let input = before.last().map_or(x, |l| l.output.as_slice());
            rest[0].forward(input, rows, slope, training);
        }
    }

    fn reconstruction(&self) -> &[f32] {
        self.layers.last().map_or(&[], |l| l.output.as_slice())
    }

    /// One training step on the batch `x` (`rows x width`, scaled): forward in training
    /// mode (running statistics updated), the gradient of the mean squared
    /// reconstruction error, and Adam's `step`. Returns the batch's loss (before the
    /// step), as burn's `mse` computes it in f32.
    pub fn train_batch(&mut self, x: &[f32], rows: usize, step: &AdamStep) -> f32 {
        self.forward(x, rows, true);
        let count = x.len() as f32;
        self.grad.clear();
        let mut loss = 0.0f32;
        // burn: `d = prediction - target; mean(d * d)`; its gradient is `2 d / count`.
        let reconstruction = self.layers.last().map_or(&[][..], |l| l.output.as_slice());
        for (&p, &t) in reconstruction.iter().zip(x) {
            let d = p - t;
            loss += d * d;
            self.grad.push(2.0 * d / count);
        }
        let slope = self.slope;
        for i in (0..self.layers.len()).rev() {
            let (before, rest) = self.layers.split_at_mut(i);
            let input = before.last().map_or(x, |l| l.output.as_slice());
            let input_grad = (i > 0).then_some(&mut self.input_grad);
            rest[0].backward(input, rows, slope, &mut self.grad, input_grad);
            std::mem::swap(&mut self.grad, &mut self.input_grad);
        }
        for layer in &mut self.layers {
            layer.update(step);
        }
        loss / count
    }

    /// The sum of squared reconstruction errors of `x` (`rows x width`, scaled) in
    /// inference mode (running statistics), in f64.
    pub fn squared_error(&mut self, x: &[f32], rows: usize) -> f64 {
        self.forward(x, rows, false);
        self.reconstruction()
            .iter()
            .zip(x)
            .map(|(&p, &t)| {
                let d = f64::from(p - t);
                d * d
            })
            .sum()
    }
}

fn write_hidden(layer: &Layer, module: &mut HiddenLayer) {
    write_dense(layer, &mut module.linear);
    if let Some(norm) = &layer.norm {
        write_norm(norm, &mut module.norm);
    }
}
