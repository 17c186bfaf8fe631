//! N-API exports for partition logs: `NativeLog` (one per partition directory) and the offset
//! checkpoint files of a log dir. Arguments are converted, the engine called, errors mapped; offsets
//! cross as BigInt, byte counts as numbers.
//!
//! Reads return an external ArrayBuffer over the segment mapping plus the range of the batches;
//! the TypeScript `Log` makes the `Buffer` view and calls `release(mappingId)` when the view is no
//! longer used (see `log/mapped_buffers.rs` for why nothing waits for GC). Appends stamp the input
//! in place and copy it into the active segment (`SharedLog::append` validates it outside the log's
//! lock); `flush` and `writeOffsetCheckpointAsync` run on the libuv thread pool (group commit in
//! `log::flush`).

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use napi::bindgen_prelude::{i64n, ArrayBuffer, AsyncTask, BigInt, BufferSlice, Env};
use napi::Task;
use napi_derive::napi;

use super::convert::{int64, optional_int64};
use super::error::{invalid_arg, napi_failure, rejection, Result};
use crate::clock::now_ms;
use crate::log::checkpoint::{self, PartitionOffset};
use crate::log::config::{LogConfig, WriteMode};
use crate::log::flush::SharedLog;
use crate::log::log::{AppendOptions, OpenOptions, RecoveryReport, TimestampAndOffset};
use crate::log::registry::LogRegistry;
use crate::log::segment;
use crate::record::batch::{BatchHeader, TimestampType};
use crate::record::validate::ValidationOptions;

mod mapped_buffers;

use mapped_buffers::MappedBuffers;

/// Topic-level settings of one log, Kafka's names in camelCase; absent fields keep Kafka's defaults.
#[napi(object)]
pub struct NativeLogConfig {
    pub segment_bytes: Option<f64>,
    pub segment_ms: Option<f64>,
    pub segment_index_bytes: Option<f64>,
    pub index_interval_bytes: Option<f64>,
    pub retention_bytes: Option<f64>,
    pub retention_ms: Option<f64>,
    /// `"mmap"` or `"pwrite"`: how appends reach the segment (default pwrite, the faster on the
    /// benchmark).
    pub write_mode: Option<String>,
}

#[napi(object)]
pub struct NativeOpenOptions {
    pub recovery_point: Option<BigInt>,
    pub log_start_offset: Option<BigInt>,
    pub clean_shutdown: bool,
}

#[napi(object, object_from_js = false)]
pub struct NativeRecoveryReport {
    pub segments_checked: u32,
    pub truncations: Vec<NativeTruncation>,
    pub deleted_segments: Vec<i64n>,
}

#[napi(object, object_from_js = false)]
pub struct NativeTruncation {
    pub base_offset: i64n,
    pub bytes: f64,
    pub reason: String,
}

/// The header fields of an appended or scanned batch that the broker keeps producer state from.
#[napi(object, object_from_js = false)]
pub struct NativeBatchInfo {
    pub base_offset: i64n,
    pub last_offset_delta: i32,
    pub producer_id: i64n,
    pub producer_epoch: i32,
    pub base_sequence: i32,
    pub records_count: i32,
    pub max_timestamp: i64n,
    pub is_transactional: bool,
    pub is_control: bool,
}

#[napi(object, object_from_js = false)]
pub struct NativeTimestampAndOffset {
    pub timestamp: i64n,
    pub offset: i64n,
}

#[napi(object, object_from_js = false)]
pub struct NativeSegmentInfo {
    pub base_offset: i64n,
    pub size: f64,
    pub max_timestamp: i64n,
}

#[napi(object, object_from_js = false)]
pub struct NativeEpochEntry {
    pub epoch: i32,
    pub start_offset: i64n,
}

#[napi(object, object_from_js = false)]
pub struct NativeEpochEndOffset {
    pub epoch: i32,
    pub end_offset: i64n,
}

#[napi(object)]
pub struct OffsetCheckpointEntry {
    pub topic: String,
    pub partition: i32,
    pub offset: BigInt,
}

#[napi(object, object_from_js = false)]
pub struct OffsetCheckpointRead {
    pub topic: String,
    pub partition: i32,
    pub offset: i64n,
}

/// One partition's log. Several objects (threads) opening the same directory share one engine log.
#[napi]
pub struct NativeLog {
    log: Arc<SharedLog>,
    /// Behind a RefCell so every method takes `&self`: napi-rs keeps the instance borrowed while a
    /// `flush` task is pending, and a `&mut self` call (append, read) in that window would be refused.
    buffers: RefCell<MappedBuffers>,
    report: Option<RecoveryReport>,
}

