//! `Segment`: one `<20-digit base offset>.log` with its `.index` and `.timeindex`.
//!
//! The `.log` holds RecordBatch v2 batches back to back, exactly as appended (stamped with their
//! offsets). While a segment is active its three files are mapped writable at full capacity (sparse
//! files) and disk blocks are reserved in growing chunks ahead of the write position; appends copy
//! through the mapping (prefaulted by a background thread) or use pwrite(), per `WriteMode`. A closed
//! segment is trimmed to its logical size and mapped read-only only while it is being read (the
//! owning `Log` unmaps idle ones), so many partitions cost little address space. Only the `.log` of an
//! active segment that has been appended to keeps a descriptor open (see `mmap::MappedFile`).
//!
//! Opening scans the `.log` (`recovery::SegmentScan`) and, before anything maps it, cuts the file to the
//! valid bytes (the active segment: zeroes what lies past them), so stale bytes past the end can never
//! be read back.
//!
//! Not thread-safe on its own: the owning `Log`'s lock serialises access.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{EngineError, Result};
use crate::log::config::{LogConfig, WriteMode};
use crate::log::mmap::{MappedFile, Mapping};
use crate::log::offset_index::OffsetIndex;
use crate::log::prefault;
use crate::log::recovery::{Scan, ScanOutcome, SegmentScan};
use crate::log::time_index::TimeIndex;
use crate::record::batch::{BatchHeader, HEADER_LEN, MAGIC, NO_TIMESTAMP};

/// Smallest and largest step of disk reservation ahead of the writer: a new segment reserves 256 KiB
/// (1,000 idle partitions reserve a quarter GiB), a busy one grows its reservation with its size up
/// to 16 MiB ahead.
const MIN_RESERVE_AHEAD: usize = 256 << 10;
const MAX_RESERVE_AHEAD: usize = 16 << 20;

/// Most data an active segment left by an unclean stop may hold past its valid bytes and still be zeroed
/// rather than trimmed: the end of the last page plus what the writer prefaulted ahead.
const MAX_STALE_DATA: u64 = 2 * MAX_RESERVE_AHEAD as u64;

pub fn file_name(base_offset: i64, suffix: &str) -> String {
    format!("{base_offset:020}.{suffix}")
}

/// A byte range of a segment's mapping: what a read returns.
pub struct MappedSlice {
    pub mapping: Arc<Mapping>,
    pub position: usize,
    pub len: usize,
    pub first_offset: i64,
    pub next_offset: i64,
}

struct Files {
    log: Arc<Mapping>,
    offset_index: OffsetIndex,
    time_index: TimeIndex,
}

/// Append-side state of the active segment.
struct Writer {
    mode: WriteMode,
    bytes_since_index_entry: usize,
    index_interval_bytes: usize,
}

pub struct Segment {
    base_offset: i64,
    dir: PathBuf,
    /// Logical size: bytes of whole batches. Everything past it is unused.
    size: usize,
    next_offset: i64,
    max_timestamp: i64,
    /// When the segment holds batches: timestamp of the first (segment.ms counts from it).
    first_batch_timestamp: Option<i64>,
    /// Wall-clock time the segment was created or opened, for segment.ms when batches carry no time.
    created_ms: i64,
    files: Option<Files>,
    writer: Option<Writer>,
}

impl Segment {
    /// A segment holding nothing yet, its files not open.
    fn empty(dir: &Path, base_offset: i64, now_ms: i64) -> Segment {
        Segment {
            base_offset,
            dir: dir.to_path_buf(),
            size: 0,
            next_offset: base_offset,
            max_timestamp: NO_TIMESTAMP,
            first_batch_timestamp: None,
            created_ms: now_ms,
            files: None,
            writer: None,
        }
    }

    /// Creates an empty active segment (its files must not hold batches).
    pub fn create(dir: &Path, base_offset: i64, config: &LogConfig, now_ms: i64) -> Result<Segment> {
        let mut segment = Segment::empty(dir, base_offset, now_ms);
        let log = MappedFile::open(&segment.path("log"), true)?;
        let _descriptor = log.hold_for_scope()?;
        log.trim_when_unmapped(0)?;
        segment.activate(config, None)?;
        Ok(segment)
    }

