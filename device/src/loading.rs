//! A buffer filled by a counted run of hex payloads: `db load N` then `db <hex>`…, and
//! `bn model load N` then `bn model <hex>`….

use bottleneck_runtime::Aligned;

/// Up to `N` bytes on a 4-byte boundary (a model file wants it), with the count announced
/// and the count received so far.
pub(crate) struct Loading<const N: usize> {
    bytes: Aligned<[u8; N]>,
    len: usize,
    expected: usize,
}

/// How a payload left the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Progress {
    /// More bytes are expected.
    Partial,
    /// The announced count has arrived.
    Complete,
}

/// Why a payload or an announcement was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The announced count exceeds the buffer (its capacity).
    TooLarge(usize),
    /// No count was announced.
    NotAnnounced,
    /// The announced bytes have all arrived.
    AlreadyComplete,
}

impl<const N: usize> Loading<N> {
    /// An empty buffer with nothing announced.
    pub(crate) const fn new() -> Self {
        Loading {
            bytes: Aligned([0; N]),
            len: 0,
            expected: 0,
        }
    }

    /// Expects `n` bytes, dropping what the buffer held.
    pub(crate) fn announce(&mut self, n: usize) -> Result<(), Refused> {
        if n > N {
            return Err(Refused::TooLarge(N));
        }
        self.len = 0;
        self.expected = n;
        Ok(())
    }

    /// Appends the bytes `hex` spells (checked by the parser); digits past the announced
    /// count are disregarded, as the reference's `db` does.
    pub(crate) fn push_hex(&mut self, hex: &str) -> Result<Progress, Refused> {
        if self.expected == 0 {
            return Err(Refused::NotAnnounced);
        }
        if self.len >= self.expected {
            return Err(Refused::AlreadyComplete);
        }
        let (buffer, len, expected) = (&mut self.bytes.0, &mut self.len, self.expected);
        let _ = crate::hex::decode_hex(hex, |b| {
            if *len < expected {
                if let Some(slot) = buffer.get_mut(*len) {
                    *slot = b;
                }
                *len += 1;
            }
        });
        Ok(if self.len == self.expected {
            Progress::Complete
        } else {
            Progress::Partial
        })
    }

    /// Whether the announced bytes have all arrived.
    pub(crate) fn complete(&self) -> bool {
        self.expected > 0 && self.len == self.expected
    }

    /// The bytes received so far.
    pub(crate) fn bytes(&self) -> &[u8] {
        self.bytes.0.get(..self.len).unwrap_or(&[])
    }

    /// Bytes received and announced.
    pub(crate) fn counts(&self) -> (usize, usize) {
        (self.len, self.expected)
    }
}
