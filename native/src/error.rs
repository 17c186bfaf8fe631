//! Engine errors. Each maps to one Kafka error code; the N-API shell (napi/error.rs) throws them as JS
//! errors whose `code` is `GREGOR_<KAFKA_ERROR_NAME>`, which src/storage/errors.ts maps to `ErrorCode`.

use std::fmt;

#[derive(Debug)]
pub enum EngineError {
    /// Bad CRC, torn or truncated batch bytes: CORRUPT_MESSAGE (2).
    CorruptMessage(String),
    /// Wrong magic, inconsistent counts or deltas, bad records under a valid CRC: INVALID_RECORD (87).
    InvalidRecord(String),
    /// A batch larger than the configured maximum: MESSAGE_TOO_LARGE (10).
    MessageTooLarge(String),
    /// An offset outside [log start, log end]: OFFSET_OUT_OF_RANGE (1).
    OffsetOutOfRange(String),
    /// A compression codec gregor cannot handle: UNSUPPORTED_COMPRESSION_TYPE (76).
    UnsupportedCompression(String),
    /// I/O failure, disk full, failed reservation: KAFKA_STORAGE_ERROR (56).
    Storage(String),
}

impl EngineError {
    pub fn kafka_error_name(&self) -> &'static str {
        match self {
            EngineError::CorruptMessage(_) => "CORRUPT_MESSAGE",
            EngineError::InvalidRecord(_) => "INVALID_RECORD",
            EngineError::MessageTooLarge(_) => "MESSAGE_TOO_LARGE",
            EngineError::OffsetOutOfRange(_) => "OFFSET_OUT_OF_RANGE",
            EngineError::UnsupportedCompression(_) => "UNSUPPORTED_COMPRESSION_TYPE",
            EngineError::Storage(_) => "KAFKA_STORAGE_ERROR",
        }
    }

    /// What went wrong, without the Kafka error name.
    pub fn detail(&self) -> &str {
        match self {
            EngineError::CorruptMessage(m)
            | EngineError::InvalidRecord(m)
            | EngineError::MessageTooLarge(m)
            | EngineError::OffsetOutOfRange(m)
            | EngineError::UnsupportedCompression(m)
            | EngineError::Storage(m) => m,
        }
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kafka_error_name(), self.detail())
    }
}

impl std::error::Error for EngineError {}

impl From<std::io::Error> for EngineError {
    fn from(error: std::io::Error) -> Self {
        EngineError::Storage(error.to_string())
    }
}

pub type Result<T> = std::result::Result<T, EngineError>;
