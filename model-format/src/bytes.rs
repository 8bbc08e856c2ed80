//! Borrowed byte fields and the fixed-size records packed inside them.
//!
//! postcard encodes a byte string as a varint length followed by the raw bytes, so a
//! weight matrix stored this way can be used straight from flash: nothing is copied.

use core::fmt;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A byte string borrowed from the model file (postcard `bytes`).
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Bytes<'a>(pub(crate) &'a [u8]);

impl fmt::Debug for Bytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bytes({} bytes)", self.0.len())
    }
}

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Bytes<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BorrowedBytes;
        impl<'de> Visitor<'de> for BorrowedBytes {
            type Value = &'de [u8];
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a borrowed byte string")
            }
            fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
                Ok(v)
            }
        }
        deserializer.deserialize_bytes(BorrowedBytes).map(Bytes)
    }
}

/// Reads the little-endian `i32` that starts at byte `at` of `bytes`.
pub(crate) fn le_i32(bytes: &[u8], at: usize) -> Option<i32> {
    let chunk = bytes.get(at..at.checked_add(4)?)?;
    let arr: [u8; 4] = chunk.try_into().ok()?;
    Some(i32::from_le_bytes(arr))
}

/// Reads the little-endian `f32` that starts at byte `at` of `bytes`.
pub(crate) fn le_f32(bytes: &[u8], at: usize) -> Option<f32> {
    le_i32(bytes, at).map(|v| f32::from_bits(v as u32))
}

/// A fixed-point multiplier and shift: `x * multiplier / 2^(31 + shift)`, see SPEC.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Requant {
    /// Q31 multiplier, `0 ..= i32::MAX`.
    pub multiplier: i32,
    /// Extra right shift, [`MIN_SHIFT`]`..=`[`MAX_SHIFT`] (negative shifts left).
    pub shift: i8,
}

/// Smallest legal [`Requant::shift`]: a total shift of 1 bit.
pub const MIN_SHIFT: i8 = -30;
/// Largest legal [`Requant::shift`]: a total shift of 62 bits.
pub const MAX_SHIFT: i8 = 31;

impl Requant {
    /// Whether the loader accepts this multiplier and shift.
    pub fn is_valid(&self) -> bool {
        self.multiplier >= 0 && (MIN_SHIFT..=MAX_SHIFT).contains(&self.shift)
    }

    /// This requantization scaled by `slope` (version 2 layers, SPEC.md §4.3): multiplier
    /// `round_half_up(m * m_slope / 2^31)`, shift `s + s_slope`, so the real factor is
    /// multiplied by `m_slope / 2^(31 + s_slope)`. Exact integer arithmetic; `None` if the
    /// shift leaves the legal range or either input is invalid.
    pub fn scaled_by(self, slope: Requant) -> Option<Requant> {
        if !self.is_valid() || !slope.is_valid() {
            return None;
        }
        i8::try_from(i16::from(self.shift) + i16::from(slope.shift)).ok()?;
        let scaled = self.scaled_by_loaded(slope);
        scaled.is_valid().then_some(scaled)
    }

    /// [`Requant::scaled_by`] without its checks, for the channels of a loaded file
    /// (both multipliers valid, the summed shift legal: the loader checked it). On other
    /// inputs the result is meaningless but the arithmetic still cannot overflow.
    #[inline(always)]
    pub fn scaled_by_loaded(self, slope: Requant) -> Requant {
        let (m, k) = (self.multiplier as u32, slope.multiplier as u32);
        // Both below 2^31: the product is below 2^62 and the result below 2^31.
        let multiplier = ((u64::from(m) * u64::from(k) + (1 << 30)) >> 31) as i32;
        Requant {
            multiplier,
            shift: self.shift.wrapping_add(slope.shift),
        }
    }
}

/// Bytes per output channel of a dense layer's `channels` field.
pub const DENSE_CHANNEL_LEN: usize = 14;
/// Bytes per output channel of a version-2 shared-slope dense layer (layer kind 1).
pub const SHARED_CHANNEL_LEN: usize = 9;
/// Bytes per logit of the head's `channels` field.
pub const HEAD_CHANNEL_LEN: usize = 9;

/// The per-output-channel parameters of a dense layer (14 bytes in the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DenseChannel {
    /// Folded int32 bias (input zero point already folded in).
    pub bias: i32,
    /// Requantization for accumulators `>= 0`.
    pub positive: Requant,
    /// Requantization for accumulators `< 0` (LeakyReLU slope folded in; equal to
    /// `positive` for a linear layer).
    pub negative: Requant,
}

impl DenseChannel {
    /// Decodes the 14-byte record.
    pub fn from_bytes(b: &[u8; DENSE_CHANNEL_LEN]) -> DenseChannel {
        let [b0, b1, b2, b3, p0, p1, p2, p3, n0, n1, n2, n3, ps, ns] = *b;
        DenseChannel {
            bias: i32::from_le_bytes([b0, b1, b2, b3]),
            positive: Requant {
                multiplier: i32::from_le_bytes([p0, p1, p2, p3]),
                shift: ps as i8,
            },
            negative: Requant {
                multiplier: i32::from_le_bytes([n0, n1, n2, n3]),
                shift: ns as i8,
            },
        }
    }

    /// Encodes the 14-byte record.
    pub fn to_bytes(&self) -> [u8; DENSE_CHANNEL_LEN] {
        let [b0, b1, b2, b3] = self.bias.to_le_bytes();
        let [p0, p1, p2, p3] = self.positive.multiplier.to_le_bytes();
        let [n0, n1, n2, n3] = self.negative.multiplier.to_le_bytes();
        [
            b0,
            b1,
            b2,
            b3,
            p0,
            p1,
            p2,
            p3,
            n0,
            n1,
            n2,
            n3,
            self.positive.shift as u8,
            self.negative.shift as u8,
        ]
    }
}

impl DenseChannel {
    /// Encodes the 9-byte shared-slope record (the negative side is not stored).
    pub fn to_shared_bytes(&self) -> [u8; SHARED_CHANNEL_LEN] {
        let [b0, b1, b2, b3] = self.bias.to_le_bytes();
        let [m0, m1, m2, m3] = self.positive.multiplier.to_le_bytes();
        [b0, b1, b2, b3, m0, m1, m2, m3, self.positive.shift as u8]
    }
}

/// The per-logit parameters of the classifier head (9 bytes in the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct HeadChannel {
    /// Folded int32 bias.
    pub bias: i32,
    /// Requantization of the accumulator to the common logit scale.
    pub requant: Requant,
}

impl HeadChannel {
    /// Decodes the 9-byte record.
    pub fn from_bytes(b: &[u8; HEAD_CHANNEL_LEN]) -> HeadChannel {
        let [b0, b1, b2, b3, m0, m1, m2, m3, s] = *b;
        HeadChannel {
            bias: i32::from_le_bytes([b0, b1, b2, b3]),
            requant: Requant {
                multiplier: i32::from_le_bytes([m0, m1, m2, m3]),
                shift: s as i8,
            },
        }
    }

    /// Encodes the 9-byte record.
    pub fn to_bytes(&self) -> [u8; HEAD_CHANNEL_LEN] {
        let [b0, b1, b2, b3] = self.bias.to_le_bytes();
        let [m0, m1, m2, m3] = self.requant.multiplier.to_le_bytes();
        [b0, b1, b2, b3, m0, m1, m2, m3, self.requant.shift as u8]
    }
}
