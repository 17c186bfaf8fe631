//! `TimeIndex`: the sparse `.timeindex` of a segment, Kafka's 12-byte layout `timestamp: i64,
//! relativeOffset: u32` (big-endian). gregor's entries mean: every batch whose base offset is below
//! `segmentBase + relativeOffset` has a max timestamp ≤ `timestamp`. So the records with timestamps
//! ≥ t start at or after the offset of the last entry whose timestamp is < t. Entries are written
//! next to offset-index entries (same interval), strictly increasing in both fields, and a final
//! entry when the segment closes records the segment's largest timestamp, which retention reads.
//!
//! Not thread-safe on its own: the owning `Log`'s lock serialises access.

use crate::error::Result;
use crate::log::index_file::{IndexEntry, IndexFile};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimestampOffset {
    pub timestamp: i64,
    pub relative_offset: u32,
}

impl IndexEntry for TimestampOffset {
    const SIZE: usize = 12;

    fn decode(bytes: &[u8]) -> TimestampOffset {
        TimestampOffset {
            timestamp: i64::from_be_bytes(bytes[0..8].try_into().expect("8 bytes")),
            relative_offset: u32::from_be_bytes(bytes[8..12].try_into().expect("4 bytes")),
        }
    }

    fn encode(&self, bytes: &mut [u8]) {
        bytes[0..8].copy_from_slice(&self.timestamp.to_be_bytes());
        bytes[8..12].copy_from_slice(&self.relative_offset.to_be_bytes());
    }

    fn follows(&self, previous: Option<TimestampOffset>) -> bool {
        match previous {
            None => self.relative_offset > 0 && self.timestamp >= 0,
            Some(previous) => self.relative_offset > previous.relative_offset && self.timestamp > previous.timestamp,
        }
    }
}

pub type TimeIndex = IndexFile<TimestampOffset>;

impl TimeIndex {
    /// The relative offset to start searching for the first record with a timestamp ≥ `timestamp`.
    pub fn lookup(&self, timestamp: i64) -> u32 {
        self.floor(|entry| entry.timestamp >= timestamp).map_or(0, |entry| entry.relative_offset)
    }

    /// Appends `(timestamp, relative_offset)` when it moves both fields forward; otherwise the
    /// existing entries already say as much.
    pub fn maybe_append(&mut self, timestamp: i64, relative_offset: u32) -> Result<()> {
        let entry = TimestampOffset { timestamp, relative_offset };
        if !entry.follows(self.last()) {
            return Ok(());
        }
        self.append_entry(entry)
    }

    /// Keeps only entries covering offsets below `relative_offset` (a truncated segment end).
    pub fn truncate_to_offset(&mut self, relative_offset: u32) -> Result<()> {
        let keep = (0..self.len()).take_while(|&index| self.entry(index).relative_offset <= relative_offset).count();
        self.truncate(keep)
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
