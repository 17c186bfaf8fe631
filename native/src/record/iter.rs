//! Iterates the records of one batch, decompressing it first when its codec is not none.
//!
//! Record layout (`DefaultRecord.java`), every integer a zigzag varint:
//! `length, attributes int8 (unused), timestampDelta varlong, offsetDelta, keyLength + key,
//! valueLength + value, headerCount, [headerKeyLength + headerKey, headerValueLength + headerValue]…`
//! with −1 as the length of a null key, value or header value.
//!
//! `BatchRecords` owns the record bytes only when it had to decompress them (`Cow`); records borrow
//! keys, values and headers from it, so iterating an uncompressed batch copies nothing, and skipping a
//! key or value costs nothing. Headers are checked while the record is parsed and decoded again only
//! when someone iterates them, so validation and compaction never allocate per record.
//!
//! The iterator stops after `recordsCount` records and then insists the bytes are used up; after an
//! error it yields nothing more. Compacted batches have offset gaps, so offsets are not checked here
//! (validation of producer batches does that).

use std::borrow::Cow;

use crate::error::{EngineError, Result};
use crate::record::batch::{BatchHeader, TimestampType, HEADER_LEN};
use crate::record::compression::{decompress, Compression};
use crate::record::varint::Reader;

/// The records of one batch, decompressed when needed.
pub struct BatchRecords<'a> {
    header: BatchHeader,
    records: Cow<'a, [u8]>,
}

/// One record, with its absolute offset and timestamp.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record<'r> {
    pub offset: i64,
    pub timestamp: i64,
    pub offset_delta: i32,
    pub key: Option<&'r [u8]>,
    pub value: Option<&'r [u8]>,
    pub headers: Headers<'r>,
}

/// A record's headers, already checked; `iter()` decodes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Headers<'r> {
    bytes: &'r [u8],
    count: usize,
}

pub struct RecordIter<'r> {
    reader: Reader<'r>,
    header: BatchHeader,
    remaining: i32,
    failed: bool,
}

pub struct HeaderIter<'r> {
    reader: Reader<'r>,
    remaining: usize,
}

impl<'a> BatchRecords<'a> {
    /// The records of `batch`, one whole batch (at least `size()` bytes; extra bytes are ignored).
    /// Compressed records are inflated up to `max_decompressed` bytes. The CRC is not checked here.
    pub fn new(batch: &'a [u8], max_decompressed: usize) -> Result<BatchRecords<'a>> {
        let header = BatchHeader::parse(batch)?;
        let size = header.size();
        if size < HEADER_LEN || size > batch.len() {
            return Err(EngineError::CorruptMessage(format!(
                "record batch claims {size} bytes, {} available",
                batch.len()
            )));
        }
        let body = &batch[HEADER_LEN..size];
        let records = match header.compression()? {
            Compression::None => Cow::Borrowed(body),
            codec => Cow::Owned(decompress(codec, body, max_decompressed)?),
        };
        Ok(BatchRecords { header, records })
    }

    pub fn header(&self) -> &BatchHeader {
        &self.header
    }

    /// Whether the records were decompressed into a buffer of their own (else they borrow the batch).
    pub fn is_compressed(&self) -> bool {
        matches!(self.records, Cow::Owned(_))
    }

    /// The record bytes (decompressed), as the builder would write them uncompressed.
    pub fn bytes(&self) -> &[u8] {
        &self.records
    }

    pub fn iter(&self) -> RecordIter<'_> {
        RecordIter {
            reader: Reader::new(&self.records),
            header: self.header,
            remaining: self.header.records_count,
            failed: false,
        }
    }
}

