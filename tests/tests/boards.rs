//! The real boards' crates (`boards/`): each agrees with its row of the board table
//! (`HARDWARE_BOARDS`), and each builds as a user flashes it (release, LTO) with a model
//! in flash that fits the board. Nothing here runs on hardware: the README says which
//! parts are verified in emulation and which only build.
//!
//! The build test needs every board's Rust target (rust-toolchain.toml lists them), so it
//! is `#[ignore]`d; `./scripts/check` runs it (`--ignored`).

use std::path::Path;

use xtask::board_report::{
    build, config_mismatch, crate_dir, embeds, emulated_boards_exist, usage,
};
use xtask::firmware::prepare;
use xtask::{HARDWARE_BOARDS, workspace_root};

#[test]
fn every_board_crate_and_its_table_row_agree() {
    assert!(
        emulated_boards_exist(),
        "a row's emulated_as names no QEMU board"
    );
    for board in HARDWARE_BOARDS {
        let manifest = std::fs::read_to_string(crate_dir(&board).join("Cargo.toml"))
            .unwrap_or_else(|e| panic!("boards/{}/Cargo.toml: {e}", board.name));
        assert!(
            manifest.contains("build = \"../board-build.rs\""),
            "boards/{} must use the shared build script, which reads the table",
            board.name
        );
        if let Some(mismatch) = config_mismatch(&board) {
            panic!("{mismatch}");
        }
        assert!(board.flash.1 > 0 && board.ram.1 > 0 && board.clock_hz > 0);
    }
    // Every crate directory has a row (the shared glue crate aside).
    let dirs = std::fs::read_dir(workspace_root().join("boards")).expect("boards/");
    for entry in dirs.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().join("Cargo.toml").exists() && name != "glue" {
            assert!(
                HARDWARE_BOARDS.iter().any(|b| b.name == name),
                "boards/{name} has no row in HARDWARE_BOARDS"
            );
        }
    }
}

#[test]
#[ignore = "builds every board crate for its target: run by ./scripts/check"]
fn every_board_builds_with_its_model_in_flash() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let prepared = prepare(dir.path(), 1);
    let model = std::fs::read(&prepared.model).expect("model");
    for board in HARDWARE_BOARDS {
        let elf = build(&board, &prepared.model).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            embeds(&elf, &model).expect("read the ELF"),
            "boards/{}: the model file is not in the image byte for byte",
            board.name
        );
        let used = usage(&board, &elf).expect("read the ELF");
        eprintln!("{}: flash {} B, RAM {} B", board.name, used.flash, used.ram);
        assert!(used.flash > model.len() as u64, "{}: {used:?}", board.name);
        assert!(
            used.flash <= u64::from(board.flash.1) && used.ram <= u64::from(board.ram.1),
            "boards/{} does not fit: {used:?} in {:?} flash, {:?} RAM",
            board.name,
            board.flash,
            board.ram
        );
    }
}

#[test]
#[ignore = "builds a board crate: run by ./scripts/check"]
fn a_board_built_without_a_model_file_says_which_file() {
    let board = HARDWARE_BOARDS[0];
    let missing = Path::new("/nonexistent/model.bin");
    let error = build(&board, missing).expect_err("no model, no firmware");
    assert!(
        error.contains("BOTTLENECK_MODEL=/nonexistent/model.bin") && error.contains("train"),
        "{error}"
    );
}
