//! Picks the board's memory map from the target, and embeds the model file and samples
//! named by BOTTLENECK_MODEL and BOTTLENECK_SAMPLES (the QEMU test harness sets them).

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    let memory = if target.starts_with("thumbv6m") {
        "memory-microbit.x"
    } else {
        "memory-mps2-an386.x"
    };
    std::fs::copy(memory, out.join("memory.x")).expect("copy memory map");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed={memory}");

    for (var, name) in [
        ("BOTTLENECK_MODEL", "model.bin"),
        ("BOTTLENECK_SAMPLES", "samples.bin"),
    ] {
        println!("cargo:rerun-if-env-changed={var}");
        let Ok(source) = std::env::var(var) else {
            panic!(
                "{var} is not set: point it at a file made by the trainer (the QEMU test in \
                 tests/ does this; see README.md, 'Firmware')"
            );
        };
        println!("cargo:rerun-if-changed={source}");
        std::fs::copy(&source, out.join(name)).unwrap_or_else(|e| panic!("{var}={source}: {e}"));
    }
}
