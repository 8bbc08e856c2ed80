//! The one error type of the format crate.

use core::fmt;

/// Why a byte string is not a valid Bottleneck model file.
///
/// Every check the loader makes has its own variant, so a device can report exactly which
/// part of a flashed file is wrong. `what` fields name the offending field in the words of
/// `SPEC.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// The buffer is shorter than the 16-byte header.
    TooShort {
        /// Length of the buffer in bytes.
        len: usize,
    },
    /// The first four bytes are not the Bottleneck magic `BNEK`.
    BadMagic {
        /// The four bytes found instead.
        found: [u8; 4],
    },
    /// The header names a format version this loader does not read.
    UnsupportedVersion {
        /// Version stored in the file.
        found: u16,
        /// Newest version this loader reads (it reads every version from 1 up to it).
        supported: u16,
    },
    /// Reserved header flag bits are set; versions 1 to 4 define no flags, so only zero loads.
    UnsupportedFlags {
        /// The flags word as stored.
        flags: u16,
    },
    /// The payload length in the header disagrees with the bytes after the header.
    LengthMismatch {
        /// Payload length stored in the header.
        declared: u32,
        /// Bytes actually present after the header.
        actual: usize,
    },
    /// The CRC-32 of the payload differs from the one in the header.
    CrcMismatch {
        /// CRC stored in the header.
        stored: u32,
        /// CRC computed over the payload.
        computed: u32,
    },
    /// A payload field could not be decoded (truncated, bad varint, invalid UTF-8, ...).
    Malformed {
        /// The field being decoded.
        what: &'static str,
    },
    /// A field is encoded with more bytes than its minimal encoding (an overlong varint):
    /// the format accepts exactly one encoding of each value.
    NonCanonical {
        /// The field being decoded.
        what: &'static str,
    },
    /// The payload decoded completely but bytes were left over.
    TrailingBytes {
        /// Number of unread payload bytes.
        count: usize,
    },
    /// A layer record has a kind this loader does not know (a later format's layer).
    UnknownLayerKind {
        /// Index of the layer.
        layer: usize,
        /// Kind tag found.
        kind: u32,
    },
    /// A count or dimension lies outside what the format or the runtime's compile-time
    /// capacity allows.
    OutOfRange {
        /// The dimension or count.
        what: &'static str,
        /// Value found in the file.
        found: u32,
        /// Smallest allowed value.
        min: u32,
        /// Largest allowed value.
        max: u32,
    },
    /// Two parts of the file disagree on a size (a layer's input width versus the previous
    /// layer's output, or a byte field's length versus its dimensions).
    ShapeMismatch {
        /// The field whose size is wrong.
        what: &'static str,
        /// Size implied by the dimensions.
        expected: usize,
        /// Size found.
        found: usize,
    },
    /// A weight matrix does not start on a 4-byte boundary of the file (version 3): its
    /// padding field has the wrong length.
    Misaligned {
        /// The weight matrix.
        what: &'static str,
        /// Its offset from the start of the file.
        offset: usize,
    },
    /// The padding field in front of a version-3 weight matrix is 4 bytes or longer; the
    /// format allows only the 0 to 3 bytes that put the matrix on a word boundary.
    PaddingTooLong {
        /// The weight matrix the padding precedes.
        what: &'static str,
        /// Length of the padding field.
        len: usize,
    },
    /// A byte of the padding field in front of a version-3 weight matrix is not zero.
    NonZeroPadding {
        /// The weight matrix the padding precedes.
        what: &'static str,
        /// File offset of the first non-zero padding byte.
        offset: usize,
    },
    /// A weight row's padding (version 3: the bytes after `n_in` weights, up to the row
    /// stride) holds a non-zero byte.
    NonZeroRowPadding {
        /// The weight matrix.
        what: &'static str,
        /// The row (output channel or logit) whose padding is not zero.
        row: usize,
        /// File offset of the first non-zero padding byte.
        offset: usize,
    },
    /// Parts of the file contradict each other in a way no single size or range captures
    /// (an anomaly section without a decoder, a decoder whose output is not on the
    /// input's scale).
    Inconsistent {
        /// What disagrees with what.
        what: &'static str,
    },
    /// A numeric parameter is outside its legal range (negative multiplier, shift out of
    /// range, bias that could overflow the accumulator, non-finite scale, bad class index).
    ParameterOutOfRange {
        /// The parameter.
        what: &'static str,
        /// Index of the channel, feature, class or vector it belongs to.
        index: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::TooShort { len } => {
                write!(f, "file is {len} bytes, shorter than the 16-byte header")
            }
            Error::BadMagic { found } => {
                write!(
                    f,
                    "bad magic {found:02x?}, expected \"BNEK\" (not a Bottleneck model)"
                )
            }
            Error::UnsupportedVersion { found, supported } => write!(
                f,
                "model format version {found} is not supported; this loader reads versions 1 to {supported}"
            ),
            Error::UnsupportedFlags { flags } => {
                write!(f, "reserved header flags set: {flags:#06x}")
            }
            Error::LengthMismatch { declared, actual } => write!(
                f,
                "header declares a {declared}-byte payload but {actual} bytes follow it"
            ),
            Error::CrcMismatch { stored, computed } => write!(
                f,
                "payload CRC-32 is {computed:#010x} but the header says {stored:#010x} (corrupt file)"
            ),
            Error::Malformed { what } => write!(f, "could not decode {what}"),
            Error::NonCanonical { what } => {
                write!(
                    f,
                    "{what} is not in its shortest encoding (overlong varint)"
                )
            }
            Error::TrailingBytes { count } => {
                write!(f, "{count} unexpected bytes after the last payload field")
            }
            Error::UnknownLayerKind { layer, kind } => {
                write!(f, "layer {layer} has unknown kind {kind}")
            }
            Error::OutOfRange {
                what,
                found,
                min,
                max,
            } => write!(f, "{what} is {found}, allowed {min}..={max}"),
            Error::ShapeMismatch {
                what,
                expected,
                found,
            } => write!(f, "{what} has size {found}, expected {expected}"),
            Error::Misaligned { what, offset } => write!(
                f,
                "{what} starts at file offset {offset}, not on a 4-byte boundary"
            ),
            Error::PaddingTooLong { what, len } => write!(
                f,
                "the padding before {what} is {len} bytes; only the 0 to 3 zero bytes that \
                 word-align it are allowed"
            ),
            Error::NonZeroPadding { what, offset } => write!(
                f,
                "the padding byte at file offset {offset}, before {what}, is not zero"
            ),
            Error::NonZeroRowPadding { what, row, offset } => write!(
                f,
                "row {row} of {what} has a non-zero padding byte at file offset {offset}"
            ),
            Error::Inconsistent { what } => write!(f, "inconsistent model: {what}"),
            Error::ParameterOutOfRange { what, index } => {
                write!(f, "{what} at index {index} is out of range")
            }
        }
    }
}

impl core::error::Error for Error {}

/// Why the writer (`alloc` feature) could not turn a model description into a file.
///
/// Separate from the loader's [`Error`], so the reader's error type is the same with and
/// without the writer.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteError {
    /// The description holds something the format cannot store.
    Unwritable {
        /// What cannot be stored.
        what: &'static str,
    },
    /// The written bytes fail the loader's own checks (the source says which).
    Invalid(Error),
}

#[cfg(feature = "alloc")]
impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Unwritable { what } => write!(f, "cannot write model: {what}"),
            WriteError::Invalid(_) => f.write_str("the written model would not load"),
        }
    }
}

#[cfg(feature = "alloc")]
impl core::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            WriteError::Invalid(e) => Some(e),
            WriteError::Unwritable { .. } => None,
        }
    }
}
