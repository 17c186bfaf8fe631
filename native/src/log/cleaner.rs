//! The log cleaner: compaction of `cleanup.policy=compact` (and `compact,delete`) logs, as Kafka's
//! `LogCleaner` does it.
//!
//! A pass over one log:
//! 1. Under the log's lock, a plan: the cleanable segments are the closed ones that end at or below
//!    the caller's bound (the high watermark) and, in order, are older than `min.compaction.lag.ms`;
//!    the active segment is never touched. Everything from the first dirty offset (from
//!    `cleaner-offset-checkpoint`) on is dirty; the pass runs when dirty / (clean + dirty) bytes reach
//!    `min.cleanable.dirty.ratio`, or when a tombstone's delete horizon has passed.
//! 2. Without the lock, the offset map (key → latest offset) over the dirty section, as far as the
//!    dedupe budget goes; the pass cleans up to there.
//! 3. Segment by segment group (at most `segment.bytes` together), without the lock: every batch is
//!    filtered (`filter`) into a new segment written in the staging directory, with its indexes.
//!    Then, under the lock, the group's segments are checked unchanged and swapped for the new one
//!    (`swap`): readers holding views of the old segments keep their mappings, which outlive the names.
//! 4. The first dirty offset moves to where the map ended.
//!
//! Offsets never change (compacted logs have gaps), nor do the kept batches' producer ids, epochs,
//! sequences or record timestamps. Passes over one log never overlap: a second caller is told
//! `Busy`. The partition workers run passes in the partition's own worker thread.

pub mod checkpoint;
pub mod filter;
pub mod offset_map;
pub mod swap;

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use crate::error::{EngineError, Result};
use crate::log::flush::SharedLog;
use crate::log::mmap::storage_error;
use crate::log::recovery::Scan;
use crate::log::segment::{file_name, MappedSlice, Segment};
use crate::log::LogConfig;
use crate::record::batch::{BatchHeader, HEADER_LEN};
use crate::record::BatchRecords;
use filter::{delete_horizon, filter_batch, shadows_other_records, FilterRules, Filtered};
use offset_map::OffsetMap;

/// Kafka's topic and broker settings that govern compaction.
#[derive(Clone, Debug)]
pub struct CleanerConfig {
    /// `delete.retention.ms`: how long a tombstone stays after its first cleaning (1 day).
    pub delete_retention_ms: i64,
    /// `min.cleanable.dirty.ratio` (0.5).
    pub min_cleanable_dirty_ratio: f64,
    /// `min.compaction.lag.ms`: segments with newer records are not cleaned yet (0).
    pub min_compaction_lag_ms: i64,
    /// `log.cleaner.dedupe.buffer.size`: budget of the offset map (128 MiB).
    pub dedupe_buffer_bytes: usize,
    /// `producer.id.expiration.ms`: how long an emptied last batch of a producer is kept (1 day).
    pub producer_id_expiration_ms: i64,
    /// Decompression limit per batch.
    pub max_decompressed_bytes: usize,
}

impl Default for CleanerConfig {
    fn default() -> Self {
        CleanerConfig {
            delete_retention_ms: 86_400_000,
            min_cleanable_dirty_ratio: 0.5,
            min_compaction_lag_ms: 0,
            dedupe_buffer_bytes: 128 << 20,
            producer_id_expiration_ms: 86_400_000,
            max_decompressed_bytes: 64 << 20,
        }
    }
}

/// What one pass did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CleanerStats {
    pub first_dirty_offset: i64,
    /// The first dirty offset for the next pass: everything below was deduplicated.
    pub cleaned_up_to: i64,
    pub dirty_ratio: f64,
    pub segments_read: u64,
    pub segments_written: u64,
    pub bytes_read: u64,
    pub bytes_written: u64,
    pub records_read: u64,
    pub records_kept: u64,
    /// Groups left as they were because retention, truncation or deletion changed them meanwhile.
    pub groups_abandoned: u64,
    pub elapsed_ms: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cleaning {
    /// Below the dirty ratio and no tombstone due: nothing done.
    NotNeeded {
        dirty_ratio: f64,
    },
    /// Another pass over this log is running.
    Busy,
    Cleaned(CleanerStats),
}

/// Per-log state across passes: whether a pass runs, and the earliest delete horizon of the
/// tombstones the last pass kept (Kafka keeps it in memory too: after a restart the dirty ratio
/// triggers the next pass).
#[derive(Default)]
struct LogState {
    cleaning: bool,
    next_delete_horizon: Option<i64>,
}