    /// Opens an existing segment, checking its `.log` as `scan` says, and makes it the active one
    /// when `active`. A missing `.index` or `.timeindex` is rebuilt.
    pub fn open(
        dir: &Path,
        base_offset: i64,
        config: &LogConfig,
        scan: Scan,
        active: bool,
        now_ms: i64,
    ) -> Result<(Segment, ScanOutcome)> {
        let mut segment = Segment::empty(dir, base_offset, now_ms);
        let log_file = MappedFile::open(&segment.path("log"), false)?;
        let _descriptor = log_file.hold_for_scope()?;
        let mut offset_index = OffsetIndex::open_writable(&segment.path("index"), config.segment_index_bytes)?;
        let mut time_index = TimeIndex::open_writable(&segment.path("timeindex"), config.segment_index_bytes)?;
        let mapping = Mapping::read_only_whole(&log_file)?;
        let (extent, outcome) = SegmentScan {
            base_offset,
            mapping: &mapping,
            file_len: mapping.len(),
            offset_index: &mut offset_index,
            time_index: &mut time_index,
            index_interval_bytes: config.index_interval_bytes,
        }
        .run(scan)?;
        drop(mapping);
        segment.size = extent.size;
        segment.next_offset = extent.next_offset;
        segment.max_timestamp = extent.max_timestamp;
        segment.first_batch_timestamp = extent.first_batch_timestamp;
        // The active segment keeps its length and the disk reserved ahead of the writer: zeroing what lies
        // past the valid bytes is enough, and a trim then re-reservation cost ~1 ms per partition.
        if !(active && log_file.zero_data_past(segment.size as u64, MAX_STALE_DATA)?) {
            log_file.trim_when_unmapped(segment.size as u64)?;
        }
        if active {
            segment.activate(config, Some((offset_index, time_index)))?;
        } else {
            segment.seal_indexes(offset_index, time_index)?;
        }
        Ok((segment, outcome))
    }

    /// Maps the three files writable and makes this the segment appends go to; `indexes` are the
    /// segment's indexes when the caller has them open writable already (the scan of an open).
    fn activate(&mut self, config: &LogConfig, indexes: Option<(OffsetIndex, TimeIndex)>) -> Result<()> {
        let log_file = MappedFile::open(&self.path("log"), true)?;
        let _descriptor = log_file.hold_for_scope()?;
        let capacity = config.segment_bytes.max(self.size).max(HEADER_LEN);
        let log = Mapping::writable(&log_file, capacity, 0)?;
        // The writer faults pages in (or the prefaulter does): read-around would zero-fill holes.
        log.advise_random();
        log.reserve_to(self.size)?;
        let (offset_index, time_index) = match indexes {
            Some(indexes) => indexes,
            None => (
                OffsetIndex::open_writable(&self.path("index"), config.segment_index_bytes)?,
                TimeIndex::open_writable(&self.path("timeindex"), config.segment_index_bytes)?,
            ),
        };
        let bytes_since_index_entry = self.size - offset_index.last().map_or(0, |e| e.position as usize);
        self.files = Some(Files { log, offset_index, time_index });
        self.writer = Some(Writer {
            mode: config.write_mode,
            bytes_since_index_entry,
            index_interval_bytes: config.index_interval_bytes,
        });
        Ok(())
    }

    /// Makes a closed segment the active one again (after the segments past it were removed).
    pub fn make_active(&mut self, config: &LogConfig) -> Result<()> {
        if self.writer.is_none() {
            self.unmap();
            self.activate(config, None)?;
        }
        Ok(())
    }

    pub fn base_offset(&self) -> i64 {
        self.base_offset
    }

    pub fn size(&self) -> usize {
        self.size
    }

    pub fn next_offset(&self) -> i64 {
        self.next_offset
    }

    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    pub fn is_active(&self) -> bool {
        self.writer.is_some()
    }

    pub fn is_mapped(&self) -> bool {
        self.files.is_some()
    }

    /// Largest batch max timestamp in the segment (NO_TIMESTAMP when empty).
    pub fn max_timestamp(&self) -> i64 {
        self.max_timestamp
    }

    pub fn path(&self, suffix: &str) -> PathBuf {
        self.dir.join(file_name(self.base_offset, suffix))
    }

    /// Whether `len` more bytes ending at `last_offset` fit without rolling.
    pub fn can_append(&self, len: usize, last_offset: i64) -> bool {
        let Some(files) = &self.files else { return false };
        self.size + len <= files.log.len()
            && !files.offset_index.is_full()
            && !files.time_index.is_full()
            && last_offset - self.base_offset <= i64::from(u32::MAX)
    }

