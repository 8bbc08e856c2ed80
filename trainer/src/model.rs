//! The autoencoder: an MLP encoder down to the bottleneck and a mirrored decoder.
//!
//! Keras defaults the reference tutorial relies on are matched: Glorot-uniform weights
//! and zero biases, LeakyReLU slope 0.3, and BatchNorm with Keras momentum 0.99 (burn's
//! convention is the complement: 0.01) and epsilon 1e-3.

use burn::module::{Initializer, Module};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use burn::prelude::{Config, Device, Tensor};
use burn::tensor::activation::leaky_relu;
use serde::{Deserialize, Serialize};

/// The activation after each hidden layer's BatchNorm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Activation {
    /// LeakyReLU with the slope of [`AutoencoderConfig::leaky_slope`] (Keras: 0.3), as
    /// the tutorial.
    #[default]
    LeakyRelu,
    /// ReLU, as MLPerf Tiny's anomaly-detection model: LeakyReLU with slope 0, so the
    /// model file stores it as a LeakyReLU layer whose slope is 0.
    Relu,
}

/// What follows the bottleneck's Dense layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BottleneckActivation {
    /// Nothing: a linear bottleneck, as the tutorial.
    #[default]
    Linear,
    /// BatchNorm and the hidden layers' activation, as MLPerf Tiny's model.
    Same,
}

/// Shape and layer settings of the autoencoder; saved beside the artefacts.
#[derive(Config, Debug, PartialEq)]
pub struct AutoencoderConfig {
    /// Input features.
    pub n_inputs: usize,
    /// Hidden widths of the encoder, outermost first (the decoder mirrors them).
    pub hidden: Vec<usize>,
    /// Bottleneck width.
    pub bottleneck: usize,
    /// LeakyReLU negative slope (Keras default 0.3).
    #[config(default = 0.3)]
    pub leaky_slope: f64,
    /// Activation of the hidden layers.
    #[config(default = "Activation::LeakyRelu")]
    pub activation: Activation,
    /// What follows the bottleneck's Dense layer.
    #[config(default = "BottleneckActivation::Linear")]
    pub bottleneck_activation: BottleneckActivation,
    /// BatchNorm momentum in burn's convention (Keras 0.99 = burn 0.01).
    #[config(default = 0.01)]
    pub bn_momentum: f64,
    /// BatchNorm epsilon (Keras default 1e-3).
    #[config(default = 1e-3)]
    pub bn_epsilon: f64,
}

/// A hidden layer: Dense, then BatchNorm, then LeakyReLU.
#[derive(Module, Debug)]
pub struct HiddenLayer {
    /// The dense transform.
    pub linear: Linear,
    /// Batch normalisation of its output.
    pub norm: BatchNorm,
}

impl HiddenLayer {
    fn forward(&self, x: Tensor<2>, slope: f64) -> Tensor<2> {
        leaky_relu(self.norm.forward(self.linear.forward(x)), slope)
    }
}

/// Runs a stack of hidden layers, first to last.
fn forward_hidden(layers: &[HiddenLayer], x: Tensor<2>, slope: f64) -> Tensor<2> {
    layers.iter().fold(x, |x, layer| layer.forward(x, slope))
}

/// Encoder: hidden layers, then the bottleneck: linear, or with BatchNorm and the
/// hidden layers' activation.
#[derive(Module, Debug)]
pub struct Encoder {
    /// Hidden layers, input side first.
    pub hidden: Vec<HiddenLayer>,
    /// The bottleneck's Dense layer.
    pub bottleneck: Linear,
    /// The bottleneck's BatchNorm, if it has one (then the activation follows it too).
    pub bottleneck_norm: Option<BatchNorm>,
    /// Negative slope of the activation: LeakyReLU's, or 0 for ReLU.
    pub slope: f64,
}

impl Encoder {
    /// Bottleneck features of `x` (rows × inputs).
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let z = self
            .bottleneck
            .forward(forward_hidden(&self.hidden, x, self.slope));
        match &self.bottleneck_norm {
            Some(norm) => leaky_relu(norm.forward(z), self.slope),
            None => z,
        }
    }
}

