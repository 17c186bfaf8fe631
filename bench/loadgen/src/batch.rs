//! RecordBatch v2 as producers write it: header, records (optionally LZ4-frame compressed), CRC32C
//! (Castagnoli) over attributes..end. Also reads the few header fields a consumer needs.
//!
//! Byte layout of the header (offsets from the batch start):
//! baseOffset i64 @0, batchLength i32 @8, partitionLeaderEpoch i32 @12, magic i8 @16, crc u32 @17,
//! attributes i16 @21, lastOffsetDelta i32 @23, baseTimestamp i64 @27, maxTimestamp i64 @35,
//! producerId i64 @43, producerEpoch i16 @51, baseSequence i32 @53, recordCount i32 @57, records @61.

use crate::wire::{Decoder, Encoder};
use std::io::Write;

pub const HEADER_LEN: usize = 61;
const CRC_OFFSET: usize = 17;
const ATTRIBUTES_OFFSET: usize = 21;
const BASE_TIMESTAMP_OFFSET: usize = 27;
const MAX_TIMESTAMP_OFFSET: usize = 35;
const RECORD_COUNT_OFFSET: usize = 57;
const LAST_OFFSET_DELTA_OFFSET: usize = 23;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Lz4,
}

impl Compression {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(Compression::None),
            "lz4" => Ok(Compression::Lz4),
            other => Err(format!("unsupported compression '{other}' (none, lz4)")),
        }
    }
    fn attribute_bits(self) -> i16 {
        match self {
            Compression::None => 0,
            Compression::Lz4 => 3,
        }
    }
}

/// Where, inside an uncompressed batch, the first record's value starts: the end-to-end mode stamps
/// its send time there.
pub struct BuiltBatch {
    pub bytes: Vec<u8>,
    pub first_value_offset: Option<usize>,
}

/// Builds one batch of `values.len()` records with null keys, all with `timestamp_ms`.
pub fn build(values: &[&[u8]], timestamp_ms: i64, compression: Compression) -> BuiltBatch {
    let mut records = Encoder::default();
    let mut first_value_offset = None;
    for (i, value) in values.iter().enumerate() {
        let mut body = Encoder::default();
        body.i8(0).varint(0).varint(i as i64).varint(-1).varint(value.len() as i64);
        let value_in_body = body.buf.len();
        body.buf.extend_from_slice(value);
        body.varint(0);
        records.varint(body.buf.len() as i64);
        if i == 0 {
            first_value_offset = Some(HEADER_LEN + records.buf.len() + value_in_body);
        }
        records.buf.extend_from_slice(&body.buf);
    }
    let payload = match compression {
        Compression::None => records.buf,
        Compression::Lz4 => {
            first_value_offset = None;
            let mut enc = lz4_flex::frame::FrameEncoder::new(Vec::new());
            enc.write_all(&records.buf).expect("in-memory write");
            enc.finish().expect("in-memory lz4 frame")
        }
    };
    let mut e = Encoder::default();
    e.i64(0).i32(0).i32(-1).i8(2).i32(0);
    e.i16(compression.attribute_bits())
        .i32(values.len() as i32 - 1)
        .i64(timestamp_ms)
        .i64(timestamp_ms)
        .i64(-1)
        .i16(-1)
        .i32(-1)
        .i32(values.len() as i32);
    e.buf.extend_from_slice(&payload);
    let batch_length = (e.buf.len() - 12) as i32;
    e.buf[8..12].copy_from_slice(&batch_length.to_be_bytes());
    seal(&mut e.buf);
    BuiltBatch { bytes: e.buf, first_value_offset }
}

/// Recomputes the CRC32C after a change to bytes it covers.
pub fn seal(batch: &mut [u8]) {
    let crc = crc32c::crc32c(&batch[ATTRIBUTES_OFFSET..]);
    batch[CRC_OFFSET..CRC_OFFSET + 4].copy_from_slice(&crc.to_be_bytes());
}

/// Sets base and max timestamps (covered by the CRC; the caller reseals).
pub fn set_timestamps(batch: &mut [u8], timestamp_ms: i64) {
    batch[BASE_TIMESTAMP_OFFSET..BASE_TIMESTAMP_OFFSET + 8].copy_from_slice(&timestamp_ms.to_be_bytes());
    batch[MAX_TIMESTAMP_OFFSET..MAX_TIMESTAMP_OFFSET + 8].copy_from_slice(&timestamp_ms.to_be_bytes());
}

