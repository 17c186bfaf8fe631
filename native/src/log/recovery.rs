//! The scan of a segment's `.log` when it is opened: from the last offset-index entry reading headers
//! only (a cleanly closed segment), or from the start verifying every CRC (recovery), stopping at the
//! first batch that does not check out. Either way the indexes are completed from what was scanned,
//! and the caller cuts the file to the valid bytes before anything maps it writable.
//!
//! Readahead follows the scan instead of the kernel's read-around: a segment left by a killed broker is
//! preallocated far past its data (sparse, up to segment.bytes), and one fault with the default
//! read-around (`read_ahead_kb`, 8 MiB on some disks) zero-filled megabytes of page cache that the trim
//! then dropped again: 8-13 ms per partition, most of an unclean restart with 1,000 partitions. The scan
//! asks for windows just ahead of itself, doubling with what it has read, so what it reads past the data
//! is bounded by the data, not by the preallocation.

use crate::error::Result;
use crate::log::mmap::Mapping;
use crate::log::offset_index::OffsetIndex;
use crate::log::segment::header_at;
use crate::log::time_index::TimeIndex;
use crate::record::batch::{verify_crc, BatchHeader, HEADER_LEN, NO_TIMESTAMP};

/// The first readahead window of a scan, and the largest (it doubles with the bytes scanned).
const MIN_READ_AHEAD: usize = 64 << 10;
const MAX_READ_AHEAD: usize = 8 << 20;

/// How much of the `.log` an open checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scan {
    /// Headers from the last offset-index entry on (a segment written before a clean stop or flushed
    /// before the recovery point).
    Headers,
    /// Every batch from the start, CRC included; the indexes are rebuilt (recovery).
    Full,
}

/// What a scan found wrong, if anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanOutcome {
    /// Bytes dropped after the last valid batch (torn, zeroed or corrupt), 0 when the file was whole.
    pub truncated_bytes: u64,
    /// Why the scan stopped before the end of the file.
    pub reason: Option<String>,
}

/// Where a segment's valid batches end and what they hold, as a scan found them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extent {
    /// Bytes of whole valid batches.
    pub size: usize,
    pub next_offset: i64,
    /// Largest batch max timestamp (NO_TIMESTAMP when empty).
    pub max_timestamp: i64,
    /// The first batch's max timestamp (segment.ms counts from it).
    pub first_batch_timestamp: Option<i64>,
}

impl Extent {
    fn empty(base_offset: i64) -> Extent {
        Extent { size: 0, next_offset: base_offset, max_timestamp: NO_TIMESTAMP, first_batch_timestamp: None }
    }

    fn note_batch(&mut self, header: &BatchHeader) {
        self.first_batch_timestamp.get_or_insert(header.max_timestamp);
        self.max_timestamp = self.max_timestamp.max(header.max_timestamp);
        self.next_offset = header.next_offset();
    }
}

/// One scan of one segment: its mapped `.log` and the indexes the scan completes.
pub struct SegmentScan<'a> {
    pub base_offset: i64,
    pub mapping: &'a Mapping,
    /// Bytes of the `.log` file (the mapping may be longer).
    pub file_len: usize,
    pub offset_index: &'a mut OffsetIndex,
    pub time_index: &'a mut TimeIndex,
    pub index_interval_bytes: usize,
}

