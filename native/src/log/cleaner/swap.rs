//! Puts a cleaned segment in place of the segments it was cleaned from so that a crash at any moment
//! leaves a log that opens with every record either in the old segments or in the new one (Kafka's
//! `.cleaned` → `.swap` → final-name protocol).
//!
//! 1. The cleaner writes the new `.log` in the staging directory `<partition>/.cleaned/`, builds its
//!    indexes there, and fsyncs all three files. A crash now: the staging directory is discarded.
//! 2. Under the log's lock the staged files move to `<base>.index.swap`, `<base>.timeindex.swap` and,
//!    last, `<base>.log.swap`. A `.log.swap` means "complete and durable"; index swaps without one are
//!    leftovers of step 2 and are deleted.
//! 3. The old segments are deleted, then the swap files get their final names, the `.log` last.
//!    A crash during 3: opening finds the `.log.swap`, deletes every remaining segment file whose base
//!    offset lies in the swap's offset range, and finishes the renames. The cleaner always ends a
//!    rewritten group with a batch that spans to the old group's last offset, so that range covers
//!    every old segment.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::log::checkpoint::sync_dir;
use crate::log::mmap::storage_error;
use crate::log::segment::file_name;
use crate::record::batch::{BatchHeader, HEADER_LEN, MAGIC};

pub const STAGING_DIR: &str = ".cleaned";
const SWAP_SUFFIX: &str = "swap";
/// A segment's files in the order they are renamed: the `.log` last, so its presence marks completion.
const KINDS: [&str; 3] = ["index", "timeindex", "log"];

pub fn staging_dir(partition_dir: &Path) -> PathBuf {
    partition_dir.join(STAGING_DIR)
}

/// An empty staging directory (anything a failed pass left there is discarded).
pub fn prepare_staging(partition_dir: &Path) -> Result<PathBuf> {
    discard_staging(partition_dir)?;
    let staging = staging_dir(partition_dir);
    fs::create_dir(&staging).map_err(|e| storage_error(&staging, "create", e))?;
    Ok(staging)
}

pub fn discard_staging(partition_dir: &Path) -> Result<()> {
    let staging = staging_dir(partition_dir);
    match fs::remove_dir_all(&staging) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(()),
        Err(error) => Err(storage_error(&staging, "delete", error)),
    }
}

/// Makes the staged segment's three files and their names durable (end of step 1).
pub fn sync_staged(staging: &Path, base_offset: i64) -> Result<()> {
    for kind in KINDS {
        let path = staging.join(file_name(base_offset, kind));
        fs::File::open(&path).and_then(|file| file.sync_all()).map_err(|e| storage_error(&path, "fsync", e))?;
    }
    sync_dir(staging)
}

/// Step 2: staged files → `.swap` files in the partition directory.
pub fn staged_to_swap(partition_dir: &Path, base_offset: i64) -> Result<()> {
    let staging = staging_dir(partition_dir);
    for kind in KINDS {
        rename(&staging.join(file_name(base_offset, kind)), &swap_path(partition_dir, base_offset, kind))?;
    }
    sync_dir(partition_dir)
}

/// Step 3, after the old segments were deleted: `.swap` files → final names.
pub fn swap_to_final(partition_dir: &Path, base_offset: i64) -> Result<()> {
    for kind in KINDS {
        let swap = swap_path(partition_dir, base_offset, kind);
        if swap.exists() {
            rename(&swap, &partition_dir.join(file_name(base_offset, kind)))?;
        }
    }
    sync_dir(partition_dir)
}