impl<'r> RecordIter<'r> {
    fn parse_next(&mut self) -> Result<Record<'r>> {
        let length = self.reader.read_varint()?;
        if length < 0 {
            return Err(invalid("negative record length"));
        }
        let mut record = Reader::new(self.reader.read_bytes(length as usize)?);
        record.read_u8()?;
        let timestamp_delta = record.read_varlong()?;
        let offset_delta = record.read_varint()?;
        let key = record.read_nullable_bytes()?;
        let value = record.read_nullable_bytes()?;
        let header_count = record.read_varint()?;
        if header_count < 0 {
            return Err(invalid("negative header count"));
        }
        let headers_start = record.position();
        for _ in 0..header_count {
            read_header(&mut record)?;
        }
        if !record.is_empty() {
            return Err(invalid("record has bytes past its headers"));
        }
        let header_bytes = &record.all()[headers_start..];
        let timestamp = match self.header.timestamp_type() {
            TimestampType::LogAppendTime => self.header.max_timestamp,
            TimestampType::CreateTime => self.header.base_timestamp.wrapping_add(timestamp_delta),
        };
        Ok(Record {
            offset: self.header.base_offset.wrapping_add(i64::from(offset_delta)),
            timestamp,
            offset_delta,
            key,
            value,
            headers: Headers { bytes: header_bytes, count: header_count as usize },
        })
    }
}

impl<'r> Iterator for RecordIter<'r> {
    type Item = Result<Record<'r>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let result = if self.remaining > 0 {
            self.remaining -= 1;
            self.parse_next()
        } else if self.remaining < 0 {
            Err(invalid("negative recordsCount"))
        } else if !self.reader.is_empty() {
            Err(invalid("records remain past recordsCount"))
        } else {
            return None;
        };
        if result.is_err() {
            self.failed = true;
        }
        Some(result)
    }
}

fn read_header<'r>(reader: &mut Reader<'r>) -> Result<(&'r [u8], Option<&'r [u8]>)> {
    let key_length = reader.read_varint()?;
    if key_length < 0 {
        return Err(invalid("negative header key length"));
    }
    let key = reader.read_bytes(key_length as usize)?;
    Ok((key, reader.read_nullable_bytes()?))
}

impl<'r> Headers<'r> {
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// (key, value) pairs in order; keys are UTF-8 by Kafka's contract but are not checked here.
    pub fn iter(&self) -> HeaderIter<'r> {
        HeaderIter { reader: Reader::new(self.bytes), remaining: self.count }
    }
}

impl<'r> Iterator for HeaderIter<'r> {
    type Item = (&'r [u8], Option<&'r [u8]>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        // The bytes were checked when the record was parsed, so this cannot fail.
        read_header(&mut self.reader).ok()
    }
}

