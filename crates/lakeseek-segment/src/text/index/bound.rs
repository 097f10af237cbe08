//! Score bounds stored with a term and with each postings block.
//!
//! BM25 scores a document `w / (1 + (c0 + c1 * len) / tf)` with `c0, c1 >= 0`
//! known only at query time, so the best document of a set minimises the
//! linear form `c0 * (1 / tf) + c1 * (len / tf)`. Over all `c0, c1 >= 0` the
//! minimisers are the vertices of the lower-left convex hull of the points
//! `(1 / tf, len / tf)`. A [`BlockBound`] keeps at most [`MAX_PAIRS`] `(tf,
//! len)` pairs: the hull vertices when there are few enough (then the bound
//! is exact), otherwise the hull with neighbouring vertices merged into
//! their common corner `(larger tf, smaller len / tf)`, which only lowers the
//! form. Either way, the best score over the pairs is at least the score of
//! every document, for any BM25 parameters. A bound also records the
//! smallest length, so that its corner `(max_tf, min_len)` — the loosest
//! such bound — is available too.
//!
//! Because the pairs need not dominate each document coordinate-wise, a
//! score computed in `f32` from a document may exceed the pairs' by a few
//! units in the last place; scorers add a relative slack (see
//! `search::scorer::bound_score`).

/// Most pairs a bound holds.
pub const MAX_PAIRS: usize = 3;

/// Score inputs per block in [`crate::text::index::PostingsCursor::bound_inputs`]:
/// the pairs, then the corner `(max_tf, min_len)`.
pub const BOUND_SLOTS: usize = MAX_PAIRS + 1;

/// Up to [`MAX_PAIRS`] `(tf, len)` pairs bounding the BM25 score of a set of
/// documents (see the module documentation), and the set's smallest length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockBound {
    pairs: [(u32, u32); MAX_PAIRS],
    len: u8,
    min_len: u32,
}

impl BlockBound {
    /// The bound of no document at all: a zero score.
    pub(crate) const EMPTY: BlockBound = BlockBound {
        pairs: [(0, u32::MAX); MAX_PAIRS],
        len: 1,
        min_len: u32::MAX,
    };

    pub(crate) fn single(tf: u32, len: u32) -> Self {
        let mut b = BlockBound::EMPTY;
        b.pairs[0] = (tf, len);
        b.min_len = len;
        b
    }

    /// Builds a bound from at most [`MAX_PAIRS`] pairs (extra ones are
    /// folded into the last) and the smallest length, which must not exceed
    /// any pair's length.
    pub(crate) fn from_pairs(pairs: &[(u32, u32)], min_len: u32) -> Self {
        let mut b = BlockBound::EMPTY;
        b.len = 0;
        b.min_len = min_len;
        for &(tf, len) in pairs {
            if (b.len as usize) < MAX_PAIRS {
                b.pairs[b.len as usize] = (tf, len);
                b.len += 1;
            } else {
                let last = &mut b.pairs[MAX_PAIRS - 1];
                *last = (last.0.max(tf), last.1.min(len));
            }
        }
        if b.len == 0 {
            return BlockBound::EMPTY;
        }
        for pair in &mut b.pairs[..b.len as usize] {
            pair.1 = pair.1.max(min_len);
        }
        b.min_len = b.pairs[..b.len as usize]
            .iter()
            .fold(min_len, |m, p| m.min(p.1));
        b
    }

    /// The `(tf, len)` pairs; never empty.
    #[inline]
    pub fn pairs(&self) -> &[(u32, u32)] {
        &self.pairs[..self.len as usize]
    }

    /// `(max_tf, min_len)`: no document has a larger term frequency or a
    /// smaller length.
    pub fn corner(&self) -> (u32, u32) {
        let max_tf = self.pairs().iter().map(|p| p.0).max().unwrap_or(0);
        (max_tf, self.min_len)
    }
}

/// Computes a bound of at most [`MAX_PAIRS`] pairs for `docs`, `(tf, len)`
/// pairs with `tf >= 1`, using `scratch` as working space. Merges, when
/// needed, are chosen by BM25 with default parameters and the segment's
/// average length `avg_len`; that choice affects only tightness.
pub(crate) fn cover(
    docs: impl IntoIterator<Item = (u32, u32)>,
    avg_len: f64,
    scratch: &mut Vec<(u32, u32)>,
) -> Vec<(u32, u32)> {
    // Pareto frontier: the shortest length for each tf, then, by tf
    // descending, the points with a smaller len / tf than any before.
    let mut short = [u32::MAX; 16];
    scratch.clear();
    for (tf, len) in docs {
        match short.get_mut(tf as usize) {
            Some(s) => *s = (*s).min(len),
            None => scratch.push((tf, len)),
        }
    }
    scratch.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scratch.extend(
        (1..short.len())
            .rev()
            .filter(|&tf| short[tf] != u32::MAX)
            .map(|tf| (tf as u32, short[tf])),
    );
    let mut chain: Vec<(u32, u32)> = Vec::new();
    for &p in scratch.iter() {
        if chain.last().is_none_or(|&q| ratio_lt(p, q)) {
            chain.push(p);
        }
    }
    // Lower convex hull of the chain, x = 1 / tf ascending.
    let mut hull: Vec<(u32, u32)> = Vec::with_capacity(chain.len());
    for p in chain {
        while hull.len() >= 2 && !left_turn(hull[hull.len() - 2], hull[hull.len() - 1], p) {
            hull.pop();
        }
        hull.push(p);
    }
    let avg_len = if avg_len > 0.0 { avg_len } else { 1.0 };
    let form = |(tf, len): (u32, u32)| (0.3 + 0.9 * f64::from(len) / avg_len) / f64::from(tf);
    while hull.len() > MAX_PAIRS {
        // Merge the neighbours whose corner loses the least: the corner
        // with the largest form (smallest score).
        let (i, _) = (0..hull.len() - 1)
            .map(|i| (i, form(corner(hull[i], hull[i + 1]))))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, 0.0));
        hull[i] = corner(hull[i], hull[i + 1]);
        hull.remove(i + 1);
    }
    hull
}

