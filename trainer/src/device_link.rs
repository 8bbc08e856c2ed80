//! The host side of a board's serial link: commands of the firmware core
//! (`bottleneck-device`) sent over a serial port, replies read up to `m-ready`.

use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

use crate::error::{Result, TrainError};

/// The longest command a board takes (without its `%`).
pub const COMMAND_MAX: usize = 80;

/// A board on a serial port.
pub struct Link {
    port: Box<dyn serialport::SerialPort>,
    path: String,
    timeout: Duration,
    received: Vec<u8>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link").field("path", &self.path).finish()
    }
}

/// The board's answer to one command: its lines before `m-ready`.
pub type Reply = Vec<String>;

impl Link {
    /// Opens `path` (115200 baud, 8N1: what the boards' UARTs use; a USB CDC port or a
    /// pseudo-terminal ignores the rate). A command that gets no `m-ready` within
    /// `timeout` fails.
    pub fn open(path: &str, timeout: Duration) -> Result<Link> {
        let port = serialport::new(path, 115_200)
            .timeout(Duration::from_millis(20))
            .open()
            .map_err(|e| TrainError::Device {
                port: path.to_string(),
                problem: format!("cannot open the serial port: {e}"),
            })?;
        Ok(Link {
            port,
            path: path.to_string(),
            timeout,
            received: Vec::new(),
        })
    }

    /// An error about this link.
    pub fn error(&self, problem: impl Into<String>) -> TrainError {
        TrainError::Device {
            port: self.path.clone(),
            problem: problem.into(),
        }
    }

    fn send(&mut self, text: &str) -> Result<()> {
        let path = self.path.clone();
        self.port
            .write_all(text.as_bytes())
            .and_then(|()| self.port.flush())
            .map_err(|e| TrainError::Device {
                port: path,
                problem: format!("cannot write: {e}"),
            })
    }

    /// The next line, waiting until `deadline`.
    fn line(&mut self, deadline: Instant, command: &str) -> Result<String> {
        loop {
            if let Some(end) = self.received.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.received.drain(..end + 2).take(end).collect();
                return Ok(String::from_utf8_lossy(&line).into_owned());
            }
            if Instant::now() > deadline {
                return Err(self.error(format!(
                    "the board did not answer {command:?} within {:.1} s (is it running the \
                     Bottleneck firmware, and is this its port?)",
                    self.timeout.as_secs_f64()
                )));
            }
            let mut buffer = [0u8; 4096];
            match self.port.read(&mut buffer) {
                Ok(n) => self.received.extend_from_slice(&buffer[..n]),
                Err(e) if e.kind() == ErrorKind::TimedOut || e.kind() == ErrorKind::Interrupted => {
                }
                Err(e) => return Err(self.error(format!("cannot read: {e}"))),
            }
        }
    }

    /// Sends `command` (at most [`COMMAND_MAX`] characters) and returns the lines before
    /// `m-ready`, `e-[…]` ones included.
    pub fn raw(&mut self, command: &str) -> Result<Reply> {
        if command.len() > COMMAND_MAX {
            return Err(self.error(format!(
                "command of {} characters: the board takes at most {COMMAND_MAX}",
                command.len()
            )));
        }
        self.unchecked(command)
    }

    /// [`Link::raw`] without the length check: how a board meets a command over its
    /// limit (its own check must answer `e-[…]`).
    pub fn unchecked(&mut self, command: &str) -> Result<Reply> {
        self.send(&format!("{command}%"))?;
        let deadline = Instant::now() + self.timeout;
        let mut lines = Vec::new();
        loop {
            let line = self.line(deadline, command)?;
            if line == "m-ready" {
                return Ok(lines);
            }
            lines.push(line);
        }
    }

    /// [`Link::raw`], failing with the board's message on an `e-[…]` reply.
    pub fn command(&mut self, command: &str) -> Result<Reply> {
        let lines = self.raw(command)?;
        match lines.iter().find_map(|l| l.strip_prefix("e-[")) {
            Some(message) => Err(self.error(format!(
                "the board refused {command:?}: {}",
                message.trim_end_matches(']')
            ))),
            None => Ok(lines),
        }
    }

    /// Ends whatever half command the board holds and asks the board its name, skipping
    /// any stale output before the answer: the `m-name-dut-[…]` reply's name.
    pub fn sync(&mut self) -> Result<String> {
        self.received.clear();
        self.send("%name%")?;
        let deadline = Instant::now() + self.timeout;
        let name = loop {
            let line = self.line(deadline, "name")?;
            if let Some(name) = line.strip_prefix("m-name-dut-[") {
                break name.trim_end_matches(']').to_string();
            }
        };
        while self.line(deadline, "name")? != "m-ready" {}
        Ok(name)
    }

    /// Sends `bytes` as the input (`db load` and `db` commands of at most 80 characters).
    pub fn load_input(&mut self, bytes: &[u8]) -> Result<()> {
        self.command(&format!("db load {}", bytes.len()))?;
        self.send_hex("db", bytes)
    }

    /// Sends a model file into the board's RAM (`bn model load` and `bn model`); the
    /// board checks it and replies with its description.
    pub fn load_model(&mut self, file: &[u8]) -> Result<Reply> {
        self.command(&format!("bn model load {}", file.len()))?;
        let chunk = (COMMAND_MAX - "bn model ".len()) / 2;
        let mut last = Vec::new();
        for part in file.chunks(chunk) {
            last = self.command(&format!("bn model {}", hex(part)))?;
        }
        Ok(last)
    }

    fn send_hex(&mut self, prefix: &str, bytes: &[u8]) -> Result<()> {
        let chunk = (COMMAND_MAX - prefix.len() - 1) / 2;
        for part in bytes.chunks(chunk) {
            self.command(&format!("{prefix} {}", hex(part)))?;
        }
        Ok(())
    }
}

/// Lower-case hex digits of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The rest of the first line starting with `prefix`.
pub fn field<'a>(lines: &'a [String], prefix: &str) -> Option<&'a str> {
    lines.iter().find_map(|l| l.strip_prefix(prefix))
}

/// The `key=value` pairs of a `m-…-[k=v,…]` line.
pub fn pairs(text: &str) -> Vec<(&str, &str)> {
    text.trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .collect()
}

/// The integers of a `[a,b,c]` list.
pub fn integers(text: &str) -> Option<Vec<i64>> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    inner
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_parse() {
        assert_eq!(integers("[1,-2,3]"), Some(vec![1, -2, 3]));
        assert_eq!(integers("[]"), Some(vec![]));
        assert_eq!(integers("[1,x]"), None);
        assert_eq!(
            pairs("[name=m4f,clock-hz=25000000]"),
            [("name", "m4f"), ("clock-hz", "25000000")]
        );
        assert_eq!(hex(&[0, 255, 16]), "00ff10");
        let lines = vec!["m-a-1".to_string(), "m-bn-class-2".to_string()];
        assert_eq!(field(&lines, "m-bn-class-"), Some("2"));
    }
}