fn invalid(reason: &str) -> EngineError {
    EngineError::InvalidRecord(reason.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::batch::{set_log_append_time, RECORDS_OFFSET};
    use crate::record::builder::BatchBuilder;

    const LIMIT: usize = 1 << 20;

    /// One record as owned values: offset, timestamp, key, value, headers.
    type OwnedRecord = (i64, i64, Option<Vec<u8>>, Option<Vec<u8>>, Vec<(Vec<u8>, Option<Vec<u8>>)>);

    fn collect(batch: &[u8]) -> Result<Vec<OwnedRecord>> {
        let records = BatchRecords::new(batch, LIMIT)?;
        records
            .iter()
            .map(|record| {
                record.map(|r| {
                    (
                        r.offset,
                        r.timestamp,
                        r.key.map(<[u8]>::to_vec),
                        r.value.map(<[u8]>::to_vec),
                        r.headers.iter().map(|(k, v)| (k.to_vec(), v.map(<[u8]>::to_vec))).collect(),
                    )
                })
            })
            .collect()
    }

    #[test]
    fn builder_round_trips_through_every_codec() {
        for codec in [Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd] {
            let mut builder = BatchBuilder::new(100).compression(codec);
            builder.append(5_000, Some(b"a"), Some(b"1"), &[(b"h1", Some(b"x")), (b"h2", None)]).unwrap();
            builder.append(4_990, None, None, &[]).unwrap();
            builder.append(5_020, Some(b""), Some(&[7; 300]), &[]).unwrap();
            let batch = builder.build().unwrap();
            let records = collect(&batch).unwrap();
            assert_eq!(records.len(), 3, "{codec:?}");
            assert_eq!(
                records[0],
                (
                    100,
                    5_000,
                    Some(b"a".to_vec()),
                    Some(b"1".to_vec()),
                    vec![(b"h1".to_vec(), Some(b"x".to_vec())), (b"h2".to_vec(), None)]
                )
            );
            assert_eq!(records[1], (101, 4_990, None, None, vec![]));
            assert_eq!(records[2], (102, 5_020, Some(vec![]), Some(vec![7; 300]), vec![]));
            let header = BatchHeader::parse(&batch).unwrap();
            assert_eq!(header.max_timestamp, 5_020);
            assert_eq!(header.compression().unwrap(), codec);
        }
    }

    #[test]
    fn uncompressed_records_borrow_the_batch() {
        let mut builder = BatchBuilder::new(0);
        builder.append(1, Some(b"key"), Some(b"value"), &[]).unwrap();
        let batch = builder.build().unwrap();
        let records = BatchRecords::new(&batch, LIMIT).unwrap();
        let record = records.iter().next().unwrap().unwrap();
        let range = batch.as_ptr_range();
        assert!(range.contains(&record.value.unwrap().as_ptr()));
    }

    #[test]
    fn log_append_time_gives_every_record_the_max_timestamp() {
        let mut builder = BatchBuilder::new(0).compression(Compression::Lz4);
        builder.append(10, None, Some(b"a"), &[]).unwrap();
        builder.append(20, None, Some(b"b"), &[]).unwrap();
        let mut batch = builder.build().unwrap();
        set_log_append_time(&mut batch, 999);
        let timestamps: Vec<i64> = collect(&batch).unwrap().iter().map(|r| r.1).collect();
        assert_eq!(timestamps, [999, 999]);
    }

    #[test]
    fn count_mismatches_are_invalid() {
        let mut builder = BatchBuilder::new(0);
        builder.append(1, None, Some(b"a"), &[]).unwrap();
        builder.append(2, None, Some(b"b"), &[]).unwrap();
        let batch = builder.build().unwrap();
        for count in [1i32, 3, -1] {
            let mut altered = batch.clone();
            altered[57..61].copy_from_slice(&count.to_be_bytes());
            assert!(matches!(collect(&altered), Err(EngineError::InvalidRecord(_))), "count {count}");
        }
    }

    #[test]
    fn malformed_records_are_invalid() {
        let mut builder = BatchBuilder::new(0);
        builder.append(1, Some(b"k"), Some(b"v"), &[]).unwrap();
        let batch = builder.build().unwrap();
        // The record: [length 8][attributes][timestampDelta][offsetDelta][keyLength 1]k[valueLength 1]v[headers 0]
        let record_start = RECORDS_OFFSET;
        let cases: [(usize, u8); 4] = [
            (record_start, 0x7f),     // record length −64
            (record_start + 4, 0x7e), // key length 63, past the end
            (record_start + 8, 0x02), // header count 1, no header bytes
            (record_start, 0x14),     // record length 10, past the batch end
        ];
        for (at, byte) in cases {
            let mut altered = batch.clone();
            altered[at] = byte;
            assert!(matches!(collect(&altered), Err(EngineError::InvalidRecord(_))), "byte {at} = {byte:#x}");
        }
    }

    #[test]
    fn truncated_batch_is_corrupt() {
        let mut builder = BatchBuilder::new(0);
        builder.append(1, None, Some(b"abc"), &[]).unwrap();
        let batch = builder.build().unwrap();
        assert!(matches!(BatchRecords::new(&batch[..batch.len() - 1], LIMIT), Err(EngineError::CorruptMessage(_))));
    }
}
