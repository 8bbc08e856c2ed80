#![no_std]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// Panic freedom, as in the runtime: nothing the link sends may stop the board.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![deny(unsafe_code)]

#[cfg(test)]
extern crate std;

mod clock;
mod command;
mod device;
mod hex;
mod line;
mod loading;
mod reply;

pub use clock::{Cycles, Stopwatch};
pub use command::{Command, CommandError, parse};
pub use device::Device;
pub use hex::{HexError, decode_hex};
pub use line::{Line, LineBuffer};

/// The longest command the runner sends, without its terminator (EEMBC's `EE_CMD_SIZE`).
pub const COMMAND_MAX: usize = 80;

/// The byte that ends a command (EEMBC's `EE_CMD_TERMINATOR`).
pub const TERMINATOR: u8 = b'%';
