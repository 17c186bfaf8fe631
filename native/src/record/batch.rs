//! The RecordBatch v2 header: its byte layout, parsing, CRC check, and the in-place rewrites the log
//! makes on append.
//!
//! Layout (big-endian; `DefaultRecordBatch.java`). The CRC-32C covers bytes 21 to the end of the batch,
//! so baseOffset and partitionLeaderEpoch can be stamped without recomputing it.
//!
//! | offset | field                | type   | in CRC |
//! |-------:|----------------------|--------|--------|
//! |      0 | baseOffset           | int64  | no     |
//! |      8 | batchLength          | int32  | no     | bytes after this field: total size − 12
//! |     12 | partitionLeaderEpoch | int32  | no     |
//! |     16 | magic (= 2)          | int8   | no     |
//! |     17 | crc (CRC-32C)        | uint32 | no     |
//! |     21 | attributes           | int16  | yes    | bits 0–2 codec, 3 LogAppendTime, 4 transactional, 5 control
//! |     23 | lastOffsetDelta      | int32  | yes    |
//! |     27 | baseTimestamp        | int64  | yes    |
//! |     35 | maxTimestamp         | int64  | yes    |
//! |     43 | producerId           | int64  | yes    |
//! |     51 | producerEpoch        | int16  | yes    |
//! |     53 | baseSequence         | int32  | yes    |
//! |     57 | recordsCount         | int32  | yes    | never compressed
//! |     61 | records              |        | yes    | one compressed blob when the codec is not none

use crate::crc::crc32c;
use crate::error::{EngineError, Result};
use crate::record::compression::Compression;

pub const BASE_OFFSET_OFFSET: usize = 0;
pub const BATCH_LENGTH_OFFSET: usize = 8;
pub const PARTITION_LEADER_EPOCH_OFFSET: usize = 12;
pub const MAGIC_OFFSET: usize = 16;
pub const CRC_OFFSET: usize = 17;
pub const ATTRIBUTES_OFFSET: usize = 21;
pub const LAST_OFFSET_DELTA_OFFSET: usize = 23;
pub const BASE_TIMESTAMP_OFFSET: usize = 27;
pub const MAX_TIMESTAMP_OFFSET: usize = 35;
pub const PRODUCER_ID_OFFSET: usize = 43;
pub const PRODUCER_EPOCH_OFFSET: usize = 51;
pub const BASE_SEQUENCE_OFFSET: usize = 53;
pub const RECORDS_COUNT_OFFSET: usize = 57;
pub const RECORDS_OFFSET: usize = 61;

/// Size of the v2 header (Kafka's `RECORD_BATCH_OVERHEAD`).
pub const HEADER_LEN: usize = 61;
/// baseOffset + batchLength, the part of the header that batchLength does not count (`LOG_OVERHEAD`).
pub const LOG_OVERHEAD: usize = 12;
pub const MAGIC: i8 = 2;
/// producerId (and epoch, sequence) of a batch from a producer that is neither idempotent nor transactional.
pub const NO_PRODUCER_ID: i64 = -1;
pub const NO_SEQUENCE: i32 = -1;
pub const NO_TIMESTAMP: i64 = -1;

