//! Builds one RecordBatch v2 (layout in `batch`, records in `iter`): for tests, compaction rewrites and
//! the embedded producer.
//!
//! Records are encoded straight into the output buffer behind a reserved header, so an uncompressed batch
//! is written once; a compressed one is compressed from there in one pass. The base timestamp is the
//! first record's unless set, as the Java producer does; timestamp deltas may be negative.

use crate::error::{EngineError, Result};
use crate::record::batch::{
    update_crc, ATTRIBUTES_OFFSET, BASE_OFFSET_OFFSET, BASE_SEQUENCE_OFFSET, BASE_TIMESTAMP_OFFSET,
    BATCH_LENGTH_OFFSET, CONTROL_BIT, HEADER_LEN, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MAGIC, MAGIC_OFFSET,
    MAX_TIMESTAMP_OFFSET, NO_PRODUCER_ID, NO_SEQUENCE, NO_TIMESTAMP, PARTITION_LEADER_EPOCH_OFFSET,
    PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET, RECORDS_COUNT_OFFSET, TRANSACTIONAL_BIT,
};
use crate::record::compression::{compress, Compression};
use crate::record::varint::{varint_size, varlong_size, write_varint, write_varlong};

/// A record header as the builder takes it: key (UTF-8 by Kafka's contract) and nullable value.
pub type RecordHeader<'h> = (&'h [u8], Option<&'h [u8]>);

pub struct BatchBuilder {
    buffer: Vec<u8>,
    base_offset: i64,
    partition_leader_epoch: i32,
    compression: Compression,
    flags: i16,
    producer_id: i64,
    producer_epoch: i16,
    base_sequence: i32,
    base_timestamp: Option<i64>,
    max_timestamp: i64,
    records_count: i32,
    next_offset_delta: i32,
    last_offset_delta: Option<i32>,
}

impl BatchBuilder {
    /// An empty, uncompressed CreateTime batch for a producer without id, whose first record gets
    /// `base_offset`.
    pub fn new(base_offset: i64) -> BatchBuilder {
        BatchBuilder {
            buffer: vec![0; HEADER_LEN],
            base_offset,
            partition_leader_epoch: -1,
            compression: Compression::None,
            flags: 0,
            producer_id: NO_PRODUCER_ID,
            producer_epoch: -1,
            base_sequence: NO_SEQUENCE,
            base_timestamp: None,
            max_timestamp: NO_TIMESTAMP,
            records_count: 0,
            next_offset_delta: 0,
            last_offset_delta: None,
        }
    }

    /// Builds into `buffer` (its contents dropped, its capacity kept): a caller building batch after batch
    /// reuses one allocation instead of faulting in fresh pages for each.
    pub fn with_buffer(mut self, mut buffer: Vec<u8>) -> Self {
        buffer.clear();
        buffer.resize(HEADER_LEN, 0);
        self.buffer = buffer;
        self
    }

    /// Reserves room for about `bytes` of encoded records.
    pub fn with_capacity(mut self, bytes: usize) -> Self {
        self.buffer.reserve(bytes);
        self
    }

    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// Producer id, epoch and the sequence number of the first record (idempotent producers).
    pub fn producer(mut self, producer_id: i64, producer_epoch: i16, base_sequence: i32) -> Self {
        self.producer_id = producer_id;
        self.producer_epoch = producer_epoch;
        self.base_sequence = base_sequence;
        self
    }

    pub fn partition_leader_epoch(mut self, epoch: i32) -> Self {
        self.partition_leader_epoch = epoch;
        self
    }

    /// The timestamp record deltas count from; set it before the first append.
    pub fn base_timestamp(mut self, timestamp: i64) -> Self {
        self.base_timestamp = Some(timestamp);
        self
    }

    pub fn transactional(mut self, transactional: bool) -> Self {
        self.set_flag(TRANSACTIONAL_BIT, transactional);
        self
    }

    pub fn control(mut self, control: bool) -> Self {
        self.set_flag(CONTROL_BIT, control);
        self
    }