/// Whether `len / tf` of `a` is below that of `b`, exactly.
fn ratio_lt(a: (u32, u32), b: (u32, u32)) -> bool {
    u64::from(a.1) * u64::from(b.0) < u64::from(b.1) * u64::from(a.0)
}

/// The corner of neighbouring hull points `a` (larger tf) and `b` (smaller
/// len / tf): `a`'s tf with `b`'s len / tf, rounded down.
fn corner(a: (u32, u32), b: (u32, u32)) -> (u32, u32) {
    let len = u64::from(a.0) * u64::from(b.1) / u64::from(b.0.max(1));
    (a.0, len.min(u64::from(a.1)) as u32)
}

/// Whether `o`, `a`, `b` (points `(1 / tf, len / tf)`, by x ascending) turn
/// left, computed exactly on integers.
fn left_turn(o: (u32, u32), a: (u32, u32), b: (u32, u32)) -> bool {
    let (to, lo) = (i128::from(o.0), i128::from(o.1));
    let (ta, la) = (i128::from(a.0), i128::from(a.1));
    let (tb, lb) = (i128::from(b.0), i128::from(b.1));
    // The cross product scaled by to^2 * ta * tb > 0.
    (to - ta) * (lb * to - lo * tb) - (la * to - lo * ta) * (to - tb) > 0
}

/// One-byte code of a term frequency in a skip entry: exact up to 254; 255
/// stands for "255 or more", read back as `u32::MAX`. 0 marks an unused pair.
pub(crate) fn tf_code(tf: u32) -> u8 {
    tf.min(255) as u8
}

pub(crate) fn tf_decode(code: u8) -> u32 {
    if code == 255 {
        u32::MAX
    } else {
        u32::from(code)
    }
}

/// One-byte code of a document length, rounded down (a shorter length only
/// raises a bound): exact below 128, then four mantissa bits per octave up
/// to 31,744; longer lengths read back as 31,744.
pub(crate) fn len_code(len: u32) -> u8 {
    if len < 128 {
        return len as u8;
    }
    let octave = 31 - len.leading_zeros() - 7;
    if octave >= 8 {
        return 255;
    }
    let mantissa = (len >> (octave + 3)) - 16;
    (128 + octave * 16 + mantissa) as u8
}

pub(crate) fn len_decode(code: u8) -> u32 {
    if code < 128 {
        return u32::from(code);
    }
    let c = u32::from(code) - 128;
    (16 + c % 16) << (c / 16 + 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn len_codes_round_down_and_are_monotone() {
        let mut last = 0;
        for len in (0..200_000u32).chain([u32::MAX - 1, u32::MAX]) {
            let back = len_decode(len_code(len));
            assert!(back <= len, "{len} -> {back}");
            assert!(back >= last || len == 0);
            if len < 128 {
                assert_eq!(back, len);
            } else if len < 31_744 {
                assert!(f64::from(back) >= f64::from(len) * (1.0 - 1.0 / 16.0));
            }
            last = back;
        }
        assert_eq!(len_decode(255), 31_744);
    }

    /// The best BM25 form over pairs is at most the best over documents,
    /// for many parameter choices.
    fn check_cover(docs: &[(u32, u32)]) {
        let c = cover(docs.iter().copied(), 60.0, &mut Vec::new());
        assert!(!c.is_empty() && c.len() <= MAX_PAIRS);
        for c0 in [0.0, 0.01, 0.3, 1.0, 5.0] {
            for c1 in [0.0, 0.001, 0.02, 0.3, 4.0] {
                let form = |(tf, len): (u32, u32)| (c0 + c1 * f64::from(len)) / f64::from(tf);
                let best_doc = docs.iter().map(|&d| form(d)).fold(f64::MAX, f64::min);
                let best_pair = c.iter().map(|&p| form(p)).fold(f64::MAX, f64::min);
                assert!(best_pair <= best_doc * (1.0 + 1e-12), "{c0} {c1}: {c:?}");
            }
        }
        let min_len = docs.iter().map(|d| d.1).min().unwrap();
        let b = BlockBound::from_pairs(&c, min_len);
        let (max_tf, min) = b.corner();
        assert_eq!(min, min_len);
        assert!(docs.iter().all(|&(tf, len)| tf <= max_tf && len >= min));
    }

    #[test]
    fn cover_bounds_every_document() {
        let docs: Vec<(u32, u32)> = (0..128u32)
            .map(|i| (1 + (i * 7919) % 23, 5 + (i * 104_729) % 300))
            .collect();
        check_cover(&docs);
        check_cover(&[(1, 10)]);
        check_cover(&[(1, 10), (1, 3), (2, 3), (40, 41), (17, 100)]);
        let spread: Vec<(u32, u32)> = (1..60u32).map(|t| (t, t * t)).collect();
        check_cover(&spread);
    }
}
