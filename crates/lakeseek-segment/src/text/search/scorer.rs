//! The [`Scorer`] contract shared by every query node, the rounding-safe
//! arithmetic on score upper bounds, and the leaf scorers (term, constant).

use crate::text::bm25::TermWeight;
use crate::text::index::{
    BlockBound, DocLens, PostingsCursor, TermInfo, TextIndexError, TextIndexReader, BLOCK_LEN,
    TERMINATED,
};

/// How far [`TermScorer::min_competitive_tf`] looks: frequencies past it
/// are rare, and stopping early only means scoring more documents.
const MAX_TF_PROBE: u32 = 32;

/// A query node over one segment: a stream of matching documents in
/// increasing doc-id order, with scores and score upper bounds.
///
/// A scorer starts positioned on its first match. `seek(target)` with
/// `target <= doc()` does not move. Once [`TERMINATED`], it stays so.
///
/// Block-max contract: after `shallow_seek(t)` returns `end`,
/// `block_max_score()` bounds the score of every match in `[t, end]`
/// (`end` may be [`TERMINATED`]: the bound then holds to the end).
/// Callers use non-decreasing shallow targets.
///
/// Threshold contract: after `set_threshold(t)`, the scorer may skip any
/// document whose score is `<= t`. Only a driver that discards such
/// documents (top-k) sets it.
pub(crate) trait Scorer {
    fn doc(&self) -> u32;
    fn advance(&mut self) -> u32;
    fn seek(&mut self, target: u32) -> u32;
    fn score(&mut self) -> f32;
    /// An upper bound of `score()` over all documents.
    fn max_score(&self) -> f32;
    fn shallow_seek(&mut self, target: u32) -> u32;
    fn block_max_score(&mut self) -> f32;
    /// An upper bound of `score()` for the current document that costs less
    /// than scoring it (a term's: its frequency at its block's shortest
    /// length, no length read); infinite where a node has nothing cheaper.
    #[inline]
    fn cheap_bound(&mut self) -> f32 {
        f32::INFINITY
    }
    fn set_threshold(&mut self, threshold: f32);
    /// Estimated number of matches, to order conjunctions.
    fn cost(&self) -> u64;
    /// The first corruption met by any cursor below this node.
    fn take_error(&mut self) -> Option<TextIndexError>;
}

impl<S: Scorer + ?Sized> Scorer for Box<S> {
    #[inline]
    fn doc(&self) -> u32 {
        (**self).doc()
    }
    #[inline]
    fn advance(&mut self) -> u32 {
        (**self).advance()
    }
    #[inline]
    fn seek(&mut self, target: u32) -> u32 {
        (**self).seek(target)
    }
    #[inline]
    fn score(&mut self) -> f32 {
        (**self).score()
    }
    fn max_score(&self) -> f32 {
        (**self).max_score()
    }
    fn shallow_seek(&mut self, target: u32) -> u32 {
        (**self).shallow_seek(target)
    }
    fn block_max_score(&mut self) -> f32 {
        (**self).block_max_score()
    }
    #[inline]
    fn cheap_bound(&mut self) -> f32 {
        (**self).cheap_bound()
    }
    fn set_threshold(&mut self, threshold: f32) {
        (**self).set_threshold(threshold)
    }
    fn cost(&self) -> u64 {
        (**self).cost()
    }
    fn take_error(&mut self) -> Option<TextIndexError> {
        (**self).take_error()
    }
}

// Rounding-safe bounds.
//
// A composite node scores a document as the f32 sum of its children's scores
// in clause order. Its upper bound is the f64 sum of the children's bounds,
// inflated by `slack(n)`: the f32 sum of `n` non-negative terms exceeds their
// exact sum by at most a factor `1 + (n - 1) * 2^-24`, and the slack used
// here is more than twice that, so a bound never falls below a score that
// rounding pushed up. Pruning therefore stays exact: top-k equals an
// exhaustive evaluation.