impl SegmentScan<'_> {
    /// Walks the batches from where the indexes end (`Headers`) or from the start (`Full`).
    /// Indexes that disagree with the log are rebuilt from the start.
    pub fn run(&mut self, scan: Scan) -> Result<(Extent, ScanOutcome)> {
        self.mapping.advise_random();
        if scan == Scan::Headers {
            if let Some(found) = self.resume_from_indexes()? {
                return Ok(found);
            }
        }
        self.offset_index.truncate_to_position(0)?;
        self.time_index.truncate_to_offset(0)?;
        let mut extent = Extent::empty(self.base_offset);
        let outcome = self.walk(&mut extent, 0, scan)?;
        Ok((extent, outcome))
    }

    /// The `Headers` scan when the indexes look right: walk from the last offset-index entry, then
    /// check that the time index ends at or before it, or exactly at the end (its closing entry).
    fn resume_from_indexes(&mut self) -> Result<Option<(Extent, ScanOutcome)>> {
        let Some(last) = self.offset_index.last() else { return Ok(None) };
        let start = last.position as usize;
        let last_indexed = self.base_offset + i64::from(last.relative_offset);
        if header_at(self.mapping, start, self.file_len).is_none_or(|h| h.base_offset != last_indexed) {
            return Ok(None);
        }
        let timestamps = self.time_index.last();
        let mut extent = Extent {
            size: start,
            next_offset: last_indexed,
            max_timestamp: timestamps.map_or(NO_TIMESTAMP, |t| t.timestamp),
            first_batch_timestamp: header_at(self.mapping, 0, self.file_len).map(|h| h.max_timestamp),
        };
        let outcome = self.walk(&mut extent, start, Scan::Headers)?;
        let end_relative = (extent.next_offset - self.base_offset) as u32;
        let consistent =
            timestamps.is_none_or(|t| t.relative_offset <= last.relative_offset || t.relative_offset == end_relative);
        Ok(consistent.then_some((extent, outcome)))
    }

    /// Walks the batches from byte `position`, adding to `extent` and to the indexes, until the end of
    /// the file or the first batch that does not check out.
    fn walk(&mut self, extent: &mut Extent, mut position: usize, scan: Scan) -> Result<ScanOutcome> {
        let mut bytes_since_index_entry = 0usize;
        let mut reason = None;
        let start = position;
        let mut read_ahead_to = position;
        while position < self.file_len {
            if position + HEADER_LEN > read_ahead_to {
                let window = (position - start).clamp(MIN_READ_AHEAD, MAX_READ_AHEAD);
                self.mapping.advise_will_need(position, window.min(self.file_len - position));
                read_ahead_to = position + window;
            }
            let Some(header) = header_at(self.mapping, position, self.file_len) else {
                if !is_zero_from(self.mapping, position, self.file_len)? {
                    reason = Some(format!("no whole record batch at byte {position}"));
                }
                break;
            };
            if header.base_offset < extent.next_offset || header.last_offset_delta < 0 {
                reason = Some(format!(
                    "batch at byte {position} has offsets {}..{} after {}",
                    header.base_offset,
                    header.last_offset(),
                    extent.next_offset
                ));
                break;
            }
            if header.last_offset() - self.base_offset > i64::from(u32::MAX) {
                reason = Some(format!("batch at byte {position} is beyond the segment's offset range"));
                break;
            }
            if scan == Scan::Full {
                if position + header.size() > read_ahead_to {
                    self.mapping.advise_will_need(read_ahead_to, position + header.size() - read_ahead_to);
                }
                if let Err(error) = verify_crc(self.mapping.bytes(position, header.size())?) {
                    reason = Some(format!("batch at byte {position}: {error}"));
                    break;
                }
            }
            if bytes_since_index_entry > self.index_interval_bytes {
                let relative = (header.base_offset - self.base_offset) as u32;
                self.offset_index.append(relative, position as u32)?;
                self.time_index.maybe_append(extent.max_timestamp, relative)?;
                bytes_since_index_entry = 0;
            }
            extent.note_batch(&header);
            bytes_since_index_entry += header.size();
            position += header.size();
        }
        extent.size = position;
        Ok(ScanOutcome { truncated_bytes: (self.file_len - position) as u64, reason })
    }
}

