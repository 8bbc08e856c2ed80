#![no_std]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![forbid(unsafe_code)]
// Panic freedom, as in the runtime: no unwrap/expect/panic!/indexing. Every value's range
// follows from the loader's checks (SPEC.md §8); wrapping arithmetic is used where a
// debug build would otherwise check what the bounds already rule out.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod affine;
mod bands;
mod fft;
mod frame;
mod log;
mod real;
mod tables;
mod window;

pub use affine::quantize;
pub use bands::{Powers, band_energies, bit_length, frame_shift, power, power_in_place};
pub use fft::{bit_reverse, fft_in_place, rotate};
pub use frame::{log_band, log_bands};
pub use log::log2_q16;
pub use real::{bin, split_in_place};
pub use tables::{LOG2_NODES, TWIDDLES};
pub use window::window_into;