    /// Time-based roll (segment.ms), measured as Kafka does: from the first batch's timestamp to the
    /// incoming batches' max timestamp (so data time, not wall time, when batches carry timestamps),
    /// or from the segment's creation to now when they do not.
    pub fn is_due_for_roll(&self, incoming_max_timestamp: i64, now_ms: i64, segment_ms: i64) -> bool {
        let waited = match self.first_batch_timestamp.filter(|t| *t >= 0) {
            Some(first) if incoming_max_timestamp >= 0 => incoming_max_timestamp.saturating_sub(first),
            _ => now_ms.saturating_sub(self.created_ms),
        };
        self.size > 0 && waited > segment_ms
    }

    /// Appends `data`, whole stamped batches whose headers are `batches` (position in `data`, header).
    pub fn append(&mut self, data: &[u8], batches: &[(usize, BatchHeader)]) -> Result<()> {
        let (Some(files), Some(writer)) = (&mut self.files, &mut self.writer) else {
            return Err(EngineError::Storage(format!("segment {} is not active", self.base_offset)));
        };
        let start = self.size;
        let end = start + data.len();
        // A partition costs a descriptor only once it is written to (creating 1,000 costs none).
        files.log.file().hold_descriptor()?;
        reserve_ahead(&files.log, start, end, writer.mode)?;
        match writer.mode {
            WriteMode::Mmap => files.log.write(start, data)?,
            WriteMode::Pwrite => files.log.file().write_at(data, start as u64)?,
        }
        for (position, header) in batches {
            let at = start + position;
            if writer.bytes_since_index_entry > writer.index_interval_bytes {
                let relative = (header.base_offset - self.base_offset) as u32;
                files.offset_index.append(relative, at as u32)?;
                files.time_index.maybe_append(self.max_timestamp, relative)?;
                writer.bytes_since_index_entry = 0;
            }
            writer.bytes_since_index_entry += header.size();
            if self.first_batch_timestamp.is_none() {
                self.first_batch_timestamp = Some(header.max_timestamp);
            }
            self.max_timestamp = self.max_timestamp.max(header.max_timestamp);
            self.next_offset = header.next_offset();
        }
        self.size = end;
        Ok(())
    }

    /// Maps a closed segment for reading (the `Log` unmaps idle ones with `unmap`).
    fn files(&mut self) -> Result<&Files> {
        if self.files.is_none() {
            let log_file = MappedFile::open(&self.path("log"), false)?;
            let _descriptor = log_file.hold_for_scope()?;
            let log = Mapping::read_only(&log_file, self.size)?;
            let offset_index = OffsetIndex::open_read_only(&self.path("index"))?;
            let time_index = TimeIndex::open_read_only(&self.path("timeindex"))?;
            self.files = Some(Files { log, offset_index, time_index });
        }
        Ok(self.files.as_ref().expect("files just opened"))
    }

    /// Releases a closed segment's mappings; JS views that still use them keep them alive.
    pub fn unmap(&mut self) {
        if self.writer.is_none() {
            if let Some(files) = self.files.take() {
                files.log.retire();
            }
        }
    }

    /// Position and header of the batch holding `offset` (the first batch ending at or after it).
    pub fn find(&mut self, offset: i64) -> Result<Option<(usize, BatchHeader)>> {
        if offset >= self.next_offset || self.size == 0 {
            return Ok(None);
        }
        let size = self.size;
        let relative = offset.saturating_sub(self.base_offset).clamp(0, i64::from(u32::MAX)) as u32;
        let files = self.files()?;
        let mut position = files.offset_index.lookup(relative) as usize;
        while let Some(header) = header_at(&files.log, position, size) {
            if header.last_offset() >= offset {
                return Ok(Some((position, header)));
            }
            position += header.size();
        }
        Ok(None)
    }

    /// Whole batches from the one holding `offset`, up to `max_bytes` (at least one batch) and only
    /// batches that end before `max_offset`.
    pub fn read(&mut self, offset: i64, max_bytes: usize, max_offset: i64) -> Result<Option<MappedSlice>> {
        let Some((start, first)) = self.find(offset)? else { return Ok(None) };
        let size = self.size;
        let files = self.files()?;
        let mut end = start;
        let mut next_offset = first.base_offset;
        while let Some(header) = header_at(&files.log, end, size) {
            let fits = end == start || end - start + header.size() <= max_bytes;
            if header.last_offset() >= max_offset || !fits {
                break;
            }
            end += header.size();
            next_offset = header.next_offset();
        }
        if end == start {
            return Ok(None);
        }
        Ok(Some(MappedSlice {
            mapping: Arc::clone(&files.log),
            position: start,
            len: end - start,
            first_offset: first.base_offset,
            next_offset,
        }))
    }

