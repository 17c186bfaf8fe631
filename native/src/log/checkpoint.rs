//! Kafka's checkpoint text files (`recovery-point-offset-checkpoint`, `log-start-offset-checkpoint`,
//! `replication-offset-checkpoint`, `leader-epoch-checkpoint`): a version line (0), an entry-count
//! line, then one entry per line with space-separated fields. Written atomically: a `.tmp` sibling is
//! written and fsynced, renamed over the file and the directory fsynced, so a crash leaves either the
//! old or the new checkpoint, never half of one (a torn `.tmp` is never read).
//!
//! Offset checkpoints (recovery point, log start, cleaner) hold `<topic> <partition> <offset>` entries:
//! `read_offsets` / `write_offsets`.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::Path;

use crate::error::{EngineError, Result};
use crate::log::mmap::storage_error;

const VERSION: &str = "0";

/// The entries of a checkpoint, each split into exactly `fields` fields. `Ok(None)` when the file
/// does not exist; a malformed file is a `Storage` error (callers fall back to recovery).
pub fn read(path: &Path, fields: usize) -> Result<Option<Vec<Vec<String>>>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(storage_error(path, "read", error)),
    };
    let malformed = |why: &str| EngineError::Storage(format!("malformed checkpoint {}: {why}", path.display()));
    let mut lines = text.lines();
    if lines.next() != Some(VERSION) {
        return Err(malformed("unknown version"));
    }
    let count: usize = lines.next().and_then(|line| line.trim().parse().ok()).ok_or_else(|| malformed("count"))?;
    let entries: Vec<Vec<String>> = lines
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    if entries.len() != count || entries.iter().any(|entry| entry.len() != fields) {
        return Err(malformed("entries do not match the count or field count"));
    }
    Ok(Some(entries))
}

/// Replaces the checkpoint at `path` with `entries` (each already formatted as one line), durably.
pub fn write(path: &Path, entries: &[String]) -> Result<()> {
    replace(path, entries, true)
}

/// Like `write` without the fsync: atomic against crashes of the process, not of the machine
/// (callers make it durable later with `write`).
pub fn write_without_sync(path: &Path, entries: &[String]) -> Result<()> {
    replace(path, entries, false)
}

/// One entry of an offset checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PartitionOffset {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

/// The entries of an offset checkpoint; `Ok(None)` when the file does not exist, a `Storage` error
/// when it is malformed.
pub fn read_offsets(path: &Path) -> Result<Option<Vec<PartitionOffset>>> {
    let Some(entries) = read(path, 3)? else { return Ok(None) };
    let malformed = || EngineError::Storage(format!("malformed checkpoint {}: partition or offset", path.display()));
    entries
        .into_iter()
        .map(|mut fields| {
            let offset = fields[2].parse().map_err(|_| malformed())?;
            let partition = fields[1].parse().map_err(|_| malformed())?;
            fields.truncate(1);
            Ok(PartitionOffset { topic: fields.pop().expect("three fields"), partition, offset })
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// Replaces the offset checkpoint at `path` with `entries`, durably.
pub fn write_offsets(path: &Path, entries: &[PartitionOffset]) -> Result<()> {
    let lines: Vec<String> = entries.iter().map(|e| format!("{} {} {}", e.topic, e.partition, e.offset)).collect();
    write(path, &lines)
}

fn replace(path: &Path, entries: &[String], durable: bool) -> Result<()> {
    let mut text = format!("{VERSION}\n{}\n", entries.len());
    for entry in entries {
        text.push_str(entry);
        text.push('\n');
    }
    let temporary = path.with_extension("tmp");
    let mut file = fs::File::create(&temporary).map_err(|e| storage_error(&temporary, "create", e))?;
    file.write_all(text.as_bytes()).map_err(|e| storage_error(&temporary, "write", e))?;
    if durable {
        file.sync_all().map_err(|e| storage_error(&temporary, "fsync", e))?;
    }
    fs::rename(&temporary, path).map_err(|e| storage_error(path, "rename", e))?;
    if !durable {
        return Ok(());
    }
    sync_dir(path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new(".")))
}

/// Makes the entries of `dir` (a rename, a new or removed file) durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    fs::File::open(dir).and_then(|file| file.sync_all()).map_err(|e| storage_error(dir, "fsync", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_malformed_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("recovery-point-offset-checkpoint");
        assert_eq!(read(&path, 3).unwrap(), None);
        write(&path, &["orders 0 42".into(), "orders 1 7".into()]).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "0\n2\norders 0 42\norders 1 7\n");
        let entries = read(&path, 3).unwrap().unwrap();
        assert_eq!(entries[1], vec!["orders", "1", "7"]);
        fs::write(&path, "0\n3\norders 0 42\n").unwrap();
        assert!(read(&path, 3).is_err());
        fs::write(&path, "1\n0\n").unwrap();
        assert!(read(&path, 3).is_err());
    }

    #[test]
    fn offset_checkpoints_round_trip_and_reject_bad_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log-start-offset-checkpoint");
        assert_eq!(read_offsets(&path).unwrap(), None);
        let entries = vec![
            PartitionOffset { topic: "orders".into(), partition: 0, offset: 42 },
            PartitionOffset { topic: "__consumer_offsets".into(), partition: 49, offset: i64::MAX },
        ];
        write_offsets(&path, &entries).unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            format!("0\n2\norders 0 42\n__consumer_offsets 49 {}\n", i64::MAX)
        );
        assert_eq!(read_offsets(&path).unwrap(), Some(entries));
        write_offsets(&path, &[]).unwrap();
        assert_eq!(read_offsets(&path).unwrap(), Some(Vec::new()));
        fs::write(&path, "0\n1\norders zero 42\n").unwrap();
        assert!(read_offsets(&path).is_err());
        fs::write(&path, "0\n1\norders 0 9223372036854775808\n").unwrap();
        assert!(read_offsets(&path).is_err());
    }
}
