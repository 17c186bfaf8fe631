//! Memory mappings of segment and index files, and the only engine module with `unsafe`.
//!
//! Invariants that make every access safe (no SIGBUS, no use-after-unmap):
//! - A mapping never extends past the end of its file: a writable mapping is created only after the
//!   file was extended (sparse) to the mapping's capacity, a read-only one covers the logical size.
//! - A file is never shrunk while any mapping of it exists: trims are recorded on the shared
//!   [`MappedFile`] and applied when the last mapping is dropped ([`MappedFile::trim_when_unmapped`]).
//!   There is one `MappedFile` per path in the process (a registry), so a log reopened while views of
//!   its previous incarnation are alive coordinates with their mappings.
//! - Writes through a mapping land only below the reserved end, whose blocks fallocate has
//!   allocated, so a full disk surfaces as a clean error at reservation time instead of a SIGBUS on
//!   a page fault inside a hole.
//! - Slices handed out borrow the `Mapping`, which is reference-counted (`Arc`); the N-API layer keeps
//!   an `Arc` for as long as JavaScript may read through an external buffer of it.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use memmap2::{Advice, MmapOptions, MmapRaw};
use rustix::fs::FallocateFlags;

use crate::error::{EngineError, Result};
use crate::log::weak_table::WeakTable;

/// A file that mappings are made of, shared by them so that shrinking waits for the last one.
///
/// A mapping does not need its file's descriptor once made, so a `MappedFile` keeps one open only
/// while it is held ([`MappedFile::hold_descriptor`]: the active segment's `.log`, which every append
/// writes); otherwise each operation that needs one opens the file by its path for that operation
/// only. Indexes and closed segments therefore cost no descriptor at all: 1,000 partitions need
/// one per partition written to, not three per segment.
pub struct MappedFile {
    path: PathBuf,
    /// Device and inode of the file first opened: a reopen by path must find the same file.
    identity: (u64, u64),
    held: Mutex<Option<(Arc<File>, HeldSlot)>>,
    state: Mutex<FileState>,
}

/// Descriptors held open by writers, and how many may be (`usize::MAX` until the broker sets a budget).
static HELD_DESCRIPTORS: AtomicUsize = AtomicUsize::new(0);
static HELD_DESCRIPTOR_BUDGET: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Caps the descriptors writers may hold, so the rest of the process's limit stays free for connections
/// and short-lived opens: a write beyond it fails as EMFILE would, instead of the listener failing to accept.
pub fn set_held_descriptor_budget(budget: usize) {
    HELD_DESCRIPTOR_BUDGET.store(budget, Ordering::Relaxed);
}

/// One descriptor of the budget, given back when dropped.
struct HeldSlot;

impl HeldSlot {
    fn take(path: &Path) -> Result<HeldSlot> {
        let budget = HELD_DESCRIPTOR_BUDGET.load(Ordering::Relaxed);
        if HELD_DESCRIPTORS.fetch_add(1, Ordering::Relaxed) >= budget {
            HELD_DESCRIPTORS.fetch_sub(1, Ordering::Relaxed);
            return Err(EngineError::TooManyOpenFiles(format!(
                "{}: too many open files (the {budget} descriptors kept for writing partitions are in use)",
                path.display()
            )));
        }
        Ok(HeldSlot)
    }
}

impl Drop for HeldSlot {
    fn drop(&mut self) {
        HELD_DESCRIPTORS.fetch_sub(1, Ordering::Relaxed);
    }
}

struct FileState {
    live_mappings: usize,
    /// Logical size to trim the file to once no mapping remains.
    trim_to: Option<u64>,
    deleted: bool,
}

/// The live `MappedFile` of each path (deleted files leave it, so a new file of the same name is new).
fn registry() -> &'static Mutex<WeakTable<MappedFile>> {
    static REGISTRY: OnceLock<Mutex<WeakTable<MappedFile>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

fn identity(metadata: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (metadata.dev(), metadata.ino())
}

fn open_read_write(path: &Path, create: bool) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .open(path)
        .map_err(|e| storage_error(path, "open", e))
}

