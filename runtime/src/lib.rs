#![no_std]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// The only unsafe code is in the kernel backends (`kernels::*`): inline assembly on
// Cortex-M and AVX2 intrinsics on x86-64, each allowed module by module.
#![deny(unsafe_code)]
// Panic freedom: no unwrap/expect/panic!/indexing anywhere in the runtime. Arithmetic that
// could overflow is bounded by the loader's checks (see SPEC.md §4.5).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "std")]
pub mod batch;
mod error;
mod kernels;
mod model;
mod scratch;
mod stream;

/// The kernels, for this crate's own tests and benchmarks only: not part of the API and
/// without stability promise. They take only loader-checked views and plain slices.
#[doc(hidden)]
pub mod testing {
    pub use crate::kernels::{
        BLOCK, Backend, argmax, dense, dense_portable, head, mul_high_halves, mul_wide_halves,
        quantize_input, quantize_inputs, quantize_inputs_portable, round_half_up_bits,
        round_half_up_float, scale, soft_quantize,
    };
}

pub use bottleneck_format::{self as format, MAX_CLASSES, MAX_LAYERS, MAX_WIDTH};
pub use error::Error;
pub use model::{Aligned, AnomalyScore, Classification, Detection, Inference, Logits, Model};
pub use scratch::{Scratch, scratch_bytes};
pub use stream::{Feed, Frame, Stream, Window};