static STATES: Mutex<Option<HashMap<PathBuf, LogState>>> = Mutex::new(None);

fn with_state<T>(dir: &Path, f: impl FnOnce(&mut LogState) -> T) -> Result<T> {
    let mut states = STATES.lock().map_err(|_| EngineError::Storage("cleaner state lock poisoned".into()))?;
    Ok(f(states.get_or_insert_with(HashMap::new).entry(dir.to_path_buf()).or_default()))
}

/// Marks the log as being cleaned for as long as it lives.
struct Running(PathBuf);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = with_state(&self.0, |state| state.cleaning = false);
    }
}

fn earliest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        _ => a.or(b),
    }
}

/// A closed segment as planned: `end` is the next segment's base offset (no offset lies between).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SegmentRef {
    base: i64,
    size: usize,
    max_timestamp: i64,
    end: i64,
}

struct Plan {
    dir: PathBuf,
    log_config: LogConfig,
    first_dirty: i64,
    cleanable: Vec<SegmentRef>,
    dirty_ratio: f64,
}

/// Runs one cleaning pass over `log` if it is due. Nothing at or past `max_cleanable_offset` (the
/// high watermark; `i64::MAX` on a single node) is cleaned.
pub fn clean(log: &SharedLog, config: &CleanerConfig, now_ms: i64, max_cleanable_offset: i64) -> Result<Cleaning> {
    let started = Instant::now();
    let dir = log.lock()?.dir().to_path_buf();
    if with_state(&dir, |state| std::mem::replace(&mut state.cleaning, true))? {
        return Ok(Cleaning::Busy);
    }
    let _running = Running(dir.clone());
    let plan = plan(log, config, now_ms, max_cleanable_offset)?;
    let has_dirty = plan.cleanable.iter().any(|segment| segment.end > plan.first_dirty);
    let horizon_due = with_state(&dir, |state| state.next_delete_horizon.is_some_and(|horizon| horizon <= now_ms))?;
    if plan.cleanable.is_empty() || !(has_dirty && plan.dirty_ratio >= config.min_cleanable_dirty_ratio || horizon_due)
    {
        return Ok(Cleaning::NotNeeded { dirty_ratio: plan.dirty_ratio });
    }

    let mut stats =
        CleanerStats { first_dirty_offset: plan.first_dirty, dirty_ratio: plan.dirty_ratio, ..Default::default() };
    let (map, cleaned_up_to) = build_offset_map(log, &plan, config)?;
    stats.cleaned_up_to = cleaned_up_to;
    let groups = group_segments(&plan, cleaned_up_to);
    let last_batch_of_producer = last_batches_of_producers(log, &groups)?;
    let rules = FilterRules {
        offset_map: &map,
        now_ms,
        delete_retention_ms: config.delete_retention_ms,
        max_decompressed_bytes: config.max_decompressed_bytes,
    };
    let mut next_delete_horizon: Option<i64> = None;
    for group in &groups {
        let context =
            GroupContext { plan: &plan, rules: &rules, config, last_batch_of_producer: &last_batch_of_producer };
        let outcome = clean_group(log, group, &context, &mut stats).inspect_err(|_| {
            // A failed pass (a full disk, most likely) must not keep its half-written segment's space.
            let _ = swap::discard_staging(&plan.dir);
        })?;
        match outcome {
            GroupOutcome::Done { delete_horizon } => {
                next_delete_horizon = earliest(next_delete_horizon, delete_horizon);
            }
            GroupOutcome::Abandoned => {
                // The rest of the pass is abandoned too: a tombstone in a later group must not start its
                // delete horizon while older values of its key may survive in this one.
                stats.groups_abandoned += 1;
                break;
            }
        }
    }
    swap::discard_staging(&plan.dir)?;
    if stats.groups_abandoned == 0 {
        checkpoint::set_first_dirty_offset(&plan.dir, cleaned_up_to)?;
        with_state(&dir, |state| state.next_delete_horizon = next_delete_horizon)?;
    }
    stats.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(Cleaning::Cleaned(stats))
}

