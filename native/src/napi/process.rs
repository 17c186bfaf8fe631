//! N-API export of the process's open-file limit (`fd_limit`).

use napi_derive::napi;

use super::error::Result;
use crate::fd_limit::{raise_fd_limit, FdLimit};

/// RLIMIT_NOFILE before and after raising the soft limit to the hard one (-1: unlimited).
#[napi(object)]
pub struct NativeFdLimits {
    pub soft_before: f64,
    pub soft: f64,
    pub hard: f64,
}

fn figure(limit: Option<u64>) -> f64 {
    limit.map_or(-1.0, |value| value as f64)
}

/// Raises the soft open-file limit to the hard limit.
#[napi]
pub fn raise_open_file_limit() -> Result<NativeFdLimits> {
    let (before, after): (FdLimit, FdLimit) = raise_fd_limit()?;
    Ok(NativeFdLimits { soft_before: figure(before.soft), soft: figure(after.soft), hard: figure(after.hard) })
}
