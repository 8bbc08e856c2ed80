//! The C firmware example (`examples/c-firmware/`): plain C built with `arm-none-eabi-gcc`
//! against the C API's static library, the model header `bottleneck export --c-header`
//! writes, and the samples in the firmware's format. The QEMU test runs it beside the Rust
//! firmware and checks the same lines.

use std::path::{Path, PathBuf};
use std::process::Command;

use bottleneck_trainer::export_files::c_header;

use crate::Board;
use crate::firmware::Prepared;

/// The C cross compiler (Debian package `gcc-arm-none-eabi`).
pub const C_COMPILER: &str = "arm-none-eabi-gcc";

/// The example's sources.
pub fn c_firmware_dir() -> PathBuf {
    crate::workspace_root().join("examples/c-firmware")
}

/// GCC's flags for `board`'s core, if the C example supports it: the Cortex-M4F (hard-float
/// ABI, as `thumbv7em-none-eabihf` builds the library).
pub fn core_flags(board: Board) -> Option<&'static [&'static str]> {
    match board.name {
        "m4f" => Some(&[
            "-mcpu=cortex-m4",
            "-mthumb",
            "-mfloat-abi=hard",
            "-mfpu=fpv4-sp-d16",
        ]),
        _ => None,
    }
}

/// Builds the C firmware for `board` with `prepared`'s model and samples in `out` (a
/// scratch directory); returns the ELF, or the failing step's output. `target_dir` is
/// where cargo builds the static library (beside the host target directory: the outer
/// cargo holds that one's lock).
pub fn build_c_firmware(
    board: Board,
    prepared: &Prepared,
    out: &Path,
    target_dir: &Path,
) -> Result<PathBuf, String> {
    let flags = core_flags(board).ok_or_else(|| format!("no C build for {}", board.core))?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = crate::workspace_root().join("c-api/Cargo.toml");
    let built = Command::new(cargo)
        .args(["build", "--release", "--manifest-path"])
        .arg(&manifest)
        .args(["--target", board.target])
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !built.status.success() {
        return Err(String::from_utf8_lossy(&built.stderr).into_owned());
    }
    let library = target_dir
        .join(board.target)
        .join("release/libbottleneck_c.a");

    // The model as `bottleneck export --c-header` writes it, the samples, the memory map.
    let model = std::fs::read(&prepared.model).map_err(|e| e.to_string())?;
    let header = c_header("bottleneck_model", &model, "the QEMU test's model");
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(out.join(name), bytes).map_err(|e| format!("{name}: {e}"))
    };
    write("model.h", header.as_bytes())?;
    write(
        "samples.bin",
        &std::fs::read(&prepared.samples).map_err(|e| e.to_string())?,
    )?;
    write("memory.x", board.memory_x().as_bytes())?;

    let sources = c_firmware_dir();
    let include = crate::workspace_root().join("c-api/include");
    let elf = out.join("c-firmware.elf");
    let compiled = Command::new(C_COMPILER)
        .args(flags)
        .args(["-O2", "-std=c99", "-Wall", "-Wextra", "-Werror"])
        .args(["-ffreestanding", "-nostdlib", "-Wl,-z,noexecstack"])
        .arg("-I")
        .arg(&include)
        .arg("-I")
        .arg(out)
        .arg("-L")
        .arg(out)
        .arg("-T")
        .arg(sources.join("link.ld"))
        .arg(sources.join("main.c"))
        .arg(sources.join("startup.c"))
        .arg(&library)
        .arg("-lgcc")
        .arg("-o")
        .arg(&elf)
        .current_dir(out)
        .output()
        .map_err(|e| format!("cannot run {C_COMPILER}: {e}"))?;
    if !compiled.status.success() {
        return Err(String::from_utf8_lossy(&compiled.stderr).into_owned());
    }
    Ok(elf)
}