    /// Headers of the batches from `offset` on, in order (for the producer-state rebuild, lookups
    /// by timestamp and the cleaner). Stops after `max_batches`.
    pub fn headers_from(&mut self, offset: i64, max_batches: usize) -> Result<Vec<(usize, BatchHeader)>> {
        let Some((mut position, _)) = self.find(offset)? else { return Ok(Vec::new()) };
        let size = self.size;
        let files = self.files()?;
        let mut headers = Vec::new();
        while headers.len() < max_batches {
            let Some(header) = header_at(&files.log, position, size) else { break };
            headers.push((position, header));
            position += header.size();
        }
        Ok(headers)
    }

    /// The bytes of one batch found by `find` or `headers_from`.
    pub fn batch_bytes(&mut self, position: usize, len: usize) -> Result<&[u8]> {
        let files = self.files()?;
        files.log.bytes(position, len)
    }

    /// The offset to search from for the first record with a timestamp ≥ `timestamp`.
    pub fn offset_for_time_lookup(&mut self, timestamp: i64) -> Result<i64> {
        let base = self.base_offset;
        Ok(base + i64::from(self.files()?.time_index.lookup(timestamp)))
    }

    /// Drops the batches from the one holding `offset` on; returns the new next offset. The dropped
    /// bytes are zeroed (they lie above the high watermark, so no reader holds a view of them).
    pub fn truncate_to(&mut self, offset: i64, config: &LogConfig) -> Result<i64> {
        let Some((position, header)) = self.find(offset)? else { return Ok(self.next_offset) };
        self.make_active(config)?;
        let files = self.files.as_mut().expect("active segment is mapped");
        files.log.zero(position, self.size - position)?;
        files.offset_index.truncate_to_position(position as u32)?;
        files.time_index.truncate_to_offset((header.base_offset - self.base_offset) as u32)?;
        self.size = position;
        self.next_offset = header.base_offset;
        self.rescan_after_truncation()?;
        Ok(self.next_offset)
    }

    /// Recomputes timestamps and the writer's index spacing after a truncation.
    fn rescan_after_truncation(&mut self) -> Result<()> {
        let files = self.files.as_ref().expect("active segment is mapped");
        let from = files.offset_index.last().map_or(0, |e| e.position as usize);
        let mut max_timestamp = files.time_index.last().map_or(NO_TIMESTAMP, |t| t.timestamp);
        let mut position = from;
        while let Some(header) = header_at(&files.log, position, self.size) {
            max_timestamp = max_timestamp.max(header.max_timestamp);
            position += header.size();
        }
        self.max_timestamp = max_timestamp;
        if self.size == 0 {
            self.first_batch_timestamp = None;
        }
        if let Some(writer) = &mut self.writer {
            writer.bytes_since_index_entry = self.size - from;
        }
        Ok(())
    }

    /// Stops appending to this segment: writes the final time-index entry and trims the files to
    /// their logical sizes once nothing maps them.
    pub fn close_for_append(&mut self) -> Result<()> {
        if self.writer.take().is_none() {
            return Ok(());
        }
        let files = self.files.take().expect("active segment is mapped");
        files.log.retire();
        files.log.file().release_descriptor();
        files.log.file().trim_when_unmapped(self.size as u64)?;
        self.seal_indexes(files.offset_index, files.time_index)
    }

    fn seal_indexes(&self, offset_index: OffsetIndex, mut time_index: TimeIndex) -> Result<()> {
        if self.size > 0 {
            time_index.maybe_append(self.max_timestamp, (self.next_offset - self.base_offset) as u32)?;
        }
        offset_index.seal()?;
        time_index.seal()
    }

    /// The active segment's `.log`, for an fdatasync outside the log's lock.
    pub fn active_log_file(&self) -> Option<Arc<MappedFile>> {
        self.writer.as_ref()?;
        self.files.as_ref().map(|files| Arc::clone(files.log.file()))
    }

    /// Deletes the three files. Mappings still used by JS views stay valid (the pages outlive the name).
    pub fn delete(self) -> Result<()> {
        self.delete_later()?.delete()
    }