#[inline]
fn slack(n: usize) -> f64 {
    1.0 + (n as f64 + 1.0) * f64::from(f32::EPSILON)
}

/// Whether `n` scores bounded in sum by `bound_sum` may exceed `threshold`.
#[inline]
pub(crate) fn may_beat(bound_sum: f64, n: usize, threshold: f32) -> bool {
    bound_sum * slack(n) > f64::from(threshold)
}

/// The cut between the `f32` partial sums `x` for which `x + rest` may
/// beat `threshold` ([`may_beat`] with `n` scores) and those for which it
/// cannot: a sum may beat it exactly when it is above the cut, since
/// `may_beat` only grows with the sum (negative infinity when every sum
/// may). Lets a window's candidates be picked with one `f32` comparison
/// each.
pub(crate) fn candidate_cut(rest: f64, n: usize, threshold: f32) -> f32 {
    let passes = |x: f32| may_beat(f64::from(x) + rest, n, threshold);
    if passes(f32::NEG_INFINITY) {
        return f32::NEG_INFINITY;
    }
    // Usually the real-number answer is within an ulp or two: a few steps
    // from it settle the cut.
    let mut cut = (f64::from(threshold) / slack(n) - rest) as f32;
    if !cut.is_nan() {
        for _ in 0..8 {
            if passes(cut) {
                cut = cut.next_down();
            } else if passes(cut.next_up()) {
                return cut;
            } else {
                cut = cut.next_up();
            }
        }
    }
    // Not near it (when `rest` swamps the sums near zero, many of them
    // round to the same f64 sum): bisect the f32 values in their order.
    if !passes(f32::INFINITY) {
        return f32::INFINITY;
    }
    let (mut fails, mut holds) = (ordered_key(f32::NEG_INFINITY), ordered_key(f32::INFINITY));
    while holds - fails > 1 {
        let mid = fails + (holds - fails) / 2;
        if passes(from_ordered_key(mid)) {
            holds = mid;
        } else {
            fails = mid;
        }
    }
    from_ordered_key(fails)
}

/// A key that orders non-NaN `f32` values as numbers (the sign-magnitude
/// bits of a negative value flipped), consecutive for neighbouring values.
fn ordered_key(x: f32) -> i64 {
    let bits = x.to_bits() as i32;
    i64::from(if bits < 0 { bits ^ i32::MAX } else { bits })
}

/// The value of an [`ordered_key`].
fn from_ordered_key(key: i64) -> f32 {
    let key = key as i32;
    f32::from_bits((if key < 0 { key ^ i32::MAX } else { key }) as u32)
}

/// A bound for the f32 sum of `n` scores whose bounds add up to `sum`.
#[inline]
pub(crate) fn sum_bound(sum: f64, n: usize) -> f32 {
    ((sum * slack(n)) as f32).next_up()
}

/// The threshold for one addend of a two-term sum `a + b` with `b <= other_max`:
/// if `a <= result` then `a + b <= threshold` even after rounding.
pub(crate) fn residual_threshold(threshold: f32, other_max: f32) -> f32 {
    if !threshold.is_finite() {
        return threshold;
    }
    let t = f64::from(threshold);
    let m = f64::from(other_max);
    let eps = f64::from(f32::EPSILON);
    ((t - m - 4.0 * eps * (t.abs() + m)) as f32).next_down()
}

/// An upper bound of the score of any document `bound` covers: the best
/// score over its pairs, plus a relative slack of `8 * f32::EPSILON` (the
/// pairs bound documents in exact arithmetic; each `f32` score is within
/// five roundings of its exact value).
#[inline]
pub(crate) fn bound_score(weight: &TermWeight, bound: &BlockBound) -> f32 {
    let best = bound
        .pairs()
        .iter()
        .fold(0.0f32, |m, &(tf, len)| m.max(weight.max_score(tf, len)));
    with_slack(best)
}

