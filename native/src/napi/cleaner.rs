//! N-API export of the log cleaner: one compaction pass over a partition log opened with
//! `NativeLog.open`. Synchronous on purpose: the partition workers call it in their own thread.

use napi::bindgen_prelude::{i64n, BigInt};
use napi_derive::napi;

use super::convert::optional_int64;
use super::error::{invalid_arg, Result};
use super::log::NativeLog;
use crate::log::cleaner::{clean, CleanerConfig, CleanerStats, Cleaning};

/// Compaction settings, Kafka's names in camelCase; absent fields keep Kafka's defaults.
#[napi(object)]
pub struct NativeCleanerConfig {
    pub delete_retention_ms: Option<f64>,
    pub min_cleanable_dirty_ratio: Option<f64>,
    pub min_compaction_lag_ms: Option<f64>,
    /// `log.cleaner.dedupe.buffer.size`.
    pub dedupe_buffer_size: Option<f64>,
    pub producer_id_expiration_ms: Option<f64>,
}

/// What a pass did: `outcome` is `cleaned`, `not-needed` (below the dirty ratio, no tombstone due)
/// or `busy` (another pass over the log is running); the counts are zero unless cleaned.
#[napi(object, object_from_js = false)]
pub struct NativeCleanerResult {
    pub outcome: String,
    pub dirty_ratio: f64,
    pub first_dirty_offset: i64n,
    /// Where the next pass's dirty section starts.
    pub cleaned_up_to: i64n,
    pub segments_read: f64,
    pub segments_written: f64,
    pub bytes_read: f64,
    pub bytes_written: f64,
    pub records_read: f64,
    pub records_kept: f64,
    pub groups_abandoned: f64,
    pub elapsed_ms: f64,
}

fn to_config(input: &NativeCleanerConfig) -> Result<CleanerConfig> {
    let defaults = CleanerConfig::default();
    let ratio = input.min_cleanable_dirty_ratio.unwrap_or(defaults.min_cleanable_dirty_ratio);
    if !(0.0..=1.0).contains(&ratio) {
        return Err(invalid_arg(format!("min.cleanable.dirty.ratio {ratio} is outside [0, 1]")));
    }
    Ok(CleanerConfig {
        delete_retention_ms: input.delete_retention_ms.map_or(defaults.delete_retention_ms, |v| v as i64),
        min_cleanable_dirty_ratio: ratio,
        min_compaction_lag_ms: input.min_compaction_lag_ms.map_or(defaults.min_compaction_lag_ms, |v| v as i64),
        dedupe_buffer_bytes: input.dedupe_buffer_size.map_or(defaults.dedupe_buffer_bytes, |v| v as usize),
        producer_id_expiration_ms: input
            .producer_id_expiration_ms
            .map_or(defaults.producer_id_expiration_ms, |v| v as i64),
        ..defaults
    })
}

/// Runs one cleaning pass over `log` as of `nowMs` if it is due, cleaning nothing at or past
/// `maxCleanableOffset` (the high watermark; default: no bound besides the active segment).
#[napi]
pub fn clean_log(
    log: &NativeLog,
    config: NativeCleanerConfig,
    now_ms: f64,
    max_cleanable_offset: Option<BigInt>,
) -> Result<NativeCleanerResult> {
    let bound = optional_int64(max_cleanable_offset.as_ref(), "maxCleanableOffset")?.unwrap_or(i64::MAX);
    let cleaning = clean(log.shared(), &to_config(&config)?, now_ms as i64, bound)?;
    let nothing = CleanerStats { first_dirty_offset: -1, cleaned_up_to: -1, ..CleanerStats::default() };
    let (outcome, stats) = match cleaning {
        Cleaning::Busy => ("busy", nothing),
        Cleaning::NotNeeded { dirty_ratio } => ("not-needed", CleanerStats { dirty_ratio, ..nothing }),
        Cleaning::Cleaned(stats) => ("cleaned", stats),
    };
    Ok(NativeCleanerResult {
        outcome: outcome.into(),
        dirty_ratio: stats.dirty_ratio,
        first_dirty_offset: i64n(stats.first_dirty_offset),
        cleaned_up_to: i64n(stats.cleaned_up_to),
        segments_read: stats.segments_read as f64,
        segments_written: stats.segments_written as f64,
        bytes_read: stats.bytes_read as f64,
        bytes_written: stats.bytes_written as f64,
        records_read: stats.records_read as f64,
        records_kept: stats.records_kept as f64,
        groups_abandoned: stats.groups_abandoned as f64,
        elapsed_ms: stats.elapsed_ms,
    })
}