impl MappedFile {
    /// Opens (creating when `create`) a file for reading and writing, or returns the `MappedFile` of
    /// the path that is already open in this process. No descriptor stays open.
    pub fn open(path: &Path, create: bool) -> Result<Arc<MappedFile>> {
        let mut registry = registry().lock().expect("mapped file registry");
        if let Some(open) = registry.get(path) {
            if open.is_at(path) {
                return Ok(open);
            }
        }
        let file = open_read_write(path, create)?;
        let metadata = file.metadata().map_err(|e| storage_error(path, "stat", e))?;
        let opened = Arc::new(MappedFile {
            path: path.to_path_buf(),
            identity: identity(&metadata),
            held: Mutex::new(None),
            state: Mutex::new(FileState { live_mappings: 0, trim_to: None, deleted: false }),
        });
        registry.insert(path.to_path_buf(), &opened);
        Ok(opened)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether `path` still names this file (it may have been renamed or deleted and recreated).
    fn is_at(&self, path: &Path) -> bool {
        std::fs::metadata(path).is_ok_and(|named| identity(&named) == self.identity)
    }

    /// Keeps a descriptor open from now on (the writer of an active segment), opening it if needed.
    pub fn hold_descriptor(&self) -> Result<()> {
        let mut held = self.held.lock().expect("mapped file descriptor");
        if held.is_none() {
            let slot = HeldSlot::take(&self.path)?;
            *held = Some((Arc::new(self.reopen()?), slot));
        }
        Ok(())
    }

    /// Keeps a descriptor open until the returned guard drops, for a burst of operations on the file
    /// (opening a segment: one open() instead of one per stat, extend, map and trim). A descriptor
    /// that was already held stays held.
    pub fn hold_for_scope(self: &Arc<Self>) -> Result<ScopedDescriptor> {
        let release = !self.holds_descriptor();
        self.hold_descriptor()?;
        Ok(ScopedDescriptor { file: Arc::clone(self), release })
    }

    /// Closes the held descriptor (once operations still using it finish); mappings stay valid.
    pub fn release_descriptor(&self) {
        self.held.lock().expect("mapped file descriptor").take();
    }

    /// Whether a descriptor is held open.
    pub fn holds_descriptor(&self) -> bool {
        self.held.lock().expect("mapped file descriptor").is_some()
    }

    /// The held descriptor, or one opened for the caller's operation only. Used outside the lock, so
    /// a long fdatasync never delays an append's pwrite.
    fn descriptor(&self) -> Result<Arc<File>> {
        if let Some((held, _)) = self.held.lock().expect("mapped file descriptor").as_ref() {
            return Ok(Arc::clone(held));
        }
        self.reopen().map(Arc::new)
    }

    fn reopen(&self) -> Result<File> {
        let file = open_read_write(&self.path, false)?;
        let metadata = file.metadata().map_err(|e| storage_error(&self.path, "stat", e))?;
        if identity(&metadata) != self.identity {
            return Err(EngineError::Storage(format!("{} was replaced while in use", self.path.display())));
        }
        Ok(file)
    }

    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> Result<u64> {
        Ok(self.descriptor()?.metadata().map_err(|e| storage_error(&self.path, "stat", e))?.len())
    }

    /// Allocates disk blocks for `[from, to)` so writes there cannot fail for lack of space.
    pub fn reserve(&self, from: u64, to: u64) -> Result<()> {
        if to <= from {
            return Ok(());
        }
        let file = self.descriptor()?;
        match rustix::fs::fallocate(&*file, FallocateFlags::empty(), from, to - from) {
            Ok(()) => Ok(()),
            Err(rustix::io::Errno::OPNOTSUPP) => self.reserve_by_writing(&file, from, to),
            Err(errno) => Err(storage_error(&self.path, "fallocate", io::Error::from(errno))),
        }
    }

    /// Filesystems without fallocate: allocate by writing zeros (slow, but only ahead of the writer).
    fn reserve_by_writing(&self, file: &File, from: u64, to: u64) -> Result<()> {
        let zeros = [0u8; 64 * 1024];
        let mut at = from;
        while at < to {
            let n = (to - at).min(zeros.len() as u64) as usize;
            file.write_all_at(&zeros[..n], at).map_err(|e| storage_error(&self.path, "reserve", e))?;
            at += n as u64;
        }
        Ok(())
    }

    /// Makes the file at least `len` bytes long (growing is always safe under mappings).
    pub fn grow_to(&self, len: u64) -> Result<()> {
        let state = self.state.lock().expect("mapped file state");
        let file = self.descriptor()?;
        if file.metadata().map_err(|e| storage_error(&self.path, "stat", e))?.len() < len {
            file.set_len(len).map_err(|e| storage_error(&self.path, "extend", e))?;
        }
        drop(state);
        Ok(())
    }

    /// Shrinks the file to `len` now if nothing maps it, otherwise when the last mapping goes.
    pub fn trim_when_unmapped(&self, len: u64) -> Result<()> {
        let mut state = self.state.lock().expect("mapped file state");
        if state.live_mappings == 0 {
            state.trim_to = None;
            self.trim(len)
        } else {
            state.trim_to = Some(len);
            Ok(())
        }
    }

    /// Zeroes whatever was written past `from` while keeping the file's length and allocated blocks, so a
    /// segment reopened for appending after an unclean stop needs neither a trim (which frees the blocks
    /// reserved ahead of the writer) nor a new reservation. Only the ranges the filesystem reports as data
    /// are zeroed (SEEK_DATA/SEEK_HOLE; preallocated and sparse space reads as zeros already). Returns
    /// false, having changed nothing, when the filesystem cannot do this or reports more than
    /// `max_data` bytes of data past `from`: the caller trims instead.
    pub fn zero_data_past(&self, from: u64, max_data: u64) -> Result<bool> {
        let file = self.descriptor()?;
        let mut ranges = Vec::new();
        let mut data = 0;
        let mut at = from;
        loop {
            let start = match rustix::fs::seek(&*file, rustix::fs::SeekFrom::Data(at)) {
                Ok(start) => start,
                Err(rustix::io::Errno::NXIO) => break,
                Err(_) => return Ok(false),
            };
            let Ok(end) = rustix::fs::seek(&*file, rustix::fs::SeekFrom::Hole(start)) else { return Ok(false) };
            data += end - start;
            if data > max_data {
                return Ok(false);
            }
            ranges.push((start, end));
            at = end;
        }
        for (start, end) in ranges {
            let flags = FallocateFlags::ZERO_RANGE | FallocateFlags::KEEP_SIZE;
            match rustix::fs::fallocate(&*file, flags, start, end - start) {
                Ok(()) => {}
                // Writing zeros over the (bounded) ranges does the same where ZERO_RANGE is missing.
                Err(rustix::io::Errno::OPNOTSUPP) => self.reserve_by_writing(&file, start, end)?,
                Err(errno) => return Err(storage_error(&self.path, "zero", io::Error::from(errno))),
            }
        }
        Ok(true)
    }

    /// A writer is about to map the file again: a pending trim would cut under it.
    fn cancel_trim(&self) {
        self.state.lock().expect("mapped file state").trim_to = None;
    }

    /// The file's name is about to go (retention, truncation): pending trims are moot.
    pub fn mark_deleted(&self) {
        self.state.lock().expect("mapped file state").deleted = true;
        self.release_descriptor();
    }

    fn trim(&self, len: u64) -> Result<()> {
        // A file renamed away (a cleaner swap replaced it) is no segment any more: nothing to trim.
        if self.held.lock().expect("mapped file descriptor").is_none() && !self.is_at(&self.path) {
            return Ok(());
        }
        let file = self.descriptor()?;
        if file.metadata().map_err(|e| storage_error(&self.path, "stat", e))?.len() > len {
            file.set_len(len).map_err(|e| storage_error(&self.path, "trim", e))?;
        }
        Ok(())
    }

    pub fn sync_data(&self) -> Result<()> {
        self.descriptor()?.sync_data().map_err(|e| storage_error(&self.path, "fdatasync", e))
    }

    pub fn write_at(&self, bytes: &[u8], position: u64) -> Result<()> {
        self.descriptor()?.write_all_at(bytes, position).map_err(|e| storage_error(&self.path, "pwrite", e))
    }

    pub fn read_at(&self, bytes: &mut [u8], position: u64) -> Result<()> {
        self.descriptor()?.read_exact_at(bytes, position).map_err(|e| storage_error(&self.path, "pread", e))
    }

    fn mapping_added(&self) {
        self.state.lock().expect("mapped file state").live_mappings += 1;
    }

    fn mapping_dropped(&self) {
        let mut state = self.state.lock().expect("mapped file state");
        state.live_mappings -= 1;
        if state.live_mappings == 0 && !state.deleted {
            if let Some(len) = state.trim_to.take() {
                if let Err(error) = self.trim(len) {
                    eprintln!("gregor: deferred trim failed: {error}");
                }
            }
        }
    }
}

/// A descriptor held by [`MappedFile::hold_for_scope`], released when this drops.
pub struct ScopedDescriptor {
    file: Arc<MappedFile>,
    release: bool,
}

impl Drop for ScopedDescriptor {
    fn drop(&mut self) {
        if self.release {
            self.file.release_descriptor();
        }
    }
}

static NEXT_MAPPING_ID: AtomicU64 = AtomicU64::new(1);

/// One shared memory mapping of a [`MappedFile`], readable up to `len` and writable below `reserved`.
pub struct Mapping {
    id: u64,
    raw: MmapRaw,
    len: usize,
    writable: bool,
    /// Bytes from the start whose blocks are allocated: writes end at or below this.
    reserved: AtomicUsize,
    /// Set when the engine stops using the mapping; holders of JS views drop it when they are done.
    retired: AtomicBool,
    /// Declared after `raw`: fields drop in order, so the pages are unmapped before the file hears
    /// that this mapping is gone (and applies a pending trim).
    file: MappingGuard,
}

/// Counts a mapping on its file for as long as the mapping lives.
struct MappingGuard(Arc<MappedFile>);

impl MappingGuard {
    fn new(file: &Arc<MappedFile>) -> MappingGuard {
        file.mapping_added();
        MappingGuard(Arc::clone(file))
    }
}

impl Drop for MappingGuard {
    fn drop(&mut self) {
        self.0.mapping_dropped();
    }
}

impl Mapping {
    /// Maps `capacity` bytes for writing, growing the file (sparse) to that size first. `reserved`
    /// is how much of it is already allocated (the caller's knowledge of earlier reservations).
    pub fn writable(file: &Arc<MappedFile>, capacity: usize, reserved: usize) -> Result<Arc<Mapping>> {
        // Counted before anything else, so no trim can shrink the file between the checks and mmap.
        let guard = MappingGuard::new(file);
        file.cancel_trim();
        file.grow_to(capacity as u64)?;
        let raw = MmapOptions::new()
            .len(capacity)
            .map_raw(&*file.descriptor()?)
            .map_err(|e| storage_error(file.path(), "mmap", e))?;
        Ok(Self::wrap(guard, raw, capacity, true, reserved.min(capacity)))
    }

