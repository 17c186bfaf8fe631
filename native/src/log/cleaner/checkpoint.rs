//! `cleaner-offset-checkpoint`: per log dir, the first dirty offset of every compacted partition (the
//! offset the last completed cleaning pass got to), in Kafka's checkpoint format (`topic partition
//! offset` lines). One file serves every partition of the dir and cleaners run in several threads, so
//! updates are read-modify-write under one process-wide lock.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{EngineError, Result};
use crate::log::checkpoint::{self, PartitionOffset};

pub const FILE_NAME: &str = "cleaner-offset-checkpoint";

static UPDATES: Mutex<()> = Mutex::new(());

/// The topic and partition a partition directory (`<topic>-<partition>`) stands for.
pub fn topic_partition(partition_dir: &Path) -> Result<(String, i32)> {
    let name = partition_dir.file_name().and_then(|name| name.to_str()).unwrap_or_default();
    name.rsplit_once('-')
        .and_then(|(topic, partition)| Some((topic.to_string(), partition.parse::<i32>().ok()?)))
        .filter(|(topic, partition)| !topic.is_empty() && *partition >= 0)
        .ok_or_else(|| {
            EngineError::Storage(format!("{} is not a <topic>-<partition> directory", partition_dir.display()))
        })
}

fn file_of(partition_dir: &Path) -> PathBuf {
    partition_dir.parent().unwrap_or(partition_dir).join(FILE_NAME)
}

fn entries(path: &Path) -> Vec<PartitionOffset> {
    // A damaged checkpoint costs one extra pass over the dirty sections, never data: start over.
    checkpoint::read_offsets(path).ok().flatten().unwrap_or_default()
}

/// The first dirty offset recorded for the partition in `partition_dir`, if any.
pub fn first_dirty_offset(partition_dir: &Path) -> Result<Option<i64>> {
    let (topic, partition) = topic_partition(partition_dir)?;
    let _guard = UPDATES.lock().map_err(|_| EngineError::Storage("cleaner checkpoint lock poisoned".into()))?;
    Ok(entries(&file_of(partition_dir))
        .into_iter()
        .find(|entry| entry.topic == topic && entry.partition == partition)
        .map(|entry| entry.offset))
}

/// Records `offset` as the partition's first dirty offset.
pub fn set_first_dirty_offset(partition_dir: &Path, offset: i64) -> Result<()> {
    let (topic, partition) = topic_partition(partition_dir)?;
    let path = file_of(partition_dir);
    let _guard = UPDATES.lock().map_err(|_| EngineError::Storage("cleaner checkpoint lock poisoned".into()))?;
    let mut entries = entries(&path);
    entries.retain(|entry| !(entry.topic == topic && entry.partition == partition));
    entries.push(PartitionOffset { topic, partition, offset });
    entries.sort();
    checkpoint::write_offsets(&path, &entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_per_log_dir_holds_every_partition() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("__consumer_offsets-3"), root.path().join("my-topic-0"));
        assert_eq!(topic_partition(&b).unwrap(), ("my-topic".to_string(), 0));
        assert!(topic_partition(&root.path().join("nodash")).is_err());
        assert_eq!(first_dirty_offset(&a).unwrap(), None);
        set_first_dirty_offset(&a, 10).unwrap();
        set_first_dirty_offset(&b, 7).unwrap();
        set_first_dirty_offset(&a, 25).unwrap();
        assert_eq!(first_dirty_offset(&a).unwrap(), Some(25));
        assert_eq!(first_dirty_offset(&b).unwrap(), Some(7));
        let text = std::fs::read_to_string(root.path().join(FILE_NAME)).unwrap();
        assert_eq!(text, "0\n2\n__consumer_offsets 3 25\nmy-topic 0 7\n");
    }
}
