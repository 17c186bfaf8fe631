//! `OffsetIndex`: the sparse `.index` of a segment, Kafka's layout. Each 8-byte entry is
//! `relativeOffset: u32, position: u32` (big-endian): the batch whose base offset is
//! `segmentBase + relativeOffset` starts at byte `position` of the `.log`. An entry is added for a
//! batch once more than `index.interval.bytes` were appended since the previous one, so the first
//! batch (position 0) never has one and entries are strictly increasing in both fields.
//!
//! Not thread-safe on its own: the owning `Log`'s lock serialises access.

use crate::error::Result;
use crate::log::index_file::{IndexEntry, IndexFile};

/// A `.log` byte position of a batch start; distinct from offsets so the two are never mixed.
pub type Position = u32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffsetPosition {
    pub relative_offset: u32,
    pub position: Position,
}

impl IndexEntry for OffsetPosition {
    const SIZE: usize = 8;

    fn decode(bytes: &[u8]) -> OffsetPosition {
        OffsetPosition {
            relative_offset: u32::from_be_bytes(bytes[0..4].try_into().expect("4 bytes")),
            position: u32::from_be_bytes(bytes[4..8].try_into().expect("4 bytes")),
        }
    }

    fn encode(&self, bytes: &mut [u8]) {
        bytes[0..4].copy_from_slice(&self.relative_offset.to_be_bytes());
        bytes[4..8].copy_from_slice(&self.position.to_be_bytes());
    }

    fn follows(&self, previous: Option<OffsetPosition>) -> bool {
        match previous {
            None => self.relative_offset > 0 && self.position > 0,
            Some(previous) => self.relative_offset > previous.relative_offset && self.position > previous.position,
        }
    }
}

pub type OffsetIndex = IndexFile<OffsetPosition>;

impl OffsetIndex {
    /// The position to start scanning from for `relative_offset`: the last entry at or below it,
    /// or the start of the segment.
    pub fn lookup(&self, relative_offset: u32) -> Position {
        self.floor(|entry| entry.relative_offset > relative_offset).map_or(0, |entry| entry.position)
    }

    /// Appends an entry; the caller keeps entries increasing.
    pub fn append(&mut self, relative_offset: u32, position: Position) -> Result<()> {
        self.append_entry(OffsetPosition { relative_offset, position })
    }

    /// Keeps only the entries pointing below `position` (a truncated segment end).
    pub fn truncate_to_position(&mut self, position: Position) -> Result<()> {
        let keep = (0..self.len()).take_while(|&index| self.entry(index).position < position).count();
        self.truncate(keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_finds_the_last_entry_at_or_below_and_reopen_keeps_the_increasing_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000000.index");
        let mut index = OffsetIndex::open_writable(&path, 1 << 20).unwrap();
        for (offset, position) in [(10, 4100), (20, 8200), (30, 12300)] {
            index.append(offset, position).unwrap();
        }
        assert_eq!(index.lookup(0), 0);
        assert_eq!(index.lookup(9), 0);
        assert_eq!(index.lookup(10), 4100);
        assert_eq!(index.lookup(29), 8200);
        assert_eq!(index.lookup(u32::MAX), 12300);
        drop(index);

        let reopened = OffsetIndex::open_writable(&path, 1 << 20).unwrap();
        assert_eq!(reopened.len(), 3);
        assert_eq!(reopened.last(), Some(OffsetPosition { relative_offset: 30, position: 12300 }));
    }

    #[test]
    fn a_garbled_entry_ends_the_valid_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000000.index");
        let mut index = OffsetIndex::open_writable(&path, 1 << 20).unwrap();
        for (offset, position) in [(10, 4100), (5, 9000), (30, 12300)] {
            index.append(offset, position).unwrap();
        }
        drop(index);
        assert_eq!(OffsetIndex::open_writable(&path, 1 << 20).unwrap().len(), 1);
    }

    #[test]
    fn sealing_trims_the_file_and_read_only_reopen_sees_the_entries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000000.index");
        let mut index = OffsetIndex::open_writable(&path, 1 << 20).unwrap();
        index.append(1, 5000).unwrap();
        index.append(2, 9000).unwrap();
        index.truncate_to_position(9000).unwrap();
        index.seal().unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 8);
        let closed = OffsetIndex::open_read_only(&path).unwrap();
        assert_eq!(closed.len(), 1);
        assert_eq!(closed.lookup(7), 5000);
    }
}
