//! The project's tools, run as `cargo xtask <command>` (see `main.rs`), and the pieces
//! the cross-crate tests share with them: the one board table, building the firmware and
//! running it under QEMU, and the parts of the benchmark report.

mod boards;

pub use boards::{
    BOARDS, Board, Boot, HARDWARE_BOARDS, HardwareBoard, Uart, UartKind, link_model_buffer,
};

#[cfg(feature = "measure")]
pub mod bench;
#[cfg(feature = "measure")]
pub mod benchmarks;
#[cfg(feature = "measure")]
pub mod board_report;
#[cfg(feature = "measure")]
pub mod c_firmware;
#[cfg(feature = "measure")]
pub mod firmware;
#[cfg(feature = "measure")]
pub mod firmware_report;
pub mod qemu;
#[cfg(feature = "measure")]
pub mod qemu_link;
#[cfg(feature = "measure")]
pub mod stream_firmware;

/// The target directory of a build in another workspace (the firmware's, the boards'):
/// beside the host's `CARGO_TARGET_DIR` with `-suffix` appended, never inside it (the
/// outer cargo holds its lock), else `own`, that workspace's own `target/`.
pub fn target_dir_beside_host(suffix: &str, own: std::path::PathBuf) -> std::path::PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => format!("{}-{suffix}", std::path::Path::new(&dir).display()).into(),
        None => own,
    }
}

/// The workspace's root directory, found at run time from the package directory cargo
/// runs the current program in (`CARGO_MANIFEST_DIR`, set by `cargo run` and `cargo
/// test`), else from where this crate was compiled. A compile-time path goes stale when
/// one target directory serves two checkouts: cargo reuses a build whose sources are not
/// newer than it, and the tests would read, or build firmware from, the other checkout.
pub fn workspace_root() -> std::path::PathBuf {
    let compiled = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return compiled;
    };
    std::path::Path::new(&dir)
        .ancestors()
        .find(|d| d.join("Cargo.lock").is_file() && d.join("xtask/Cargo.toml").is_file())
        .map(std::path::Path::to_path_buf)
        .unwrap_or(compiled)
}
