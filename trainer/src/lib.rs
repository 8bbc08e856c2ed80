#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod artifacts;
pub mod classifier;
pub mod cli;
pub mod data;
pub mod error;
pub mod model;
pub mod model_tools;
pub mod pipeline;
pub mod plot;
pub mod quant;
pub mod report;
pub mod scaler;
pub mod training;

pub use error::{Result, TrainError};
