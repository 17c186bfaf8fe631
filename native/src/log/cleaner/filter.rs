//! Decides which records of one batch a cleaning pass keeps and writes the batch that carries them
//! (Kafka's `MemoryRecords.filterTo` with the cleaner's retention rules).
//!
//! A record is dropped when a later record of the same key exists (the offset map says so), when it has
//! no key (compacted topics require one, and Kafka's cleaner drops keyless records), or when it is a
//! tombstone whose batch's delete horizon has passed. Tombstones follow KIP-534: the first pass that keeps
//! a tombstone stamps its batch with a delete horizon (`now + delete.retention.ms`, stored in baseTimestamp
//! under attributes bit 6, record timestamps rebased so none changes); a later pass drops the tombstone
//! once the horizon is behind it. So a consumer that reaches a tombstone within `delete.retention.ms` of
//! its first cleaning always sees it.
//!
//! A rewritten batch keeps its base offset, producer id, epoch and base sequence, partition leader epoch,
//! codec, timestamp type, flags, and every kept record's offset and timestamp. A batch that keeps all its
//! records and needs no horizon is written back byte for byte.
//!
//! Transactional and control batches are kept whole: without an aborted-transaction index the cleaner
//! cannot tell aborted records from committed ones, and dropping by key across that line could lose a
//! committed value. Their records also never shadow others (see `shadows_other_records`).

use crate::error::Result;
use crate::log::cleaner::offset_map::OffsetMap;
use crate::record::batch::{
    read_i16, update_crc, BatchHeader, ATTRIBUTES_OFFSET, DELETE_HORIZON_BIT, MAX_TIMESTAMP_OFFSET, TIMESTAMP_TYPE_BIT,
};
use crate::record::builder::RecordHeader;
use crate::record::{BatchBuilder, BatchRecords, Compression, TimestampType};

/// What one pass of the cleaner decides with, for every batch it reads.
pub struct FilterRules<'m> {
    pub offset_map: &'m OffsetMap,
    pub now_ms: i64,
    pub delete_retention_ms: i64,
    pub max_decompressed_bytes: usize,
}

/// What becomes of one batch.
#[derive(Debug, PartialEq, Eq)]
pub enum Filtered {
    /// Written back unchanged.
    Unchanged,
    /// Replaced by these bytes (some records dropped, or a delete horizon stamped).
    Rewritten(Vec<u8>),
    /// Nothing of it remains.
    Discarded,
}

/// Counts of one batch's records, for the cleaner's statistics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordCounts {
    pub read: u64,
    pub kept: u64,
}

/// Whether the batch's records may supersede other records of their keys.
pub fn shadows_other_records(header: &BatchHeader) -> bool {
    !header.is_transactional() && !header.is_control()
}

pub fn delete_horizon(header: &BatchHeader) -> Option<i64> {
    (header.attributes & DELETE_HORIZON_BIT != 0).then_some(header.base_timestamp)
}

