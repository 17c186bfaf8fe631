//! gregor's storage engine. Plain Rust; the `napi` module is the only part that knows about Node.

pub mod crc;

#[cfg(feature = "node")]
mod napi;