/// Whether the rest of the file is zeros (preallocated space): a clean end, not a corruption.
fn is_zero_from(mapping: &Mapping, position: usize, size: usize) -> Result<bool> {
    let probe = (size - position).min(4096);
    Ok(mapping.bytes(position, probe)?.iter().all(|b| *b == 0))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::log::mmap::MappedFile;
    use crate::record::builder::BatchBuilder;

    const INDEX_BYTES: usize = 4096;

    /// `count` batches of one 100-byte record each, at offsets from `base`, timestamps 1000 + offset.
    fn batches(base: i64, count: i64) -> Vec<u8> {
        let mut bytes = Vec::new();
        for offset in base..base + count {
            let mut builder = BatchBuilder::new(offset);
            builder.append(1_000 + offset, None, Some(&[7u8; 100]), &[]).unwrap();
            bytes.extend_from_slice(&builder.build().unwrap());
        }
        bytes
    }

    /// Scans `log_bytes` as the `.log` of a segment at `base` in `dir`, with the indexes already there.
    fn scan(dir: &Path, base: i64, log_bytes: &[u8], scan: Scan) -> (Extent, ScanOutcome, OffsetIndex) {
        let log_path = dir.join("segment.log");
        std::fs::write(&log_path, log_bytes).unwrap();
        let file = MappedFile::open(&log_path, false).unwrap();
        let mapping = Mapping::read_only_whole(&file).unwrap();
        let mut offset_index = OffsetIndex::open_writable(&dir.join("segment.index"), INDEX_BYTES).unwrap();
        let mut time_index = TimeIndex::open_writable(&dir.join("segment.timeindex"), INDEX_BYTES).unwrap();
        let (extent, outcome) = SegmentScan {
            base_offset: base,
            mapping: &mapping,
            file_len: log_bytes.len(),
            offset_index: &mut offset_index,
            time_index: &mut time_index,
            index_interval_bytes: 256,
        }
        .run(scan)
        .unwrap();
        (extent, outcome, offset_index)
    }

    #[test]
    fn a_whole_segment_is_scanned_to_its_end_and_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = batches(50, 10);
        let (extent, outcome, offset_index) = scan(dir.path(), 50, &bytes, Scan::Full);
        assert_eq!(outcome, ScanOutcome { truncated_bytes: 0, reason: None });
        assert_eq!(extent.size, bytes.len());
        assert_eq!(extent.next_offset, 60);
        assert_eq!((extent.first_batch_timestamp, extent.max_timestamp), (Some(1_050), 1_059));
        assert!(offset_index.last().is_some(), "batches past the index interval get entries");
    }

    #[test]
    fn a_zeroed_tail_is_a_clean_end_and_a_torn_one_is_cut_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let whole = batches(0, 3);
        let mut zeroed = whole.clone();
        zeroed.resize(whole.len() + 500, 0);
        let (extent, outcome, _) = scan(dir.path(), 0, &zeroed, Scan::Full);
        assert_eq!((extent.size, extent.next_offset), (whole.len(), 3));
        assert_eq!(outcome, ScanOutcome { truncated_bytes: 500, reason: None });

        let torn = &whole[..whole.len() - 10];
        let (extent, outcome, _) = scan(dir.path(), 0, torn, Scan::Full);
        assert_eq!(extent.next_offset, 2);
        assert_eq!(outcome.truncated_bytes, (torn.len() - extent.size) as u64);
        assert!(outcome.reason.unwrap().contains("no whole record batch"));
    }

    #[test]
    fn a_full_scan_stops_at_a_bad_crc_that_a_header_scan_does_not_check() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = batches(0, 3);
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        let (extent, outcome, _) = scan(dir.path(), 0, &bytes, Scan::Full);
        assert_eq!(extent.next_offset, 2);
        assert!(outcome.reason.unwrap().contains("CRC"));
        let (extent, outcome, _) = scan(dir.path(), 0, &bytes, Scan::Headers);
        assert_eq!((extent.next_offset, outcome.reason), (3, None));
    }

    #[test]
    fn offsets_that_go_backwards_end_the_scan() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = batches(0, 2);
        bytes.extend_from_slice(&batches(1, 1));
        let (extent, outcome, _) = scan(dir.path(), 0, &bytes, Scan::Full);
        assert_eq!(extent.next_offset, 2);
        assert!(outcome.reason.unwrap().contains("after 2"));
    }

    #[test]
    fn a_header_scan_resumes_from_the_last_index_entry() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = batches(0, 10);
        let (full, _, offset_index) = scan(dir.path(), 0, &bytes, Scan::Full);
        let last_entry = offset_index.last().unwrap();
        drop(offset_index);
        let (resumed, outcome, offset_index) = scan(dir.path(), 0, &bytes, Scan::Headers);
        assert_eq!(resumed, full);
        assert_eq!(outcome.reason, None);
        assert_eq!(offset_index.last(), Some(last_entry));
    }
}
