//! An emulated board whose UART is a pseudo-terminal: the link firmware
//! (`examples/firmware/src/bin/link.rs`) under QEMU with `-serial pty`, so the host talks
//! to it through a serial port path exactly as to a real board.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::Board;

/// A running QEMU; stopped when dropped.
#[derive(Debug)]
pub struct LinkedBoard {
    child: Child,
    /// The pseudo-terminal of the board's UART (`/dev/pts/N`).
    pub port: String,
}

impl LinkedBoard {
    /// Starts `elf` on `board` with its UART on a new pseudo-terminal; `paused` starts the
    /// CPU stopped (QEMU's `-S`), a board that never answers.
    pub fn start(board: Board, elf: &Path, paused: bool) -> Result<LinkedBoard, String> {
        let mut args = board.qemu_args_with_serial(&elf.to_string_lossy(), "pty");
        if paused {
            args.push("-S".into());
        }
        let mut child = Command::new(board.qemu)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", board.qemu))?;
        // QEMU names the terminal ("char device redirected to /dev/pts/N (...)") on its
        // standard output under -nographic; both streams are read to the end, so QEMU never
        // blocks on a full pipe (a panic message arrives there too).
        let (tx, rx) = mpsc::channel();
        let streams: [Box<dyn std::io::Read + Send>; 2] = [
            Box::new(child.stdout.take().ok_or("no stdout")?),
            Box::new(child.stderr.take().ok_or("no stderr")?),
        ];
        for stream in streams {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Some(at) = line.find("/dev/pts/") {
                        let path: String = line[at..]
                            .chars()
                            .take_while(|c| !c.is_whitespace())
                            .collect();
                        let _ = tx.send(path);
                    }
                }
            });
        }
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(port) => Ok(LinkedBoard { child, port }),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!(
                    "{} named no pseudo-terminal within 20 s",
                    board.qemu
                ))
            }
        }
    }
}

impl Drop for LinkedBoard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
