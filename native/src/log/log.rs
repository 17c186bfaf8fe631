//! `Log`: one partition's segments, ordered by base offset, the last one active. Appends assign
//! offsets and go to the active segment (rolling by `segment.bytes`, `segment.ms` or full indexes);
//! reads return mapped byte ranges of whole batches; retention, `deleteRecordsBefore` and
//! `truncateTo` remove whole segments or the tail of one; opening recovers what an unclean stop left.
//!
//! Offsets are `i64` (Kafka's int64); positions inside a segment are `u32`/`usize` bytes.
//! Not thread-safe on its own: `flush::SharedLog` puts it behind a lock shared by the JS thread,
//! worker threads and flush tasks.

use std::collections::{BTreeMap, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{EngineError, Result};
use crate::log::config::LogConfig;
use crate::log::leader_epoch::LeaderEpochCache;
use crate::log::mmap::{storage_error, MappedFile};
use crate::log::recovery::Scan;
use crate::log::segment::{self, DeletedSegment, MappedSlice, Segment, DELETED_SUFFIX};
use crate::record::batch::{self, BatchHeader, TimestampType, NO_TIMESTAMP};
use crate::record::iter::BatchRecords;
use crate::record::validate::{validate_batches, ValidatedBatch, ValidationOptions};

/// Closed segments kept mapped per log after a read; older ones are unmapped (lazy mapping keeps
/// 1,000 partitions within address-space and descriptor limits).
const MAPPED_CLOSED_SEGMENTS: usize = 2;
/// Decompression limit when looking up timestamps inside compressed batches.
const MAX_DECOMPRESSED_BYTES: usize = 64 << 20;

#[derive(Clone, Copy, Debug)]
pub struct OpenOptions {
    /// Offset below which everything was flushed (from `recovery-point-offset-checkpoint`).
    pub recovery_point: i64,
    /// From `log-start-offset-checkpoint`; the first segment's base offset when larger.
    pub log_start_offset: i64,
    /// The log dir had its clean-shutdown marker: nothing past the recovery point needs checking.
    pub clean_shutdown: bool,
    pub now_ms: i64,
}

/// What opening found and repaired, for the caller to log.
#[derive(Clone, Debug, Default)]
pub struct RecoveryReport {
    /// Segments whose every batch was CRC-checked.
    pub segments_checked: usize,
    /// (segment base offset, bytes cut, why) for each segment that lost a torn or corrupt tail.
    pub truncations: Vec<(i64, u64, String)>,
    /// Segments deleted because corruption in an earlier one ended the log there.
    pub deleted_segments: Vec<i64>,
}

#[derive(Clone, Copy, Debug)]
pub struct AppendOptions {
    /// Stamped into every batch; a new epoch is recorded in the leader-epoch checkpoint.
    pub leader_epoch: i32,
    pub timestamp_type: TimestampType,
    pub now_ms: i64,
}

/// Where an append landed; `batches` are the stamped headers, for idempotent-producer state.
#[derive(Clone, Debug)]
pub struct AppendInfo {
    pub base_offset: i64,
    pub last_offset: i64,
    /// The time stamped into LogAppendTime batches; NO_TIMESTAMP (-1) for CreateTime.
    pub log_append_time: i64,
    pub batches: Vec<BatchHeader>,
}

/// A record found by timestamp: its offset and timestamp (ListOffsets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimestampAndOffset {
    pub timestamp: i64,
    pub offset: i64,
}

/// Files to fdatasync for a flush, and the log end offset they will make durable.
pub struct FlushPlan {
    pub files: Vec<Arc<MappedFile>>,
    pub up_to: i64,
}

pub struct Log {
    dir: PathBuf,
    config: LogConfig,
    segments: BTreeMap<i64, Segment>,
    log_start_offset: i64,
    recovery_point: i64,
    /// `.log` files of rolled segments that still hold unflushed appends.
    unflushed: Vec<Arc<MappedFile>>,
    /// Base offsets of closed segments that are mapped, least recently read first.
    mapped_closed: VecDeque<i64>,
    leader_epochs: LeaderEpochCache,
    closed: bool,
}

