#![no_std]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod bytes;
mod cursor;
mod error;
#[cfg(feature = "alloc")]
mod example;
mod header;
mod limits;
mod model;
mod records;
mod view;
#[cfg(feature = "alloc")]
mod writer;

pub use bytes::{
    DENSE_CHANNEL_LEN, DenseChannel, HEAD_CHANNEL_LEN, HeadChannel, MAX_SHIFT, MIN_SHIFT, Requant,
    SHARED_CHANNEL_LEN,
};
pub use error::Error;
#[cfg(feature = "alloc")]
pub use error::WriteError;
#[cfg(feature = "alloc")]
pub use example::{spec_example, spec_example_ties, spec_example_v2, spec_example_v3};
pub use header::{FORMAT_VERSION, HEADER_LEN, Header, MAGIC, OLDEST_VERSION, crc32};
pub use limits::{
    MAX_CLASSES, MAX_GOLDEN, MAX_LABEL_LEN, MAX_LAYERS, MAX_LAYERS_V2, MAX_NAME_LEN, MAX_WIDTH,
};
pub use model::{GoldenIter, Layers, ModelView, Strings, squared_error};
pub use records::{
    ACTIVATION_LEAKY, ACTIVATION_LINEAR, ACTIVATION_RELU, LAYER_KIND_DENSE,
    LAYER_KIND_DENSE_ALIGNED, LAYER_KIND_DENSE_SHARED, ROLE_DECODER, ROLE_ENCODER,
};
pub use view::{Activation, Anomaly, Channel, Channels, DenseLayer, Golden, Head, Layer, Role};
#[cfg(feature = "alloc")]
pub use writer::{AnomalySpec, ChannelLayout, DenseSpec, GoldenSpec, HeadSpec, ModelSpec};
