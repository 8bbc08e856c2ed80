//! The commands the core understands, parsed from one line.

use core::fmt;

use crate::hex::HexError;

/// One command of the runner protocol or of Bottleneck's parity mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command<'a> {
    /// `name`: the device's name.
    Name,
    /// `profile`: the firmware and model versions.
    Profile,
    /// `help`: the commands.
    Help,
    /// `timestamp`: the stopwatch in microseconds (`m-lap-us-…`).
    Timestamp,
    /// `db load N`: expect `N` bytes of input.
    DbLoad(usize),
    /// `db <hex>`: the next input bytes.
    DbHex(&'a str),
    /// `db print`: the input bytes received.
    DbPrint,
    /// `infer N W`: `W` untimed then `N` timed inferences on the input, then the results.
    Infer {
        /// Timed inferences (at least 1; default 1).
        runs: u32,
        /// Untimed warm-up inferences before them (default 10).
        warmup: u32,
    },
    /// `results`: the last inference's results.
    Results,
    /// `bn run`: one inference on the input, every integer and the cycles it took.
    Run,
    /// `bn board`: the board's name, clock and buffer sizes.
    BoardInfo,
    /// `bn model`: the active model's description.
    ModelInfo,
    /// `bn model load N`: expect a model file of `N` bytes.
    ModelLoad(usize),
    /// `bn model <hex>`: the next model bytes.
    ModelHex(&'a str),
    /// `bn model default`: back to the model built into flash.
    ModelDefault,
}

/// Why a line is not a command; its `Display` is the text of the `e-[…]` reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandError<'a> {
    /// The first word names no command.
    Unknown(&'a str),
    /// A command lacks a part.
    Missing(&'static str),
    /// A count is not a number in its range.
    BadNumber {
        /// Which count.
        what: &'static str,
        /// The text given.
        text: &'a str,
    },
    /// A hex payload is malformed.
    BadHex(HexError),
    /// More words than the command takes.
    Extra(&'a str),
}

impl fmt::Display for CommandError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::Unknown(word) => write!(f, "Unknown command: {word}"),
            CommandError::Missing(what) => f.write_str(what),
            CommandError::BadNumber { what, text } => write!(f, "{what}: {text:?} is not valid"),
            CommandError::BadHex(HexError::OddLength) => {
                f.write_str("Insufficent number of hex digits")
            }
            CommandError::BadHex(HexError::BadDigit(at)) => {
                write!(f, "Invalid hex digit at position {at}")
            }
            CommandError::Extra(word) => write!(f, "Unexpected argument: {word}"),
        }
    }
}

fn number<'a>(
    text: &'a str,
    what: &'static str,
    min: u64,
    max: u64,
) -> Result<u64, CommandError<'a>> {
    text.parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or(CommandError::BadNumber { what, text })
}

fn hex(text: &str) -> Result<&str, CommandError<'_>> {
    crate::hex::decode_hex(text, |_| {}).map_err(CommandError::BadHex)?;
    Ok(text)
}

/// Parses one line (without its terminator).
pub fn parse(line: &str) -> Result<Command<'_>, CommandError<'_>> {
    let mut words = line.split(' ').filter(|w| !w.is_empty());
    let command = match words.next() {
        None => return Err(CommandError::Unknown("")),
        Some("name") => Command::Name,
        Some("profile") => Command::Profile,
        Some("help") => Command::Help,
        Some("timestamp") => Command::Timestamp,
        Some("results") => Command::Results,
        Some("db") => match words.next() {
            None => return Err(CommandError::Missing("Command 'db' requires a subcommand")),
            Some("load") => match words.next() {
                None => {
                    return Err(CommandError::Missing(
                        "Command 'db load' requires the # of bytes",
                    ));
                }
                Some(n) => Command::DbLoad(number(n, "db load", 1, u32::MAX.into())? as usize),
            },
            Some("print") => Command::DbPrint,
            Some(payload) => Command::DbHex(hex(payload)?),
        },
        Some("infer") => {
            let runs = match words.next() {
                Some(n) => number(n, "Inference iterations", 1, u32::MAX.into())? as u32,
                None => 1,
            };
            let warmup = match words.next() {
                Some(w) => number(w, "Inference warmup", 0, u32::MAX.into())? as u32,
                None => 10,
            };
            Command::Infer { runs, warmup }
        }
        Some("bn") => match words.next() {
            None => return Err(CommandError::Missing("Command 'bn' requires a subcommand")),
            Some("run") => Command::Run,
            Some("board") => Command::BoardInfo,
            Some("model") => match words.next() {
                None => Command::ModelInfo,
                Some("default") => Command::ModelDefault,
                Some("load") => match words.next() {
                    None => {
                        return Err(CommandError::Missing(
                            "Command 'bn model load' requires the # of bytes",
                        ));
                    }
                    Some(n) => {
                        Command::ModelLoad(number(n, "bn model load", 1, u32::MAX.into())? as usize)
                    }
                },
                Some(payload) => Command::ModelHex(hex(payload)?),
            },
            Some(other) => return Err(CommandError::Unknown(other)),
        },
        Some(other) => return Err(CommandError::Unknown(other)),
    };
    match words.next() {
        Some(extra) => Err(CommandError::Extra(extra)),
        None => Ok(command),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn the_runner_commands_parse_as_the_reference_reads_them() {
        assert_eq!(parse("name"), Ok(Command::Name));
        assert_eq!(parse("db load 2560"), Ok(Command::DbLoad(2560)));
        assert_eq!(parse("db 0aff"), Ok(Command::DbHex("0aff")));
        assert_eq!(parse("db print"), Ok(Command::DbPrint));
        assert_eq!(
            parse("infer 1500 10"),
            Ok(Command::Infer {
                runs: 1500,
                warmup: 10
            })
        );
        assert_eq!(
            parse("infer"),
            Ok(Command::Infer {
                runs: 1,
                warmup: 10
            })
        );
        assert_eq!(
            parse("infer 5"),
            Ok(Command::Infer {
                runs: 5,
                warmup: 10
            })
        );
        assert_eq!(parse("bn model load 900"), Ok(Command::ModelLoad(900)));
        assert_eq!(parse("bn model"), Ok(Command::ModelInfo));
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        let text = |line| match parse(line) {
            Err(e) => e.to_string(),
            Ok(c) => std::format!("parsed as {c:?}"),
        };
        assert_eq!(text("dance"), "Unknown command: dance");
        assert_eq!(text("db"), "Command 'db' requires a subcommand");
        assert_eq!(text("db load 0"), "db load: \"0\" is not valid");
        assert_eq!(text("db load -3"), "db load: \"-3\" is not valid");
        assert_eq!(text("infer 0"), "Inference iterations: \"0\" is not valid");
        assert_eq!(text("db 0a1"), "Insufficent number of hex digits");
        assert_eq!(text("db 0g"), "Invalid hex digit at position 1");
        assert_eq!(text("name now"), "Unexpected argument: now");
        assert_eq!(text("bn fly"), "Unknown command: fly");
    }
}