/// Run when a log opens, before its segments are listed: discards a staging directory and finishes
/// every swap a crash interrupted. Returns the base offsets of the swaps it finished.
pub fn complete_interrupted(partition_dir: &Path) -> Result<Vec<i64>> {
    discard_staging(partition_dir)?;
    let mut complete = Vec::new();
    let mut orphans = Vec::new();
    let mut segment_files = Vec::new();
    for entry in fs::read_dir(partition_dir).map_err(|e| storage_error(partition_dir, "list", e))? {
        let path = entry.map_err(|e| storage_error(partition_dir, "list", e))?.path();
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else { continue };
        let mut parts = name.split('.');
        let (Some(stem), Some(kind), suffix, None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let Some(base) = stem.parse::<i64>().ok().filter(|_| stem.len() == 20) else { continue };
        match (kind, suffix) {
            ("log", Some(SWAP_SUFFIX)) => complete.push(base),
            ("index" | "timeindex", Some(SWAP_SUFFIX)) => orphans.push((base, path)),
            ("log" | "index" | "timeindex", None) => segment_files.push((base, path)),
            _ => {}
        }
    }
    complete.sort_unstable();
    for &base in &complete {
        let end = next_offset_of(&swap_path(partition_dir, base, "log"), base)?;
        for (_, path) in segment_files.iter().filter(|(old, _)| (base..end).contains(old)) {
            remove(path)?;
        }
        swap_to_final(partition_dir, base)?;
    }
    for (_, path) in orphans.iter().filter(|(base, _)| complete.binary_search(base).is_err()) {
        remove(path)?;
    }
    if !orphans.is_empty() {
        sync_dir(partition_dir)?;
    }
    Ok(complete)
}

fn swap_path(partition_dir: &Path, base_offset: i64, kind: &str) -> PathBuf {
    partition_dir.join(format!("{}.{SWAP_SUFFIX}", file_name(base_offset, kind)))
}

/// The offset after the last whole batch of a `.log` file, reading headers only.
fn next_offset_of(path: &Path, base_offset: i64) -> Result<i64> {
    let file = fs::File::open(path).map_err(|e| storage_error(path, "open", e))?;
    let len = file.metadata().map_err(|e| storage_error(path, "stat", e))?.len();
    let mut header_bytes = [0u8; HEADER_LEN];
    let (mut position, mut next) = (0u64, base_offset);
    while position + HEADER_LEN as u64 <= len {
        file.read_exact_at(&mut header_bytes, position).map_err(|e| storage_error(path, "pread", e))?;
        let header = BatchHeader::parse(&header_bytes)?;
        let size = header.size() as u64;
        if header.magic != MAGIC || size < HEADER_LEN as u64 || position + size > len {
            break;
        }
        next = header.next_offset();
        position += size;
    }
    Ok(next)
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    fs::rename(from, to).map_err(|e| storage_error(from, "rename", e))
}

fn remove(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(()),
        Err(error) => Err(storage_error(path, "delete", error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::batch::stamp;
    use crate::record::BatchBuilder;

    fn batch(base: i64, records: usize) -> Vec<u8> {
        let mut builder = BatchBuilder::new(0);
        for _ in 0..records {
            builder.append(1, Some(b"k"), Some(b"v"), &[]).unwrap();
        }
        let mut bytes = builder.build().unwrap();
        stamp(&mut bytes, base, 0);
        bytes
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    fn segment(dir: &Path, base: i64, content: &[u8]) {
        for kind in KINDS {
            fs::write(dir.join(file_name(base, kind)), if kind == "log" { content } else { b"" }).unwrap();
        }
    }

    #[test]
    fn an_interrupted_swap_replaces_every_old_segment_in_its_range() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        segment(path, 0, &batch(0, 10));
        segment(path, 10, &batch(10, 10));
        segment(path, 20, &batch(20, 5));
        // The cleaned segment for [0, 20): a crash came after step 2 and deleted only segment 0's log.
        let cleaned = [batch(3, 1), batch(19, 1)].concat();
        fs::create_dir(staging_dir(path)).unwrap();
        for kind in KINDS {
            fs::write(staging_dir(path).join(file_name(0, kind)), if kind == "log" { &cleaned[..] } else { b"" })
                .unwrap();
        }
        staged_to_swap(path, 0).unwrap();
        fs::remove_file(path.join(file_name(0, "log"))).unwrap();

        assert_eq!(complete_interrupted(path).unwrap(), [0]);
        assert_eq!(fs::read(path.join(file_name(0, "log"))).unwrap(), cleaned);
        assert_eq!(
            names(path),
            [
                file_name(0, "index"),
                file_name(0, "log"),
                file_name(0, "timeindex"),
                file_name(20, "index"),
                file_name(20, "log"),
                file_name(20, "timeindex")
            ]
        );
    }

    #[test]
    fn staging_and_index_swaps_without_a_log_swap_are_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        let old = batch(0, 4);
        segment(path, 0, &old);
        let staging = prepare_staging(path).unwrap();
        fs::write(staging.join(file_name(0, "log")), batch(2, 1)).unwrap();
        fs::write(swap_path(path, 0, "index"), b"").unwrap();

        assert!(complete_interrupted(path).unwrap().is_empty());
        assert_eq!(fs::read(path.join(file_name(0, "log"))).unwrap(), old);
        assert_eq!(names(path), [file_name(0, "index"), file_name(0, "log"), file_name(0, "timeindex")]);
    }
}
