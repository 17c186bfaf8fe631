//! The storage under both sparse indexes: fixed-size big-endian entries in a mapped file.
//!
//! An active segment's index is mapped writable at its full capacity (`segment.index.bytes`, a sparse
//! file) and reserved in small chunks as it fills; a closed one is mapped read-only at its entry
//! count. Entries are strictly increasing, so the valid entries of a file that was not trimmed
//! (crash, zero-filled preallocation) are its longest increasing prefix: that is what `open` keeps.

use std::path::Path;
use std::sync::Arc;

use crate::error::Result;
use crate::log::mmap::{MappedFile, Mapping};

/// Index files reserve disk in steps this big (an index grows 8–12 bytes per 4 KiB of log).
const RESERVE_STEP: usize = 64 * 1024;

pub struct IndexFile {
    mapping: Arc<Mapping>,
    entry_size: usize,
    entries: usize,
    capacity: usize,
}

impl IndexFile {
    /// Opens (or creates) the index for appending, with room for `capacity_bytes` of entries.
    /// `follows(previous, entry)` says whether `entry` may come after `previous` (None: the first).
    pub fn open_writable(
        path: &Path,
        capacity_bytes: usize,
        entry_size: usize,
        follows: impl Fn(Option<&[u8]>, &[u8]) -> bool,
    ) -> Result<IndexFile> {
        let file = MappedFile::open(path, true)?;
        let existing = file.len()? as usize;
        let capacity = (capacity_bytes.max(existing) / entry_size) * entry_size;
        let mapping = Mapping::writable(&file, capacity, 0)?;
        mapping.advise_random();
        // Only bytes that existed can hold entries; touching the sparse rest would fault in zeros.
        let entries = valid_prefix(&mapping, existing.min(capacity) / entry_size, entry_size, &follows)?;
        mapping.reserve_to(entries * entry_size)?;
        Ok(IndexFile { mapping, entry_size, entries, capacity: capacity / entry_size })
    }

    /// Opens a closed segment's index for lookups only.
    pub fn open_read_only(
        path: &Path,
        entry_size: usize,
        follows: impl Fn(Option<&[u8]>, &[u8]) -> bool,
    ) -> Result<IndexFile> {
        let file = MappedFile::open(path, true)?;
        let mapping = Mapping::read_only_whole(&file)?;
        mapping.advise_random();
        let slots = mapping.len() / entry_size;
        let entries = valid_prefix(&mapping, slots, entry_size, &follows)?;
        Ok(IndexFile { mapping, entry_size, entries, capacity: entries })
    }

    pub fn len(&self) -> usize {
        self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    pub fn is_full(&self) -> bool {
        self.entries >= self.capacity
    }

    pub fn entry(&self, index: usize) -> &[u8] {
        self.mapping.bytes(index * self.entry_size, self.entry_size).expect("index entry inside the mapping")
    }

    pub fn last(&self) -> Option<&[u8]> {
        self.entries.checked_sub(1).map(|index| self.entry(index))
    }

    /// The last entry `e` with `!after(e)`, by binary search over the increasing entries.
    pub fn floor(&self, after: impl Fn(&[u8]) -> bool) -> Option<&[u8]> {
        let (mut low, mut high) = (0, self.entries);
        while low < high {
            let middle = (low + high) / 2;
            if after(self.entry(middle)) {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        low.checked_sub(1).map(|index| self.entry(index))
    }

    pub fn append_entry(&mut self, entry: &[u8]) -> Result<()> {
        debug_assert_eq!(entry.len(), self.entry_size);
        let position = self.entries * self.entry_size;
        let end = position + self.entry_size;
        if end > self.mapping.reserved() {
            self.mapping.reserve_to((end + RESERVE_STEP) / RESERVE_STEP * RESERVE_STEP)?;
        }
        self.mapping.write(position, entry)?;
        self.entries += 1;
        Ok(())
    }

    /// Drops every entry from `entries` on (zeroing them, so a crash cannot resurrect them).
    pub fn truncate(&mut self, entries: usize) -> Result<()> {
        if entries < self.entries {
            let from = entries * self.entry_size;
            let to = self.entries * self.entry_size;
            self.mapping.zero(from, to - from)?;
            self.entries = entries;
        }
        Ok(())
    }

    /// Stops appending: the file is trimmed to its entries once unmapped.
    pub fn seal(self) -> Result<()> {
        self.mapping.retire();
        self.mapping.file().trim_when_unmapped((self.entries * self.entry_size) as u64)
    }
}

fn valid_prefix(
    mapping: &Mapping,
    slots: usize,
    entry_size: usize,
    follows: &impl Fn(Option<&[u8]>, &[u8]) -> bool,
) -> Result<usize> {
    let mut previous: Option<&[u8]> = None;
    for index in 0..slots {
        let entry = mapping.bytes(index * entry_size, entry_size)?;
        if !follows(previous, entry) {
            return Ok(index);
        }
        previous = Some(entry);
    }
    Ok(slots)
}
