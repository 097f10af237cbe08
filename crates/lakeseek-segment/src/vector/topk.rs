//! A bounded max-heap keeping the `k` smallest `(distance, row)` pairs.
//!
//! Ties on distance are broken by row id: the smaller row wins, so results
//! are deterministic. Distances compare with `f32::total_cmp`, except that
//! -0.0 equals 0.0.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Scored {
    pub dist: f32,
    pub row: u32,
}

impl Scored {
    fn key(&self, other: &Self) -> Ordering {
        // `+ 0.0` turns -0.0 into +0.0, which `total_cmp` would otherwise
        // order first, breaking the tie rule.
        (self.dist + 0.0)
            .total_cmp(&(other.dist + 0.0))
            .then(self.row.cmp(&other.row))
    }
}

impl PartialEq for Scored {
    fn eq(&self, other: &Self) -> bool {
        self.key(other) == Ordering::Equal
    }
}
impl Eq for Scored {}
impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scored {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key(other)
    }
}

/// The `k` best candidates seen so far.
#[derive(Debug)]
pub(crate) struct TopK {
    k: usize,
    heap: BinaryHeap<Scored>,
}

impl TopK {
    pub fn new(k: usize) -> Self {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k.saturating_add(1).min(1 << 16)),
        }
    }

    /// The distance of the worst kept candidate once `k` are held, else
    /// `+inf`: a candidate above it cannot enter.
    pub fn worst(&self) -> f32 {
        if self.heap.len() < self.k {
            f32::INFINITY
        } else {
            self.heap.peek().map_or(f32::NEG_INFINITY, |s| s.dist)
        }
    }

    /// Offers a candidate; returns whether it was kept.
    #[inline]
    pub fn push(&mut self, s: Scored) -> bool {
        if self.heap.len() < self.k {
            self.heap.push(s);
            return true;
        }
        match self.heap.peek() {
            Some(worst) if s < *worst => {
                self.heap.pop();
                self.heap.push(s);
                true
            }
            _ => false,
        }
    }

    /// The kept candidates, best first.
    pub fn into_sorted(self) -> Vec<Scored> {
        self.heap.into_sorted_vec()
    }
}

/// The `cap` smallest `(estimate, position)` pairs of a long stream, cheaply:
/// anything not above the threshold is appended, and when the buffer holds
/// `2 * cap` the best `cap` are selected and the threshold tightened.
/// Amortized O(1) per offered item, no per-item heap work.
#[derive(Debug)]
pub(crate) struct Shortlist {
    cap: usize,
    items: Vec<(f32, u32)>,
    threshold: f32,
}

fn by_estimate(a: &(f32, u32), b: &(f32, u32)) -> Ordering {
    a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
}

impl Shortlist {
    pub fn new(cap: usize) -> Self {
        Shortlist {
            cap,
            items: Vec::with_capacity(cap.saturating_mul(2).min(1 << 12)),
            threshold: if cap == 0 {
                f32::NEG_INFINITY
            } else {
                f32::INFINITY
            },
        }
    }

    /// Items above this can never be among the best `cap`.
    #[inline]
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// Offers an item that is not above [`Shortlist::threshold`].
    #[inline]
    pub fn push(&mut self, estimate: f32, pos: u32) {
        self.items.push((estimate, pos));
        if self.items.len() >= self.cap.saturating_mul(2) {
            self.compact();
        }
    }

    fn compact(&mut self) {
        if self.items.len() > self.cap {
            self.items.select_nth_unstable_by(self.cap, by_estimate);
            self.items.truncate(self.cap);
        }
        if self.items.len() == self.cap {
            self.threshold = self
                .items
                .iter()
                .fold(f32::NEG_INFINITY, |m, it| m.max(it.0));
        }
    }

    /// The best `cap` items, in no particular order.
    pub fn into_items(mut self) -> Vec<(f32, u32)> {
        self.compact();
        self.items
    }
}
