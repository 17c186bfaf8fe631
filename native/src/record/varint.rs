//! Zigzag varints as records use them (protobuf encoding, `DefaultRecord.java`): every length, delta
//! and count inside a record is a signed zigzag varint, null being −1 (one byte, 0x01). These differ
//! from the unsigned varints of compact fields in flexible protocol messages.
//!
//! The reader is a cursor over untrusted bytes: every read is bounds-checked and returns
//! `InvalidRecord` instead of panicking, and an int32 varint longer than 5 bytes (int64: 10) is refused,
//! as Kafka's `ByteUtils.readVarint` does.

use crate::error::{EngineError, Result};

/// A bounds-checked cursor over record bytes.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, position: 0 }
    }

    /// Every byte of the cursor, read or not.
    pub(crate) fn all(&self) -> &'a [u8] {
        self.bytes
    }

    pub(crate) fn position(&self) -> usize {
        self.position
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.position
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.position == self.bytes.len()
    }

    pub(crate) fn read_u8(&mut self) -> Result<u8> {
        let byte = *self.bytes.get(self.position).ok_or_else(|| invalid("record ends inside a field"))?;
        self.position += 1;
        Ok(byte)
    }

    fn read_unsigned(&mut self, max_bytes: usize) -> Result<u64> {
        // Most varints in a record (attributes aside: deltas, short lengths, header counts) are one byte.
        if let Some(&byte) = self.bytes.get(self.position) {
            if byte < 0x80 {
                self.position += 1;
                return Ok(u64::from(byte));
            }
        }
        let mut value = 0u64;
        for index in 0..max_bytes {
            let byte = self.read_u8()?;
            value |= u64::from(byte & 0x7f) << (7 * index);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(invalid("varint is too long"))
    }

    /// A zigzag int32 varint (at most 5 bytes).
    pub(crate) fn read_varint(&mut self) -> Result<i32> {
        let raw = self.read_unsigned(5)?;
        let raw = u32::try_from(raw).map_err(|_| invalid("varint overflows int32"))?;
        Ok(((raw >> 1) as i32) ^ -((raw & 1) as i32))
    }

    /// A zigzag int64 varint (at most 10 bytes).
    pub(crate) fn read_varlong(&mut self) -> Result<i64> {
        let raw = self.read_unsigned(10)?;
        Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64))
    }

    /// The next `length` bytes.
    pub(crate) fn read_bytes(&mut self, length: usize) -> Result<&'a [u8]> {
        if length > self.remaining() {
            return Err(invalid("length runs past the end of the record"));
        }
        let slice = &self.bytes[self.position..self.position + length];
        self.position += length;
        Ok(slice)
    }

    /// A varint length followed by that many bytes; −1 is null, any other negative length is invalid.
    pub(crate) fn read_nullable_bytes(&mut self) -> Result<Option<&'a [u8]>> {
        match self.read_varint()? {
            -1 => Ok(None),
            length if length < 0 => Err(invalid("negative length")),
            length => self.read_bytes(length as usize).map(Some),
        }
    }
}

fn invalid(reason: &str) -> EngineError {
    EngineError::InvalidRecord(reason.to_string())
}

fn zigzag32(value: i32) -> u64 {
    u64::from(((value << 1) ^ (value >> 31)) as u32)
}

fn zigzag64(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn unsigned_size(mut raw: u64) -> usize {
    let mut size = 1;
    while raw >= 0x80 {
        raw >>= 7;
        size += 1;
    }
    size
}

fn write_unsigned(out: &mut Vec<u8>, mut raw: u64) {
    while raw >= 0x80 {
        out.push((raw as u8) | 0x80);
        raw >>= 7;
    }
    out.push(raw as u8);
}

pub(crate) fn varint_size(value: i32) -> usize {
    unsigned_size(zigzag32(value))
}

pub(crate) fn varlong_size(value: i64) -> usize {
    unsigned_size(zigzag64(value))
}

pub(crate) fn write_varint(out: &mut Vec<u8>, value: i32) {
    write_unsigned(out, zigzag32(value));
}

pub(crate) fn write_varlong(out: &mut Vec<u8>, value: i64) {
    write_unsigned(out, zigzag64(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_vectors_match_kafka() {
        // ByteUtilsTest: 0 → 00, -1 → 01, 1 → 02, 63 → 7e, -64 → 7f, 64 → 80 01, i32::MIN → ff ff ff ff 0f.
        let cases: [(i32, &[u8]); 7] = [
            (0, &[0x00]),
            (-1, &[0x01]),
            (1, &[0x02]),
            (63, &[0x7e]),
            (-64, &[0x7f]),
            (64, &[0x80, 0x01]),
            (i32::MIN, &[0xff, 0xff, 0xff, 0xff, 0x0f]),
        ];
        for (value, bytes) in cases {
            let mut out = Vec::new();
            write_varint(&mut out, value);
            assert_eq!(out, bytes, "{value}");
            assert_eq!(varint_size(value), bytes.len());
            assert_eq!(Reader::new(bytes).read_varint().unwrap(), value);
        }
    }

    #[test]
    fn varlong_round_trips_extremes() {
        for value in [0, -1, i64::MIN, i64::MAX, 1 << 40, -(1 << 40)] {
            let mut out = Vec::new();
            write_varlong(&mut out, value);
            assert_eq!(out.len(), varlong_size(value));
            assert_eq!(Reader::new(&out).read_varlong().unwrap(), value);
        }
    }

    #[test]
    fn overlong_and_truncated_varints_are_invalid() {
        assert!(Reader::new(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).read_varint().is_err());
        assert!(Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x1f]).read_varint().is_err());
        assert!(Reader::new(&[0x80]).read_varint().is_err());
        assert!(Reader::new(&[0x80; 11]).read_varlong().is_err());
    }

    #[test]
    fn nullable_bytes() {
        assert_eq!(Reader::new(&[0x01]).read_nullable_bytes().unwrap(), None);
        assert_eq!(Reader::new(&[0x04, 7, 8]).read_nullable_bytes().unwrap(), Some(&[7u8, 8][..]));
        assert!(Reader::new(&[0x06, 7, 8]).read_nullable_bytes().is_err());
        assert!(Reader::new(&[0x03]).read_nullable_bytes().is_err());
    }
}
