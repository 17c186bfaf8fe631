//! How failures cross to JavaScript. An engine error becomes a JS `Error` whose `code` is
//! `GREGOR_<KAFKA_ERROR_NAME>`, or `GREGOR_DISK_FULL` / `GREGOR_TOO_MANY_OPEN_FILES` for the storage
//! errors that are not a failed disk (napi 3's `Error` is generic over the status it turns into `code`) and
//! whose message is the error's detail; src/storage/errors.ts maps `code` to a `KafkaError`. Argument
//! and N-API failures keep napi's status name (`InvalidArg`, `GenericFailure`, …) as their `code`.

use napi::bindgen_prelude::{Env, JsError};
use napi::Status;

use crate::error::EngineError;

/// The `code` of a JS error thrown by the shell.
pub enum Code {
    /// `GREGOR_<KAFKA_ERROR_NAME>` (or an exhausted resource's name, see `EngineError::code_name`).
    Engine(String),
    Napi(Status),
}

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        match self {
            Code::Engine(code) => code,
            Code::Napi(status) => status.as_ref(),
        }
    }
}

/// What every export of the shell returns.
pub type Result<T> = napi::Result<T, Code>;

impl From<EngineError> for napi::Error<Code> {
    fn from(error: EngineError) -> Self {
        napi::Error::new(Code::Engine(format!("GREGOR_{}", error.code_name())), error.detail())
    }
}

/// A failure of napi itself (creating a value, calling into JS), keeping its status as `code`.
pub fn napi_failure(error: napi::Error) -> napi::Error<Code> {
    napi::Error::new(Code::Napi(error.status), error.reason)
}

/// A bad argument: `code` is `InvalidArg`.
pub fn invalid_arg(reason: impl ToString) -> napi::Error<Code> {
    napi::Error::new(Code::Napi(Status::InvalidArg), reason)
}

/// How an async task rejects with a shell error: `Task` settles with napi's default status type, so
/// the JS error is made here, on the JS thread, and handed over as the value to reject with.
pub fn rejection(env: Env, error: napi::Error<Code>) -> napi::Error {
    napi::Error::from(JsError::from(error).into_unknown(env))
}