fn plan(log: &SharedLog, config: &CleanerConfig, now_ms: i64, max_cleanable_offset: i64) -> Result<Plan> {
    let log = log.lock()?;
    let infos = log.segment_infos();
    let active_base = infos.last().map_or(0, |(base, _, _)| *base);
    let mut cleanable = Vec::new();
    for window in infos.windows(2) {
        let ((base, size, max_timestamp), (end, _, _)) = (window[0], window[1]);
        let too_new = max_timestamp >= 0 && now_ms.saturating_sub(max_timestamp) < config.min_compaction_lag_ms;
        if end > max_cleanable_offset || too_new {
            break;
        }
        cleanable.push(SegmentRef { base, size, max_timestamp, end });
    }
    let log_start = log.log_start_offset();
    let first_dirty = checkpoint::first_dirty_offset(log.dir())?
        .filter(|offset| (log_start..=active_base).contains(offset))
        .unwrap_or(log_start);
    let (clean, dirty) = cleanable.iter().fold((0u64, 0u64), |(clean, dirty), segment| {
        if segment.end <= first_dirty {
            (clean + segment.size as u64, dirty)
        } else {
            (clean, dirty + segment.size as u64)
        }
    });
    let dirty_ratio = if clean + dirty == 0 { 0.0 } else { dirty as f64 / (clean + dirty) as f64 };
    Ok(Plan { dir: log.dir().to_path_buf(), log_config: log.config().clone(), first_dirty, cleanable, dirty_ratio })
}

/// The whole of a closed segment, mapped; the mapping stays valid while held even if the segment is
/// deleted meanwhile. None when the segment is gone.
fn segment_bytes(log: &SharedLog, base: i64) -> Result<Option<MappedSlice>> {
    log.lock()?.segment_slice(base)
}

fn slice_bytes(slice: &MappedSlice) -> Result<&[u8]> {
    slice.mapping.bytes(slice.position, slice.len)
}

/// (position, header) of every batch in `bytes`, which hold whole batches (a segment that opened).
fn batches(bytes: &[u8]) -> impl Iterator<Item = Result<(usize, BatchHeader)>> + '_ {
    let mut position = 0;
    std::iter::from_fn(move || {
        if position >= bytes.len() {
            return None;
        }
        let header = BatchHeader::parse(&bytes[position..]).and_then(|header| {
            let size = header.size();
            if size < HEADER_LEN || position + size > bytes.len() {
                return Err(EngineError::CorruptMessage(format!("batch at byte {position} runs past its segment")));
            }
            Ok(header)
        });
        let item = header.map(|header| (position, header));
        position = match &item {
            Ok((_, header)) => position + header.size(),
            Err(_) => bytes.len(),
        };
        Some(item)
    })
}

/// Maps the dirty section from the first dirty offset on; returns the map and the offset it covers
/// up to (exclusive): a segment end, or the first record that no longer fit.
fn build_offset_map(log: &SharedLog, plan: &Plan, config: &CleanerConfig) -> Result<(OffsetMap, i64)> {
    let mut map = OffsetMap::new(config.dedupe_buffer_bytes);
    let mut covered = plan.first_dirty;
    for segment in plan.cleanable.iter().filter(|segment| segment.end > plan.first_dirty) {
        let Some(slice) = segment_bytes(log, segment.base)? else { break };
        let bytes = slice_bytes(&slice)?;
        for batch in batches(bytes) {
            let (position, header) = batch?;
            if header.last_offset() < plan.first_dirty || !shadows_other_records(&header) {
                continue;
            }
            let records = BatchRecords::new(&bytes[position..position + header.size()], config.max_decompressed_bytes)?;
            for record in records.iter() {
                let record = record?;
                let Some(key) = record.key.filter(|_| record.offset >= plan.first_dirty) else { continue };
                if !map.put(key, record.offset) {
                    return Ok((map, record.offset));
                }
            }
        }
        covered = segment.end;
    }
    Ok((map, covered))
}

/// Consecutive cleanable segments below `up_to`, grouped so that a group's sources fit one segment.
fn group_segments(plan: &Plan, up_to: i64) -> Vec<Vec<SegmentRef>> {
    let mut groups: Vec<Vec<SegmentRef>> = Vec::new();
    for segment in plan.cleanable.iter().filter(|segment| segment.base < up_to) {
        let fits = groups.last().is_some_and(|group| {
            let bytes: usize = group.iter().map(|s| s.size).sum();
            bytes + segment.size <= plan.log_config.segment_bytes && segment.end - group[0].base <= i64::from(u32::MAX)
        });
        match groups.last_mut() {
            Some(group) if fits => group.push(*segment),
            _ => groups.push(vec![*segment]),
        }
    }
    groups
}

