//! The process's open-file limit (RLIMIT_NOFILE): the broker raises the soft limit to the hard one at
//! start, which Kafka leaves to operators' scripts, since each written partition holds a descriptor.

use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};

use crate::error::{EngineError, Result};
use crate::log::mmap::set_held_descriptor_budget;

/// The soft and hard limits (None: unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdLimit {
    pub soft: Option<u64>,
    pub hard: Option<u64>,
}

pub fn fd_limit() -> FdLimit {
    let limit = getrlimit(Resource::Nofile);
    FdLimit { soft: limit.current, hard: limit.maximum }
}

/// Raises the soft limit to the hard one and caps the descriptors writers may hold at three quarters of
/// it; returns the limits before and after.
pub fn raise_fd_limit() -> Result<(FdLimit, FdLimit)> {
    let before = fd_limit();
    if before.soft != before.hard {
        setrlimit(Resource::Nofile, Rlimit { current: before.hard, maximum: before.hard })
            .map_err(|errno| EngineError::io("setrlimit RLIMIT_NOFILE".into(), errno.into()))?;
    }
    let after = fd_limit();
    if let Some(soft) = after.soft {
        set_held_descriptor_budget(held_descriptor_budget(soft));
    }
    Ok((before, after))
}

/// Writers may hold three quarters of the limit; the last quarter is for connections and short-lived opens.
fn held_descriptor_budget(soft_limit: u64) -> usize {
    usize::try_from(soft_limit / 4 * 3).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_reaches_the_hard_one() {
        let (before, after) = raise_fd_limit().unwrap();
        assert_eq!(after.hard, before.hard);
        assert_eq!(after.soft, before.hard);
    }
}