    /// Maps the whole file for reading, as long as it is when mapped.
    pub fn read_only_whole(file: &Arc<MappedFile>) -> Result<Arc<Mapping>> {
        let guard = MappingGuard::new(file);
        let len = file.len()? as usize;
        Self::map_read_only(guard, len)
    }

    /// Maps the first `len` bytes for reading; the file must be at least that long.
    pub fn read_only(file: &Arc<MappedFile>, len: usize) -> Result<Arc<Mapping>> {
        let guard = MappingGuard::new(file);
        Self::map_read_only(guard, len)
    }

    fn map_read_only(guard: MappingGuard, len: usize) -> Result<Arc<Mapping>> {
        let file = &guard.0;
        if (file.len()? as usize) < len {
            return Err(EngineError::Storage(format!(
                "{} is shorter than the {len} bytes to map",
                file.path().display()
            )));
        }
        // memmap2 refuses empty mappings; a one-byte request maps one page of a non-empty file.
        let raw = MmapOptions::new()
            .len(len.max(1))
            .map_raw_read_only(&*file.descriptor()?)
            .map_err(|e| storage_error(file.path(), "mmap", e))?;
        Ok(Self::wrap(guard, raw, len, false, len))
    }

    fn wrap(guard: MappingGuard, raw: MmapRaw, len: usize, writable: bool, reserved: usize) -> Arc<Mapping> {
        Arc::new(Mapping {
            id: NEXT_MAPPING_ID.fetch_add(1, Ordering::Relaxed),
            raw,
            len,
            writable,
            reserved: AtomicUsize::new(reserved),
            retired: AtomicBool::new(false),
            file: guard,
        })
    }