fn batch_info(header: &BatchHeader) -> NativeBatchInfo {
    NativeBatchInfo {
        base_offset: i64n(header.base_offset),
        last_offset_delta: header.last_offset_delta,
        producer_id: i64n(header.producer_id),
        producer_epoch: i32::from(header.producer_epoch),
        base_sequence: header.base_sequence,
        records_count: header.records_count,
        max_timestamp: i64n(header.max_timestamp),
        is_transactional: header.is_transactional(),
        is_control: header.is_control(),
    }
}

fn timestamp_and_offset(found: Option<TimestampAndOffset>) -> Option<NativeTimestampAndOffset> {
    found.map(|f| NativeTimestampAndOffset { timestamp: i64n(f.timestamp), offset: i64n(f.offset) })
}

fn to_config(input: &NativeLogConfig) -> Result<LogConfig> {
    let defaults = LogConfig::default();
    let size = |value: Option<f64>, default: usize| value.map_or(default, |v| v as usize);
    let write_mode = match input.write_mode.as_deref() {
        None => defaults.write_mode,
        Some("mmap") => WriteMode::Mmap,
        Some("pwrite") => WriteMode::Pwrite,
        Some(other) => return Err(invalid_arg(format!("unknown write mode {other}"))),
    };
    Ok(LogConfig {
        segment_bytes: size(input.segment_bytes, defaults.segment_bytes).min(i32::MAX as usize),
        segment_ms: input.segment_ms.map_or(defaults.segment_ms, |v| v as i64),
        segment_index_bytes: size(input.segment_index_bytes, defaults.segment_index_bytes),
        index_interval_bytes: size(input.index_interval_bytes, defaults.index_interval_bytes),
        retention_bytes: input.retention_bytes.map_or(defaults.retention_bytes, |v| v as i64),
        retention_ms: input.retention_ms.map_or(defaults.retention_ms, |v| v as i64),
        write_mode,
    })
}

/// The log of `dir` if some thread of this process has it open, else null. Unlike `NativeLog.open`
/// it never creates or recovers a log, so a partition worker cannot bring back a log its owner
/// closed or deleted.
#[napi]
pub fn attach_open_log(dir: String) -> Result<Option<NativeLog>> {
    let log = LogRegistry::global().attach(Path::new(&dir))?;
    Ok(log.map(|log| NativeLog { log, buffers: RefCell::new(MappedBuffers::default()), report: None }))
}

#[napi]
impl NativeLog {
    /// Opens (creating when missing) the partition directory `dir`, recovering it after an unclean
    /// stop. When another thread has it open already, this shares that log (config and options are
    /// then ignored).
    #[napi(factory)]
    pub fn open(dir: String, config: NativeLogConfig, options: NativeOpenOptions) -> Result<NativeLog> {
        let open_options = OpenOptions {
            recovery_point: optional_int64(options.recovery_point.as_ref(), "recoveryPoint")?.unwrap_or(0),
            log_start_offset: optional_int64(options.log_start_offset.as_ref(), "logStartOffset")?.unwrap_or(0),
            clean_shutdown: options.clean_shutdown,
            now_ms: now_ms(),
        };
        let (log, report) = LogRegistry::global().open(Path::new(&dir), to_config(&config)?, open_options)?;
        Ok(NativeLog { log, buffers: RefCell::new(MappedBuffers::default()), report })
    }

    /// The engine log, for the other N-API modules (the cleaner).
    pub(crate) fn shared(&self) -> &SharedLog {
        &self.log
    }

    /// What opening recovered (null when the log was already open in this process).
    #[napi]
    pub fn recovery_report(&self) -> Option<NativeRecoveryReport> {
        self.report.as_ref().map(|report| NativeRecoveryReport {
            segments_checked: report.segments_checked as u32,
            truncations: report
                .truncations
                .iter()
                .map(|(base, bytes, reason)| NativeTruncation {
                    base_offset: i64n(*base),
                    bytes: *bytes as f64,
                    reason: reason.clone(),
                })
                .collect(),
            deleted_segments: report.deleted_segments.iter().map(|b| i64n(*b)).collect(),
        })
    }

