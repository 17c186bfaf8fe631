//! Arguments the engine cannot take as JavaScript passes them: BigInt offsets, timestamps and ids
//! become `i64`, refused (`InvalidArg`) when they do not fit.

use napi::bindgen_prelude::BigInt;

use super::error::{invalid_arg, Result};

pub fn int64(value: &BigInt, name: &str) -> Result<i64> {
    match value.get_i64() {
        (value, true) => Ok(value),
        _ => Err(invalid_arg(format!("{name} does not fit in an int64"))),
    }
}

/// `int64` of an optional argument.
pub fn optional_int64(value: Option<&BigInt>, name: &str) -> Result<Option<i64>> {
    value.map(|value| int64(value, name)).transpose()
}
