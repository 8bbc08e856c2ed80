//! The project's tools, run as `cargo xtask <command>` (see `main.rs`), and the pieces
//! the cross-crate tests share with them: the one board table, building the firmware and
//! running it under QEMU, and the parts of the benchmark report.

mod boards;

pub use boards::{BOARDS, Board};

#[cfg(feature = "measure")]
pub mod bench;
#[cfg(feature = "measure")]
pub mod benchmarks;
#[cfg(feature = "measure")]
pub mod c_firmware;
#[cfg(feature = "measure")]
pub mod firmware;
#[cfg(feature = "measure")]
pub mod firmware_report;
pub mod qemu;
