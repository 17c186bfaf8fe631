//! gregor's storage engine. Plain Rust; the `napi` module is the only part that knows about Node.

pub mod clock;
pub mod crc;
pub mod error;
pub mod fd_limit;
pub mod log;
pub mod record;

#[cfg(feature = "node")]
mod napi;