/// [`bound_score`] for frequencies up to `scale` times the pairs' tf.
pub(crate) fn bound_score_scaled(weight: &TermWeight, bound: &BlockBound, scale: f32) -> f32 {
    let best = bound.pairs().iter().fold(0.0f32, |m, &(tf, len)| {
        m.max(weight.score_freq(tf as f32 * scale, len))
    });
    with_slack(best)
}

#[inline]
pub(crate) fn with_slack(best: f32) -> f32 {
    if best > 0.0 {
        (best * (1.0 + 8.0 * f32::EPSILON)).next_up()
    } else {
        0.0
    }
}

/// Scores one term: BM25 of its frequency and the document length.
///
/// As a root it prunes by itself: with a threshold, blocks whose block-max
/// score cannot beat it are passed over without being decoded.
pub(crate) struct TermScorer<'a> {
    cursor: PostingsCursor<'a>,
    lens: DocLens<'a>,
    weight: TermWeight,
    max_score: f32,
    /// The threshold as `TermWeight::pair_may_beat` takes it (`None`: no
    /// threshold, every block competes).
    beat: Option<f64>,
    /// The threshold itself, for the exact (slack-free) corner tests.
    threshold: f32,
    checked_until: u32,
    /// `cheap_bound` of a frequency of one in decoded block `tf1_block`.
    tf1_block: u32,
    tf1_bound: f32,
    /// The block-max score of the block ending at `cached_end`.
    cached_end: u32,
    cached_score: f32,
}

impl<'a> TermScorer<'a> {
    pub(crate) fn new(
        reader: &'a TextIndexReader,
        info: &TermInfo,
        weight: TermWeight,
    ) -> Result<Self, TextIndexError> {
        Ok(Self::with_cursor(
            reader,
            reader.postings(info)?,
            info,
            weight,
        ))
    }

    /// A scorer whose cursor has decoded no block yet, for visiting blocks
    /// by their bounds ([`TermScorer::load_block_at`] first); see
    /// [`PostingsCursor::new_unpositioned`].
    pub(crate) fn new_unpositioned(
        reader: &'a TextIndexReader,
        info: &TermInfo,
        weight: TermWeight,
    ) -> Result<Self, TextIndexError> {
        let cursor = PostingsCursor::new_unpositioned(reader, info)?;
        Ok(Self::with_cursor(reader, cursor, info, weight))
    }

    fn with_cursor(
        reader: &'a TextIndexReader,
        cursor: PostingsCursor<'a>,
        info: &TermInfo,
        weight: TermWeight,
    ) -> Self {
        TermScorer {
            cursor,
            lens: reader.doc_lens(),
            max_score: bound_score(&weight, &info.bound()),
            weight,
            beat: None,
            threshold: f32::NEG_INFINITY,
            checked_until: TERMINATED,
            tf1_block: u32::MAX,
            tf1_bound: 0.0,
            cached_end: TERMINATED,
            cached_score: 0.0,
        }
    }

    /// The block-max score of the block the cursor's block-max pointer is
    /// on, which ends at `end` (block last docs identify blocks).
    #[inline]
    fn block_score(&mut self, end: u32) -> f32 {
        if end != self.cached_end {
            self.cached_end = end;
            self.cached_score = bound_score(&self.weight, &self.cursor.block_bound());
        }
        self.cached_score
    }

    /// Whether the block the block-max pointer is on may hold a document
    /// scoring above the threshold. First the block's corner, scored with
    /// the very arithmetic of a document's score: it bounds every document
    /// of the block exactly, so a block whose best can only tie the
    /// threshold is passed over (with many equal scores, as short documents
    /// with one occurrence give, most blocks are such ties). Then the
    /// tighter pairs, which need a rounding slack.
    #[inline]
    fn block_may_beat(&self) -> bool {
        match self.beat {
            None => true,
            Some(t) => {
                let (max_tf, min_len) = self.cursor.block_corner();
                if self.weight.score(max_tf, min_len) <= self.threshold {
                    return false;
                }
                let w = &self.weight;
                self.cursor
                    .block_any_pair(|tf, len| w.pair_may_beat(tf, len, t))
            }
        }
    }