    /// Validates `batches` (whole RecordBatch v2 batches), assigns offsets from the log end, stamps
    /// them in place (baseOffset, partitionLeaderEpoch and, when `logAppendTime` ≥ 0, LogAppendTime)
    /// and appends them; returns the base offset. All or nothing: a rejected input leaves the log
    /// unchanged. Scalars instead of an options object and no result object: this is the hot path,
    /// and the caller reads everything else from the stamped `batches`.
    #[napi]
    pub fn append(
        &self,
        mut batches: BufferSlice,
        leader_epoch: i32,
        max_message_bytes: u32,
        log_append_time: f64,
        validate_records: bool,
    ) -> Result<i64n> {
        let validation = ValidationOptions {
            max_batch_bytes: max_message_bytes as usize,
            validate_records,
            ..ValidationOptions::default()
        };
        let log_append_time = (log_append_time >= 0.0).then_some(log_append_time as i64);
        let append = AppendOptions {
            leader_epoch,
            timestamp_type: if log_append_time.is_some() {
                TimestampType::LogAppendTime
            } else {
                TimestampType::CreateTime
            },
            now_ms: log_append_time.unwrap_or_else(now_ms),
        };
        let info = self.log.append(&mut batches, &validation, &append)?;
        Ok(i64n(info.base_offset))
    }

    /// Appends batches fetched from the leader as they are (offsets and leader epochs already
    /// assigned; CRCs and headers checked, records not re-validated, nothing stamped); returns the new
    /// log end. OFFSET_OUT_OF_RANGE if they start below the log end. All or nothing.
    #[napi]
    pub fn append_as_follower(&self, batches: BufferSlice) -> Result<i64n> {
        let info = self.log.append_as_follower(&batches, now_ms())?;
        Ok(i64n(info.last_offset + 1))
    }

