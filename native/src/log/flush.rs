//! `SharedLog`: a `Log` behind its lock, shared by the JS thread, worker threads and flush tasks,
//! with group commit. A flush snapshots the files to sync under the log lock, fdatasyncs them with
//! the lock released (appends continue meanwhile), then advances the recovery point. Flushes are
//! serialised by a second lock; a caller that waited there finds its target already covered by the
//! flush it waited for and returns without a syscall, so concurrent callers share one fdatasync.

use std::sync::{Mutex, MutexGuard};

use crate::error::{EngineError, Result};
use crate::log::log::{AppendInfo, AppendOptions, Log};
use crate::record::validate::{validate_batches, validate_replicated_batches, ValidationOptions};

pub struct SharedLog {
    log: Mutex<Log>,
    flushing: Mutex<()>,
}

impl SharedLog {
    pub fn new(log: Log) -> SharedLog {
        SharedLog { log: Mutex::new(log), flushing: Mutex::new(()) }
    }

    /// The log, locked. A panic while it was held (a bug) leaves it poisoned: a storage error then.
    pub fn lock(&self) -> Result<MutexGuard<'_, Log>> {
        self.log.lock().map_err(|_| EngineError::Storage("log lock poisoned by an earlier panic".into()))
    }

    /// Validates `input` before taking the lock (CRC and record checks are the costly part of an
    /// append, and other threads' reads need not wait for them), then appends it (`Log::append`).
    pub fn append(
        &self,
        input: &mut [u8],
        validation: &ValidationOptions,
        options: &AppendOptions,
    ) -> Result<AppendInfo> {
        let validated = validate_batches(input, validation)?;
        self.lock()?.append_validated(input, &validated, options)
    }

    /// Checks batches fetched from the leader outside the lock (CRCs), then appends them as they are
    /// (`Log::append_as_follower`).
    pub fn append_as_follower(&self, input: &[u8], now_ms: i64) -> Result<AppendInfo> {
        let validated = validate_replicated_batches(input)?;
        self.lock()?.append_as_follower(input, &validated, now_ms)
    }

    /// Makes every offset below `up_to` (default: the log end when called) durable; returns the
    /// recovery point reached.
    pub fn flush(&self, up_to: Option<i64>) -> Result<i64> {
        let target = match up_to {
            Some(offset) => offset,
            None => self.lock()?.log_end_offset(),
        };
        let _flushing = self.flushing.lock().map_err(|_| EngineError::Storage("flush lock poisoned".into()))?;
        let plan = {
            let mut log = self.lock()?;
            if log.recovery_point() >= target.min(log.log_end_offset()) {
                return Ok(log.recovery_point());
            }
            log.flush_plan()
        };
        for file in &plan.files {
            if let Err(error) = file.sync_data() {
                self.lock()?.flush_failed(plan);
                return Err(error);
            }
        }
        let mut log = self.lock()?;
        log.flush_done(plan.up_to)?;
        Ok(log.recovery_point())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::config::LogConfig;
    use crate::log::log::OpenOptions;
    use crate::record::batch::TimestampType;
    use crate::record::builder::BatchBuilder;

    #[test]
    fn appends_validate_outside_the_lock_and_refuse_corrupt_input_whole() {
        let dir = tempfile::tempdir().unwrap();
        let options = OpenOptions { recovery_point: 0, log_start_offset: 0, clean_shutdown: true, now_ms: 1_000 };
        let shared = SharedLog::new(Log::open(dir.path(), LogConfig::default(), options).unwrap().0);
        let mut builder = BatchBuilder::new(0);
        builder.append(1_000, None, Some(b"value"), &[]).unwrap();
        let batch = builder.build().unwrap();
        let append = AppendOptions { leader_epoch: 0, timestamp_type: TimestampType::CreateTime, now_ms: 1_000 };
        let validation = ValidationOptions::default();
        let mut input = [batch.clone(), batch.clone()].concat();
        assert_eq!(shared.append(&mut input, &validation, &append).unwrap().base_offset, 0);
        let mut corrupt = [batch.clone(), batch].concat();
        let last = corrupt.len() - 1;
        corrupt[last] ^= 0xff;
        assert!(matches!(shared.append(&mut corrupt, &validation, &append), Err(EngineError::CorruptMessage(_))));
        assert_eq!(shared.lock().unwrap().log_end_offset(), 2);
        assert_eq!(shared.flush(None).unwrap(), 2);
    }
}
