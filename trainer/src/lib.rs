#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod artifacts;
#[cfg(feature = "training")]
pub mod classifier;
#[cfg(feature = "training")]
pub mod cli;
pub mod data;
pub mod detection;
#[cfg(feature = "training")]
pub mod device_check;
#[cfg(feature = "training")]
pub mod device_link;
pub mod error;
pub mod export_files;
#[cfg(feature = "training")]
pub mod fit;
#[cfg(feature = "training")]
pub mod fused;
pub mod memory;
#[cfg(feature = "training")]
pub mod model;
pub mod model_tools;
pub mod parallel;
#[cfg(feature = "training")]
pub mod pipeline;
#[cfg(feature = "training")]
pub mod plot;
#[cfg(feature = "training")]
pub mod quant;
#[cfg(feature = "training")]
pub mod repeats;
#[cfg(feature = "training")]
pub mod report;
pub mod scaler;
pub mod signal;
#[cfg(feature = "training")]
pub mod training;

pub use error::{Result, TrainError};
