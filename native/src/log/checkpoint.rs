//! Kafka's checkpoint text files (`recovery-point-offset-checkpoint`, `log-start-offset-checkpoint`,
//! `leader-epoch-checkpoint`): a version line (0), an entry-count line, then one entry per line with
//! space-separated fields. Written atomically: a `.tmp` sibling is written and fsynced, then renamed
//! over the file, so a crash leaves either the old or the new checkpoint, never half of one.

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
    fs::rename(&temporary, path).map_err(|e| storage_error(path, "rename", e))
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
}