/// Base offset of the last batch of every producer id within the groups (headers only).
fn last_batches_of_producers(log: &SharedLog, groups: &[Vec<SegmentRef>]) -> Result<HashMap<i64, i64>> {
    let mut last = HashMap::new();
    for segment in groups.iter().flatten() {
        let Some(slice) = segment_bytes(log, segment.base)? else { continue };
        for batch in batches(slice_bytes(&slice)?) {
            let (_, header) = batch?;
            if header.has_producer_id() {
                last.insert(header.producer_id, header.base_offset);
            }
        }
    }
    Ok(last)
}

struct GroupContext<'a> {
    plan: &'a Plan,
    rules: &'a FilterRules<'a>,
    config: &'a CleanerConfig,
    last_batch_of_producer: &'a HashMap<i64, i64>,
}

enum GroupOutcome {
    /// Swapped in, or left alone because nothing in it changed.
    Done { delete_horizon: Option<i64> },
    /// Its segments changed under the pass (retention, truncation): left as they were.
    Abandoned,
}

fn clean_group(
    log: &SharedLog,
    group: &[SegmentRef],
    context: &GroupContext<'_>,
    stats: &mut CleanerStats,
) -> Result<GroupOutcome> {
    let dir = &context.plan.dir;
    let base = group[0].base;
    let staging = swap::prepare_staging(dir)?;
    let path = staging.join(file_name(base, "log"));
    let file = File::create(&path).map_err(|e| storage_error(&path, "create", e))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut changed = false;
    let mut written = 0u64;
    let mut delete_horizon_kept: Option<i64> = None;
    let now_ms = context.rules.now_ms;
    for (index, segment) in group.iter().enumerate() {
        let Some(slice) = segment_bytes(log, segment.base)? else { return Ok(GroupOutcome::Abandoned) };
        let bytes = slice_bytes(&slice)?;
        stats.segments_read += 1;
        stats.bytes_read += bytes.len() as u64;
        let positions = batches(bytes).collect::<Result<Vec<_>>>()?;
        for (number, (position, header)) in positions.iter().enumerate() {
            let ends_group = index + 1 == group.len() && number + 1 == positions.len();
            let producer_state = header.has_producer_id()
                && context.last_batch_of_producer.get(&header.producer_id) == Some(&header.base_offset)
                && now_ms.saturating_sub(header.max_timestamp) < context.config.producer_id_expiration_ms;
            let batch = &bytes[*position..*position + header.size()];
            let (filtered, counts) = filter_batch(batch, context.rules, ends_group || producer_state)?;
            stats.records_read += counts.read;
            stats.records_kept += counts.kept;
            let kept = match &filtered {
                Filtered::Unchanged => Some(batch),
                Filtered::Rewritten(rewritten) => Some(&rewritten[..]),
                Filtered::Discarded => None,
            };
            changed |= !matches!(filtered, Filtered::Unchanged);
            if let Some(kept) = kept {
                let horizon = delete_horizon(&BatchHeader::parse(kept)?).filter(|horizon| *horizon > now_ms);
                delete_horizon_kept = earliest(delete_horizon_kept, horizon);
                out.write_all(kept).map_err(|e| storage_error(&path, "write", e))?;
                written += kept.len() as u64;
            }
        }
    }
    if !changed {
        return Ok(GroupOutcome::Done { delete_horizon: delete_horizon_kept });
    }
    out.flush().map_err(|e| storage_error(&path, "write", e))?;
    drop(out);
    // Opening the staged segment builds and seals its indexes the way every segment's are built.
    drop(Segment::open(&staging, base, &context.plan.log_config, Scan::Headers, false, now_ms)?);
    swap::sync_staged(&staging, base)?;

    let mut locked = log.lock()?;
    let current = locked.segment_infos();
    let unchanged = group.iter().all(|planned| {
        current
            .iter()
            .position(|(b, size, max)| (*b, *size, *max) == (planned.base, planned.size, planned.max_timestamp))
            .is_some_and(|at| at + 1 < current.len() && current[at + 1].0 == planned.end)
    });
    if !unchanged {
        return Ok(GroupOutcome::Abandoned);
    }
    swap::staged_to_swap(dir, base)?;
    let bases: Vec<i64> = group.iter().map(|segment| segment.base).collect();
    locked.replace_segments(&bases, |dir, config| {
        swap::swap_to_final(dir, base)?;
        Ok(Segment::open(dir, base, config, Scan::Headers, false, now_ms)?.0)
    })?;
    stats.segments_written += 1;
    stats.bytes_written += written;
    Ok(GroupOutcome::Done { delete_horizon: delete_horizon_kept })
}

#[cfg(test)]
mod tests;
