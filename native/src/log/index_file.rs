//! The storage under both sparse indexes: fixed-size big-endian entries in a mapped file.
//!
//! An active segment's index is mapped writable at its full capacity (`segment.index.bytes`, a sparse
//! file) and reserved in small chunks as it fills; a closed one is mapped read-only at its entry
//! count. Entries are strictly increasing, so the valid entries of a file that was not trimmed
//! (crash, zero-filled preallocation) are its longest increasing prefix: that is what `open` keeps.
//! Each index says only what its entry is (`IndexEntry`); `OffsetIndex` and `TimeIndex` are this
//! file over their entry, with their lookups added.

use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;

use crate::error::Result;
use crate::log::mmap::{MappedFile, Mapping};

/// Index files reserve disk in steps this big (an index grows 8–12 bytes per 4 KiB of log).
const RESERVE_STEP: usize = 64 * 1024;

/// The largest `IndexEntry::SIZE` (the time index's 12 bytes): appends encode on the stack.
const MAX_ENTRY_SIZE: usize = 12;

/// One entry of an index: its fixed big-endian layout and the order entries must keep.
pub trait IndexEntry: Copy {
    const SIZE: usize;
    fn decode(bytes: &[u8]) -> Self;
    fn encode(&self, bytes: &mut [u8]);
    /// Whether `self` may come after `previous` (None: `self` would be the first entry).
    fn follows(&self, previous: Option<Self>) -> bool;
}

pub struct IndexFile<E: IndexEntry> {
    mapping: Arc<Mapping>,
    entries: usize,
    capacity: usize,
    entry: PhantomData<E>,
}

impl<E: IndexEntry> IndexFile<E> {
    /// Opens (or creates) the index for appending, with room for `capacity_bytes` of entries.
    pub fn open_writable(path: &Path, capacity_bytes: usize) -> Result<IndexFile<E>> {
        let entry_size = E::SIZE;
        let file = MappedFile::open(path, true)?;
        let _descriptor = file.hold_for_scope()?;
        let existing = file.len()? as usize;
        let capacity = (capacity_bytes.max(existing) / entry_size) * entry_size;
        let mapping = Mapping::writable(&file, capacity, 0)?;
        mapping.advise_random();
        // Only bytes that existed can hold entries; touching the sparse rest would fault in zeros.
        let entries = valid_prefix::<E>(&mapping, existing.min(capacity) / entry_size)?;
        mapping.reserve_to(entries * entry_size)?;
        Ok(IndexFile { mapping, entries, capacity: capacity / entry_size, entry: PhantomData })
    }

    /// Opens a closed segment's index for lookups only.
    pub fn open_read_only(path: &Path) -> Result<IndexFile<E>> {
        let file = MappedFile::open(path, true)?;
        let _descriptor = file.hold_for_scope()?;
        let mapping = Mapping::read_only_whole(&file)?;
        mapping.advise_random();
        let entries = valid_prefix::<E>(&mapping, mapping.len() / E::SIZE)?;
        Ok(IndexFile { mapping, entries, capacity: entries, entry: PhantomData })
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

    pub fn entry(&self, index: usize) -> E {
        E::decode(self.mapping.bytes(index * E::SIZE, E::SIZE).expect("index entry inside the mapping"))
    }

    pub fn last(&self) -> Option<E> {
        self.entries.checked_sub(1).map(|index| self.entry(index))
    }

    /// The last entry `e` with `!after(e)`, by binary search over the increasing entries.
    pub fn floor(&self, after: impl Fn(&E) -> bool) -> Option<E> {
        let (mut low, mut high) = (0, self.entries);
        while low < high {
            let middle = (low + high) / 2;
            if after(&self.entry(middle)) {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        low.checked_sub(1).map(|index| self.entry(index))
    }

    /// Appends an entry; the caller keeps entries increasing.
    pub fn append_entry(&mut self, entry: E) -> Result<()> {
        let position = self.entries * E::SIZE;
        let end = position + E::SIZE;
        if end > self.mapping.reserved() {
            self.mapping.reserve_to((end + RESERVE_STEP) / RESERVE_STEP * RESERVE_STEP)?;
        }
        let mut bytes = [0u8; MAX_ENTRY_SIZE];
        entry.encode(&mut bytes[..E::SIZE]);
        self.mapping.write(position, &bytes[..E::SIZE])?;
        self.entries += 1;
        Ok(())
    }

    /// Drops every entry from `entries` on (zeroing them, so a crash cannot resurrect them).
    pub fn truncate(&mut self, entries: usize) -> Result<()> {
        if entries < self.entries {
            let from = entries * E::SIZE;
            let to = self.entries * E::SIZE;
            self.mapping.zero(from, to - from)?;
            self.entries = entries;
        }
        Ok(())
    }

    /// Stops appending: the file is trimmed to its entries once unmapped.
    pub fn seal(self) -> Result<()> {
        self.mapping.retire();
        self.mapping.file().trim_when_unmapped((self.entries * E::SIZE) as u64)
    }
}

fn valid_prefix<E: IndexEntry>(mapping: &Mapping, slots: usize) -> Result<usize> {
    let mut previous: Option<E> = None;
    for index in 0..slots {
        let entry = E::decode(mapping.bytes(index * E::SIZE, E::SIZE)?);
        if !entry.follows(previous) {
            return Ok(index);
        }
        previous = Some(entry);
    }
    Ok(slots)
}