    /// Whole batches from the one holding `offset`, at most `maxBytes` (at least one batch), none
    /// reaching `maxOffset`: returns the ArrayBuffer over the segment and writes `[bufferId,
    /// position, length]` as little-endian doubles into `out` (24 bytes); null when nothing is
    /// readable there yet. OFFSET_OUT_OF_RANGE outside [logStartOffset, logEndOffset]. Every
    /// non-null result must be released with `release(bufferId)`.
    #[napi]
    pub fn read<'env>(
        &self,
        env: &'env Env,
        offset: BigInt,
        max_bytes: u32,
        max_offset: BigInt,
        mut out: BufferSlice,
    ) -> Result<Option<ArrayBuffer<'env>>> {
        let (offset, max_offset) = (int64(&offset, "offset")?, int64(&max_offset, "maxOffset")?);
        if out.len() < 24 {
            return Err(invalid_arg("out needs 24 bytes"));
        }
        let slice = self.log.lock()?.read(offset, max_bytes as usize, max_offset)?;
        self.buffers.borrow_mut().sweep(env).map_err(napi_failure)?;
        let Some(slice) = slice else { return Ok(None) };
        let (buffer, buffer_id) =
            self.buffers.borrow_mut().acquire(env, &slice.mapping, slice.position + slice.len).map_err(napi_failure)?;
        for (index, value) in [buffer_id as f64, slice.position as f64, slice.len as f64].into_iter().enumerate() {
            out[index * 8..index * 8 + 8].copy_from_slice(&value.to_le_bytes());
        }
        Ok(Some(buffer))
    }

    /// The view of one read is no longer used: its segment may be unmapped once nothing else uses it.
    #[napi]
    pub fn release(&self, env: &Env, buffer_id: f64) -> Result<()> {
        self.buffers.borrow_mut().release(env, buffer_id as u64).map_err(napi_failure)
    }

    /// Views handed out by `read` and not released yet.
    #[napi(getter)]
    pub fn outstanding_views(&self) -> u32 {
        self.buffers.borrow().outstanding_views()
    }

    #[napi(getter)]
    pub fn log_start_offset(&self) -> Result<i64n> {
        Ok(i64n(self.log.lock()?.log_start_offset()))
    }

    #[napi(getter)]
    pub fn log_end_offset(&self) -> Result<i64n> {
        Ok(i64n(self.log.lock()?.log_end_offset()))
    }

    /// Offsets below this are on disk (fsynced).
    #[napi(getter)]
    pub fn recovery_point(&self) -> Result<i64n> {
        Ok(i64n(self.log.lock()?.recovery_point()))
    }

    /// Logical bytes of all segments.
    #[napi(getter)]
    pub fn size(&self) -> Result<f64> {
        Ok(self.log.lock()?.size() as f64)
    }

    #[napi]
    pub fn segments(&self) -> Result<Vec<NativeSegmentInfo>> {
        let log = self.log.lock()?;
        Ok(log
            .segment_infos()
            .into_iter()
            .map(|(base, size, max)| NativeSegmentInfo {
                base_offset: i64n(base),
                size: size as f64,
                max_timestamp: i64n(max),
            })
            .collect())
    }

    #[napi]
    pub fn set_config(&self, config: NativeLogConfig) -> Result<()> {
        let config = to_config(&config)?;
        self.log.lock()?.set_config(config);
        Ok(())
    }

    /// Headers of up to `maxBatches` batches from the one holding `offset` (producer-state rebuild).
    #[napi]
    pub fn batch_headers(&self, offset: BigInt, max_batches: u32) -> Result<Vec<NativeBatchInfo>> {
        let offset = int64(&offset, "offset")?;
        let headers = self.log.lock()?.batch_headers(offset, max_batches as usize)?;
        Ok(headers.iter().map(batch_info).collect())
    }

    /// The first record with a timestamp ≥ `timestamp` below `maxOffset` (default: the log end;
    /// records inside compressed batches included), or null.
    #[napi]
    pub fn offset_for_timestamp(
        &self,
        timestamp: BigInt,
        max_offset: Option<BigInt>,
    ) -> Result<Option<NativeTimestampAndOffset>> {
        let timestamp = int64(&timestamp, "timestamp")?;
        let max_offset = optional_int64(max_offset.as_ref(), "maxOffset")?.unwrap_or(i64::MAX);
        let found = self.log.lock()?.offset_for_timestamp(timestamp, max_offset)?;
        Ok(timestamp_and_offset(found))
    }

    /// The record with the largest timestamp, or null for an empty log.
    #[napi]
    pub fn max_timestamp(&self) -> Result<Option<NativeTimestampAndOffset>> {
        let found = self.log.lock()?.max_timestamp()?;
        Ok(timestamp_and_offset(found))
    }

    /// Removes the batches from the one holding `offset` on; returns the new log end.
    #[napi]
    pub fn truncate_to(&self, offset: BigInt) -> Result<i64n> {
        let offset = int64(&offset, "offset")?;
        let end = self.log.lock()?.truncate_to(offset)?;
        Ok(i64n(end))
    }

    /// Deletes every segment and starts empty at `offset`.
    #[napi]
    pub fn truncate_fully_and_start_at(&self, offset: BigInt) -> Result<i64n> {
        let offset = int64(&offset, "offset")?;
        let start = self.log.lock()?.truncate_fully_and_start_at(offset)?;
        Ok(i64n(start))
    }

    /// Moves the log start offset to `offset` (DeleteRecords); returns the new log start.
    #[napi]
    pub fn delete_records_before(&self, offset: BigInt) -> Result<i64n> {
        let offset = int64(&offset, "offset")?;
        let start = self.log.lock()?.delete_records_before(offset, now_ms())?;
        Ok(i64n(start))
    }

    /// Applies retention.ms / retention.bytes as of `nowMs`; returns how many segments were deleted.
    #[napi]
    pub fn enforce_retention(&self, now_ms: f64) -> Result<u32> {
        // Removing the files happens after the lock is released: appends and reads of this partition
        // (the event loop's) do not wait for the page cache of the old segments to be freed.
        let expired = self.log.lock()?.expire_segments(now_ms as i64)?;
        Ok(segment::delete_all(expired)? as u32)
    }

    /// Starts a new segment at the log end now.
    #[napi]
    pub fn roll(&self) -> Result<()> {
        Ok(self.log.lock()?.roll(now_ms(), 0)?)
    }

    #[napi]
    pub fn leader_epochs(&self) -> Result<Vec<NativeEpochEntry>> {
        let log = self.log.lock()?;
        Ok(log
            .leader_epochs()
            .entries()
            .iter()
            .map(|e| NativeEpochEntry { epoch: e.epoch, start_offset: i64n(e.start_offset) })
            .collect())
    }

    /// A new leader's epoch starts at the log end, before its first append.
    #[napi]
    pub fn assign_epoch_start_offset(&self, epoch: i32) -> Result<()> {
        Ok(self.log.lock()?.assign_epoch_start_offset(epoch)?)
    }

    /// OffsetForLeaderEpoch: the largest epoch ≤ `epoch` and where it ends, or null.
    #[napi]
    pub fn end_offset_for_epoch(&self, epoch: i32) -> Result<Option<NativeEpochEndOffset>> {
        let log = self.log.lock()?;
        Ok(log
            .leader_epochs()
            .end_offset_for(epoch, log.log_end_offset())
            .map(|(epoch, end)| NativeEpochEndOffset { epoch, end_offset: i64n(end) }))
    }

    /// Makes everything appended up to `upTo` (default: now) durable, off the event loop; concurrent
    /// calls share fdatasyncs. Resolves to the recovery point reached.
    #[napi(ts_return_type = "Promise<bigint>")]
    pub fn flush(&self, up_to: Option<BigInt>) -> Result<AsyncTask<FlushTask>> {
        let up_to = optional_int64(up_to.as_ref(), "upTo")?;
        Ok(AsyncTask::new(FlushTask { log: Arc::clone(&self.log), up_to }))
    }

    /// Records that everything below `upTo` is durable because the caller synced the whole filesystem
    /// (`syncFilesystem`) after reading the log end.
    #[napi]
    pub fn mark_durable(&self, up_to: BigInt) -> Result<()> {
        let up_to = int64(&up_to, "upTo")?;
        self.log.lock()?.mark_durable(up_to);
        Ok(())
    }

    /// Closes the log (callers flush first). Segments still viewed stay mapped until released.
    #[napi]
    pub fn close(&self, env: &Env) -> Result<()> {
        self.log.lock()?.close()?;
        self.buffers.borrow_mut().sweep(env).map_err(napi_failure)
    }
}

