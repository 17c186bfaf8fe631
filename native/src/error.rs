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
    /// A failed disk or filesystem (EIO and every I/O error not named below), or a broken engine
    /// invariant: KAFKA_STORAGE_ERROR (56). The broker takes the log dir offline, as Kafka does.
    Storage(String),
    /// No space left (ENOSPC, EDQUOT): KAFKA_STORAGE_ERROR for the request only. Nothing was appended
    /// and the dir stays online: reads go on and writes resume once space is freed.
    DiskFull(String),
    /// The process or the system is out of file descriptors (EMFILE, ENFILE): KAFKA_STORAGE_ERROR for
    /// the request only, never a failed dir.
    TooManyOpenFiles(String),
}

impl EngineError {
    /// Classifies an I/O failure by its errno: running out of a resource is not a failed disk.
    pub fn io(context: String, error: std::io::Error) -> EngineError {
        use rustix::io::Errno;
        let message = if context.is_empty() { error.to_string() } else { format!("{context}: {error}") };
        match error.raw_os_error().map(Errno::from_raw_os_error) {
            Some(Errno::NOSPC | Errno::DQUOT) => EngineError::DiskFull(message),
            Some(Errno::MFILE | Errno::NFILE) => EngineError::TooManyOpenFiles(message),
            _ => EngineError::Storage(message),
        }
    }

    pub fn kafka_error_name(&self) -> &'static str {
        match self {
            EngineError::CorruptMessage(_) => "CORRUPT_MESSAGE",
            EngineError::InvalidRecord(_) => "INVALID_RECORD",
            EngineError::MessageTooLarge(_) => "MESSAGE_TOO_LARGE",
            EngineError::OffsetOutOfRange(_) => "OFFSET_OUT_OF_RANGE",
            EngineError::UnsupportedCompression(_) => "UNSUPPORTED_COMPRESSION_TYPE",
            EngineError::Storage(_) | EngineError::DiskFull(_) | EngineError::TooManyOpenFiles(_) => {
                "KAFKA_STORAGE_ERROR"
            }
        }
    }

    /// What the N-API shell puts after `GREGOR_` in a JS error's `code`: the Kafka name, except for the
    /// exhausted resources, whose own names let the broker tell them from a failed disk without
    /// reading messages.
    pub fn code_name(&self) -> &'static str {
        match self {
            EngineError::DiskFull(_) => "DISK_FULL",
            EngineError::TooManyOpenFiles(_) => "TOO_MANY_OPEN_FILES",
            other => other.kafka_error_name(),
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
            | EngineError::Storage(m)
            | EngineError::DiskFull(m)
            | EngineError::TooManyOpenFiles(m) => m,
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
        EngineError::io(String::new(), error)
    }
}

pub type Result<T> = std::result::Result<T, EngineError>;

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::io::Errno;

    fn classify(errno: Errno) -> &'static str {
        EngineError::io("write x".into(), std::io::Error::from(errno)).code_name()
    }

    #[test]
    fn exhausted_resources_are_told_from_failed_disks_by_errno() {
        assert_eq!(classify(Errno::NOSPC), "DISK_FULL");
        assert_eq!(classify(Errno::DQUOT), "DISK_FULL");
        assert_eq!(classify(Errno::MFILE), "TOO_MANY_OPEN_FILES");
        assert_eq!(classify(Errno::NFILE), "TOO_MANY_OPEN_FILES");
        for failed in [Errno::IO, Errno::ROFS, Errno::NOENT, Errno::NOTDIR] {
            assert_eq!(classify(failed), "KAFKA_STORAGE_ERROR");
        }
        let full = EngineError::io("write x".into(), std::io::Error::from(Errno::NOSPC));
        assert_eq!(full.kafka_error_name(), "KAFKA_STORAGE_ERROR");
        assert!(full.detail().starts_with("write x: "));
    }
}
