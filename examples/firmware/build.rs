//! Writes the board's memory map from the one board table (`xtask/src/boards.rs`),
//! embeds the model file and samples named by BOTTLENECK_MODEL and BOTTLENECK_SAMPLES
//! (the QEMU test harness sets them), and sizes the scratch buffers for that model.
//!
//! The board is `BOTTLENECK_BOARD` (a name from the table), or else the first board of
//! the target: two boards with one target triple (say two Armv7E-M parts) coexist.

use std::path::PathBuf;

#[allow(dead_code)]
mod boards {
    include!("../../xtask/src/boards.rs");
}

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    println!("cargo:rerun-if-env-changed=BOTTLENECK_BOARD");
    println!("cargo:rerun-if-changed=../../xtask/src/boards.rs");
    let board = match std::env::var("BOTTLENECK_BOARD") {
        Ok(name) => boards::Board::named(&name)
            .unwrap_or_else(|| panic!("BOTTLENECK_BOARD={name} is not in xtask/src/boards.rs")),
        Err(_) => boards::Board::for_target(&target)
            .unwrap_or_else(|| panic!("no board in xtask/src/boards.rs for target {target}")),
    };
    assert_eq!(
        board.target, target,
        "board {} is built for {}, not {target}",
        board.name, board.target
    );
    std::fs::write(out.join("memory.x"), board.memory_x()).expect("write memory.x");
    // The link firmware's board description: name, clock and UART, from the same row.
    let (uart_kind, uart_base) = match board.uart {
        Some(boards::Uart { kind, base }) => (format!("Some(UartKind::{kind:?})"), base),
        None => ("None".to_string(), 0),
    };
    std::fs::write(
        out.join("board.rs"),
        format!(
            "/// The board's name in the board table (xtask/src/boards.rs).\n\
             pub const BOARD_NAME: &str = {name:?};\n\
             /// The clock its tick counter counts, in Hz.\n\
             pub const CLOCK_HZ: u32 = {clock};\n\
             /// Its link UART's register layout, if the firmware drives it.\n\
             pub const UART_KIND: Option<UartKind> = {uart_kind};\n\
             /// Its link UART's base address.\n\
             pub const UART_BASE: usize = {uart_base:#x};\n\
             /// Bytes of RAM the link firmware sets aside for a model received over the\n\
             /// link: a quarter of the board's RAM, at most 1 MiB (0 without a UART).\n\
             pub const LINK_MODEL_BUFFER: usize = {model_buffer};\n",
            name = board.name,
            clock = board.clock_hz,
            model_buffer = if board.uart.is_some() {
                boards::link_model_buffer(board.ram.1)
            } else {
                0
            },
        ),
    )
    .expect("write board.rs");
    println!("cargo:rustc-link-search={}", out.display());

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

    // A signal for the streaming firmware (bin/stream.rs): optional, empty without it.
    println!("cargo:rerun-if-env-changed=BOTTLENECK_SIGNAL");
    match std::env::var("BOTTLENECK_SIGNAL") {
        Ok(source) => {
            println!("cargo:rerun-if-changed={source}");
            std::fs::copy(&source, out.join("signal.bin"))
                .unwrap_or_else(|e| panic!("BOTTLENECK_SIGNAL={source}: {e}"));
        }
        Err(_) => std::fs::write(out.join("signal.bin"), []).expect("write signal.bin"),
    }

    // The scratch width is the model's widest activation (200 for the seed model, 640 for
    // MLPerf Tiny's AD model): RAM figures then count exactly what that model needs.
    let model = std::fs::read(out.join("model.bin")).expect("model copied above");
    let view = bottleneck_format::ModelView::parse(&model)
        .unwrap_or_else(|e| panic!("BOTTLENECK_MODEL does not load: {e}"));
    let width = view.max_width();
    // A stream's buffers, sized for the model's front end (1 without one).
    let frame = view.front_end().map_or(1, |f| f.frame_samples());
    std::fs::write(
        out.join("width.rs"),
        format!(
            "/// Widest activation of the embedded model: the scratch buffers' width.\n\
             pub const WIDTH: usize = {width};\n\
             /// Samples of one frame of the model's front end (1 without one): a stream's\n\
             /// sample capacity.\n\
             pub const FRAME: usize = {frame};\n\
             /// The model's inputs: a stream's input capacity.\n\
             pub const INPUTS: usize = {inputs};\n",
            inputs = view.n_inputs(),
        ),
    )
    .expect("write width.rs");
}
