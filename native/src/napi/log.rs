//! N-API exports for logs and the log manager.
