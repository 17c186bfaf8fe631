//! The N-API shell: the only Rust that imports napi. Every export converts arguments, delegates to the
//! engine and maps `EngineError` to a JS error whose `code` is `GREGOR_<KAFKA_ERROR_NAME>`.

use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use crate::error::EngineError;

mod cleaner;
mod log;
mod record;

pub(crate) fn to_napi_error(error: EngineError) -> napi::Error {
    napi::Error::new(
        napi::Status::GenericFailure,
        format!("GREGOR_{}|{}", error.kafka_error_name(), error),
    )
}

/// CRC-32C of the bytes, as Kafka's record batches use.
#[napi]
pub fn crc32c(bytes: Buffer) -> u32 {
    crate::crc::crc32c(&bytes)
}
