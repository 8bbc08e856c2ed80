//! The build script every board crate names in its Cargo.toml (`build =
//! "../board-build.rs"`). It finds the crate's row in the board table
//! (`xtask/src/boards.rs`, `HARDWARE_BOARDS`, by the crate's directory name), writes its
//! `memory.x`, and embeds the model file named by `BOTTLENECK_MODEL` (the crates'
//! `.cargo/config.toml` points it at the trainer's `artifacts/model.bin`).

use std::path::{Path, PathBuf};

#[allow(dead_code)]
mod boards {
    include!("../xtask/src/boards.rs");
}

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    println!("cargo:rerun-if-changed=../../xtask/src/boards.rs");
    let board = boards::HardwareBoard::named(name).unwrap_or_else(|| {
        panic!("boards/{name} has no row in the board table (xtask/src/boards.rs, HARDWARE_BOARDS)")
    });
    assert_eq!(
        board.target, target,
        "board {name} is built for {}, not {target}",
        board.target
    );
    if let Some(memory) = board.memory_x() {
        std::fs::write(out.join("memory.x"), memory).expect("write memory.x");
    }
    // A crate's own linker scripts (the RP2350 RISC-V one) go beside memory.x.
    for entry in std::fs::read_dir(&dir)
        .expect("read the crate directory")
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "x") {
            println!("cargo:rerun-if-changed={}", path.display());
            std::fs::copy(&path, out.join(entry.file_name())).expect("copy a linker script");
        }
    }
    println!("cargo:rustc-link-search={}", out.display());

    println!("cargo:rerun-if-env-changed=BOTTLENECK_MODEL");
    let Ok(source) = std::env::var("BOTTLENECK_MODEL") else {
        panic!("BOTTLENECK_MODEL is not set: point it at a model file made by `bottleneck train`")
    };
    let source = dir.join(source);
    println!("cargo:rerun-if-changed={}", source.display());
    let model = std::fs::read(&source).unwrap_or_else(|e| {
        panic!(
            "BOTTLENECK_MODEL={}: {e} (train one first: cargo run -p bottleneck-trainer -- train)",
            source.display()
        )
    });
    // The scratch width is the model's widest activation: RAM then holds what it needs.
    let width = bottleneck_format::ModelView::parse(&model)
        .map(|v| v.max_width())
        .unwrap_or_else(|e| panic!("BOTTLENECK_MODEL={} does not load: {e}", source.display()));
    std::fs::write(out.join("model.bin"), &model).expect("write model.bin");
    let board_rs = board_rs(&board, width, &out.join("model.bin"));
    std::fs::write(out.join("board.rs"), board_rs).expect("write board.rs");
}

/// The board's constants and the embedded model (`model`), for `include!` in its
/// `main.rs`.
fn board_rs(board: &boards::HardwareBoard, width: usize, model: &Path) -> String {
    format!(
        "/// The board, as the firmware names itself (`bn board`).\n\
         pub const BOARD_NAME: &str = {product:?};\n\
         /// The rate of the cycle counter the firmware times with, in Hz.\n\
         pub const CLOCK_HZ: u32 = {clock};\n\
         /// Widest activation of the embedded model: the scratch buffers' width.\n\
         pub const WIDTH: usize = {width};\n\
         /// Input bytes a board takes: a float sample of the widest model.\n\
         pub const INPUT: usize = 4 * WIDTH;\n\
         /// RAM set aside for a model received over the link: a quarter of the board's\n\
         /// RAM, at most 1 MiB.\n\
         pub const MODEL_BUFFER: usize = {buffer};\n\
         /// The model built into flash, on a 4-byte boundary for the word-pair kernels.\n\
         pub static MODEL: &[u8] = ALIGNED_MODEL.bytes();\n\
         static ALIGNED_MODEL: &bottleneck_runtime::Aligned<[u8]> =\n    \
         &bottleneck_runtime::Aligned(*include_bytes!({model:?}));\n",
        product = board.product,
        clock = board.clock_hz,
        buffer = boards::link_model_buffer(board.ram.1),
    )
}