    /// Keeps the batch's last offset where the original was when compaction removed its last records
    /// (Kafka does so, so that producer sequence state still lines up).
    pub fn last_offset_delta(mut self, delta: i32) -> Self {
        self.last_offset_delta = Some(delta);
        self
    }

    fn set_flag(&mut self, bit: i16, on: bool) {
        if on {
            self.flags |= bit;
        } else {
            self.flags &= !bit;
        }
    }

    pub fn records_count(&self) -> i32 {
        self.records_count
    }

    /// Bytes of records so far (before compression).
    pub fn records_size(&self) -> usize {
        self.buffer.len() - HEADER_LEN
    }

    /// Appends a record at the next offset.
    pub fn append(
        &mut self,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[RecordHeader<'_>],
    ) -> Result<()> {
        let delta = self.next_offset_delta;
        self.append_with_delta(delta, timestamp, key, value, headers)
    }

    /// Appends a record at `offset`, which must be past the previous record's (compaction keeps offsets).
    pub fn append_at(
        &mut self,
        offset: i64,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[RecordHeader<'_>],
    ) -> Result<()> {
        let delta = offset
            .checked_sub(self.base_offset)
            .and_then(|delta| i32::try_from(delta).ok())
            .filter(|delta| *delta >= self.next_offset_delta)
            .ok_or_else(|| {
                EngineError::InvalidRecord(format!(
                    "offset {offset} does not follow offset delta {} of a batch based at {}",
                    self.next_offset_delta - 1,
                    self.base_offset
                ))
            })?;
        self.append_with_delta(delta, timestamp, key, value, headers)
    }

    fn append_with_delta(
        &mut self,
        offset_delta: i32,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[RecordHeader<'_>],
    ) -> Result<()> {
        let base_timestamp = *self.base_timestamp.get_or_insert(timestamp);
        let timestamp_delta = timestamp.wrapping_sub(base_timestamp);
        let header_count = to_i32(headers.len())?;
        let mut body = 1 + varlong_size(timestamp_delta) + varint_size(offset_delta) + varint_size(header_count);
        body += nullable_size(key)? + nullable_size(value)?;
        for (header_key, header_value) in headers {
            body += varint_size(to_i32(header_key.len())?) + header_key.len() + nullable_size(*header_value)?;
        }
        let body_length = to_i32(body)?;
        self.buffer.reserve(varint_size(body_length) + body);
        write_varint(&mut self.buffer, body_length);
        self.buffer.push(0);
        write_varlong(&mut self.buffer, timestamp_delta);
        write_varint(&mut self.buffer, offset_delta);
        write_nullable(&mut self.buffer, key);
        write_nullable(&mut self.buffer, value);
        write_varint(&mut self.buffer, header_count);
        for (header_key, header_value) in headers {
            write_nullable(&mut self.buffer, Some(header_key));
            write_nullable(&mut self.buffer, *header_value);
        }
        self.max_timestamp = if self.records_count == 0 { timestamp } else { self.max_timestamp.max(timestamp) };
        self.records_count = self
            .records_count
            .checked_add(1)
            .ok_or_else(|| EngineError::InvalidRecord("too many records for one batch".into()))?;
        self.next_offset_delta = offset_delta.saturating_add(1);
        Ok(())
    }

    /// The finished batch, CRC included.
    pub fn build(self) -> Result<Vec<u8>> {
        let mut batch = self.buffer;
        if self.compression != Compression::None {
            let compressed = compress(self.compression, &batch[HEADER_LEN..])?;
            batch.truncate(HEADER_LEN);
            batch.extend_from_slice(&compressed);
        }
        let batch_length = i32::try_from(batch.len() - LOG_OVERHEAD)
            .map_err(|_| EngineError::MessageTooLarge(format!("record batch of {} bytes", batch.len())))?;
        let last_offset_delta = self.last_offset_delta.unwrap_or(self.next_offset_delta - 1).max(0);
        let mut put = |at: usize, bytes: &[u8]| batch[at..at + bytes.len()].copy_from_slice(bytes);
        put(BASE_OFFSET_OFFSET, &self.base_offset.to_be_bytes());
        put(BATCH_LENGTH_OFFSET, &batch_length.to_be_bytes());
        put(PARTITION_LEADER_EPOCH_OFFSET, &self.partition_leader_epoch.to_be_bytes());
        put(MAGIC_OFFSET, &MAGIC.to_be_bytes());
        put(ATTRIBUTES_OFFSET, &(self.compression.id() | self.flags).to_be_bytes());
        put(LAST_OFFSET_DELTA_OFFSET, &last_offset_delta.to_be_bytes());
        put(BASE_TIMESTAMP_OFFSET, &self.base_timestamp.unwrap_or(NO_TIMESTAMP).to_be_bytes());
        put(MAX_TIMESTAMP_OFFSET, &self.max_timestamp.to_be_bytes());
        put(PRODUCER_ID_OFFSET, &self.producer_id.to_be_bytes());
        put(PRODUCER_EPOCH_OFFSET, &self.producer_epoch.to_be_bytes());
        put(BASE_SEQUENCE_OFFSET, &self.base_sequence.to_be_bytes());
        put(RECORDS_COUNT_OFFSET, &self.records_count.to_be_bytes());
        update_crc(&mut batch);
        Ok(batch)
    }
}

fn to_i32(length: usize) -> Result<i32> {
    i32::try_from(length).map_err(|_| EngineError::MessageTooLarge(format!("record field of {length} bytes")))
}

fn nullable_size(bytes: Option<&[u8]>) -> Result<usize> {
    Ok(match bytes {
        None => 1,
        Some(bytes) => varint_size(to_i32(bytes.len())?) + bytes.len(),
    })
}

fn write_nullable(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        None => write_varint(out, -1),
        Some(bytes) => {
            write_varint(out, bytes.len() as i32);
            out.extend_from_slice(bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::batch::{verify_crc, BatchHeader};
    use crate::record::iter::BatchRecords;

    #[test]
    fn encodes_a_record_as_kafka_does() {
        let mut builder = BatchBuilder::new(0).base_timestamp(1_000);
        builder.append(1_001, Some(b"k"), Some(b"v"), &[(b"h", None)]).unwrap();
        let batch = builder.build().unwrap();
        // length 11, attributes, tsDelta +1, offsetDelta 0, key "k", value "v", 1 header "h" = null.
        assert_eq!(&batch[HEADER_LEN..], &[0x16, 0, 0x02, 0, 0x02, b'k', 0x02, b'v', 0x02, 0x02, b'h', 0x01]);
        verify_crc(&batch).unwrap();
    }

    #[test]
    fn append_at_keeps_offset_gaps_and_last_offset_delta() {
        let mut builder = BatchBuilder::new(50).producer(3, 0, 10).last_offset_delta(9);
        builder.append_at(52, 1, Some(b"a"), Some(b"1"), &[]).unwrap();
        builder.append_at(57, 2, Some(b"b"), Some(b"2"), &[]).unwrap();
        assert!(builder.append_at(57, 3, None, None, &[]).is_err());
        assert!(builder.append_at(49, 3, None, None, &[]).is_err());
        let batch = builder.build().unwrap();
        let header = BatchHeader::parse(&batch).unwrap();
        assert_eq!((header.records_count, header.last_offset()), (2, 59));
        let records = BatchRecords::new(&batch, 1 << 20).unwrap();
        let offsets: Vec<i64> = records.iter().map(|r| r.unwrap().offset).collect();
        assert_eq!(offsets, [52, 57]);
    }

    #[test]
    fn flags_land_in_the_attributes() {
        let batch =
            BatchBuilder::new(0).transactional(true).control(true).compression(Compression::Zstd).build().unwrap();
        let header = BatchHeader::parse(&batch).unwrap();
        assert!(header.is_transactional() && header.is_control());
        assert_eq!(header.compression().unwrap(), Compression::Zstd);
        assert_eq!(header.records_count, 0);
    }
}