    /// With a threshold: moves on to the first document at or after the
    /// current one whose block may hold a competitive score.
    fn prune(&mut self) -> u32 {
        let target = self.cursor.doc();
        if target <= self.checked_until {
            return target;
        }
        self.prune_from(target)
    }

    /// Moves to the first document `>= target` whose block may hold a
    /// competitive score, passing over other blocks without decoding them.
    fn prune_from(&mut self, mut target: u32) -> u32 {
        loop {
            let end = self.cursor.shallow_seek(target);
            if end == TERMINATED {
                return self.cursor.seek(TERMINATED);
            }
            if self.block_may_beat() {
                self.checked_until = end;
                return self.cursor.seek(target);
            }
            target = end + 1;
        }
    }

    /// Scores the decoded block from the current document on into
    /// `scores[..n]` and returns its `n` doc ids: a block at a time, for the
    /// single-term top-k loop. A document whose term frequency alone rules
    /// it out (even at the block's shortest length it cannot beat the
    /// threshold) gets 0 without its length being read.
    pub(super) fn score_rest_of_block<'s>(
        &'s mut self,
        scores: &mut [f32; BLOCK_LEN],
    ) -> &'s [u32] {
        let min_tf = self.min_competitive_tf();
        let (docs, tfs) = self.cursor.rest_of_block();
        let n = docs.len();
        let mut lens = [0u32; BLOCK_LEN];
        self.lens.get_many(docs, tfs, min_tf, &mut lens[..n]);
        self.weight
            .score_block_from(tfs, &lens[..n], min_tf, &mut scores[..n]);
        docs
    }

    /// The smallest term frequency with which a document of the block the
    /// block-max pointer is on may beat the threshold (0 without one): the
    /// score at the block's shortest length, in the same `f32` arithmetic,
    /// rises with the frequency and bounds the score of any document of the
    /// block with that frequency, so every smaller frequency is ruled out
    /// exactly; the search stops at [`MAX_TF_PROBE`], which stays safe.
    #[inline]
    fn min_competitive_tf(&self) -> u32 {
        if self.beat.is_none() {
            return 0;
        }
        let min_len = self.cursor.block_min_len();
        let mut tf = 1;
        while tf < MAX_TF_PROBE && self.weight.score(tf, min_len) <= self.threshold {
            tf += 1;
        }
        tf
    }

    /// Moves to the first document, from the current one on, whose block
    /// may hold a competitive score (after a first `set_threshold`).
    pub(super) fn first_competitive(&mut self) -> u32 {
        let doc = self.cursor.doc();
        self.prune_from(doc)
    }

    /// The term's weight.
    #[inline]
    pub(super) fn weight(&self) -> &TermWeight {
        &self.weight
    }

    /// The segment's document lengths.
    #[inline]
    pub(super) fn doc_lens(&self) -> DocLens<'a> {
        self.lens
    }

    /// The decoded block from the current document on: doc ids and term
    /// frequencies (see [`PostingsCursor::rest_of_block`]).
    #[inline]
    pub(super) fn rest_of_block(&mut self) -> (&[u32], &[u32]) {
        self.cursor.rest_of_block()
    }

    /// Postings blocks of the term.
    pub(super) fn num_blocks(&self) -> u32 {
        self.cursor.num_blocks()
    }

    /// Score inputs of blocks `from..` from the skip table; see
    /// [`PostingsCursor::bound_inputs`].
    pub(super) fn bound_inputs(
        &self,
        from: u32,
        tfs: &mut [u32],
        lens: &mut [u32],
        firsts: &mut [u32],
    ) -> Result<usize, TextIndexError> {
        self.cursor.bound_inputs(from, tfs, lens, firsts)
    }

    /// Decodes block `j`, in any order (see
    /// [`PostingsCursor::load_block_at`]).
    pub(super) fn load_block_at(&mut self, j: u32) -> Result<(), TextIndexError> {
        self.cursor.load_block_at(j)
    }

    /// Documents of the segment.
    pub(super) fn num_docs(&self) -> u32 {
        self.lens.num_docs()
    }

    /// Leaves the decoded block for the first later document whose block
    /// may hold a competitive score; returns it (or [`TERMINATED`]).
    pub(super) fn next_block(&mut self) -> u32 {
        let last = self.cursor.decoded_block_last();
        if last == TERMINATED || self.cursor.doc() == TERMINATED {
            return TERMINATED;
        }
        self.prune_from(last + 1)
    }
}

