//! `OffsetIndex`: the sparse `.index` of a segment, Kafka's layout. Each 8-byte entry is
//! `relativeOffset: u32, position: u32` (big-endian): the batch whose base offset is
//! `segmentBase + relativeOffset` starts at byte `position` of the `.log`. An entry is added for a
//! batch once more than `index.interval.bytes` were appended since the previous one, so the first
//! batch (position 0) never has one and entries are strictly increasing in both fields.
//!
//! Not thread-safe on its own: the owning `Log`'s lock serialises access.

use std::path::Path;

use crate::error::Result;
use crate::log::index_file::IndexFile;

const ENTRY_SIZE: usize = 8;

/// A `.log` byte position of a batch start; distinct from offsets so the two are never mixed.
pub type Position = u32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffsetPosition {
    pub relative_offset: u32,
    pub position: Position,
}

pub struct OffsetIndex {
    file: IndexFile,
}

fn decode(entry: &[u8]) -> OffsetPosition {
    OffsetPosition {
        relative_offset: u32::from_be_bytes(entry[0..4].try_into().expect("4 bytes")),
        position: u32::from_be_bytes(entry[4..8].try_into().expect("4 bytes")),
    }
}

fn follows(previous: Option<&[u8]>, entry: &[u8]) -> bool {
    let entry = decode(entry);
    match previous.map(decode) {
        None => entry.relative_offset > 0 && entry.position > 0,
        Some(previous) => {
            entry.relative_offset > previous.relative_offset && entry.position > previous.position
        }
    }
}

impl OffsetIndex {
    pub fn open_writable(path: &Path, capacity_bytes: usize) -> Result<OffsetIndex> {
        Ok(OffsetIndex { file: IndexFile::open_writable(path, capacity_bytes, ENTRY_SIZE, follows)? })
    }

    pub fn open_read_only(path: &Path) -> Result<OffsetIndex> {
        Ok(OffsetIndex { file: IndexFile::open_read_only(path, ENTRY_SIZE, follows)? })
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

    pub fn entry(&self, index: usize) -> OffsetPosition {
        decode(self.file.entry(index))
    }

    pub fn last(&self) -> Option<OffsetPosition> {
        self.file.last().map(decode)
    }

    /// The position to start scanning from for `relative_offset`: the last entry at or below it,
    /// or the start of the segment.
    pub fn lookup(&self, relative_offset: u32) -> Position {
        self.file
            .floor(|entry| decode(entry).relative_offset > relative_offset)
            .map_or(0, |entry| decode(entry).position)
    }

    /// Appends an entry; the caller keeps entries increasing.
    pub fn append(&mut self, relative_offset: u32, position: Position) -> Result<()> {
        let mut entry = [0u8; ENTRY_SIZE];
        entry[0..4].copy_from_slice(&relative_offset.to_be_bytes());
        entry[4..8].copy_from_slice(&position.to_be_bytes());
        self.file.append_entry(&entry)
    }

    /// Keeps only the entries pointing below `position` (a truncated segment end).
    pub fn truncate_to_position(&mut self, position: Position) -> Result<()> {
        let keep = (0..self.len()).take_while(|&index| self.entry(index).position < position).count();
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
