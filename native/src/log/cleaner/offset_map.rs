//! The cleaner's key → latest offset map over the dirty section of a log (Kafka's `OffsetMap`).
//!
//! Kafka keeps 16-byte MD5 digests in a fixed buffer; this map keeps the keys themselves, so a hash
//! collision can never make the cleaner drop a live record, and charges each entry its key length plus
//! a fixed overhead against a byte budget (`log.cleaner.dedupe.buffer.size`). When the budget is spent the
//! cleaner cleans up to the last offset that made it into the map and leaves the rest for the next pass.

use std::collections::HashMap;

/// What one entry costs besides its key: the boxed slice's pointer and length, the offset, and the
/// hash table's control byte and load-factor slack, rounded up.
const ENTRY_OVERHEAD: usize = 48;

pub struct OffsetMap {
    latest: HashMap<Box<[u8]>, i64>,
    used_bytes: usize,
    budget_bytes: usize,
    /// The highest offset offered to the map, whether it held a key or not.
    latest_offset: Option<i64>,
}

impl OffsetMap {
    pub fn new(budget_bytes: usize) -> OffsetMap {
        OffsetMap { latest: HashMap::new(), used_bytes: 0, budget_bytes, latest_offset: None }
    }

    /// Records `offset` as the latest for `key`. Returns false, changing nothing, when a new key would
    /// exceed the budget; keys already present are always updated.
    pub fn put(&mut self, key: &[u8], offset: i64) -> bool {
        if let Some(latest) = self.latest.get_mut(key) {
            *latest = (*latest).max(offset);
        } else {
            let cost = key.len() + ENTRY_OVERHEAD;
            if self.used_bytes + cost > self.budget_bytes {
                return false;
            }
            self.used_bytes += cost;
            self.latest.insert(key.into(), offset);
        }
        self.note_offset(offset);
        true
    }

    /// Notes an offset the map covers although it holds no key for it (control records, keyless records).
    pub fn note_offset(&mut self, offset: i64) {
        self.latest_offset = Some(self.latest_offset.map_or(offset, |latest| latest.max(offset)));
    }

    /// Whether an entry for a key of `key_len` bytes would still fit.
    pub fn has_room_for(&self, key_len: usize) -> bool {
        self.used_bytes + key_len + ENTRY_OVERHEAD <= self.budget_bytes
    }

    pub fn get(&self, key: &[u8]) -> Option<i64> {
        self.latest.get(key).copied()
    }

    pub fn latest_offset(&self) -> Option<i64> {
        self.latest_offset
    }

    pub fn len(&self) -> usize {
        self.latest.len()
    }

    pub fn is_empty(&self) -> bool {
        self.latest.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_latest_offset_per_key() {
        let mut map = OffsetMap::new(1 << 20);
        assert!(map.put(b"a", 1));
        assert!(map.put(b"b", 2));
        assert!(map.put(b"a", 5));
        assert_eq!(map.get(b"a"), Some(5));
        assert_eq!(map.get(b"b"), Some(2));
        assert_eq!(map.get(b"c"), None);
        assert_eq!(map.latest_offset(), Some(5));
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn refuses_new_keys_past_the_budget_but_updates_known_ones() {
        let mut map = OffsetMap::new(2 * (ENTRY_OVERHEAD + 1));
        assert!(map.put(b"a", 0));
        assert!(map.put(b"b", 1));
        assert!(!map.has_room_for(1));
        assert!(!map.put(b"c", 2));
        assert_eq!(map.get(b"c"), None);
        assert_eq!(map.latest_offset(), Some(1));
        assert!(map.put(b"a", 3));
        assert_eq!(map.get(b"a"), Some(3));
    }
}
