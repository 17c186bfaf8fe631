//! The partition log: segments (mmap), offset and time indexes, recovery, cleaner, flush.