pub const COMPRESSION_MASK: i16 = 0x07;
pub const TIMESTAMP_TYPE_BIT: i16 = 0x08;
pub const TRANSACTIONAL_BIT: i16 = 0x10;
pub const CONTROL_BIT: i16 = 0x20;
pub const DELETE_HORIZON_BIT: i16 = 0x40;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampType {
    CreateTime,
    LogAppendTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchHeader {
    pub base_offset: i64,
    pub batch_length: i32,
    pub partition_leader_epoch: i32,
    pub magic: i8,
    pub crc: u32,
    pub attributes: i16,
    pub last_offset_delta: i32,
    pub base_timestamp: i64,
    pub max_timestamp: i64,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    pub records_count: i32,
}

pub(crate) fn read_i16(bytes: &[u8], at: usize) -> i16 {
    i16::from_be_bytes([bytes[at], bytes[at + 1]])
}

pub(crate) fn read_i32(bytes: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

pub(crate) fn read_i64(bytes: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

impl BatchHeader {
    /// Parses the 61 header bytes at the start of `bytes`. Only the length of the slice is checked;
    /// magic, batchLength and the CRC are the caller's to judge (see `validate` and `verify_crc`).
    pub fn parse(bytes: &[u8]) -> Result<BatchHeader> {
        if bytes.len() < HEADER_LEN {
            return Err(EngineError::CorruptMessage(format!(
                "record batch header needs {HEADER_LEN} bytes, {} available",
                bytes.len()
            )));
        }
        Ok(BatchHeader {
            base_offset: read_i64(bytes, BASE_OFFSET_OFFSET),
            batch_length: read_i32(bytes, BATCH_LENGTH_OFFSET),
            partition_leader_epoch: read_i32(bytes, PARTITION_LEADER_EPOCH_OFFSET),
            magic: bytes[MAGIC_OFFSET] as i8,
            crc: read_i32(bytes, CRC_OFFSET) as u32,
            attributes: read_i16(bytes, ATTRIBUTES_OFFSET),
            last_offset_delta: read_i32(bytes, LAST_OFFSET_DELTA_OFFSET),
            base_timestamp: read_i64(bytes, BASE_TIMESTAMP_OFFSET),
            max_timestamp: read_i64(bytes, MAX_TIMESTAMP_OFFSET),
            producer_id: read_i64(bytes, PRODUCER_ID_OFFSET),
            producer_epoch: read_i16(bytes, PRODUCER_EPOCH_OFFSET),
            base_sequence: read_i32(bytes, BASE_SEQUENCE_OFFSET),
            records_count: read_i32(bytes, RECORDS_COUNT_OFFSET),
        })
    }

    /// The codec of the records; codes 5–7 are `UnsupportedCompression`.
    pub fn compression(&self) -> Result<Compression> {
        Compression::from_attributes(self.attributes)
    }

    pub fn timestamp_type(&self) -> TimestampType {
        if self.attributes & TIMESTAMP_TYPE_BIT != 0 {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        }
    }

    pub fn is_transactional(&self) -> bool {
        self.attributes & TRANSACTIONAL_BIT != 0
    }

    pub fn is_control(&self) -> bool {
        self.attributes & CONTROL_BIT != 0
    }

    pub fn has_producer_id(&self) -> bool {
        self.producer_id > NO_PRODUCER_ID
    }

    /// Offset of the last record the batch was written with (compaction may have removed it since).
    pub fn last_offset(&self) -> i64 {
        self.base_offset.wrapping_add(i64::from(self.last_offset_delta))
    }

    /// Offset just past the batch: where the next batch starts.
    pub fn next_offset(&self) -> i64 {
        self.last_offset().wrapping_add(1)
    }

    /// Total size of the batch in bytes, header included (batchLength + 12); negative lengths give 0.
    pub fn size(&self) -> usize {
        usize::try_from(self.batch_length).map_or(0, |length| length + LOG_OVERHEAD)
    }
}

/// Checks the CRC-32C of one whole batch (exactly `size()` bytes): `CorruptMessage` if it differs.
pub fn verify_crc(batch: &[u8]) -> Result<()> {
    if batch.len() < HEADER_LEN {
        return Err(EngineError::CorruptMessage(format!(
            "record batch of {} bytes is shorter than its header",
            batch.len()
        )));
    }
    let stored = read_i32(batch, CRC_OFFSET) as u32;
    let computed = crc32c(&batch[ATTRIBUTES_OFFSET..]);
    if stored != computed {
        return Err(EngineError::CorruptMessage(format!(
            "record batch CRC is {stored:#010x}, its bytes give {computed:#010x}"
        )));
    }
    Ok(())
}

/// Recomputes and stores the CRC after a change inside the bytes it covers.
pub fn update_crc(batch: &mut [u8]) {
    let crc = crc32c(&batch[ATTRIBUTES_OFFSET..]);
    batch[CRC_OFFSET..CRC_OFFSET + 4].copy_from_slice(&crc.to_be_bytes());
}

/// Assigns the batch its place in the log: baseOffset (bytes 0–7) and partitionLeaderEpoch (12–15),
/// both outside the CRC, which stays valid. `batch` must hold at least the header.
pub fn stamp(batch: &mut [u8], base_offset: i64, partition_leader_epoch: i32) {
    batch[BASE_OFFSET_OFFSET..BASE_OFFSET_OFFSET + 8].copy_from_slice(&base_offset.to_be_bytes());
    batch[PARTITION_LEADER_EPOCH_OFFSET..PARTITION_LEADER_EPOCH_OFFSET + 4]
        .copy_from_slice(&partition_leader_epoch.to_be_bytes());
}

/// Turns a batch into a LogAppendTime batch stamped `timestamp`: sets attributes bit 3 and maxTimestamp
/// and recomputes the CRC, which covers both. Records keep their own deltas; readers of a LogAppendTime
/// batch take maxTimestamp as every record's timestamp, so this never rewrites records. Like Kafka's
/// `setMaxTimestamp`, the CRC is only recomputed when something changed. `batch` must be one whole batch.
pub fn set_log_append_time(batch: &mut [u8], timestamp: i64) {
    let attributes = read_i16(batch, ATTRIBUTES_OFFSET);
    let new_attributes = attributes | TIMESTAMP_TYPE_BIT;
    if attributes == new_attributes && read_i64(batch, MAX_TIMESTAMP_OFFSET) == timestamp {
        return;
    }
    batch[ATTRIBUTES_OFFSET..ATTRIBUTES_OFFSET + 2].copy_from_slice(&new_attributes.to_be_bytes());
    batch[MAX_TIMESTAMP_OFFSET..MAX_TIMESTAMP_OFFSET + 8].copy_from_slice(&timestamp.to_be_bytes());
    update_crc(batch);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::builder::BatchBuilder;

    fn sample() -> Vec<u8> {
        let mut builder = BatchBuilder::new(0).producer(7, 1, 0);
        builder.append(1_000, Some(b"k"), Some(b"v"), &[]).unwrap();
        builder.append(1_005, None, Some(b"w"), &[]).unwrap();
        builder.build().unwrap()
    }

    #[test]
    fn parses_every_field() {
        let batch = sample();
        let header = BatchHeader::parse(&batch).unwrap();
        assert_eq!(header.size(), batch.len());
        assert_eq!(header.magic, MAGIC);
        assert_eq!(header.last_offset_delta, 1);
        assert_eq!(header.records_count, 2);
        assert_eq!((header.base_timestamp, header.max_timestamp), (1_000, 1_005));
        assert_eq!((header.producer_id, header.producer_epoch, header.base_sequence), (7, 1, 0));
        assert_eq!(header.compression().unwrap(), Compression::None);
        assert_eq!(header.timestamp_type(), TimestampType::CreateTime);
        assert!(!header.is_control() && !header.is_transactional());
        assert_eq!(header.last_offset(), 1);
        verify_crc(&batch).unwrap();
    }

    #[test]
    fn short_header_is_corrupt() {
        assert!(matches!(BatchHeader::parse(&[0; 60]), Err(EngineError::CorruptMessage(_))));
        assert!(matches!(verify_crc(&[0; 20]), Err(EngineError::CorruptMessage(_))));
    }

    #[test]
    fn any_flipped_bit_under_the_crc_is_detected() {
        let batch = sample();
        for byte in ATTRIBUTES_OFFSET..batch.len() {
            let mut damaged = batch.clone();
            damaged[byte] ^= 0x10;
            assert!(matches!(verify_crc(&damaged), Err(EngineError::CorruptMessage(_))), "byte {byte}");
        }
    }

    #[test]
    fn stamping_keeps_the_crc_valid() {
        let mut batch = sample();
        stamp(&mut batch, 1 << 40, 9);
        verify_crc(&batch).unwrap();
        let header = BatchHeader::parse(&batch).unwrap();
        assert_eq!((header.base_offset, header.partition_leader_epoch), (1 << 40, 9));
        assert_eq!(header.last_offset(), (1 << 40) + 1);
    }

    #[test]
    fn log_append_time_recomputes_the_crc() {
        let mut batch = sample();
        let before = BatchHeader::parse(&batch).unwrap().crc;
        set_log_append_time(&mut batch, 42_000);
        verify_crc(&batch).unwrap();
        let header = BatchHeader::parse(&batch).unwrap();
        assert_ne!(header.crc, before);
        assert_eq!(header.timestamp_type(), TimestampType::LogAppendTime);
        assert_eq!(header.max_timestamp, 42_000);
        assert_eq!(header.base_timestamp, 1_000);
    }
}
