//! RecordBatch v2: layout, validation, CRC32C, builder, iterator, compression.