    /// Unique for the life of the process: the N-API layer keys its external buffers by it.
    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn file(&self) -> &Arc<MappedFile> {
        &self.file.0
    }

    pub fn reserved(&self) -> usize {
        self.reserved.load(Ordering::Acquire)
    }

    /// Allocates blocks up to `to` (capped at the mapping's length) so writes below it cannot SIGBUS.
    pub fn reserve_to(&self, to: usize) -> Result<()> {
        let to = to.min(self.len);
        let reserved = self.reserved();
        if to > reserved {
            self.file.0.reserve(reserved as u64, to as u64)?;
            self.reserved.fetch_max(to, Ordering::AcqRel);
        }
        Ok(())
    }

    pub fn retire(&self) {
        self.retired.store(true, Ordering::Release);
    }

    pub fn is_retired(&self) -> bool {
        self.retired.load(Ordering::Acquire)
    }

    /// The mapped bytes `[position, position + len)`.
    pub fn bytes(&self, position: usize, len: usize) -> Result<&[u8]> {
        self.check_range(position, len, self.len)?;
        // SAFETY: the range lies inside the mapping (checked above), which never extends past the end
        // of its file and stays mapped while `self` is borrowed. Bytes below the writer's position are
        // only rewritten by truncation + append under the log's lock, which readers also hold while
        // they use this slice.
        Ok(unsafe { std::slice::from_raw_parts(self.raw.as_ptr().add(position), len) })
    }