impl Scorer for TermScorer<'_> {
    #[inline]
    fn doc(&self) -> u32 {
        self.cursor.doc()
    }

    #[inline]
    fn advance(&mut self) -> u32 {
        let d = self.cursor.advance();
        if d <= self.checked_until {
            d
        } else {
            self.prune()
        }
    }

    #[inline]
    fn seek(&mut self, target: u32) -> u32 {
        let d = self.cursor.seek(target);
        if d <= self.checked_until {
            d
        } else {
            self.prune()
        }
    }

    #[inline]
    fn score(&mut self) -> f32 {
        let tf = self.cursor.freq();
        self.weight.score(tf, self.lens.get(self.cursor.doc()))
    }

    fn max_score(&self) -> f32 {
        self.max_score
    }

    /// `score` at the decoded block's shortest length: the same `f32`
    /// arithmetic, and each step of it is monotone, so it is never below
    /// the true score of a document of the block. A frequency of one, the
    /// usual case, is computed once per block.
    #[inline]
    fn cheap_bound(&mut self) -> f32 {
        let tf = self.cursor.freq();
        let (block, min_len) = self.cursor.decoded_block_min_len();
        if tf != 1 {
            return self.weight.score(tf, min_len);
        }
        if block != self.tf1_block {
            self.tf1_block = block;
            self.tf1_bound = self.weight.score(1, min_len);
        }
        self.tf1_bound
    }

    #[inline]
    fn shallow_seek(&mut self, target: u32) -> u32 {
        self.cursor.shallow_seek(target)
    }

    #[inline]
    fn block_max_score(&mut self) -> f32 {
        let end = self.cursor.block_last_doc();
        if end == TERMINATED {
            return 0.0;
        }
        self.block_score(end)
    }

    fn set_threshold(&mut self, threshold: f32) {
        self.beat = TermWeight::beat_scale(threshold);
        self.threshold = threshold;
        // Re-check from the next document on, against the new threshold.
        self.checked_until = self.cursor.doc();
    }

    fn cost(&self) -> u64 {
        u64::from(self.cursor.doc_freq())
    }

    fn take_error(&mut self) -> Option<TextIndexError> {
        self.cursor.take_error()
    }
}

/// Gives every match of the inner scorer the same score.
pub(crate) struct ConstScorer<S> {
    inner: S,
    score: f32,
}

impl<S: Scorer> ConstScorer<S> {
    pub(crate) fn new(inner: S, score: f32) -> Self {
        let score = if score > 0.0 { score } else { 0.0 };
        ConstScorer { inner, score }
    }
}

