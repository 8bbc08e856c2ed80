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
mod front_end;
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
pub use example::{
    spec_example, spec_example_ties, spec_example_v2, spec_example_v3, spec_example_v4,
};
pub use front_end::{
    AFFINE_RECORD_LEN, Band, BandKind, Bands, FrontEnd, MAX_AFFINE_OFFSET, MAX_SAMPLE_RATE,
    Q15_ONE, WindowKind,
};
pub use header::{FORMAT_VERSION, HEADER_LEN, Header, MAGIC, OLDEST_VERSION, crc32};
pub use limits::{
    MAX_BANDS, MAX_CHANNELS, MAX_CLASSES, MAX_FRAME_LEN, MAX_GOLDEN, MAX_HISTORY, MAX_LABEL_LEN,
    MAX_LAYERS, MAX_LAYERS_V2, MAX_NAME_LEN, MAX_STACK, MAX_WIDTH, MIN_FRAME_LEN,
};
pub use model::{GoldenIter, Layers, ModelView, Strings, squared_error};
pub use records::{
    ACTIVATION_LEAKY, ACTIVATION_LINEAR, ACTIVATION_RELU, BANDS_LINEAR, BANDS_MEL,
    COMPRESSION_LOG2_Q16, LAYER_KIND_DENSE, LAYER_KIND_DENSE_ALIGNED, LAYER_KIND_DENSE_SHARED,
    ROLE_DECODER, ROLE_ENCODER, SAMPLE_FORMAT_I16, WINDOW_HANN, WINDOW_NONE,
};
pub use view::{Activation, Anomaly, Channel, Channels, DenseLayer, Golden, Head, Layer, Role};
#[cfg(feature = "alloc")]
pub use writer::{
    AnomalySpec, ChannelLayout, DenseSpec, FrontEndSpec, GoldenSpec, HeadSpec, ModelSpec,
};
