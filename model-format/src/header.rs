//! The fixed 16-byte little-endian header in front of the postcard payload.

use crate::Error;

/// The four bytes every Bottleneck model file starts with.
pub const MAGIC: [u8; 4] = *b"BNEK";
/// The newest format version this crate reads and writes.
pub const FORMAT_VERSION: u16 = 4;
/// The oldest format version this crate reads.
pub const OLDEST_VERSION: u16 = 1;
/// Size of the header in bytes.
pub const HEADER_LEN: usize = 16;

/// The CRC used for the payload: CRC-32/ISO-HDLC (the zlib / PNG / Ethernet CRC).
const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// CRC-32/ISO-HDLC of `bytes`, as stored in the header.
pub fn crc32(bytes: &[u8]) -> u32 {
    CRC32.checksum(bytes)
}

/// The decoded header fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Header {
    /// Format version (1 to 4).
    pub version: u16,
    /// Reserved flag bits; all zero in versions 1 to 4.
    pub flags: u16,
    /// Length of the payload that follows the header.
    pub payload_len: u32,
    /// CRC-32 of the payload.
    pub crc32: u32,
}

impl Header {
    /// The header for `payload` in the newest version.
    pub fn for_payload(payload: &[u8]) -> Result<Header, Error> {
        Header::for_payload_version(payload, FORMAT_VERSION)
    }

    /// The header for `payload` in `version` (the writer picks the oldest version that
    /// can hold the file, so files without kind-1 layers stay readable by v1 loaders).
    pub fn for_payload_version(payload: &[u8], version: u16) -> Result<Header, Error> {
        let payload_len = u32::try_from(payload.len()).map_err(|_| Error::OutOfRange {
            what: "payload length",
            found: u32::MAX,
            min: 0,
            max: u32::MAX,
        })?;
        Ok(Header {
            version,
            flags: 0,
            payload_len,
            crc32: crc32(payload),
        })
    }

    /// The 16 header bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        let (magic, rest) = out.split_at_mut(4);
        magic.copy_from_slice(&MAGIC);
        let (version, rest) = rest.split_at_mut(2);
        version.copy_from_slice(&self.version.to_le_bytes());
        let (flags, rest) = rest.split_at_mut(2);
        flags.copy_from_slice(&self.flags.to_le_bytes());
        let (len, crc) = rest.split_at_mut(4);
        len.copy_from_slice(&self.payload_len.to_le_bytes());
        crc.copy_from_slice(&self.crc32.to_le_bytes());
        out
    }

    /// Checks the header of `file` and returns it with the payload it guards.
    ///
    /// Checks run in file order: length, magic, version, flags, payload length, CRC, so
    /// the error names the first thing wrong.
    pub fn split(file: &[u8]) -> Result<(Header, &[u8]), Error> {
        let Some((head, payload)) = file.split_first_chunk::<HEADER_LEN>() else {
            return Err(Error::TooShort { len: file.len() });
        };
        let [
            m0,
            m1,
            m2,
            m3,
            v0,
            v1,
            f0,
            f1,
            l0,
            l1,
            l2,
            l3,
            c0,
            c1,
            c2,
            c3,
        ] = *head;
        let found = [m0, m1, m2, m3];
        if found != MAGIC {
            return Err(Error::BadMagic { found });
        }
        let version = u16::from_le_bytes([v0, v1]);
        if !(OLDEST_VERSION..=FORMAT_VERSION).contains(&version) {
            return Err(Error::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let flags = u16::from_le_bytes([f0, f1]);
        if flags != 0 {
            return Err(Error::UnsupportedFlags { flags });
        }
        let payload_len = u32::from_le_bytes([l0, l1, l2, l3]);
        if usize::try_from(payload_len).ok() != Some(payload.len()) {
            return Err(Error::LengthMismatch {
                declared: payload_len,
                actual: payload.len(),
            });
        }
        let stored = u32::from_le_bytes([c0, c1, c2, c3]);
        let computed = crc32(payload);
        if stored != computed {
            return Err(Error::CrcMismatch { stored, computed });
        }
        Ok((
            Header {
                version,
                flags,
                payload_len,
                crc32: stored,
            },
            payload,
        ))
    }
}