    /// Copies `bytes` into the mapping at `position`, which must lie below the reserved end.
    pub fn write(&self, position: usize, bytes: &[u8]) -> Result<()> {
        if !self.writable {
            return Err(EngineError::Storage(format!("{} is mapped read-only", self.file.0.path().display())));
        }
        self.check_range(position, bytes.len(), self.reserved())?;
        // SAFETY: the destination lies inside the mapping and below the reserved end (checked above),
        // so its blocks exist and the page fault cannot SIGBUS; `bytes` is caller memory, never part
        // of this mapping. Only the log's single writer (under its lock) writes here.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.raw.as_mut_ptr().add(position), bytes.len()) };
        Ok(())
    }

    /// Zeroes `[position, position + len)`, which must lie below the reserved end (truncation: the
    /// dropped bytes must not be read back as batches after a crash).
    pub fn zero(&self, position: usize, len: usize) -> Result<()> {
        if !self.writable {
            return Err(EngineError::Storage(format!("{} is mapped read-only", self.file.0.path().display())));
        }
        self.check_range(position, len, self.reserved())?;
        // SAFETY: inside the mapping and below the reserved end (checked above), so no SIGBUS; the
        // log's lock makes its writer the only one touching these bytes, which lie above the high
        // watermark, so no reader holds a view of them.
        unsafe { std::ptr::write_bytes(self.raw.as_mut_ptr().add(position), 0, len) };
        Ok(())
    }

    /// Faults in writable pages of `[position, position + len)` (within the reserved part), so the
    /// writer that comes later finds them mapped. Errors only mean no prefaulting.
    pub fn populate_write(&self, position: usize, len: usize) -> io::Result<()> {
        let end = (position + len).min(self.reserved());
        if !self.writable || end <= position {
            return Ok(());
        }
        self.raw.advise_range(Advice::PopulateWrite, position, end - position)
    }

    /// Lookups jump around (binary search): no readahead, which on sparse files means zero-filling
    /// pages nobody reads.
    pub fn advise_random(&self) {
        // Advice only tunes readahead; a kernel that refuses it changes nothing else.
        let _ = self.raw.advise(Advice::Random);
    }