/// Decoder: hidden layers mirroring the encoder's, then a linear output layer.
#[derive(Module, Debug)]
pub struct Decoder {
    /// Hidden layers, bottleneck side first.
    pub hidden: Vec<HiddenLayer>,
    /// The linear reconstruction layer.
    pub output: Linear,
    /// Negative slope of the activation: LeakyReLU's, or 0 for ReLU.
    pub slope: f64,
}

impl Decoder {
    /// Reconstruction of the input from bottleneck features.
    pub fn forward(&self, z: Tensor<2>) -> Tensor<2> {
        self.output
            .forward(forward_hidden(&self.hidden, z, self.slope))
    }
}

/// The whole autoencoder.
#[derive(Module, Debug)]
pub struct Autoencoder {
    /// Input -> bottleneck.
    pub encoder: Encoder,
    /// Bottleneck -> reconstruction.
    pub decoder: Decoder,
}

impl Autoencoder {
    /// Reconstruction of `x`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.decoder.forward(self.encoder.forward(x))
    }
}

fn dense(d_in: usize, d_out: usize, device: &Device) -> Linear {
    // Keras: Glorot-uniform kernel, zero bias. burn's initializer covers both, so the
    // bias is zeroed after initialisation.
    let mut linear = LinearConfig::new(d_in, d_out)
        .with_initializer(Initializer::XavierUniform { gain: 1.0 })
        .init(device);
    if let Some(bias) = linear.bias.take() {
        // `map` to a new tensor drops gradient tracking: without `set_require_grad` the
        // biases stayed at zero through training (Keras trains them).
        linear.bias = Some(bias.map(|b| b.zeros_like()).set_require_grad(true));
    }
    linear
}

impl AutoencoderConfig {
    /// The negative slope the activation applies (0 for ReLU).
    pub fn slope(&self) -> f64 {
        match self.activation {
            Activation::LeakyRelu => self.leaky_slope,
            Activation::Relu => 0.0,
        }
    }

    fn norm(&self, width: usize, device: &Device) -> BatchNorm {
        BatchNormConfig::new(width)
            .with_momentum(self.bn_momentum)
            .with_epsilon(self.bn_epsilon)
            .init(device)
    }

    fn hidden_layer(&self, d_in: usize, d_out: usize, device: &Device) -> HiddenLayer {
        HiddenLayer {
            linear: dense(d_in, d_out, device),
            norm: self.norm(d_out, device),
        }
    }

    /// Hidden layers from width `input` through `widths`; returns them and the last width.
    fn hidden_stack<'w>(
        &self,
        input: usize,
        widths: impl Iterator<Item = &'w usize>,
        device: &Device,
    ) -> (Vec<HiddenLayer>, usize) {
        let mut d_in = input;
        let layers = widths
            .map(|&d_out| {
                let layer = self.hidden_layer(d_in, d_out, device);
                d_in = d_out;
                layer
            })
            .collect();
        (layers, d_in)
    }

    /// A freshly initialised autoencoder on `device` (seed the device first for
    /// reproducible weights).
    pub fn init(&self, device: &Device) -> Autoencoder {
        // Layers are created in forward order, so the seeded initialisation is reproducible.
        let (encoder_hidden, last) = self.hidden_stack(self.n_inputs, self.hidden.iter(), device);
        let bottleneck = dense(last, self.bottleneck, device);
        let bottleneck_norm = match self.bottleneck_activation {
            BottleneckActivation::Linear => None,
            BottleneckActivation::Same => Some(self.norm(self.bottleneck, device)),
        };
        let encoder = Encoder {
            hidden: encoder_hidden,
            bottleneck,
            bottleneck_norm,
            slope: self.slope(),
        };
        let (decoder_hidden, last) =
            self.hidden_stack(self.bottleneck, self.hidden.iter().rev(), device);
        let decoder = Decoder {
            hidden: decoder_hidden,
            output: dense(last, self.n_inputs, device),
            slope: self.slope(),
        };
        Autoencoder { encoder, decoder }
    }
}
