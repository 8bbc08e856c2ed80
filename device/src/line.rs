//! Assembling commands from the bytes the link receives.

use crate::{COMMAND_MAX, TERMINATOR};

/// What the terminator completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// A command of at most [`COMMAND_MAX`] characters.
    Command(&'a str),
    /// A command longer than [`COMMAND_MAX`] characters (its bytes are dropped).
    TooLong,
    /// A command with bytes that are not printable ASCII.
    NotText,
}

/// The command being received: bytes up to the terminator. Line breaks are ignored, so a
/// terminal's Enter does no harm.
#[derive(Debug, Clone)]
pub struct LineBuffer {
    bytes: [u8; COMMAND_MAX],
    len: usize,
    too_long: bool,
    not_text: bool,
}

impl Default for LineBuffer {
    fn default() -> Self {
        LineBuffer::new()
    }
}

impl LineBuffer {
    /// An empty buffer.
    pub const fn new() -> Self {
        LineBuffer {
            bytes: [0; COMMAND_MAX],
            len: 0,
            too_long: false,
            not_text: false,
        }
    }

    /// Takes one byte; at the terminator, returns the command it completed and starts
    /// the next.
    pub fn push(&mut self, byte: u8) -> Option<Line<'_>> {
        match byte {
            TERMINATOR => {
                let len = core::mem::take(&mut self.len);
                let too_long = core::mem::take(&mut self.too_long);
                let not_text = core::mem::take(&mut self.not_text);
                Some(if too_long {
                    Line::TooLong
                } else if not_text {
                    Line::NotText
                } else {
                    match self.bytes.get(..len).map(core::str::from_utf8) {
                        Some(Ok(text)) => Line::Command(text),
                        _ => Line::NotText,
                    }
                })
            }
            b'\r' | b'\n' => None,
            _ => {
                if !(0x20..0x7f).contains(&byte) {
                    self.not_text = true;
                }
                match self.bytes.get_mut(self.len) {
                    Some(slot) => {
                        *slot = byte;
                        self.len += 1;
                    }
                    None => self.too_long = true,
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed<'a>(buffer: &'a mut LineBuffer, bytes: &[u8]) -> Option<Line<'a>> {
        let (last, rest) = bytes.split_last()?;
        for &b in rest {
            assert_eq!(buffer.push(b), None);
        }
        buffer.push(*last)
    }

    #[test]
    fn commands_end_at_the_terminator_and_long_or_binary_ones_are_named() {
        let mut b = LineBuffer::new();
        assert_eq!(
            feed(&mut b, b"db load 8\r\n%"),
            Some(Line::Command("db load 8"))
        );
        assert_eq!(feed(&mut b, b"%"), Some(Line::Command("")));
        let long = [b'a'; COMMAND_MAX + 1];
        for &x in &long {
            assert_eq!(b.push(x), None);
        }
        assert_eq!(b.push(b'%'), Some(Line::TooLong));
        let exact = [b'a'; COMMAND_MAX];
        for &x in &exact {
            b.push(x);
        }
        assert!(matches!(b.push(b'%'), Some(Line::Command(c)) if c.len() == COMMAND_MAX));
        assert_eq!(feed(&mut b, b"na\xffme%"), Some(Line::NotText));
        assert_eq!(feed(&mut b, b"name%"), Some(Line::Command("name")));
    }
}
