//! Hex payloads of `db` and `bn model` commands.

/// Why a hex payload was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HexError {
    /// An odd number of digits: the last byte is incomplete.
    OddLength,
    /// A character that is not a hex digit, at this position.
    BadDigit(usize),
}

fn digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Checks `text` whole, then hands each byte it spells to `sink` in order: a payload with
/// a bad digit anywhere stores nothing.
pub fn decode_hex(text: &str, mut sink: impl FnMut(u8)) -> Result<usize, HexError> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return Err(HexError::OddLength);
    }
    if let Some(bad) = bytes.iter().position(|&c| digit(c).is_none()) {
        return Err(HexError::BadDigit(bad));
    }
    for pair in bytes.chunks_exact(2) {
        if let [hi, lo] = pair {
            sink((digit(*hi).unwrap_or(0) << 4) | digit(*lo).unwrap_or(0));
        }
    }
    Ok(bytes.len() / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_either_case_and_refuses_bad_payloads_whole() {
        let mut out = std::vec::Vec::new();
        let count = decode_hex("00fFa5", |b| out.push(b));
        assert_eq!((count, out.as_slice()), (Ok(3), &[0x00, 0xff, 0xa5][..]));
        let mut touched = false;
        assert_eq!(
            decode_hex("0a1", |_| touched = true),
            Err(HexError::OddLength)
        );
        assert_eq!(
            decode_hex("0aZ1", |_| touched = true),
            Err(HexError::BadDigit(2))
        );
        assert!(!touched);
    }
}
