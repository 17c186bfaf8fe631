//! `WeakTable`: weak references to shared objects by path, forgetting dead entries in batches.
//!
//! Pruning the whole table on every insert made opening n files or logs cost O(n) each (a restart with
//! 1,000 partitions inserts 3,000 mapped files); pruning when the table has doubled since the last
//! prune keeps it within twice the live entries at O(1) amortised per insert.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};

/// The table size below which dead entries are not worth a prune.
const MIN_PRUNE_AT: usize = 64;

pub struct WeakTable<T> {
    entries: HashMap<PathBuf, Weak<T>>,
    prune_at: usize,
}

impl<T> Default for WeakTable<T> {
    fn default() -> Self {
        WeakTable { entries: HashMap::new(), prune_at: MIN_PRUNE_AT }
    }
}

impl<T> WeakTable<T> {
    /// The live object of `path`, if any.
    pub fn get(&self, path: &Path) -> Option<Arc<T>> {
        self.entries.get(path).and_then(Weak::upgrade)
    }

    /// Makes `value` the object of `path` (replacing a dead or stale one).
    pub fn insert(&mut self, path: PathBuf, value: &Arc<T>) {
        if self.entries.len() >= self.prune_at {
            self.entries.retain(|_, entry| entry.strong_count() > 0);
            self.prune_at = (self.entries.len() * 2).max(MIN_PRUNE_AT);
        }
        self.entries.insert(path, Arc::downgrade(value));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_entries_are_absent_and_pruned_once_the_table_doubles() {
        let mut table = WeakTable::default();
        let kept = Arc::new(0);
        table.insert(PathBuf::from("kept"), &kept);
        for n in 0..MIN_PRUNE_AT * 4 {
            let dropped = Arc::new(n);
            table.insert(PathBuf::from(format!("dropped-{n}")), &dropped);
            assert!(table.get(Path::new(&format!("dropped-{n}"))).is_some());
        }
        assert!(table.get(Path::new("dropped-0")).is_none());
        assert_eq!(table.get(Path::new("kept")).as_deref(), Some(&0));
        assert!(table.len() <= MIN_PRUNE_AT * 2, "{} entries kept", table.len());
    }
}
