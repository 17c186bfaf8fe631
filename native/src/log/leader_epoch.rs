//! `LeaderEpochCache`: which leader epoch started at which offset, persisted as the partition's
//! `leader-epoch-checkpoint` in Kafka's text format:
//!
//! ```text
//! 0            <- version
//! 2            <- number of entries
//! 0 0          <- epoch startOffset
//! 3 1500
//! ```
//!
//! Followers use it to find where their log diverges (OffsetForLeaderEpoch). The file is rewritten
//! (temporary file, rename) whenever an entry is added or entries are truncated away, and fsynced by
//! the next flush of the log rather than on the append path (as Kafka does since KAFKA-15046).

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::log::checkpoint;

pub const FILE_NAME: &str = "leader-epoch-checkpoint";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpochEntry {
    pub epoch: i32,
    pub start_offset: i64,
}

pub struct LeaderEpochCache {
    path: PathBuf,
    entries: Vec<EpochEntry>,
    /// Written since the last fsync.
    unsynced: bool,
}

impl LeaderEpochCache {
    /// Loads the checkpoint of `dir`; a missing or unreadable file gives an empty cache and `false`
    /// (the log then rebuilds it from its batches' partitionLeaderEpoch fields).
    pub fn load(dir: &Path) -> (LeaderEpochCache, bool) {
        let path = dir.join(FILE_NAME);
        let loaded = checkpoint::read(&path, 2)
            .ok()
            .flatten()
            .map(|lines| {
                lines
                    .iter()
                    .filter_map(|fields| {
                        Some(EpochEntry { epoch: fields[0].parse().ok()?, start_offset: fields[1].parse().ok()? })
                    })
                    .collect::<Vec<_>>()
            })
            .filter(|entries| is_increasing(entries));
        let found = loaded.is_some();
        (LeaderEpochCache { path, entries: loaded.unwrap_or_default(), unsynced: false }, found)
    }

    pub fn entries(&self) -> &[EpochEntry] {
        &self.entries
    }

    pub fn latest(&self) -> Option<EpochEntry> {
        self.entries.last().copied()
    }

    /// Records that `epoch` starts at `start_offset` when it is newer than the latest epoch.
    pub fn assign(&mut self, epoch: i32, start_offset: i64) -> Result<()> {
        if epoch < 0 || self.latest().is_some_and(|latest| latest.epoch >= epoch) {
            return Ok(());
        }
        self.entries.push(EpochEntry { epoch, start_offset });
        self.write()
    }

    /// The end offset of `epoch` as OffsetForLeaderEpoch answers it: the start of the next higher
    /// epoch (or `log_end` for the latest), with the largest epoch ≤ the requested one. None when
    /// the requested epoch is older than every entry.
    pub fn end_offset_for(&self, epoch: i32, log_end: i64) -> Option<(i32, i64)> {
        let index = self.entries.iter().rposition(|entry| entry.epoch <= epoch)?;
        let found = self.entries[index];
        let end = self.entries.get(index + 1).map_or(log_end, |next| next.start_offset);
        Some((found.epoch, end))
    }

    /// Drops entries starting at or after `end` (the log was truncated to `end`).
    pub fn truncate_from_end(&mut self, end: i64) -> Result<()> {
        let keep = self.entries.iter().take_while(|entry| entry.start_offset < end).count();
        if keep < self.entries.len() {
            self.entries.truncate(keep);
            self.write()?;
        }
        Ok(())
    }

    /// Forgets every entry (the log was emptied).
    pub fn clear(&mut self) -> Result<()> {
        if !self.entries.is_empty() {
            self.entries.clear();
            self.write()?;
        }
        Ok(())
    }

    /// Forgets epochs that ended before `start` (the log start moved); the epoch holding `start`
    /// is kept, moved to start there.
    pub fn truncate_from_start(&mut self, start: i64) -> Result<()> {
        let first_kept = self.entries.iter().rposition(|entry| entry.start_offset <= start).unwrap_or(0);
        let changed = first_kept > 0 || self.entries.first().is_some_and(|entry| entry.start_offset < start);
        if changed {
            self.entries.drain(..first_kept);
            if let Some(first) = self.entries.first_mut() {
                first.start_offset = first.start_offset.max(start);
            }
            self.write()?;
        }
        Ok(())
    }

    fn write(&mut self) -> Result<()> {
        self.unsynced = true;
        checkpoint::write_without_sync(&self.path, &self.lines())
    }

    /// Makes the latest checkpoint durable (called when the log flushes).
    pub fn sync(&mut self) -> Result<()> {
        if self.unsynced {
            checkpoint::write(&self.path, &self.lines())?;
            self.unsynced = false;
        }
        Ok(())
    }

    /// The file was made durable by other means (a whole-filesystem sync).
    pub fn mark_synced(&mut self) {
        self.unsynced = false;
    }

    fn lines(&self) -> Vec<String> {
        self.entries.iter().map(|e| format!("{} {}", e.epoch, e.start_offset)).collect()
    }
}

fn is_increasing(entries: &[EpochEntry]) -> bool {
    entries.windows(2).all(|pair| pair[0].epoch < pair[1].epoch && pair[0].start_offset <= pair[1].start_offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_answers_end_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let (mut cache, found) = LeaderEpochCache::load(dir.path());
        assert!(!found);
        cache.assign(0, 0).unwrap();
        cache.assign(0, 10).unwrap();
        cache.assign(3, 100).unwrap();
        cache.assign(5, 250).unwrap();
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert_eq!(text, "0\n3\n0 0\n3 100\n5 250\n");

        let (reloaded, found) = LeaderEpochCache::load(dir.path());
        assert!(found);
        assert_eq!(reloaded.entries(), cache.entries());
        assert_eq!(reloaded.end_offset_for(0, 300), Some((0, 100)));
        assert_eq!(reloaded.end_offset_for(4, 300), Some((3, 250)));
        assert_eq!(reloaded.end_offset_for(9, 300), Some((5, 300)));

        cache.truncate_from_end(250).unwrap();
        cache.truncate_from_start(120).unwrap();
        assert_eq!(LeaderEpochCache::load(dir.path()).0.entries(), &[EpochEntry { epoch: 3, start_offset: 120 }]);
    }

    #[test]
    fn a_garbled_checkpoint_loads_empty() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "0\n2\n5 100\n3 50\n").unwrap();
        assert!(!LeaderEpochCache::load(dir.path()).1);
        std::fs::write(dir.path().join(FILE_NAME), "0\n9\n5 100\n").unwrap();
        assert!(!LeaderEpochCache::load(dir.path()).1);
    }
}