/// Filters one whole batch. With `retain_empty`, a batch left without records is kept as an empty
/// batch that still spans the original offsets (Kafka's `RETAIN_EMPTY`): the cleaner asks for this for
/// the last batch of a producer, so its sequence state survives, and for the last batch of a cleaned
/// group, so the rewritten segment ends where its sources ended.
pub fn filter_batch(batch: &[u8], rules: &FilterRules<'_>, retain_empty: bool) -> Result<(Filtered, RecordCounts)> {
    let records = BatchRecords::new(batch, rules.max_decompressed_bytes)?;
    let header = *records.header();
    let read = u64::try_from(header.records_count).unwrap_or(0);
    if !shadows_other_records(&header) {
        return Ok((Filtered::Unchanged, RecordCounts { read, kept: read }));
    }
    let horizon = delete_horizon(&header);
    let tombstones_expired = horizon.is_some_and(|horizon| rules.now_ms >= horizon);

    let mut kept = Vec::new();
    let mut keeps_tombstone = false;
    for record in records.iter() {
        let record = record?;
        let Some(key) = record.key else { continue };
        if rules.offset_map.get(key).is_some_and(|latest| latest > record.offset) {
            continue;
        }
        if record.value.is_none() {
            if tombstones_expired {
                continue;
            }
            keeps_tombstone = true;
        }
        kept.push(record);
    }
    let counts = RecordCounts { read, kept: kept.len() as u64 };
    let stamps_horizon = keeps_tombstone && horizon.is_none();
    if kept.len() as u64 == read && !stamps_horizon {
        return Ok((Filtered::Unchanged, counts));
    }
    if kept.is_empty() && !retain_empty {
        return Ok((Filtered::Discarded, counts));
    }

    let new_horizon =
        if stamps_horizon { Some(rules.now_ms.saturating_add(rules.delete_retention_ms)) } else { horizon };
    let mut builder = BatchBuilder::new(header.base_offset)
        .with_capacity(records.bytes().len())
        .compression(header.compression()?)
        .producer(header.producer_id, header.producer_epoch, header.base_sequence)
        .partition_leader_epoch(header.partition_leader_epoch)
        .base_timestamp(new_horizon.unwrap_or(if kept.is_empty() { header.max_timestamp } else { kept[0].timestamp }));
    if kept.is_empty() {
        builder = builder.last_offset_delta(header.last_offset_delta).compression(Compression::None);
    }
    let mut headers: Vec<RecordHeader<'_>> = Vec::new();
    for record in &kept {
        headers.clear();
        headers.extend(record.headers.iter());
        builder.append_at(record.offset, record.timestamp, record.key, record.value, &headers)?;
    }
    let mut rewritten = builder.build()?;
    let mut attributes = read_i16(&rewritten, ATTRIBUTES_OFFSET);
    if new_horizon.is_some() {
        attributes |= DELETE_HORIZON_BIT;
    }
    // A LogAppendTime batch gives every record its maxTimestamp; an empty batch keeps the original's.
    let max_timestamp = match header.timestamp_type() {
        TimestampType::LogAppendTime => {
            attributes |= TIMESTAMP_TYPE_BIT;
            Some(header.max_timestamp)
        }
        TimestampType::CreateTime if kept.is_empty() => Some(header.max_timestamp),
        TimestampType::CreateTime => None,
    };
    rewritten[ATTRIBUTES_OFFSET..ATTRIBUTES_OFFSET + 2].copy_from_slice(&attributes.to_be_bytes());
    if let Some(max_timestamp) = max_timestamp {
        rewritten[MAX_TIMESTAMP_OFFSET..MAX_TIMESTAMP_OFFSET + 8].copy_from_slice(&max_timestamp.to_be_bytes());
    }
    update_crc(&mut rewritten);
    Ok((Filtered::Rewritten(rewritten), counts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::batch::{set_log_append_time, stamp, verify_crc};

    const LIMIT: usize = 1 << 20;

    /// (key, value, timestamp) of a record to build.
    type Input<'a> = (&'a [u8], Option<&'a [u8]>, i64);
    /// (offset, timestamp, key, value) of a record read back.
    type Output = (i64, i64, Vec<u8>, Option<Vec<u8>>);

    fn rules(map: &OffsetMap, now_ms: i64) -> FilterRules<'_> {
        FilterRules { offset_map: map, now_ms, delete_retention_ms: 1_000, max_decompressed_bytes: LIMIT }
    }

    /// Records (key, value, timestamp) at consecutive offsets from `base`, from producer 9, epoch 2.
    fn batch(base: i64, codec: Compression, records: &[Input<'_>]) -> Vec<u8> {
        let mut builder = BatchBuilder::new(0).compression(codec).producer(9, 2, 40);
        for (key, value, timestamp) in records {
            builder.append(*timestamp, Some(key), *value, &[(b"h", Some(b"x"))]).unwrap();
        }
        let mut bytes = builder.build().unwrap();
        stamp(&mut bytes, base, 5);
        bytes
    }

    fn contents(batch: &[u8]) -> Vec<Output> {
        BatchRecords::new(batch, LIMIT)
            .unwrap()
            .iter()
            .map(|record| {
                let record = record.unwrap();
                assert_eq!(record.headers.iter().collect::<Vec<_>>(), [(&b"h"[..], Some(&b"x"[..]))]);
                (record.offset, record.timestamp, record.key.unwrap().to_vec(), record.value.map(<[u8]>::to_vec))
            })
            .collect()
    }

    #[test]
    fn drops_superseded_records_and_keeps_everything_else_about_the_batch() {
        for codec in [Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd] {
            let input = batch(100, codec, &[(b"a", Some(b"1"), 10), (b"b", Some(b"2"), 30), (b"a", Some(b"3"), 20)]);
            let mut map = OffsetMap::new(LIMIT);
            map.put(b"a", 102);
            map.put(b"b", 101);
            let (filtered, counts) = filter_batch(&input, &rules(&map, 0), false).unwrap();
            assert_eq!(counts, RecordCounts { read: 3, kept: 2 });
            let Filtered::Rewritten(output) = filtered else { panic!("{codec:?}: {filtered:?}") };
            verify_crc(&output).unwrap();
            let (before, after) = (BatchHeader::parse(&input).unwrap(), BatchHeader::parse(&output).unwrap());
            assert_eq!(after.compression().unwrap(), codec);
            assert_eq!((after.base_offset, after.last_offset(), after.records_count), (100, 102, 2));
            assert_eq!((after.producer_id, after.producer_epoch, after.base_sequence), (9, 2, 40));
            assert_eq!(after.partition_leader_epoch, 5);
            assert_eq!(after.max_timestamp, before.max_timestamp);
            assert_eq!(
                contents(&output),
                [(101, 30, b"b".to_vec(), Some(b"2".to_vec())), (102, 20, b"a".to_vec(), Some(b"3".to_vec()))]
            );
        }
    }

    #[test]
    fn a_batch_that_keeps_everything_is_left_alone() {
        let input = batch(0, Compression::Lz4, &[(b"a", Some(b"1"), 1), (b"b", Some(b"2"), 2)]);
        let mut map = OffsetMap::new(LIMIT);
        map.put(b"a", 0);
        let (filtered, counts) = filter_batch(&input, &rules(&map, 0), false).unwrap();
        assert_eq!((filtered, counts), (Filtered::Unchanged, RecordCounts { read: 2, kept: 2 }));
    }

    #[test]
    fn tombstones_get_a_horizon_first_and_go_once_it_has_passed() {
        let input = batch(10, Compression::Zstd, &[(b"gone", None, 500), (b"kept", Some(b"v"), 700)]);
        let map = OffsetMap::new(LIMIT);

        let (filtered, _) = filter_batch(&input, &rules(&map, 5_000), false).unwrap();
        let Filtered::Rewritten(stamped) = filtered else { panic!("{filtered:?}") };
        let header = BatchHeader::parse(&stamped).unwrap();
        assert_eq!(delete_horizon(&header), Some(6_000));
        assert_eq!(header.max_timestamp, 700);
        assert_eq!(
            contents(&stamped),
            [(10, 500, b"gone".to_vec(), None), (11, 700, b"kept".to_vec(), Some(b"v".to_vec()))]
        );

        let (filtered, _) = filter_batch(&stamped, &rules(&map, 5_999), false).unwrap();
        assert_eq!(filtered, Filtered::Unchanged);

        let (filtered, counts) = filter_batch(&stamped, &rules(&map, 6_000), false).unwrap();
        assert_eq!(counts, RecordCounts { read: 2, kept: 1 });
        let Filtered::Rewritten(cleaned) = filtered else { panic!("{filtered:?}") };
        assert_eq!(delete_horizon(&BatchHeader::parse(&cleaned).unwrap()), Some(6_000));
        assert_eq!(contents(&cleaned), [(11, 700, b"kept".to_vec(), Some(b"v".to_vec()))]);
    }

    #[test]
    fn an_emptied_batch_is_discarded_or_kept_as_an_empty_header() {
        let input = batch(20, Compression::Gzip, &[(b"a", Some(b"1"), 3), (b"a", Some(b"2"), 4)]);
        let mut map = OffsetMap::new(LIMIT);
        map.put(b"a", 99);
        assert_eq!(filter_batch(&input, &rules(&map, 0), false).unwrap().0, Filtered::Discarded);

        let (filtered, _) = filter_batch(&input, &rules(&map, 0), true).unwrap();
        let Filtered::Rewritten(empty) = filtered else { panic!("{filtered:?}") };
        verify_crc(&empty).unwrap();
        let header = BatchHeader::parse(&empty).unwrap();
        assert_eq!((header.base_offset, header.last_offset(), header.records_count), (20, 21, 0));
        assert_eq!((header.producer_id, header.base_sequence, header.max_timestamp), (9, 40, 4));
        assert!(contents(&empty).is_empty());
    }

    #[test]
    fn log_append_time_batches_stay_log_append_time() {
        let mut input = batch(0, Compression::Snappy, &[(b"a", Some(b"1"), 3), (b"b", Some(b"2"), 4)]);
        set_log_append_time(&mut input, 77_000);
        let mut map = OffsetMap::new(LIMIT);
        map.put(b"a", 5);
        let Filtered::Rewritten(output) = filter_batch(&input, &rules(&map, 0), false).unwrap().0 else { panic!() };
        let header = BatchHeader::parse(&output).unwrap();
        assert_eq!((header.timestamp_type(), header.max_timestamp), (TimestampType::LogAppendTime, 77_000));
        assert_eq!(contents(&output), [(1, 77_000, b"b".to_vec(), Some(b"2".to_vec()))]);
    }

    #[test]
    fn keyless_records_are_dropped_and_transactional_batches_kept_whole() {
        let mut builder = BatchBuilder::new(0);
        builder.append(1, None, Some(b"no key"), &[]).unwrap();
        builder.append(2, Some(b"k"), Some(b"v"), &[]).unwrap();
        let keyless = builder.build().unwrap();
        let map = OffsetMap::new(LIMIT);
        let (_, counts) = filter_batch(&keyless, &rules(&map, 0), false).unwrap();
        assert_eq!(counts, RecordCounts { read: 2, kept: 1 });

        let mut builder = BatchBuilder::new(0).producer(3, 0, 0).transactional(true);
        builder.append(1, Some(b"k"), Some(b"old"), &[]).unwrap();
        let transactional = builder.build().unwrap();
        let mut map = OffsetMap::new(LIMIT);
        map.put(b"k", 50);
        assert_eq!(filter_batch(&transactional, &rules(&map, 0), false).unwrap().0, Filtered::Unchanged);
    }
}
