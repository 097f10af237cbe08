//! Memory caches with a byte budget.
//!
//! Segment objects never change once written, so a cached range (or a value
//! decoded from one) never goes stale; the only policy question is what to
//! evict. Least recently used entries go first once the budget is exceeded.
//!
//! A hit only stamps its entry with the current tick: the age index is
//! brought up to date lazily, when an eviction pops an entry whose stamp
//! moved since it was indexed (it is re-indexed at its stamp and the next
//! oldest is tried). The victim is still exactly the least recently used
//! entry, and a hit — the path of every search query — costs a hash lookup,
//! not two ordered-map updates and a key clone.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::ops::Range;
use std::sync::Mutex;

use bytes::Bytes;

#[derive(Debug)]
struct Inner<K, V> {
    /// Value, weight and the tick of its last use.
    entries: HashMap<K, (V, usize, u64)>,
    /// Keys by the tick they were indexed at, which is at most their last
    /// use (equal unless the key was used since).
    by_age: BTreeMap<u64, K>,
    tick: u64,
    bytes: usize,
    hits: u64,
    misses: u64,
}

/// Least-recently-used cache of `K → V` under a byte budget; the caller
/// states each value's weight in bytes.
#[derive(Debug)]
pub struct LruCache<K, V> {
    budget: usize,
    inner: Mutex<Inner<K, V>>,
}

/// Hit and size figures of a cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub bytes: usize,
    pub entries: usize,
}

impl<K: Hash + Eq + Clone, V: Clone> LruCache<K, V> {
    /// A cache that holds at most `budget` bytes.
    pub fn new(budget: usize) -> Self {
        LruCache {
            budget,
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                by_age: BTreeMap::new(),
                tick: 0,
                bytes: 0,
                hits: 0,
                misses: 0,
            }),
        }
    }

    /// The cached value of `key`, refreshing its recency.
    pub fn get(&self, key: &K) -> Option<V> {
        let mut inner = self.inner.lock().expect("cache lock");
        inner.tick += 1;
        let tick = inner.tick;
        let found = inner.entries.get_mut(key).map(|(value, _, used)| {
            *used = tick;
            value.clone()
        });
        match found {
            Some(_) => inner.hits += 1,
            None => inner.misses += 1,
        }
        found
    }

    pub fn insert(&self, key: K, value: V, weight: usize) {
        if weight > self.budget {
            return;
        }
        let mut inner = self.inner.lock().expect("cache lock");
        inner.tick += 1;
        let tick = inner.tick;
        if let Some((_, old_weight, _)) = inner.entries.insert(key.clone(), (value, weight, tick)) {
            // Its old age entry stays; eviction finds it stale and drops it.
            inner.bytes -= old_weight;
        }
        inner.by_age.insert(tick, key);
        inner.bytes += weight;
        while inner.bytes > self.budget {
            let Some((indexed, oldest)) = inner.by_age.pop_first() else {
                break;
            };
            match inner.entries.get(&oldest).map(|e| e.2) {
                // Used since it was indexed: index it at its last use.
                Some(used) if used > indexed => {
                    inner.by_age.insert(used, oldest);
                }
                // Its last use: the least recently used entry.
                Some(_) => {
                    if let Some((_, w, _)) = inner.entries.remove(&oldest) {
                        inner.bytes -= w;
                    }
                }
                // Cannot happen (entries leave only through here); drop it.
                None => {}
            }
        }
    }

    pub fn stats(&self) -> CacheStats {
        let inner = self.inner.lock().expect("cache lock");
        CacheStats {
            hits: inner.hits,
            misses: inner.misses,
            bytes: inner.bytes,
            entries: inner.entries.len(),
        }
    }
}

/// Cache of byte ranges of immutable objects, keyed by `(path, range)`.
#[derive(Debug)]
pub struct RangeCache(LruCache<(String, u64, u64), Bytes>);

impl RangeCache {
    pub fn new(budget: usize) -> Self {
        RangeCache(LruCache::new(budget))
    }

    pub fn get(&self, path: &str, range: &Range<u64>) -> Option<Bytes> {
        self.0.get(&(path.to_string(), range.start, range.end))
    }

    pub fn insert(&self, path: &str, range: &Range<u64>, bytes: Bytes) {
        let weight = bytes.len();
        self.0
            .insert((path.to_string(), range.start, range.end), bytes, weight);
    }

    pub fn stats(&self) -> CacheStats {
        self.0.stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_least_recently_used_within_budget() {
        let cache = RangeCache::new(10);
        cache.insert("a", &(0..4), Bytes::from_static(b"aaaa"));
        cache.insert("b", &(0..4), Bytes::from_static(b"bbbb"));
        assert!(cache.get("a", &(0..4)).is_some()); // a is now newer than b
        cache.insert("c", &(0..4), Bytes::from_static(b"cccc"));
        assert!(
            cache.get("b", &(0..4)).is_none(),
            "b was least recently used"
        );
        assert_eq!(
            cache.get("a", &(0..4)).unwrap(),
            Bytes::from_static(b"aaaa")
        );
        assert!(cache.get("c", &(0..4)).is_some());
        let s = cache.stats();
        assert_eq!((s.bytes, s.entries), (8, 2));
        cache.insert("huge", &(0..11), Bytes::from(vec![0u8; 11]));
        assert!(
            cache.get("huge", &(0..11)).is_none(),
            "larger than the budget"
        );
    }

    #[test]
    fn hits_since_indexing_defer_eviction_to_the_true_least_recent() {
        let cache = LruCache::new(3);
        for (k, v) in [("a", 1), ("b", 2), ("c", 3)] {
            cache.insert(k, v, 1);
        }
        // Both older entries are used again: c becomes the least recent.
        assert_eq!(cache.get(&"a"), Some(1));
        assert_eq!(cache.get(&"b"), Some(2));
        cache.insert("d", 4, 1);
        assert_eq!(cache.get(&"c"), None, "c was least recently used");
        for k in ["a", "b", "d"] {
            assert!(cache.get(&k).is_some(), "{k} was used more recently");
        }
        // A re-inserted key is aged by its re-insertion, not its first one.
        cache.insert("a", 10, 1);
        cache.get(&"b");
        cache.get(&"d");
        cache.insert("e", 5, 1);
        assert_eq!(cache.get(&"a"), None);
        assert_eq!(cache.stats().entries, 3);
        assert_eq!(cache.stats().bytes, 3);
    }

    #[test]
    fn reinserting_a_key_keeps_sizes_right() {
        let cache = LruCache::new(100);
        cache.insert("a", 1, 3);
        cache.insert("a", 2, 5);
        assert_eq!(cache.stats().bytes, 5);
        assert_eq!(cache.stats().entries, 1);
        assert_eq!(cache.get(&"a"), Some(2));
    }
}
