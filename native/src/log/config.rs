//! Per-log settings, with Kafka's topic config names and defaults.

/// How appended bytes reach the active segment. Both reserve disk blocks ahead (fallocate) and both
/// are read through the mapping; `bench/storage` measures them side by side. pwrite is the default:
/// on the project's 2-core box it matched `fs.writeSync` while mmap appends ran 1.6× slower at 16 KiB
/// and 4–5× slower at 1 MiB (the writer takes a page fault per 4 KiB whenever the prefault thread,
/// which needs a core of its own, falls behind). See bench/results/storage.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteMode {
    /// memcpy into the shared mapping, pages prefaulted ahead by a background thread.
    Mmap,
    /// pwrite() into the file; the page cache shares the pages with the read mapping.
    Pwrite,
}

#[derive(Clone, Debug)]
pub struct LogConfig {
    /// `segment.bytes`: roll when the active segment would grow past this (1 GiB).
    pub segment_bytes: usize,
    /// `segment.ms`: roll when the active segment's first batch is older than this (7 days).
    pub segment_ms: i64,
    /// `segment.index.bytes`: capacity of each index file (10 MiB); a full index rolls the segment.
    pub segment_index_bytes: usize,
    /// `index.interval.bytes`: log bytes between sparse index entries (4096).
    pub index_interval_bytes: usize,
    /// `retention.bytes`: closed segments are deleted while the log is larger (-1: unlimited).
    pub retention_bytes: i64,
    /// `retention.ms`: closed segments whose newest timestamp is older are deleted (-1: forever).
    pub retention_ms: i64,
    pub write_mode: WriteMode,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            segment_bytes: 1 << 30,
            segment_ms: 7 * 24 * 60 * 60 * 1000,
            segment_index_bytes: 10 << 20,
            index_interval_bytes: 4096,
            retention_bytes: -1,
            retention_ms: 7 * 24 * 60 * 60 * 1000,
            write_mode: WriteMode::Pwrite,
        }
    }
}
