//! The builder's vocabulary: term bytes to dense term ids, in an
//! open-addressing table whose 32-byte slots hold keys of up to 16 bytes
//! inline, so a lookup of a typical term touches one cache line and no
//! pointer. Longer keys live in a side buffer.
//!
//! The hash is seeded per builder from the standard library's random state:
//! much faster than SipHash on short keys, and the seed keeps colliding keys
//! from being chosen in advance.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

const INLINE: usize = 16;
const EMPTY: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct Slot {
    hash: u64,
    id: u32,
    len: u32,
    /// The key itself, or for longer keys its offset in `long_keys` (LE u64).
    key: [u8; INLINE],
}

const EMPTY_SLOT: Slot = Slot {
    hash: 0,
    id: EMPTY,
    len: 0,
    key: [0; INLINE],
};

pub(crate) struct Vocab {
    slots: Vec<Slot>,
    len: usize,
    long_keys: Vec<u8>,
    seed: u64,
}

impl Vocab {
    pub(crate) fn new() -> Self {
        Vocab {
            slots: vec![EMPTY_SLOT; 1024],
            len: 0,
            long_keys: Vec::new(),
            seed: RandomState::new().hash_one(0x6c61_6b65_7365_656bu64) | 1,
        }
    }

    /// Number of distinct terms.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The id of `key`, inserting it with id `len()` when absent.
    #[inline]
    pub(crate) fn id(&mut self, key: &[u8]) -> u32 {
        let hash = self.hash(key);
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let slot = &self.slots[i];
            if slot.id == EMPTY {
                break;
            }
            if slot.hash == hash && slot.len as usize == key.len() && self.key_of(slot) == key {
                return slot.id;
            }
            i = (i + 1) & mask;
        }
        let id = self.len as u32;
        let mut slot = Slot {
            hash,
            id,
            len: key.len() as u32,
            key: [0; INLINE],
        };
        if key.len() <= INLINE {
            slot.key[..key.len()].copy_from_slice(key);
        } else {
            let at = self.long_keys.len() as u64;
            slot.key[..8].copy_from_slice(&at.to_le_bytes());
            self.long_keys.extend_from_slice(key);
        }
        self.slots[i] = slot;
        self.len += 1;
        if self.len * 2 > self.slots.len() {
            self.grow();
        }
        id
    }

    /// All `(term, id)` pairs, sorted by term bytes.
    pub(crate) fn sorted(&self) -> Vec<(&[u8], u32)> {
        let mut terms: Vec<(&[u8], u32)> = self
            .slots
            .iter()
            .filter(|s| s.id != EMPTY)
            .map(|s| (self.key_of(s), s.id))
            .collect();
        terms.sort_unstable_by(|a, b| a.0.cmp(b.0));
        terms
    }

    #[inline]
    fn key_of<'a>(&'a self, slot: &'a Slot) -> &'a [u8] {
        let len = slot.len as usize;
        if len <= INLINE {
            &slot.key[..len]
        } else {
            let mut at = [0u8; 8];
            at.copy_from_slice(&slot.key[..8]);
            let at = u64::from_le_bytes(at) as usize;
            &self.long_keys[at..at + len]
        }
    }

    fn grow(&mut self) {
        let grown = vec![EMPTY_SLOT; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, grown);
        let mask = self.slots.len() - 1;
        for slot in old.into_iter().filter(|s| s.id != EMPTY) {
            let mut i = slot.hash as usize & mask;
            while self.slots[i].id != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = slot;
        }
    }

    /// A multiply-rotate hash over 8-byte words with a final avalanche.
    #[inline]
    fn hash(&self, key: &[u8]) -> u64 {
        const K: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut h = self.seed ^ (key.len() as u64).wrapping_mul(K);
        let mut chunks = key.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = (h.rotate_left(23) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            h = (h.rotate_left(23) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dense_and_stable() {
        let mut v = Vocab::new();
        let words: Vec<String> = (0..5000)
            .map(|i| "x".repeat(i % 40) + &i.to_string())
            .collect();
        for (i, w) in words.iter().enumerate() {
            assert_eq!(v.id(w.as_bytes()), i as u32);
        }
        for (i, w) in words.iter().enumerate().rev() {
            assert_eq!(v.id(w.as_bytes()), i as u32);
        }
        assert_eq!(v.len(), words.len());
        let sorted = v.sorted();
        assert!(sorted.windows(2).all(|w| w[0].0 < w[1].0));
        for (k, id) in sorted {
            assert_eq!(k, words[id as usize].as_bytes());
        }
    }
}
