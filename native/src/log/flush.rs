//! `SharedLog`: a `Log` behind its lock, shared by the JS thread, worker threads and flush tasks,
//! with group commit. A flush snapshots the files to sync under the log lock, fdatasyncs them with
//! the lock released (appends continue meanwhile), then advances the recovery point. Flushes are
//! serialised by a second lock; a caller that waited there finds its target already covered by the
//! flush it waited for and returns without a syscall, so concurrent callers share one fdatasync.

use std::sync::{Mutex, MutexGuard};

use crate::error::{EngineError, Result};
use crate::log::log::Log;

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
