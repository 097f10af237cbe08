//! Snowball stemming with a per-thread cache of recent stems.
//!
//! `rust-stemmers` takes a few hundred nanoseconds per word and allocates on
//! every change, which makes it most of the cost of the `english` analyzer.
//! Word frequencies are Zipfian, so a small cache answers most words. It is
//! direct-mapped with words and stems stored inline — one cache line per
//! lookup, no pointer to chase, no allocation — since a general hash map of
//! boxed strings costs about as much as stemming. A collision merely evicts,
//! so no input can make the cache slower than stemming every word. The cache
//! is invisible: the stem of a word is the same with or without it.

use std::cell::RefCell;
use std::fmt;

use rust_stemmers::{Algorithm, Stemmer};

/// Words (and stems) longer than this bypass the cache; they are rare.
const MAX_CACHED_BYTES: usize = 30;

/// log2 of the slots per language and thread: 16 Ki slots of 64 bytes, 1 MiB.
const SLOT_BITS: u32 = 14;

/// How many algorithms `rust-stemmers` has; see [`language_index`].
const ALGORITHMS: usize = 18;

/// One cached word and its stem; `word_len == 0` marks an empty slot.
#[derive(Clone, Copy)]
#[repr(align(64))]
struct Slot {
    word_len: u8,
    stem_len: u8,
    word: [u8; MAX_CACHED_BYTES],
    stem: [u8; MAX_CACHED_BYTES],
}

const EMPTY: Slot = Slot {
    word_len: 0,
    stem_len: 0,
    word: [0; MAX_CACHED_BYTES],
    stem: [0; MAX_CACHED_BYTES],
};

struct StemCache {
    slots: Box<[Slot]>,
}

impl StemCache {
    fn new() -> Self {
        StemCache {
            slots: vec![EMPTY; 1 << SLOT_BITS].into_boxed_slice(),
        }
    }

    /// Appends the cached stem of `word` to `out`; false if it is not cached.
    fn get_into(&self, word: &str, out: &mut String) -> bool {
        let Some(slot) = self.slots.get(slot_index(word)) else {
            return false;
        };
        if usize::from(slot.word_len) != word.len()
            || slot.word.get(..word.len()) != Some(word.as_bytes())
        {
            return false;
        }
        let stem = slot
            .stem
            .get(..usize::from(slot.stem_len))
            .unwrap_or_default();
        // The bytes were copied from a `&str`, so the check always passes.
        match std::str::from_utf8(stem) {
            Ok(stem) => {
                out.push_str(stem);
                true
            }
            Err(_) => false,
        }
    }

    fn insert(&mut self, word: &str, stem: &str) {
        let fits = |s: &str| s.len() <= MAX_CACHED_BYTES;
        if word.is_empty() || !fits(word) || !fits(stem) {
            return;
        }
        let Some(slot) = self.slots.get_mut(slot_index(word)) else {
            return;
        };
        // Both lengths are at most MAX_CACHED_BYTES, so they fit a u8.
        slot.word_len = word.len() as u8;
        slot.stem_len = stem.len() as u8;
        slot.word[..word.len()].copy_from_slice(word.as_bytes());
        slot.stem[..stem.len()].copy_from_slice(stem.as_bytes());
    }
}

/// FNV-1a, then a multiplicative mix whose top bits pick the slot.
fn slot_index(word: &str) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in word.as_bytes() {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - SLOT_BITS)) as usize
}

thread_local! {
    /// One cache per algorithm, indexed by [`language_index`], made on first use.
    static CACHES: RefCell<Vec<Option<StemCache>>> = const { RefCell::new(Vec::new()) };
}

/// A Snowball stemmer for one language.
pub(super) struct SnowballStemmer {
    algorithm: Algorithm,
    stemmer: Stemmer,
    language: usize,
}

impl SnowballStemmer {
    pub(super) fn new(algorithm: Algorithm) -> Self {
        SnowballStemmer {
            algorithm,
            stemmer: Stemmer::create(algorithm),
            language: language_index(algorithm),
        }
    }

    /// Replaces the contents of `out` with the stem of `word` (lowercase).
    pub(super) fn stem_into(&self, word: &str, out: &mut String) {
        out.clear();
        let cacheable = word.len() <= MAX_CACHED_BYTES;
        if cacheable && self.with_cache(|cache| cache.get_into(word, out)) == Some(true) {
            return;
        }
        let stem = self.stemmer.stem(word);
        out.push_str(&stem);
        if cacheable {
            self.with_cache(|cache| cache.insert(word, &stem));
        }
    }

    /// Runs `f` on this language's cache of the current thread; `None` when
    /// the cache is unavailable (the thread is exiting), in which case the
    /// caller stems without it.
    fn with_cache<R>(&self, f: impl FnOnce(&mut StemCache) -> R) -> Option<R> {
        CACHES
            .try_with(|caches| {
                // No caller code runs while the cache is borrowed, so the
                // borrow cannot fail; `try_` keeps that from becoming a panic.
                let mut caches = caches.try_borrow_mut().ok()?;
                if caches.len() < ALGORITHMS {
                    caches.resize_with(ALGORITHMS, || None);
                }
                let cache = caches.get_mut(self.language)?;
                Some(f(cache.get_or_insert_with(StemCache::new)))
            })
            .ok()
            .flatten()
    }
}

impl fmt::Debug for SnowballStemmer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SnowballStemmer")
            .field(&self.algorithm)
            .finish()
    }
}

/// A distinct index below [`ALGORITHMS`] per algorithm (`Algorithm` is not
/// `Hash`).
fn language_index(algorithm: Algorithm) -> usize {
    match algorithm {
        Algorithm::Arabic => 0,
        Algorithm::Danish => 1,
        Algorithm::Dutch => 2,
        Algorithm::English => 3,
        Algorithm::Finnish => 4,
        Algorithm::French => 5,
        Algorithm::German => 6,
        Algorithm::Greek => 7,
        Algorithm::Hungarian => 8,
        Algorithm::Italian => 9,
        Algorithm::Norwegian => 10,
        Algorithm::Portuguese => 11,
        Algorithm::Romanian => 12,
        Algorithm::Russian => 13,
        Algorithm::Spanish => 14,
        Algorithm::Swedish => 15,
        Algorithm::Tamil => 16,
        Algorithm::Turkish => 17,
    }
}
