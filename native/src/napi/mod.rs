//! The N-API shell: the only Rust that imports napi. Every export converts its arguments
//! (`convert`), delegates to the engine and lets `error` turn an `EngineError` into a JS error whose
//! `code` is `GREGOR_<KAFKA_ERROR_NAME>`.

use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

mod cleaner;
mod convert;
mod error;
mod log;
mod process;
mod record;

/// CRC-32C of the bytes, as Kafka's record batches use.
#[napi]
pub fn crc32c(bytes: Buffer) -> u32 {
    crate::crc::crc32c(&bytes)
}