impl Log {
    /// Opens (creating when missing) the partition directory `dir`, recovering after an unclean stop.
    pub fn open(dir: &Path, config: LogConfig, options: OpenOptions) -> Result<(Log, RecoveryReport)> {
        fs::create_dir_all(dir).map_err(|e| storage_error(dir, "create", e))?;
        crate::log::cleaner::swap::complete_interrupted(dir)?;
        let bases = segment_base_offsets(dir)?;
        let mut report = RecoveryReport::default();
        let mut segments = BTreeMap::new();
        let mut corrupt_at = None;
        for (index, &base) in bases.iter().enumerate() {
            if corrupt_at.is_some() {
                segment::delete_files(dir, base)?;
                report.deleted_segments.push(base);
                continue;
            }
            let is_last = index + 1 == bases.len();
            let past_recovery_point = bases.get(index + 1).is_none_or(|next| *next > options.recovery_point);
            let scan = if !options.clean_shutdown && past_recovery_point { Scan::Full } else { Scan::Headers };
            let (segment, outcome) = Segment::open(dir, base, &config, scan, is_last, options.now_ms)?;
            if scan == Scan::Full {
                report.segments_checked += 1;
            }
            if outcome.truncated_bytes > 0 && outcome.reason.is_some() {
                let reason = outcome.reason.unwrap_or_default();
                report.truncations.push((base, outcome.truncated_bytes, reason));
                if !is_last {
                    corrupt_at = Some(base);
                }
            }
            segments.insert(base, segment);
        }
        let (leader_epochs, epochs_found) = LeaderEpochCache::load(dir);
        let mut log = Log {
            dir: dir.to_path_buf(),
            config,
            segments,
            log_start_offset: 0,
            recovery_point: 0,
            unflushed: Vec::new(),
            mapped_closed: VecDeque::new(),
            leader_epochs,
            closed: false,
        };
        if log.segments.is_empty() {
            let base = options.log_start_offset.max(0);
            log.segments.insert(base, Segment::create(dir, base, &log.config, options.now_ms)?);
        } else if !log.active().is_active() {
            let config = log.config.clone();
            log.active_mut().make_active(&config)?;
        }
        let end = log.log_end_offset();
        let first_base = *log.segments.keys().next().expect("a segment");
        log.log_start_offset = options.log_start_offset.clamp(first_base, end);
        log.recovery_point = if options.clean_shutdown { end } else { options.recovery_point.clamp(0, end) };
        if !epochs_found {
            log.rebuild_leader_epochs()?;
        }
        log.leader_epochs.truncate_from_end(end)?;
        log.leader_epochs.truncate_from_start(log.log_start_offset)?;
        Ok((log, report))
    }

