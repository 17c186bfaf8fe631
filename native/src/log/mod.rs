//! The partition log: segments (mmap), offset and time indexes, recovery, checkpoints, flush.
//!
//! Seams for the rest of the engine: `SharedLog` (a `Log` behind a lock, usable from any thread),
//! `Log::segment_infos` (segments listable by base offset) and `segment::Segment` (open, scan,
//! delete) for the cleaner; `registry` shares one `SharedLog` per directory within the process.

pub mod checkpoint;
pub mod cleaner;
pub mod config;
pub mod flush;
mod index_file;
pub mod leader_epoch;
#[allow(clippy::module_inception)]
pub mod log;
pub mod mmap;
pub mod offset_index;
mod prefault;
pub mod recovery;
pub mod registry;
pub mod segment;
pub mod time_index;
mod weak_table;

pub use config::{LogConfig, WriteMode};
pub use flush::SharedLog;
pub use log::{AppendInfo, AppendOptions, Log, OpenOptions, RecoveryReport, TimestampAndOffset};

#[cfg(test)]
mod tests;
