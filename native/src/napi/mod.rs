//! The N-API shell: the only Rust that imports napi. Every export converts and delegates.

use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

/// CRC-32C of the bytes, as Kafka's record batches use.
#[napi]
pub fn crc32c(bytes: Buffer) -> u32 {
    crate::crc::crc32c(&bytes)
}