    /// Rebuilds a lost or garbled `leader-epoch-checkpoint` from the partitionLeaderEpoch stamped in
    /// every batch (a header scan of the whole log).
    fn rebuild_leader_epochs(&mut self) -> Result<()> {
        let mut offset = self.log_start_offset;
        loop {
            let headers = self.batch_headers(offset, 4096)?;
            let Some(last) = headers.last() else { break };
            offset = last.next_offset();
            for header in &headers {
                self.leader_epochs.assign(header.partition_leader_epoch, header.base_offset)?;
            }
        }
        self.leader_epochs.sync()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn config(&self) -> &LogConfig {
        &self.config
    }

    /// New settings apply to segments created from now on (and to retention right away).
    pub fn set_config(&mut self, config: LogConfig) {
        self.config = config;
    }

    pub fn log_start_offset(&self) -> i64 {
        self.log_start_offset
    }

    pub fn log_end_offset(&self) -> i64 {
        self.active().next_offset()
    }

    pub fn recovery_point(&self) -> i64 {
        self.recovery_point
    }

    /// Logical bytes of all segments (retention and DescribeLogDirs count these, not file sizes).
    pub fn size(&self) -> u64 {
        self.segments.values().map(|s| s.size() as u64).sum()
    }

    /// (base offset, logical size, max timestamp) of every segment, oldest first.
    pub fn segment_infos(&self) -> Vec<(i64, usize, i64)> {
        self.segments.values().map(|s| (s.base_offset(), s.size(), s.max_timestamp())).collect()
    }

    pub fn leader_epochs(&self) -> &LeaderEpochCache {
        &self.leader_epochs
    }

    /// Records that `epoch` starts at the log end, before anything is written in it: a new leader
    /// does so at once (Kafka's maybeAssignEpochStartOffset), so OffsetForLeaderEpoch places the
    /// epochs its followers may hold from leaders it never heard of. Ignored unless `epoch` is newer
    /// than the latest in the cache.
    pub fn assign_epoch_start_offset(&mut self, epoch: i32) -> Result<()> {
        self.check_open()?;
        let end = self.log_end_offset();
        self.leader_epochs.assign(epoch, end)
    }

    fn active(&self) -> &Segment {
        self.segments.values().next_back().expect("a log always has an active segment")
    }

    fn active_mut(&mut self) -> &mut Segment {
        self.segments.values_mut().next_back().expect("a log always has an active segment")
    }

    fn check_open(&self) -> Result<()> {
        if self.closed {
            return Err(EngineError::Storage(format!("log {} is closed", self.dir.display())));
        }
        Ok(())
    }

    /// Validates then appends `input` (one or more whole batches, stamped in place).
    pub fn append(
        &mut self,
        input: &mut [u8],
        validation: &ValidationOptions,
        options: &AppendOptions,
    ) -> Result<AppendInfo> {
        let validated = validate_batches(input, validation)?;
        self.append_validated(input, &validated, options)
    }

    /// Appends batches already checked by `validate_batches` (which callers run outside the lock).
    /// Offsets are assigned from the log end; nothing is written unless every step can succeed.
    pub fn append_validated(
        &mut self,
        input: &mut [u8],
        validated: &[ValidatedBatch],
        options: &AppendOptions,
    ) -> Result<AppendInfo> {
        self.check_open()?;
        let base_offset = self.log_end_offset();
        let log_append_time =
            if options.timestamp_type == TimestampType::LogAppendTime { options.now_ms } else { NO_TIMESTAMP };
        let mut next = base_offset;
        let mut batches = Vec::with_capacity(validated.len());
        for vb in validated {
            let bytes = &mut input[vb.position..vb.position + vb.size];
            batch::stamp(bytes, next, options.leader_epoch);
            if log_append_time != NO_TIMESTAMP {
                batch::set_log_append_time(bytes, log_append_time);
            }
            let header = BatchHeader::parse(bytes)?;
            next = header.next_offset();
            batches.push(header);
        }
        let last_offset = next - 1;
        let incoming_max_timestamp = batches.iter().map(|h| h.max_timestamp).max().unwrap_or(NO_TIMESTAMP);
        if !self.active().can_append(input.len(), last_offset)
            || self.active().is_due_for_roll(incoming_max_timestamp, options.now_ms, self.config.segment_ms)
        {
            self.roll(options.now_ms, input.len())?;
        }
        let positioned: Vec<(usize, BatchHeader)> =
            validated.iter().zip(&batches).map(|(vb, header)| (vb.position, *header)).collect();
        self.active_mut().append(input, &positioned)?;
        self.leader_epochs.assign(options.leader_epoch, base_offset)?;
        Ok(AppendInfo { base_offset, last_offset, log_append_time, batches })
    }

    /// Appends batches replicated from the leader as they are (checked by `validate_replicated_batches`):
    /// their offsets and leader epochs were assigned by the leader, so nothing is stamped. The first
    /// batch may not start below the log end and each must start at or after the end of the one
    /// before (a compacted leader log leaves gaps); OFFSET_OUT_OF_RANGE otherwise, appending nothing.
    /// Every batch's partitionLeaderEpoch that is new is recorded in the leader-epoch cache.
    pub fn append_as_follower(
        &mut self,
        input: &[u8],
        validated: &[ValidatedBatch],
        now_ms: i64,
    ) -> Result<AppendInfo> {
        self.check_open()?;
        let mut next = self.log_end_offset();
        for vb in validated {
            if vb.header.base_offset < next {
                return Err(EngineError::OffsetOutOfRange(format!(
                    "replicated batch at offset {} does not follow offset {}",
                    vb.header.base_offset,
                    next - 1
                )));
            }
            next = vb.header.next_offset();
        }
        let (Some(first), Some(last)) = (validated.first(), validated.last()) else {
            return Err(EngineError::InvalidRecord("no record batch".into()));
        };
        let incoming_max_timestamp = validated.iter().map(|vb| vb.header.max_timestamp).max().unwrap_or(NO_TIMESTAMP);
        if !self.active().can_append(input.len(), last.header.last_offset())
            || first.header.base_offset - self.active().base_offset() > i64::from(u32::MAX)
            || self.active().is_due_for_roll(incoming_max_timestamp, now_ms, self.config.segment_ms)
        {
            self.roll(now_ms, input.len())?;
        }
        let positioned: Vec<(usize, BatchHeader)> = validated.iter().map(|vb| (vb.position, vb.header)).collect();
        self.active_mut().append(input, &positioned)?;
        for vb in validated {
            self.leader_epochs.assign(vb.header.partition_leader_epoch, vb.header.base_offset)?;
        }
        Ok(AppendInfo {
            base_offset: first.header.base_offset,
            last_offset: last.header.last_offset(),
            log_append_time: NO_TIMESTAMP,
            batches: validated.iter().map(|vb| vb.header).collect(),
        })
    }

    /// Closes the active segment and starts a new one at the log end, sized for at least `min_bytes`.
    pub fn roll(&mut self, now_ms: i64, min_bytes: usize) -> Result<()> {
        self.check_open()?;
        let end = self.log_end_offset();
        let recovery_point = self.recovery_point;
        let active = self.active_mut();
        if active.is_empty() && active.base_offset() == end && active.can_append(min_bytes, end) {
            return Ok(());
        }
        if let Some(file) = active.active_log_file() {
            if active.next_offset() > recovery_point {
                self.unflushed.push(file);
            }
        }
        let active = self.active_mut();
        if active.is_empty() {
            let base = active.base_offset();
            self.segments.remove(&base).expect("active segment").delete()?;
        } else {
            active.close_for_append()?;
        }
        let mut config = self.config.clone();
        config.segment_bytes = config.segment_bytes.max(min_bytes);
        self.segments.insert(end, Segment::create(&self.dir, end, &config, now_ms)?);
        Ok(())
    }

    /// Whole batches from the one holding `offset`, at most `max_bytes` (but at least one batch) and
    /// none reaching `max_offset` (the high watermark). None when nothing is readable there yet.
    pub fn read(&mut self, offset: i64, max_bytes: usize, max_offset: i64) -> Result<Option<MappedSlice>> {
        self.check_open()?;
        self.check_in_range(offset)?;
        let bases: Vec<i64> = self
            .segments
            .range(..=offset)
            .next_back()
            .map(|(b, _)| *b)
            .into_iter()
            .chain(self.segments.range(offset + 1..).map(|(b, _)| *b))
            .collect();
        for base in bases {
            let segment = self.segments.get_mut(&base).expect("listed segment");
            if offset >= segment.next_offset() {
                continue;
            }
            let from = offset.max(base);
            if from >= max_offset {
                return Ok(None);
            }
            let slice = segment.read(from, max_bytes, max_offset)?;
            self.note_read(base);
            return Ok(slice);
        }
        Ok(None)
    }

    fn check_in_range(&self, offset: i64) -> Result<()> {
        if offset < self.log_start_offset || offset > self.log_end_offset() {
            return Err(EngineError::OffsetOutOfRange(format!(
                "offset {offset} is outside [{}, {}]",
                self.log_start_offset,
                self.log_end_offset()
            )));
        }
        Ok(())
    }

    /// Keeps at most MAPPED_CLOSED_SEGMENTS closed segments mapped, unmapping the least recently read.
    fn note_read(&mut self, base: i64) {
        if self.segments.get(&base).is_some_and(|s| s.is_active()) {
            return;
        }
        self.mapped_closed.retain(|b| *b != base);
        self.mapped_closed.push_back(base);
        while self.mapped_closed.len() > MAPPED_CLOSED_SEGMENTS {
            let evicted = self.mapped_closed.pop_front().expect("non-empty");
            if let Some(segment) = self.segments.get_mut(&evicted) {
                segment.unmap();
            }
        }
    }

    /// Headers of up to `max_batches` batches from the one holding `offset` on, across segments
    /// (the broker rebuilds idempotent-producer state from the log tail with this).
    pub fn batch_headers(&mut self, offset: i64, max_batches: usize) -> Result<Vec<BatchHeader>> {
        self.check_open()?;
        self.check_in_range(offset)?;
        let mut headers = Vec::new();
        let bases: Vec<i64> = self.segments.keys().copied().collect();
        for base in bases {
            let segment = self.segments.get_mut(&base).expect("listed segment");
            if segment.next_offset() <= offset || headers.len() >= max_batches {
                continue;
            }
            let from = offset.max(base);
            headers.extend(segment.headers_from(from, max_batches - headers.len())?.into_iter().map(|(_, h)| h));
            self.note_read(base);
        }
        Ok(headers)
    }

    /// The first record at or after the log start with a timestamp ≥ `timestamp` and an offset below
    /// `max_offset`, looking inside compressed batches (ListOffsets by time).
    pub fn offset_for_timestamp(&mut self, timestamp: i64, max_offset: i64) -> Result<Option<TimestampAndOffset>> {
        self.check_open()?;
        let bases: Vec<i64> =
            self.segments.values().filter(|s| s.max_timestamp() >= timestamp).map(|s| s.base_offset()).collect();
        let log_start = self.log_start_offset;
        for base in bases {
            let segment = self.segments.get_mut(&base).expect("listed segment");
            let from = segment.offset_for_time_lookup(timestamp)?.max(log_start);
            let found = first_record_matching(
                segment,
                from,
                max_offset,
                |batch| batch.max_timestamp >= timestamp,
                |ts| ts >= timestamp,
            )?;
            self.note_read(base);
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// The record with the largest timestamp (the first one when several share it): ListOffsets -3.
    pub fn max_timestamp(&mut self) -> Result<Option<TimestampAndOffset>> {
        self.check_open()?;
        let Some(max) = self.segments.values().map(|s| s.max_timestamp()).max().filter(|t| *t >= 0) else {
            return Ok(None);
        };
        let base =
            self.segments.values().find(|s| s.max_timestamp() == max).expect("segment with the max").base_offset();
        let from = base.max(self.log_start_offset);
        let segment = self.segments.get_mut(&base).expect("listed segment");
        let found = first_record_matching(segment, from, i64::MAX, |batch| batch.max_timestamp == max, |ts| ts == max)?;
        self.note_read(base);
        Ok(found)
    }

    /// Removes every batch at or after `offset` (followers truncating a divergent tail). Logical:
    /// files keep their length while mapped; the dropped bytes lie above the high watermark, which
    /// no reader was given. Returns the new log end, which may be below `offset` when `offset` fell
    /// inside a batch.
    pub fn truncate_to(&mut self, offset: i64) -> Result<i64> {
        self.check_open()?;
        if offset >= self.log_end_offset() {
            // Nothing to drop, but an epoch this replica started as leader without writing in it
            // conflicts with the leader's log and goes (Kafka's UnifiedLog.truncateTo does the same).
            let end = self.log_end_offset();
            self.leader_epochs.truncate_from_end(end)?;
            return Ok(end);
        }
        if offset <= self.log_start_offset {
            return self.truncate_fully_and_start_at(offset.max(self.log_start_offset));
        }
        let doomed: Vec<i64> =
            self.segments.range(offset..).map(|(b, _)| *b).filter(|b| *b > self.first_base()).collect();
        for base in doomed.iter().rev() {
            self.remove_segment(*base)?;
        }
        let config = self.config.clone();
        let end = self.active_mut().truncate_to(offset, &config)?;
        self.mapped_closed.retain(|b| !doomed.contains(b));
        self.recovery_point = self.recovery_point.min(end);
        self.leader_epochs.truncate_from_end(end)?;
        Ok(end)
    }

    /// Deletes every segment and starts an empty log at `offset`, with an empty leader-epoch cache.
    pub fn truncate_fully_and_start_at(&mut self, offset: i64) -> Result<i64> {
        self.check_open()?;
        let now = self.active().max_timestamp().max(0);
        let bases: Vec<i64> = self.segments.keys().copied().collect();
        for base in bases {
            self.remove_segment(base)?;
        }
        self.mapped_closed.clear();
        self.segments.insert(offset, Segment::create(&self.dir, offset, &self.config, now)?);
        self.log_start_offset = offset;
        self.recovery_point = offset;
        // Nothing is left to say which epoch wrote what (Kafka clears the cache here too).
        self.leader_epochs.clear()?;
        Ok(offset)
    }

    fn first_base(&self) -> i64 {
        *self.segments.keys().next().expect("a segment")
    }

    fn remove_segment(&mut self, base: i64) -> Result<()> {
        self.take_segment(base).delete()
    }

    fn take_segment(&mut self, base: i64) -> Segment {
        let segment = self.segments.remove(&base).expect("segment to remove");
        self.mapped_closed.retain(|b| *b != base);
        segment
    }

    /// All of closed segment `base`, mapped: the cleaner reads whole segments, below the log start
    /// too. A segment that was not mapped is unmapped again (the slice keeps its mapping alive).
    pub fn segment_slice(&mut self, base: i64) -> Result<Option<MappedSlice>> {
        self.check_open()?;
        let Some(segment) = self.segments.get_mut(&base).filter(|s| !s.is_active()) else { return Ok(None) };
        let was_mapped = segment.is_mapped();
        let slice = segment.read(base, usize::MAX, i64::MAX)?;
        if !was_mapped {
            segment.unmap();
        }
        Ok(slice)
    }

    /// The cleaner's swap (see `cleaner::swap`): deletes the closed segments `old` (their mappings
    /// live on for JS views), then puts in the segment `install` opens from the swap files.
    pub fn replace_segments(
        &mut self,
        old: &[i64],
        install: impl FnOnce(&Path, &LogConfig) -> Result<Segment>,
    ) -> Result<()> {
        self.check_open()?;
        for base in old {
            self.remove_segment(*base)?;
        }
        let segment = install(&self.dir, &self.config)?;
        self.segments.insert(segment.base_offset(), segment);
        Ok(())
    }

    /// Moves the log start to `offset` (DeleteRecords) and deletes segments entirely below it.
    pub fn delete_records_before(&mut self, offset: i64, now_ms: i64) -> Result<i64> {
        self.check_open()?;
        if offset > self.log_end_offset() {
            return Err(EngineError::OffsetOutOfRange(format!(
                "cannot delete records before {offset}: the log ends at {}",
                self.log_end_offset()
            )));
        }
        if offset <= self.log_start_offset {
            return Ok(self.log_start_offset);
        }
        self.log_start_offset = offset;
        if offset == self.log_end_offset() && !self.active().is_empty() {
            self.roll(now_ms, 0)?;
        }
        self.delete_segments_below_log_start()?;
        self.leader_epochs.truncate_from_start(offset)?;
        Ok(self.log_start_offset)
    }

    fn delete_segments_below_log_start(&mut self) -> Result<usize> {
        let mut deleted = 0;
        loop {
            let mut bases = self.segments.keys();
            let (Some(&first), Some(&second)) = (bases.next(), bases.next()) else { break };
            if second > self.log_start_offset {
                break;
            }
            self.remove_segment(first)?;
            deleted += 1;
        }
        Ok(deleted)
    }

    /// Applies `retention.ms` and `retention.bytes`, taking whole segments from the oldest (the active
    /// one only after rolling, when it has expired entirely) out of the log, their files renamed
    /// (`Segment::delete_later`): the caller deletes them once it has let go of the log's lock, the
    /// costly part. A failure part way leaves the renamed files of the ones before it to the next open.
    pub fn expire_segments(&mut self, now_ms: i64) -> Result<Vec<DeletedSegment>> {
        self.check_open()?;
        let mut deleted = Vec::new();
        if self.config.retention_ms >= 0 {
            let retention_ms = self.config.retention_ms;
            let expired = |s: &Segment| s.max_timestamp() >= 0 && now_ms - s.max_timestamp() > retention_ms;
            if self.segments.values().all(&expired) && !self.active().is_empty() {
                self.roll(now_ms, 0)?;
            }
            while self.segments.len() > 1 && expired(self.segments.values().next().expect("a segment")) {
                deleted.push(self.take_oldest()?);
            }
        }
        if self.config.retention_bytes >= 0 {
            let mut excess = self.size() as i64 - self.config.retention_bytes;
            while self.segments.len() > 1 {
                let oldest = self.segments.values().next().expect("a segment").size() as i64;
                if excess - oldest < 0 {
                    break;
                }
                excess -= oldest;
                deleted.push(self.take_oldest()?);
            }
        }
        Ok(deleted)
    }

    fn take_oldest(&mut self) -> Result<DeletedSegment> {
        let first = self.first_base();
        let deleted = self.take_segment(first).delete_later()?;
        self.log_start_offset = self.log_start_offset.max(self.first_base());
        self.leader_epochs.truncate_from_start(self.log_start_offset)?;
        Ok(deleted)
    }

    /// What a flush must sync to make everything appended so far durable.
    pub fn flush_plan(&mut self) -> FlushPlan {
        let mut files = std::mem::take(&mut self.unflushed);
        if let Some(file) = self.active().active_log_file() {
            files.push(file);
        }
        FlushPlan { files, up_to: self.log_end_offset() }
    }

    /// Records a completed flush: everything below `up_to` is durable (and so is the epoch checkpoint).
    pub fn flush_done(&mut self, up_to: i64) -> Result<()> {
        self.recovery_point = self.recovery_point.max(up_to.min(self.log_end_offset()));
        self.leader_epochs.sync()
    }

    /// Everything below `up_to` was made durable by a sync of the whole filesystem (`syncfs`, used at
    /// shutdown so 1,000 logs cost one syscall instead of a few thousand fsyncs).
    pub fn mark_durable(&mut self, up_to: i64) {
        self.recovery_point = self.recovery_point.max(up_to.min(self.log_end_offset()));
        if self.recovery_point == self.log_end_offset() {
            self.unflushed.clear();
            self.leader_epochs.mark_synced();
        }
    }

    /// A flush failed: its rolled files must be synced again next time.
    pub fn flush_failed(&mut self, plan: FlushPlan) {
        let active = self.active().active_log_file();
        for file in plan.files {
            if active.as_ref().is_none_or(|a| !Arc::ptr_eq(a, &file)) {
                self.unflushed.push(file);
            }
        }
    }

    /// Stops the log: the active segment is sealed (files trimmed once no reader maps them) and
    /// closed segments are unmapped. Callers flush first for a clean shutdown.
    pub fn close(&mut self) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        // Indexes are not synced: a clean shutdown syncs the filesystem, and after a crash the open
        // keeps an index's valid prefix and completes it from the log.
        self.active_mut().close_for_append()?;
        for segment in self.segments.values_mut() {
            segment.unmap();
        }
        self.mapped_closed.clear();
        Ok(())
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

/// Scans the batches of `segment` from `from` for the first whose header passes `batch_matches`,
/// then its records for the first with an offset ≥ `from` and below `max_offset` whose timestamp
/// passes `record_matches`.
fn first_record_matching(
    segment: &mut Segment,
    from: i64,
    max_offset: i64,
    batch_matches: impl Fn(&BatchHeader) -> bool,
    record_matches: impl Fn(i64) -> bool,
) -> Result<Option<TimestampAndOffset>> {
    let mut offset = from;
    loop {
        let headers = segment.headers_from(offset, 256)?;
        let Some((_, last)) = headers.last() else { return Ok(None) };
        offset = last.next_offset();
        for (position, header) in headers {
            if header.base_offset >= max_offset {
                return Ok(None);
            }
            if !batch_matches(&header) {
                continue;
            }
            let records = BatchRecords::new(segment.batch_bytes(position, header.size())?, MAX_DECOMPRESSED_BYTES)?;
            for record in records.iter() {
                let record = record?;
                if record.offset >= from && record.offset < max_offset && record_matches(record.timestamp) {
                    return Ok(Some(TimestampAndOffset { timestamp: record.timestamp, offset: record.offset }));
                }
            }
        }
    }
}

/// Base offsets of the `.log` files in `dir`, ascending. Index files without a `.log` and `.deleted`
/// files are removed.
fn segment_base_offsets(dir: &Path) -> Result<Vec<i64>> {
    let mut bases = Vec::new();
    let mut orphans = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| storage_error(dir, "list", e))? {
        let path = entry.map_err(|e| storage_error(dir, "list", e))?.path();
        let (Some(stem), Some(extension)) =
            (path.file_stem().and_then(|s| s.to_str()), path.extension().and_then(|s| s.to_str()))
        else {
            continue;
        };
        if extension == DELETED_SUFFIX {
            // Renamed by retention, which did not get to remove it before the process stopped.
            fs::remove_file(&path).map_err(|e| storage_error(&path, "delete", e))?;
            continue;
        }
        let Ok(base) = stem.parse::<i64>() else { continue };
        if stem.len() != 20 {
            continue;
        }
        match extension {
            "log" => bases.push(base),
            "index" | "timeindex" => orphans.push((base, path)),
            _ => {}
        }
    }
    bases.sort_unstable();
    for (base, path) in orphans {
        if bases.binary_search(&base).is_err() {
            fs::remove_file(&path).map_err(|e| storage_error(&path, "delete", e))?;
        }
    }
    Ok(bases)
}
