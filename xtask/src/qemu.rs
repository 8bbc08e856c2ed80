//! `cargo xtask qemu ELF`: the firmware's cargo runner. Picks the board from
//! `BOTTLENECK_BOARD`, or else the first board of the ELF's target, and runs QEMU with
//! the table's machine and CPU, passing its exit status on.

use std::path::Path;
use std::process::Command;

use crate::Board;

/// The board for `elf`: `BOTTLENECK_BOARD` if set, else the first one built for the
/// target triple in the ELF's path (`.../<triple>/<profile>/<binary>`).
pub fn board_for(elf: &Path) -> Result<Board, String> {
    if let Ok(name) = std::env::var("BOTTLENECK_BOARD") {
        return Board::named(&name).ok_or(format!(
            "BOTTLENECK_BOARD={name} is not in the board table (xtask/src/boards.rs)"
        ));
    }
    let triple = elf
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .and_then(|t| t.to_str())
        .unwrap_or("");
    Board::for_target(triple).ok_or(format!(
        "{}: no board for target {triple:?}; set BOTTLENECK_BOARD",
        elf.display()
    ))
}

/// Runs `elf` under QEMU with the output on this terminal; returns QEMU's exit code.
pub fn run(elf: &Path) -> Result<i32, String> {
    let board = board_for(elf)?;
    let status = Command::new(board.qemu)
        .args(board.qemu_args(&elf.to_string_lossy()))
        .status()
        .map_err(|e| format!("cannot start {}: {e}", board.qemu))?;
    Ok(status.code().unwrap_or(1))
}