    /// Renames the three files `<name>.deleted`, which is cheap, and returns what `delete` removes:
    /// removing a written segment frees its page cache and takes tens of milliseconds (measured: 30–600
    /// ms for 64 MiB on the project's machine), too long to hold the log's lock for. The new names free
    /// the old ones at once (a segment created at the same base offset cannot lose its files to the
    /// late removal); opening a log removes `.deleted` files a crash left behind.
    pub fn delete_later(mut self) -> Result<DeletedSegment> {
        let files = self.files.take();
        if let Some(files) = &files {
            files.log.retire();
            files.log.file().mark_deleted();
        }
        let mut paths = Vec::with_capacity(SEGMENT_FILE_SUFFIXES.len());
        for suffix in SEGMENT_FILE_SUFFIXES {
            let path = self.dir.join(file_name(self.base_offset, suffix));
            let deleted = self.dir.join(format!("{}.{DELETED_SUFFIX}", file_name(self.base_offset, suffix)));
            match std::fs::rename(&path, &deleted) {
                Ok(()) => paths.push(deleted),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(crate::log::mmap::storage_error(&path, "rename", error)),
            }
        }
        Ok(DeletedSegment { paths, _files: files })
    }
}

/// Suffix of the files of a segment that left its log and awaits removal (`Segment::delete_later`).
pub const DELETED_SUFFIX: &str = "deleted";

const SEGMENT_FILE_SUFFIXES: [&str; 3] = ["log", "index", "timeindex"];

/// A segment out of its log, its files renamed `.deleted`; `delete` removes them (outside the lock).
#[must_use = "a deleted segment's files stay on disk until `delete` runs"]
pub struct DeletedSegment {
    paths: Vec<PathBuf>,
    /// The segment's mappings, unmapped here rather than under the log's lock (views JS still holds
    /// keep theirs alive).
    _files: Option<Files>,
}

/// Deletes `segments`; how many there were.
pub fn delete_all(segments: Vec<DeletedSegment>) -> Result<usize> {
    let count = segments.len();
    for segment in segments {
        segment.delete()?;
    }
    Ok(count)
}

impl DeletedSegment {
    pub fn delete(self) -> Result<()> {
        for path in &self.paths {
            match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(crate::log::mmap::storage_error(path, "delete", error)),
            }
        }
        Ok(())
    }
}

impl Drop for Segment {
    fn drop(&mut self) {
        if let Some(files) = &self.files {
            files.log.retire();
            files.log.file().release_descriptor();
        }
    }
}

/// Deletes the `.log`, `.index` and `.timeindex` of the segment at `base_offset` in `dir`.
pub fn delete_files(dir: &Path, base_offset: i64) -> Result<()> {
    for suffix in SEGMENT_FILE_SUFFIXES {
        let path = dir.join(file_name(base_offset, suffix));
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(crate::log::mmap::storage_error(&path, "delete", error)),
        }
    }
    Ok(())
}

/// Reserves disk ahead of an append of `[start, end)` and, for mmap writes, prefaults what was
/// reserved. Only the bytes the append needs must be reservable: a full disk fails the append
/// cleanly, while a failed reservation further ahead is retried on the next append.
fn reserve_ahead(log: &Arc<Mapping>, start: usize, end: usize, mode: WriteMode) -> Result<()> {
    let reserved = log.reserved();
    let ahead = start.clamp(MIN_RESERVE_AHEAD, MAX_RESERVE_AHEAD);
    if end + ahead / 2 <= reserved {
        return Ok(());
    }
    let target = (end + ahead).div_ceil(MIN_RESERVE_AHEAD) * MIN_RESERVE_AHEAD;
    if log.reserve_to(target).is_err() {
        log.reserve_to(end)?;
    }
    // Prefault only for segments that are being filled: an idle partition's first few appends fault
    // their own pages instead of pinning a reservation's worth of page cache.
    if mode == WriteMode::Mmap && start >= MIN_RESERVE_AHEAD {
        prefault::request(log, reserved, log.reserved() - reserved);
    }
    Ok(())
}

/// The header of the batch at `position` when a whole plausible batch lies below `size`.
pub(crate) fn header_at(mapping: &Mapping, position: usize, size: usize) -> Option<BatchHeader> {
    if position + HEADER_LEN > size {
        return None;
    }
    let header = BatchHeader::parse(mapping.bytes(position, HEADER_LEN).ok()?).ok()?;
    let batch_size = header.size();
    if header.magic != MAGIC || batch_size < HEADER_LEN || position + batch_size > size {
        return None;
    }
    Some(header)
}
