//! N-API exports for record batches and compression.
