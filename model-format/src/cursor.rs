//! A hand-written reader for the fields of an already checked payload, for the one
//! decode that runs on every inference: walking the version-3 layer records. serde's
//! generic path costs about a thousand instructions per layer on a Cortex-M; this reads
//! the same bytes (SPEC.md §3 encodings) in a few dozen. Parsing keeps using postcard
//! and its checks; a test compares both readers on every record they meet.

use crate::bytes::Bytes;
use crate::records::AlignedDenseRecord;

/// The unread rest of a payload.
pub(crate) struct Cursor<'a>(pub(crate) &'a [u8]);

impl<'a> Cursor<'a> {
    fn u8(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    /// An unsigned LEB128 varint of at most 5 bytes.
    pub(crate) fn varint(&mut self) -> Option<u32> {
        let mut value = 0u32;
        for k in 0..5 {
            let b = self.u8()?;
            value |= u32::from(b & 0x7f) << (7 * k);
            if b & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn u16(&mut self) -> Option<u16> {
        u16::try_from(self.varint()?).ok()
    }

    fn i32(&mut self) -> Option<i32> {
        let z = self.varint()?;
        Some(((z >> 1) as i32) ^ -((z & 1) as i32))
    }

    fn f32(&mut self) -> Option<f32> {
        let (head, rest) = self.0.split_first_chunk::<4>()?;
        self.0 = rest;
        Some(f32::from_le_bytes(*head))
    }

    fn bytes(&mut self) -> Option<Bytes<'a>> {
        let len = usize::try_from(self.varint()?).ok()?;
        let (head, rest) = self.0.split_at_checked(len)?;
        self.0 = rest;
        Some(Bytes(head))
    }

    /// A kind-2 layer record (after its kind tag).
    pub(crate) fn aligned_dense(&mut self) -> Option<AlignedDenseRecord<'a>> {
        Some(AlignedDenseRecord {
            role: self.u8()?,
            n_in: self.u16()?,
            n_out: self.u16()?,
            output_scale: self.f32()?,
            output_zero_point: self.u8()? as i8,
            activation: self.u8()?,
            slope_multiplier: self.i32()?,
            slope_shift: self.u8()? as i8,
            channels: self.bytes()?,
            padding: self.bytes()?,
            weights: self.bytes()?,
        })
    }
}