pub struct FlushTask {
    log: Arc<SharedLog>,
    up_to: Option<i64>,
}

impl Task for FlushTask {
    type Output = Result<i64>;
    type JsValue = BigInt;

    fn compute(&mut self) -> napi::Result<Result<i64>> {
        Ok(self.log.flush(self.up_to).map_err(Into::into))
    }

    fn resolve(&mut self, env: Env, output: Result<i64>) -> napi::Result<BigInt> {
        output.map(BigInt::from).map_err(|error| rejection(env, error))
    }
}

/// Flushes everything dirty on the filesystem holding `dir` (syncfs): one call makes every log of a
/// log dir durable at shutdown.
#[napi]
pub fn sync_filesystem(dir: String) -> Result<()> {
    Ok(crate::log::mmap::sync_filesystem(Path::new(&dir))?)
}

/// Reads a `recovery-point-offset-checkpoint` / `log-start-offset-checkpoint`; null when missing.
#[napi]
pub fn read_offset_checkpoint(path: String) -> Result<Option<Vec<OffsetCheckpointRead>>> {
    let entries = checkpoint::read_offsets(Path::new(&path))?;
    Ok(entries.map(|entries| {
        entries
            .into_iter()
            .map(|entry| OffsetCheckpointRead {
                topic: entry.topic,
                partition: entry.partition,
                offset: i64n(entry.offset),
            })
            .collect()
    }))
}

/// Writes an offset checkpoint atomically (temporary file, fsync, rename, fsync of the directory).
#[napi]
pub fn write_offset_checkpoint(path: String, entries: Vec<OffsetCheckpointEntry>) -> Result<()> {
    Ok(checkpoint::write_offsets(Path::new(&path), &partition_offsets(entries)?)?)
}

/// `writeOffsetCheckpoint` on the libuv pool: the fsyncs keep off the event loop. Callers run one
/// write of a file at a time.
#[napi(ts_return_type = "Promise<void>")]
pub fn write_offset_checkpoint_async(
    path: String,
    entries: Vec<OffsetCheckpointEntry>,
) -> Result<AsyncTask<CheckpointWrite>> {
    Ok(AsyncTask::new(CheckpointWrite { path: PathBuf::from(path), entries: partition_offsets(entries)? }))
}

pub struct CheckpointWrite {
    path: PathBuf,
    entries: Vec<PartitionOffset>,
}

impl Task for CheckpointWrite {
    type Output = Result<()>;
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<Result<()>> {
        Ok(checkpoint::write_offsets(&self.path, &self.entries).map_err(Into::into))
    }

    fn resolve(&mut self, env: Env, output: Result<()>) -> napi::Result<()> {
        output.map_err(|error| rejection(env, error))
    }
}

fn partition_offsets(entries: Vec<OffsetCheckpointEntry>) -> Result<Vec<PartitionOffset>> {
    entries
        .into_iter()
        .map(|entry| {
            let offset = int64(&entry.offset, "offset")?;
            Ok(PartitionOffset { topic: entry.topic, partition: entry.partition, offset })
        })
        .collect()
}
