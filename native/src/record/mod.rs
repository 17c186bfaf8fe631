//! RecordBatch v2, the unit Kafka clients produce and the log stores: header layout and in-place
//! rewrites (`batch`), validation of producer input (`validate`, records checked as they are decompressed by `record_check`), record iteration (`iter`), building
//! (`builder`, from the embedded producer's staging area: `packed`) and the compression codecs (`compression`).

pub mod batch;
pub mod builder;
pub mod compression;
pub mod iter;
mod lz4_frame;
pub mod packed;
mod record_check;
pub mod validate;
mod varint;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod throughput;

pub use batch::{BatchHeader, TimestampType};
pub use builder::BatchBuilder;
pub use compression::Compression;
pub use iter::{BatchRecords, Record};
pub use validate::{validate_batches, ValidatedBatch, ValidationOptions};