/// What a consumer learns from one batch header in a fetched record set.
pub struct BatchInfo<'a> {
    pub base_offset: i64,
    pub last_offset_delta: i32,
    pub record_count: i32,
    pub compressed: bool,
    pub bytes: &'a [u8],
}

/// Iterates the complete batches of a fetched record set; a partial trailing batch (a fetch may cut
/// one off at max_bytes) ends the iteration.
pub fn batches(mut data: &[u8]) -> impl Iterator<Item = BatchInfo<'_>> {
    std::iter::from_fn(move || {
        if data.len() < HEADER_LEN {
            return None;
        }
        let len = i32::from_be_bytes(data[8..12].try_into().unwrap());
        let total = 12usize.checked_add(usize::try_from(len).ok()?)?;
        if total < HEADER_LEN || data.len() < total {
            return None;
        }
        let (bytes, rest) = data.split_at(total);
        data = rest;
        let be32 = |o: usize| i32::from_be_bytes(bytes[o..o + 4].try_into().unwrap());
        Some(BatchInfo {
            base_offset: i64::from_be_bytes(bytes[0..8].try_into().unwrap()),
            last_offset_delta: be32(LAST_OFFSET_DELTA_OFFSET),
            record_count: be32(RECORD_COUNT_OFFSET),
            compressed: bytes[ATTRIBUTES_OFFSET + 1] & 0x07 != 0,
            bytes,
        })
    })
}

/// The value of the first record of an uncompressed batch.
pub fn first_value(batch: &[u8]) -> Option<&[u8]> {
    let mut d = Decoder::new(batch.get(HEADER_LEN..)?);
    d.varint().ok()?;
    d.i8().ok()?;
    d.varint().ok()?;
    d.varint().ok()?;
    let key_len = d.varint().ok()?;
    if key_len > 0 {
        for _ in 0..key_len {
            d.i8().ok()?;
        }
    }
    let value_len = usize::try_from(d.varint().ok()?).ok()?;
    let consumed = batch.len() - HEADER_LEN - d.remaining();
    batch.get(HEADER_LEN + consumed..HEADER_LEN + consumed + value_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(n: usize) -> Vec<u8> {
        (0..n).map(|i| b'A' + (i % 26) as u8).collect()
    }

    #[test]
    fn crc_covers_attributes_to_end_and_matches_header() {
        let v = value(100);
        let b = build(&[&v, &v, &v], 1_700_000_000_000, Compression::None).bytes;
        let stored = u32::from_be_bytes(b[17..21].try_into().unwrap());
        assert_eq!(stored, crc32c::crc32c(&b[21..]));
        assert_eq!(i32::from_be_bytes(b[8..12].try_into().unwrap()) as usize, b.len() - 12);
        assert_eq!(b[16], 2);
    }

    #[test]
    fn iterator_reads_back_counts_and_first_value() {
        let v = value(1024);
        let built = build(&[&v, &v], 5, Compression::None);
        let mut two = built.bytes.clone();
        two.extend_from_slice(&built.bytes);
        two.truncate(two.len() - 10);
        let all: Vec<_> = batches(&two).collect();
        assert_eq!(all.len(), 1, "the cut-off second batch is not returned");
        assert_eq!((all[0].record_count, all[0].last_offset_delta, all[0].compressed), (2, 1, false));
        assert_eq!(first_value(&built.bytes).unwrap(), &v[..]);
        assert_eq!(&built.bytes[built.first_value_offset.unwrap()..][..8], &v[..8]);
    }

    #[test]
    fn lz4_batch_decompresses_to_the_plain_records() {
        let v = value(1024);
        let plain = build(&[&v, &v], 5, Compression::None).bytes;
        let packed = build(&[&v, &v], 5, Compression::Lz4).bytes;
        assert_eq!(packed[22] & 0x07, 3);
        assert!(packed.len() < plain.len());
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut lz4_flex::frame::FrameDecoder::new(&packed[HEADER_LEN..]), &mut out).unwrap();
        assert_eq!(out, plain[HEADER_LEN..]);
        assert_eq!(u32::from_be_bytes(packed[17..21].try_into().unwrap()), crc32c::crc32c(&packed[21..]));
    }
}
