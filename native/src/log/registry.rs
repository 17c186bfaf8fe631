//! The logs open in this process, by canonical directory, so the JS thread and the partition worker
//! threads share one engine log per partition instead of opening (and recovering) it twice.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::error::{EngineError, Result};
use crate::log::config::LogConfig;
use crate::log::flush::SharedLog;
use crate::log::log::{Log, OpenOptions, RecoveryReport};
use crate::log::mmap::storage_error;
use crate::log::weak_table::WeakTable;

/// Open logs by directory. Entries are weak: a log nobody holds is closed and forgotten.
#[derive(Default)]
pub struct LogRegistry {
    logs: Mutex<WeakTable<SharedLog>>,
}

impl LogRegistry {
    /// The registry of this process.
    pub fn global() -> &'static LogRegistry {
        static GLOBAL: OnceLock<LogRegistry> = OnceLock::new();
        GLOBAL.get_or_init(LogRegistry::default)
    }

    /// The log of `dir` (created when missing, recovered after an unclean stop), with what opening
    /// recovered; when it is open already, that log and no report (`config` and `options` are then
    /// ignored).
    pub fn open(
        &self,
        dir: &Path,
        config: LogConfig,
        options: OpenOptions,
    ) -> Result<(Arc<SharedLog>, Option<RecoveryReport>)> {
        std::fs::create_dir_all(dir).map_err(|e| storage_error(dir, "create", e))?;
        let key = dir.canonicalize().map_err(|e| storage_error(dir, "resolve", e))?;
        let mut logs = self.logs()?;
        if let Some(shared) = open_log(&logs, &key)? {
            return Ok((shared, None));
        }
        let (log, report) = Log::open(&key, config, options)?;
        let shared = Arc::new(SharedLog::new(log));
        logs.insert(key, &shared);
        Ok((shared, Some(report)))
    }

    /// The log of `dir` if it is open, else `None`. Never creates or recovers a log, so a partition
    /// worker cannot bring back a log its owner closed or deleted.
    pub fn attach(&self, dir: &Path) -> Result<Option<Arc<SharedLog>>> {
        let Ok(key) = dir.canonicalize() else { return Ok(None) };
        open_log(&*self.logs()?, &key)
    }

    fn logs(&self) -> Result<MutexGuard<'_, WeakTable<SharedLog>>> {
        self.logs.lock().map_err(|_| EngineError::Storage("open-log table poisoned".into()))
    }
}

fn open_log(logs: &WeakTable<SharedLog>, key: &Path) -> Result<Option<Arc<SharedLog>>> {
    let Some(shared) = logs.get(key) else { return Ok(None) };
    let closed = shared.lock()?.is_closed();
    Ok((!closed).then_some(shared))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> OpenOptions {
        OpenOptions { recovery_point: 0, log_start_offset: 0, clean_shutdown: true, now_ms: 1_000 }
    }

    #[test]
    fn a_directory_opened_twice_shares_one_log_and_reports_recovery_once() {
        let registry = LogRegistry::default();
        let dir = tempfile::tempdir().unwrap();
        let partition = dir.path().join("orders-0");
        let (first, report) = registry.open(&partition, LogConfig::default(), options()).unwrap();
        assert!(report.is_some());
        let (second, report) =
            registry.open(&partition.join("..").join("orders-0"), LogConfig::default(), options()).unwrap();
        assert!(report.is_none());
        assert!(Arc::ptr_eq(&first, &second));
    }

    #[test]
    fn attach_finds_only_logs_that_are_open() {
        let registry = LogRegistry::default();
        let dir = tempfile::tempdir().unwrap();
        let partition = dir.path().join("orders-0");
        assert!(registry.attach(&partition).unwrap().is_none(), "missing directory");
        assert!(!partition.exists(), "attach creates nothing");
        let (log, _) = registry.open(&partition, LogConfig::default(), options()).unwrap();
        assert!(Arc::ptr_eq(&registry.attach(&partition).unwrap().unwrap(), &log));
        log.lock().unwrap().close().unwrap();
        assert!(registry.attach(&partition).unwrap().is_none(), "closed log");
    }

    #[test]
    fn a_closed_or_dropped_log_is_opened_afresh() {
        let registry = LogRegistry::default();
        let dir = tempfile::tempdir().unwrap();
        let partition = dir.path().join("orders-0");
        let (log, _) = registry.open(&partition, LogConfig::default(), options()).unwrap();
        log.lock().unwrap().close().unwrap();
        let (reopened, report) = registry.open(&partition, LogConfig::default(), options()).unwrap();
        assert!(report.is_some());
        assert!(!Arc::ptr_eq(&log, &reopened));
        drop((log, reopened));
        assert!(registry.attach(&partition).unwrap().is_none(), "nobody holds it");
        let (_, report) = registry.open(&partition, LogConfig::default(), options()).unwrap();
        assert!(report.is_some());
    }
}
