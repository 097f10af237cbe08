//! The builder's vocabulary: term bytes to a per-term value, in an
//! open-addressing table whose 64-byte slots hold the key (up to 16 bytes
//! inline) and the value together, so adding a token to a known term touches
//! one cache line of the table. Longer keys live in a side buffer.
//!
//! The hash is seeded per builder from the standard library's random state:
//! much faster than SipHash on short keys, and the seed keeps colliding keys
//! from being chosen in advance.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

const INLINE: usize = 16;
const EMPTY: u32 = u32::MAX;

#[repr(align(64))]
struct Slot<V> {
    /// Low 32 bits of the key's hash; the table's index bits come from it.
    hash: u32,
    /// Key length, or `EMPTY`.
    len: u32,
    /// The key itself, or for longer keys its offset in `long_keys` (LE u64).
    key: [u8; INLINE],
    value: V,
}

impl<V: Default> Slot<V> {
    fn empty() -> Self {
        Slot {
            hash: 0,
            len: EMPTY,
            key: [0; INLINE],
            value: V::default(),
        }
    }
}

pub(crate) struct Vocab<V> {
    slots: Vec<Slot<V>>,
    len: usize,
    long_keys: Vec<u8>,
    seed: u64,
}

impl<V: Default> Vocab<V> {
    pub(crate) fn new() -> Self {
        Vocab {
            slots: (0..1024).map(|_| Slot::empty()).collect(),
            len: 0,
            long_keys: Vec::new(),
            seed: RandomState::new().hash_one(0x6c61_6b65_7365_656bu64) | 1,
        }
    }

    /// Number of distinct keys.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The value of `key`, inserted as `V::default()` when absent.
    #[inline]
    pub(crate) fn entry(&mut self, key: &[u8]) -> &mut V {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let hash = self.hash(key) as u32;
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let slot = &self.slots[i];
            if slot.len == EMPTY {
                break;
            }
            if slot.hash == hash && slot.len as usize == key.len() && self.key_of(slot) == key {
                return &mut self.slots[i].value;
            }
            i = (i + 1) & mask;
        }
        let mut inline = [0u8; INLINE];
        if key.len() <= INLINE {
            inline[..key.len()].copy_from_slice(key);
        } else {
            let at = self.long_keys.len() as u64;
            inline[..8].copy_from_slice(&at.to_le_bytes());
            self.long_keys.extend_from_slice(key);
        }
        self.len += 1;
        let slot = &mut self.slots[i];
        slot.hash = hash;
        slot.len = key.len() as u32;
        slot.key = inline;
        &mut slot.value
    }

    /// All keys with their values, sorted by key bytes.
    pub(crate) fn into_sorted(self) -> SortedVocab<V> {
        let long_keys = self.long_keys;
        let mut entries: Vec<(Key, V)> = self
            .slots
            .into_iter()
            .filter(|s| s.len != EMPTY)
            .map(|s| {
                (
                    Key {
                        len: s.len,
                        key: s.key,
                    },
                    s.value,
                )
            })
            .collect();
        entries.sort_unstable_by(|a, b| a.0.bytes(&long_keys).cmp(b.0.bytes(&long_keys)));
        SortedVocab { entries, long_keys }
    }

    #[inline]
    fn key_of<'a>(&'a self, slot: &'a Slot<V>) -> &'a [u8] {
        Key {
            len: slot.len,
            key: slot.key,
        }
        .bytes_in(&slot.key, &self.long_keys)
    }

    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, (0..size).map(|_| Slot::empty()).collect());
        let mask = size - 1;
        for slot in old.into_iter().filter(|s| s.len != EMPTY) {
            let mut i = slot.hash as usize & mask;
            while self.slots[i].len != EMPTY {
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
            h = (h.rotate_left(23) ^ load_tail(rest)).wrapping_mul(K);
        }
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

/// Up to seven bytes as a little-endian integer, without a `memcpy` call.
#[inline]
fn load_tail(rest: &[u8]) -> u64 {
    let n = rest.len();
    if n >= 4 {
        let lo = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
        let hi = u32::from_le_bytes([rest[n - 4], rest[n - 3], rest[n - 2], rest[n - 1]]);
        u64::from(lo) | (u64::from(hi) << ((n - 4) * 8))
    } else {
        // 1..=3 bytes: first, middle and last.
        u64::from(rest[0]) | (u64::from(rest[n / 2]) << 8) | (u64::from(rest[n - 1]) << 16)
    }
}

/// A stored key: inline bytes or an offset into the long-key buffer.
pub(crate) struct Key {
    len: u32,
    key: [u8; INLINE],
}

impl Key {
    pub(crate) fn bytes<'a>(&'a self, long_keys: &'a [u8]) -> &'a [u8] {
        self.bytes_in(&self.key, long_keys)
    }

    fn bytes_in<'a>(&self, inline: &'a [u8; INLINE], long_keys: &'a [u8]) -> &'a [u8] {
        let len = self.len as usize;
        if len <= INLINE {
            &inline[..len]
        } else {
            let mut at = [0u8; 8];
            at.copy_from_slice(&inline[..8]);
            let at = u64::from_le_bytes(at) as usize;
            &long_keys[at..at + len]
        }
    }
}

/// The vocabulary's entries in key order.
pub(crate) struct SortedVocab<V> {
    pub(crate) entries: Vec<(Key, V)>,
    pub(crate) long_keys: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_follow_their_keys() {
        let mut v: Vocab<u32> = Vocab::new();
        let words: Vec<String> = (0..5000)
            .map(|i| "x".repeat(i % 40) + &i.to_string())
            .collect();
        for (i, w) in words.iter().enumerate() {
            *v.entry(w.as_bytes()) = i as u32;
        }
        for (i, w) in words.iter().enumerate().rev() {
            assert_eq!(*v.entry(w.as_bytes()), i as u32);
        }
        assert_eq!(v.len(), words.len());
        let sorted = v.into_sorted();
        let keys: Vec<&[u8]> = sorted
            .entries
            .iter()
            .map(|(k, _)| k.bytes(&sorted.long_keys))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        for (k, i) in &sorted.entries {
            assert_eq!(k.bytes(&sorted.long_keys), words[*i as usize].as_bytes());
        }
    }

    #[test]
    fn tails_hash_every_byte() {
        for n in 1..8 {
            let base: Vec<u8> = (1..=n as u8).collect();
            for i in 0..n {
                let mut other = base.clone();
                other[i] ^= 0x40;
                assert_ne!(load_tail(&base), load_tail(&other), "{n} {i}");
            }
        }
    }
}
