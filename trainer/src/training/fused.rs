//! The fused engine: `crate::fused`'s loops over flat buffers, with the model's burn
//! module holding the initial weights before and the trained ones after.

use super::Steps;
use crate::fused::{Adam, Network};
use crate::model::Autoencoder;

/// The model (inference mode, written at the end), its layers as buffers, and Adam.
pub struct FusedSteps {
    model: Autoencoder,
    network: Network,
    adam: Adam,
}

impl FusedSteps {
    /// Trains `model`'s weights with Adam's `epsilon`.
    pub fn new(model: Autoencoder, epsilon: f32) -> FusedSteps {
        FusedSteps {
            network: Network::from_autoencoder(&model),
            model,
            adam: Adam::new(epsilon),
        }
    }
}

impl Steps for FusedSteps {
    fn width(&self) -> usize {
        self.network.width()
    }

    fn step(&mut self, rows: &[f32], count: usize, learning_rate: f64) -> f32 {
        let step = self.adam.next_step(learning_rate);
        self.network.train_batch(rows, count, &step)
    }

    fn squared_error(&mut self, rows: &[f32], count: usize) -> f64 {
        self.network.squared_error(rows, count)
    }

    fn into_model(mut self: Box<Self>) -> Autoencoder {
        self.network.write_to(&mut self.model);
        self.model
    }
}
