//! `TimeIndex`: the sparse `.timeindex` of a segment, Kafka's 12-byte layout `timestamp: i64,
//! relativeOffset: u32` (big-endian). gregor's entries mean: every batch whose base offset is below
//! `segmentBase + relativeOffset` has a max timestamp ≤ `timestamp`. So the records with timestamps
//! ≥ t start at or after the offset of the last entry whose timestamp is < t. Entries are written
//! next to offset-index entries (same interval), strictly increasing in both fields, and a final
//! entry when the segment closes records the segment's largest timestamp, which retention reads.
//!
//! Not thread-safe on its own: the owning `Log`'s lock serialises access.

use std::path::Path;

use crate::error::Result;
use crate::log::index_file::IndexFile;

const ENTRY_SIZE: usize = 12;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimestampOffset {
    pub timestamp: i64,
    pub relative_offset: u32,
}

pub struct TimeIndex {
    file: IndexFile,
}

fn decode(entry: &[u8]) -> TimestampOffset {
    TimestampOffset {
        timestamp: i64::from_be_bytes(entry[0..8].try_into().expect("8 bytes")),
        relative_offset: u32::from_be_bytes(entry[8..12].try_into().expect("4 bytes")),
    }
}

fn follows(previous: Option<&[u8]>, entry: &[u8]) -> bool {
    let entry = decode(entry);
    match previous.map(decode) {
        None => entry.relative_offset > 0 && entry.timestamp >= 0,
        Some(previous) => {
            entry.relative_offset > previous.relative_offset && entry.timestamp > previous.timestamp
        }
    }
}

impl TimeIndex {
    pub fn open_writable(path: &Path, capacity_bytes: usize) -> Result<TimeIndex> {
        Ok(TimeIndex { file: IndexFile::open_writable(path, capacity_bytes, ENTRY_SIZE, follows)? })
    }

    pub fn open_read_only(path: &Path) -> Result<TimeIndex> {
        Ok(TimeIndex { file: IndexFile::open_read_only(path, ENTRY_SIZE, follows)? })
    }

    pub fn len(&self) -> usize {
        self.file.len()
    }

    pub fn is_empty(&self) -> bool {
        self.file.is_empty()
    }

    pub fn is_full(&self) -> bool {
        self.file.is_full()
    }

    pub fn entry(&self, index: usize) -> TimestampOffset {
        decode(self.file.entry(index))
    }

    pub fn last(&self) -> Option<TimestampOffset> {
        self.file.last().map(decode)
    }

    /// The relative offset to start searching for the first record with a timestamp ≥ `timestamp`.
    pub fn lookup(&self, timestamp: i64) -> u32 {
        self.file
            .floor(|entry| decode(entry).timestamp >= timestamp)
            .map_or(0, |entry| decode(entry).relative_offset)
    }

    /// Appends `(timestamp, relative_offset)` when it moves both fields forward; otherwise the
    /// existing entries already say as much.
    pub fn maybe_append(&mut self, timestamp: i64, relative_offset: u32) -> Result<()> {
        if timestamp < 0 {
            return Ok(());
        }
        if let Some(last) = self.last() {
            if timestamp <= last.timestamp || relative_offset <= last.relative_offset {
                return Ok(());
            }
        } else if relative_offset == 0 {
            return Ok(());
        }
        let mut entry = [0u8; ENTRY_SIZE];
        entry[0..8].copy_from_slice(&timestamp.to_be_bytes());
        entry[8..12].copy_from_slice(&relative_offset.to_be_bytes());
        self.file.append_entry(&entry)
    }

    /// Keeps only entries covering offsets below `relative_offset` (a truncated segment end).
    pub fn truncate_to_offset(&mut self, relative_offset: u32) -> Result<()> {
        let keep =
            (0..self.len()).take_while(|&index| self.entry(index).relative_offset <= relative_offset).count();
        self.file.truncate(keep)
    }

    pub fn seal(self) -> Result<()> {
        self.file.seal()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_returns_the_offset_after_which_timestamps_can_reach_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = TimeIndex::open_writable(&dir.path().join("0.timeindex"), 1 << 20).unwrap();
        index.maybe_append(100, 10).unwrap();
        index.maybe_append(100, 20).unwrap();
        index.maybe_append(200, 30).unwrap();
        index.maybe_append(150, 40).unwrap();
        assert_eq!(index.len(), 2);
        assert_eq!(index.lookup(50), 0);
        assert_eq!(index.lookup(100), 0);
        assert_eq!(index.lookup(101), 10);
        assert_eq!(index.lookup(201), 30);
        index.truncate_to_offset(29).unwrap();
        assert_eq!(index.last(), Some(TimestampOffset { timestamp: 100, relative_offset: 10 }));
    }
}