    /// Reads `[position, position + len)` ahead, for a reader that will go through it in order. Errors only
    /// mean no readahead.
    pub fn advise_will_need(&self, position: usize, len: usize) {
        let end = (position + len).min(self.len());
        if end > position {
            let _ = self.raw.advise_range(Advice::WillNeed, position, end - position);
        }
    }

    /// Address of the first mapped byte, for the N-API layer's external buffers.
    pub fn as_ptr(&self) -> *mut u8 {
        self.raw.as_mut_ptr()
    }

    fn check_range(&self, position: usize, len: usize, limit: usize) -> Result<()> {
        match position.checked_add(len) {
            Some(end) if end <= limit => Ok(()),
            _ => Err(EngineError::Storage(format!(
                "range {position}+{len} outside the {limit} usable bytes of {}",
                self.file.0.path().display()
            ))),
        }
    }
}

/// Writes back and flushes everything dirty on the filesystem holding `dir` (syncfs).
pub fn sync_filesystem(dir: &Path) -> Result<()> {
    let handle = File::open(dir).map_err(|e| storage_error(dir, "open", e))?;
    rustix::fs::syncfs(&handle).map_err(|errno| storage_error(dir, "syncfs", io::Error::from(errno)))
}

pub(crate) fn storage_error(path: &Path, what: &str, error: io::Error) -> EngineError {
    EngineError::io(format!("{what} {}", path.display()), error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_need_a_reservation_and_trims_wait_for_the_last_mapping() {
        let dir = tempfile::tempdir().unwrap();
        let file = MappedFile::open(&dir.path().join("x.log"), true).unwrap();
        let mapping = Mapping::writable(&file, 1 << 20, 0).unwrap();
        assert!(mapping.write(0, b"abc").is_err());
        mapping.reserve_to(4096).unwrap();
        mapping.write(0, b"abc").unwrap();
        assert_eq!(mapping.bytes(0, 3).unwrap(), b"abc");
        assert!(mapping.write(4095, b"ab").is_err());

        file.trim_when_unmapped(3).unwrap();
        assert_eq!(file.len().unwrap(), 1 << 20);
        let reader = Mapping::read_only(&file, 3).unwrap();
        drop(mapping);
        assert_eq!(file.len().unwrap(), 1 << 20);
        assert_eq!(reader.bytes(0, 3).unwrap(), b"abc");
        drop(reader);
        assert_eq!(file.len().unwrap(), 3);
    }

    #[test]
    fn one_mapped_file_per_path_until_the_name_points_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        let first = MappedFile::open(&path, true).unwrap();
        assert!(Arc::ptr_eq(&first, &MappedFile::open(&path, false).unwrap()));
        std::fs::remove_file(&path).unwrap();
        let second = MappedFile::open(&path, true).unwrap();
        assert!(!Arc::ptr_eq(&first, &second));
    }

    #[test]
    fn zeroing_past_a_position_keeps_the_length_and_clears_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        let file = MappedFile::open(&path, true).unwrap();
        let mapping = Mapping::writable(&file, 1 << 20, 0).unwrap();
        mapping.reserve_to(64 << 10).unwrap();
        mapping.write(0, &[7u8; 40_000]).unwrap();
        drop(mapping);
        assert!(!file.zero_data_past(100, 1_000).unwrap(), "more data than allowed: nothing changed");
        assert!(file.zero_data_past(100, 1 << 20).unwrap());
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 1 << 20);
        assert!(bytes[..100].iter().all(|b| *b == 7));
        assert!(bytes[100..].iter().all(|b| *b == 0));
    }

    #[test]
    fn a_new_writable_mapping_cancels_a_pending_trim() {
        let dir = tempfile::tempdir().unwrap();
        let file = MappedFile::open(&dir.path().join("x.log"), true).unwrap();
        let first = Mapping::writable(&file, 1 << 16, 0).unwrap();
        file.trim_when_unmapped(10).unwrap();
        let second = Mapping::writable(&file, 1 << 16, 0).unwrap();
        drop(first);
        assert_eq!(file.len().unwrap(), 1 << 16);
        assert_ne!(second.id(), 0);
    }
}
