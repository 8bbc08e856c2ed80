//! The autoencoder's training step without a tensor library: forward pass, backward
//! pass and Adam over flat f32 buffers, one loop per layer and operation.
//!
//! At the tutorial's batch of 16, burn's autodiff spends most of a step around the
//! arithmetic (a tensor, an allocation and a graph node per operation, copies between
//! them). These loops compute burn's formulas (`Linear`, `BatchNorm` in training mode with
//! the biased batch variance and burn's momentum, `leaky_relu`, the mean squared error,
//! `Adam`) on buffers allocated once, with the same matrix products (matrixmultiply's
//! sgemm); a model trained here differs from one trained by burn's autodiff only by
//! float rounding, which the tests bound step by step. The model stays a burn module:
//! the weights come from its seeded initialisation and go back into it after training.

mod adam;
mod layer;
mod network;
mod norm;

pub use adam::{Adam, AdamStep};
pub use network::Network;

#[cfg(test)]
mod tests;