impl<S: Scorer> Scorer for ConstScorer<S> {
    fn doc(&self) -> u32 {
        self.inner.doc()
    }
    fn advance(&mut self) -> u32 {
        self.inner.advance()
    }
    fn seek(&mut self, target: u32) -> u32 {
        self.inner.seek(target)
    }
    fn score(&mut self) -> f32 {
        self.score
    }
    fn max_score(&self) -> f32 {
        self.score
    }
    fn shallow_seek(&mut self, _target: u32) -> u32 {
        TERMINATED
    }
    fn block_max_score(&mut self) -> f32 {
        self.score
    }
    fn set_threshold(&mut self, threshold: f32) {
        if self.score <= threshold {
            self.inner.seek(TERMINATED);
        }
    }
    fn cost(&self) -> u64 {
        self.inner.cost()
    }
    fn take_error(&mut self) -> Option<TextIndexError> {
        self.inner.take_error()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check_cut(rest: f64, n: usize, threshold: f32, probes: &[f32]) {
        let cut = candidate_cut(rest, n, threshold);
        let passes = |x: f32| may_beat(f64::from(x) + rest, n, threshold);
        assert!(!passes(cut), "cut {cut} itself passes");
        if cut < f32::INFINITY {
            assert!(passes(cut.next_up()), "just above cut {cut} fails");
        }
        for &x in probes {
            assert_eq!(x > cut, passes(x), "x {x} cut {cut}");
        }
    }

    #[test]
    fn cut_when_rest_swamps_small_sums() {
        // Every sum below half an ulp of `rest` adds up to `rest` itself:
        // the cut is far from the first guess, and found by bisection.
        for n in 1..9 {
            for rest in [1.0f64, 0.5, 4.0, 3.0] {
                let exact = rest * slack(n);
                let mut t = exact as f32;
                for _ in 0..3 {
                    t = t.next_down();
                }
                for _ in 0..6 {
                    check_cut(rest, n, t, &[0.0, f32::MIN_POSITIVE, 1e-20, 1e-7]);
                    t = t.next_up();
                }
            }
        }
    }

    #[test]
    fn ordered_keys_follow_the_numbers() {
        let values = [
            f32::NEG_INFINITY,
            f32::MIN,
            -1.0,
            -f32::MIN_POSITIVE,
            -0.0,
            0.0,
            f32::MIN_POSITIVE,
            1.0,
            f32::MAX,
            f32::INFINITY,
        ];
        for pair in values.windows(2) {
            assert!(ordered_key(pair[0]) < ordered_key(pair[1]), "{pair:?}");
        }
        for v in values {
            assert_eq!(from_ordered_key(ordered_key(v)).to_bits(), v.to_bits());
        }
        assert_eq!(ordered_key(1.0f32.next_up()), ordered_key(1.0) + 1);
        assert_eq!(ordered_key((-1.0f32).next_up()), ordered_key(-1.0) + 1);
    }

    #[test]
    fn cut_at_the_edges() {
        check_cut(0.0, 1, f32::NEG_INFINITY, &[0.0, 1.0]);
        check_cut(0.0, 2, 0.0, &[0.0, f32::MIN_POSITIVE, 1.0]);
        check_cut(5.0, 3, 1.0, &[0.0, 1.0]);
        check_cut(0.25, 8, 3.5, &[3.25, 3.2499998, 3.2500002, 4.0]);
        check_cut(0.0, 2, f32::MAX, &[f32::MAX, f32::INFINITY]);
    }

    proptest! {
        #[test]
        fn cut_splits_sums_exactly_as_may_beat(
            rest in 0.0f64..50.0,
            n in 1usize..9,
            threshold in 0.0f32..100.0,
            probes in proptest::collection::vec(0.0f32..100.0, 0..16),
        ) {
            // Thresholds right at an f32 `rest` scaled by the slack, where
            // sums near zero all round alike, as well as anywhere.
            let rest_f32 = f64::from(rest as f32);
            let at_rest = (rest_f32 * slack(n)) as f32;
            check_cut(rest_f32, n, at_rest, &[0.0, 1e-30, at_rest]);
            check_cut(rest_f32, n, at_rest.next_up(), &[0.0, 1e-30]);
            let cut = candidate_cut(rest, n, threshold);
            let mut near = probes;
            // Sums a few ulps either side of the cut, where rounding bites.
            let mut x = cut;
            for _ in 0..4 {
                x = x.next_down();
            }
            for _ in 0..8 {
                near.push(x);
                x = x.next_up();
            }
            check_cut(rest, n, threshold, &near);
        }
    }
}
