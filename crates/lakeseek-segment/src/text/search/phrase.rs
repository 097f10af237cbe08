//! Phrase queries: a conjunction of the phrase's terms, then a check of
//! their positions in each common document giving the phrase frequency.
//!
//! Slop 0 (exact): the frequency is the number of start positions `p` such
//! that every term `i` occurs at `p + offset_i`.
//!
//! Slop `N > 0` (sloppy), after Lucene's `SloppyPhraseMatcher`: each term's
//! occurrence at `pos` is taken at `pos - offset`; a match is a window of one
//! occurrence per term whose span (largest minus smallest shifted position)
//! is at most `N`, found by repeatedly advancing the term that is furthest
//! behind. Each match adds `1 / (1 + span)` to the frequency. When a term
//! appears more than once in the phrase, two of its query positions never
//! take the same document position (the later one advances).
//!
//! The score is BM25 of the phrase frequency, with the weight the caller
//! built from the summed idf of the phrase's terms.

use super::scorer::{bound_score, bound_score_scaled, Scorer};
use crate::text::bm25::TermWeight;
use crate::text::index::{BlockBound, DocLens, PostingsCursor, TextIndexError, TERMINATED};

/// How far [`PhraseScorer::lead_min_freq`] looks: frequencies past it are
/// rare, and stopping early only means checking more documents.
const MAX_FREQ_PROBE: u32 = 32;

/// The frequency of a phrase in one document; see the module documentation.
///
/// `positions[i]` are the ascending positions of the phrase's `i`-th term,
/// `offsets[i]` its position within the phrase and `groups[i]` identifies the
/// term (equal groups: the same term repeated in the phrase).
pub fn phrase_freq(positions: &[&[u32]], offsets: &[u32], groups: &[u32], slop: u32) -> f32 {
    let mut scratch = PhraseScratch::default();
    scratch.freq(positions, offsets, groups, slop)
}

/// Reusable buffers for [`phrase_freq`].
#[derive(Default)]
pub(crate) struct PhraseScratch {
    idx: Vec<usize>,
    pos: Vec<i64>,
    starts: Vec<i64>,
    loaded: Vec<u32>,
}

impl PhraseScratch {
    /// The frequency of an exact phrase in one document, loading its terms'
    /// positions one at a time in `order` (rarest first) through `load(i,
    /// buffer)`: the start positions the terms loaded so far allow are
    /// narrowed term by term, and the check stops at the first term that
    /// leaves none. Most candidates of a phrase with a common word then
    /// never decode the common word's positions (its many per document, in
    /// a block the candidate alone visits). Equal to
    /// [`PhraseScratch::freq`] with slop 0.
    pub(crate) fn exact_lazy<E>(
        &mut self,
        order: &[usize],
        offsets: &[u32],
        mut load: impl FnMut(usize, &mut Vec<u32>) -> Result<(), E>,
    ) -> Result<f32, E> {
        let Some((&first, rest)) = order.split_first() else {
            return Ok(0.0);
        };
        load(first, &mut self.loaded)?;
        let shift = i64::from(offsets[first]);
        self.starts.clear();
        self.starts
            .extend(self.loaded.iter().map(|&p| i64::from(p) - shift));
        for &i in rest {
            if self.starts.is_empty() {
                return Ok(0.0);
            }
            load(i, &mut self.loaded)?;
            let shift = i64::from(offsets[i]);
            let list = &self.loaded;
            let mut k = 0;
            self.starts.retain(|&start| {
                let want = start + shift;
                while k < list.len() && i64::from(list[k]) < want {
                    k += 1;
                }
                k < list.len() && i64::from(list[k]) == want
            });
        }
        Ok(self.starts.len() as f32)
    }

    pub(crate) fn freq<T: AsRef<[u32]>>(
        &mut self,
        positions: &[T],
        offsets: &[u32],
        groups: &[u32],
        slop: u32,
    ) -> f32 {
        let n = positions.len().min(offsets.len()).min(groups.len());
        if n == 0 || positions[..n].iter().any(|p| p.as_ref().is_empty()) {
            return 0.0;
        }
        if slop == 0 {
            self.exact(&positions[..n], &offsets[..n])
        } else {
            self.sloppy(
                &positions[..n],
                &offsets[..n],
                &groups[..n],
                i64::from(slop),
            )
        }
    }

    fn exact<T: AsRef<[u32]>>(&mut self, positions: &[T], offsets: &[u32]) -> f32 {
        let n = positions.len();
        self.idx.clear();
        self.idx.resize(n, 0);
        let mut count = 0u32;
        let mut last_start = i64::MIN;
        for &p in positions[0].as_ref() {
            let start = i64::from(p) - i64::from(offsets[0]);
            if start == last_start {
                continue;
            }
            last_start = start;
            let mut all = true;
            for i in 1..n {
                let want = start + i64::from(offsets[i]);
                let list = positions[i].as_ref();
                let k = &mut self.idx[i];
                while *k < list.len() && i64::from(list[*k]) < want {
                    *k += 1;
                }
                if *k >= list.len() {
                    return count as f32;
                }
                if i64::from(list[*k]) != want {
                    all = false;
                    break;
                }
            }
            if all {
                count += 1;
            }
        }
        count as f32
    }

    fn sloppy<T: AsRef<[u32]>>(
        &mut self,
        positions: &[T],
        offsets: &[u32],
        groups: &[u32],
        slop: i64,
    ) -> f32 {
        let n = positions.len();
        self.idx.clear();
        self.idx.resize(n, 0);
        self.pos.clear();
        self.pos
            .extend((0..n).map(|i| i64::from(positions[i].as_ref()[0]) - i64::from(offsets[i])));
        let repeats = (0..n).any(|i| (0..i).any(|j| groups[j] == groups[i]));
        if repeats && !self.settle(positions, offsets, groups) {
            return 0.0;
        }
        let mut end = self.pos.iter().copied().max().unwrap_or(0);
        let mut cur = self.lowest(offsets);
        let mut next = self.lowest_pos_except(cur);
        let mut span = end - self.pos[cur];
        let mut freq = 0.0f32;
        loop {
            // Advance the term furthest behind.
            self.idx[cur] += 1;
            let Some(&p) = positions[cur].as_ref().get(self.idx[cur]) else {
                break;
            };
            self.pos[cur] = i64::from(p) - i64::from(offsets[cur]);
            if repeats {
                if !self.settle(positions, offsets, groups) {
                    break;
                }
                end = end.max(self.pos.iter().copied().max().unwrap_or(0));
                next = self.lowest_pos_except(cur);
            } else {
                end = end.max(self.pos[cur]);
            }
            if self.pos[cur] > next {
                if span <= slop {
                    freq += 1.0 / ((span + 1) as f32);
                }
                cur = self.lowest(offsets);
                next = self.lowest_pos_except(cur);
                span = end - self.pos[cur];
            } else {
                span = span.min(end - self.pos[cur]);
            }
        }
        if span <= slop {
            freq += 1.0 / ((span + 1) as f32);
        }
        freq
    }

    /// While two query positions of the same term sit on the same document
    /// position, advances the lesser of the two (smaller shifted position,
    /// then smaller offset); false when one runs out.
    fn settle<T: AsRef<[u32]>>(
        &mut self,
        positions: &[T],
        offsets: &[u32],
        groups: &[u32],
    ) -> bool {
        let n = self.pos.len();
        loop {
            let at = |i: usize| self.pos[i] + i64::from(offsets[i]);
            let collision = (0..n).find_map(|i| {
                (i + 1..n)
                    .find(|&j| groups[i] == groups[j] && at(i) == at(j))
                    .map(|j| (i, j))
            });
            let Some((i, j)) = collision else {
                return true;
            };
            let l = if (self.pos[i], offsets[i]) <= (self.pos[j], offsets[j]) {
                i
            } else {
                j
            };
            self.idx[l] += 1;
            match positions[l].as_ref().get(self.idx[l]) {
                Some(&p) => self.pos[l] = i64::from(p) - i64::from(offsets[l]),
                None => return false,
            }
        }
    }

    /// The term with the smallest shifted position (ties: smaller offset,
    /// then earlier in the phrase).
    fn lowest(&self, offsets: &[u32]) -> usize {
        let mut best = usize::MAX;
        for i in 0..self.pos.len() {
            if best == usize::MAX || (self.pos[i], offsets[i]) < (self.pos[best], offsets[best]) {
                best = i;
            }
        }
        best
    }

    fn lowest_pos_except(&self, except: usize) -> i64 {
        (0..self.pos.len())
            .filter(|&i| i != except)
            .map(|i| self.pos[i])
            .min()
            .unwrap_or(i64::MAX)
    }
}

/// Upper bound of a phrase's score given each term's bound. An exact phrase
/// occurs at most as often as each of its terms, so each term's bound (with
/// the phrase's weight) bounds it, and so does the smallest. A sloppy match
/// uses a position of some term, so the frequency is at most the sum of the
/// terms' frequencies, itself at most `n` times the largest: the largest
/// bound with frequencies scaled by `n` bounds it.
fn bound(weight: &TermWeight, slop: u32, bounds: &[BlockBound]) -> f32 {
    if bounds.is_empty() {
        return 0.0;
    }
    if slop == 0 {
        bounds
            .iter()
            .map(|b| bound_score_scaled(weight, b, 1.0))
            .fold(f32::INFINITY, f32::min)
    } else {
        let n = bounds.len() as f32;
        bounds
            .iter()
            .map(|b| bound_score_scaled(weight, b, n))
            .fold(0.0, f32::max)
    }
}

/// Scores a phrase: conjunction of its terms' postings plus a positions check.
pub(crate) struct PhraseScorer<'a> {
    /// In phrase order.
    cursors: Vec<PostingsCursor<'a>>,
    offsets: Vec<u32>,
    groups: Vec<u32>,
    /// Cursor indices by ascending doc freq; the first leads.
    order: Vec<usize>,
    lens: DocLens<'a>,
    weight: TermWeight,
    slop: u32,
    doc: u32,
    freq: f32,
    max_score: f32,
    threshold: f32,
    pruning: bool,
    checked_until: u32,
    /// [`PhraseScorer::lead_min_freq`] of the lead's block `min_freq_block`
    /// (`u32::MAX`: none yet for this threshold).
    min_freq: u32,
    min_freq_block: u32,
    buffers: Vec<Vec<u32>>,
    block_bounds: Vec<BlockBound>,
    scratch: PhraseScratch,
    error: Option<TextIndexError>,
}

impl<'a> PhraseScorer<'a> {
    /// `terms` are `(cursor, offset, group)` in phrase order, at least two.
    pub(crate) fn new(
        terms: Vec<(PostingsCursor<'a>, u32, u32)>,
        lens: DocLens<'a>,
        weight: TermWeight,
        slop: u32,
    ) -> Self {
        let n = terms.len();
        let mut cursors = Vec::with_capacity(n);
        let mut offsets = Vec::with_capacity(n);
        let mut groups = Vec::with_capacity(n);
        for (c, o, g) in terms {
            cursors.push(c);
            offsets.push(o);
            groups.push(g);
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (cursors[i].doc_freq(), i));
        let bounds: Vec<BlockBound> = cursors.iter().map(|c| c.term_bound()).collect();
        let max_score = bound(&weight, slop, &bounds);
        let mut scorer = PhraseScorer {
            cursors,
            offsets,
            groups,
            order,
            lens,
            weight,
            slop,
            doc: TERMINATED,
            freq: 0.0,
            max_score,
            threshold: f32::NEG_INFINITY,
            pruning: false,
            checked_until: 0,
            min_freq: 1,
            min_freq_block: u32::MAX,
            buffers: vec![Vec::new(); n],
            block_bounds: bounds,
            scratch: PhraseScratch::default(),
            error: None,
        };
        let first = scorer.cursors[scorer.order[0]].doc();
        scorer.align(first);
        scorer
    }

    fn lead(&mut self) -> &mut PostingsCursor<'a> {
        &mut self.cursors[self.order[0]]
    }

    fn terminate(&mut self) -> u32 {
        self.lead().seek(TERMINATED);
        self.doc = TERMINATED;
        TERMINATED
    }

    fn align(&mut self, mut t: u32) -> u32 {
        'candidates: loop {
            if t == TERMINATED {
                return self.terminate();
            }
            if self.pruning && t > self.checked_until {
                let (end, may_beat) = self.window_may_beat(t);
                if !may_beat {
                    if end == TERMINATED {
                        return self.terminate();
                    }
                    t = self.lead().seek(end + 1);
                    continue;
                }
                self.checked_until = end;
            }
            // An exact phrase occurs at most as often as its rarest term,
            // which leads: bound the candidate from the lead's frequency
            // alone before seeking any other term. Most candidates of a
            // phrase with a common word stop here once the threshold is set,
            // and never pay for the common word's blocks.
            if self.pruning && self.slop == 0 {
                // First by frequency alone, a block at a time: documents
                // of the lead's block with too small a frequency are passed
                // over in one scan of the block's frequencies.
                let min_tf = self.lead_min_freq();
                let lead = &mut self.cursors[self.order[0]];
                if lead.freq() < min_tf {
                    t = lead.advance_to_freq(min_tf);
                    continue;
                }
                if self.lead_bound(t) <= self.threshold {
                    t = self.lead().advance();
                    continue;
                }
            }
            for k in 1..self.order.len() {
                let i = self.order[k];
                let d = self.cursors[i].seek(t);
                if d > t {
                    t = self.lead().seek(d);
                    continue 'candidates;
                }
            }
            // Positions are the costly part: skip them when even the most
            // the phrase could occur here (each term's frequency for an
            // exact phrase, their sum for a sloppy one) cannot beat the
            // threshold.
            if self.pruning && self.doc_bound(t) <= self.threshold {
                t = self.lead().advance();
                continue;
            }
            match self.positions_freq() {
                Ok(f) if f > 0.0 => {
                    self.doc = t;
                    self.freq = f;
                    return t;
                }
                Ok(_) => t = self.lead().advance(),
                Err(e) => {
                    self.error.get_or_insert(e);
                    return self.terminate();
                }
            }
        }
    }

    /// The end of the window starting at `t` over which the blocks' bounds
    /// hold, and whether a document of it may beat the threshold. An exact
    /// phrase occurs at most as often as its rarest term, so the lead's
    /// block alone bounds it: that spares a walk through the skip lists of
    /// common words for every window. A sloppy phrase takes every term's.
    fn window_may_beat(&mut self, t: u32) -> (u32, bool) {
        if self.slop == 0 {
            let lead = &mut self.cursors[self.order[0]];
            let end = lead.shallow_seek(t);
            let (tf, len) = lead.block_corner();
            let beaten = self.weight.score(tf, len) <= self.threshold
                || bound_score(&self.weight, &lead.block_bound()) <= self.threshold;
            return (end, !beaten);
        }
        let end = self.shallow_seek(t);
        let beaten =
            self.block_corner_score() <= self.threshold || self.block_max_score() <= self.threshold;
        (end, !beaten)
    }

    /// The score of the blocks' corner, the block-max pointers' blocks
    /// taken together: the most the phrase can occur in one of their
    /// documents (the smallest of the terms' largest frequencies for an
    /// exact phrase, their sum for a sloppy one) at the longest of their
    /// shortest lengths. Every step of a score is monotone in `f32`, so this
    /// bounds the phrase's score in every document the blocks share exactly,
    /// with no rounding slack: a block whose best can only tie the threshold
    /// is passed over (with exact lengths and frequencies of one, ties are
    /// the rule among short documents).
    fn block_corner_score(&self) -> f32 {
        let mut cap = if self.slop == 0 { u32::MAX } else { 0 };
        let mut min_len = 0;
        for c in &self.cursors {
            let (max_tf, len) = c.block_corner();
            cap = if self.slop == 0 {
                cap.min(max_tf)
            } else {
                cap.saturating_add(max_tf)
            };
            min_len = min_len.max(len);
        }
        self.weight.score(cap, min_len)
    }

    /// The smallest frequency of the lead with which a document of the
    /// lead's decoded block may beat the threshold: the score at the
    /// block's shortest length rises with the frequency and bounds every
    /// document of the block with it (exactly, step by step in `f32`), so
    /// smaller frequencies are ruled out. Probing stops at
    /// [`MAX_FREQ_PROBE`], which stays safe. Computed once per block and
    /// threshold.
    fn lead_min_freq(&mut self) -> u32 {
        let (block, min_len) = self.cursors[self.order[0]].decoded_block_min_len();
        if block != self.min_freq_block {
            let mut tf = 1;
            while tf < MAX_FREQ_PROBE && self.weight.score(tf, min_len) <= self.threshold {
                tf += 1;
            }
            self.min_freq = tf;
            self.min_freq_block = block;
        }
        self.min_freq
    }

    /// An upper bound of an exact phrase's score in `doc`, on which the
    /// lead sits, from the lead's frequency: first at its block's shortest
    /// length, then, if that does not settle it, at `doc`'s length. Exact,
    /// like [`PhraseScorer::doc_bound`].
    fn lead_bound(&mut self, doc: u32) -> f32 {
        let lead = &mut self.cursors[self.order[0]];
        let tf = lead.freq();
        let (_, min_len) = lead.decoded_block_min_len();
        let cheap = self.weight.score(tf, min_len);
        if cheap <= self.threshold {
            return cheap;
        }
        self.weight.score(tf, self.lens.get(doc))
    }

    /// An upper bound of the score of `doc`, on which every cursor sits,
    /// from the terms' frequencies alone: exact, with no rounding slack (a
    /// phrase occurs at most `cap` times and the score is monotone in the
    /// frequency and the length, step by step in `f32`).
    fn doc_bound(&mut self, doc: u32) -> f32 {
        let freqs = self.cursors.iter_mut().map(|c| c.freq());
        let cap = if self.slop == 0 {
            freqs.min().unwrap_or(0)
        } else {
            freqs.fold(0u32, u32::saturating_add)
        };
        // Every cursor's block holds `doc`, so its length is at least the
        // longest of their blocks' shortest lengths: a bound that reads no
        // length, enough to drop most candidates.
        let min_len = self
            .cursors
            .iter()
            .map(|c| c.decoded_block_min_len().1)
            .max()
            .unwrap_or(0);
        let cheap = self.weight.score(cap, min_len);
        if cheap <= self.threshold {
            return cheap;
        }
        self.weight.score(cap, self.lens.get(doc))
    }

    fn positions_freq(&mut self) -> Result<f32, TextIndexError> {
        if self.slop == 0 {
            let cursors = &mut self.cursors;
            return self
                .scratch
                .exact_lazy(&self.order, &self.offsets, |i, buf| {
                    cursors[i].positions(buf)
                });
        }
        for (c, buf) in self.cursors.iter_mut().zip(&mut self.buffers) {
            c.positions(buf)?;
        }
        Ok(self
            .scratch
            .freq(&self.buffers, &self.offsets, &self.groups, self.slop))
    }
}

impl Scorer for PhraseScorer<'_> {
    #[inline]
    fn doc(&self) -> u32 {
        self.doc
    }

    fn advance(&mut self) -> u32 {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let t = self.lead().advance();
        self.align(t)
    }

    fn seek(&mut self, target: u32) -> u32 {
        if target <= self.doc {
            return self.doc;
        }
        let t = self.lead().seek(target);
        self.align(t)
    }

    fn score(&mut self) -> f32 {
        self.weight.score_freq(self.freq, self.lens.get(self.doc))
    }

    fn max_score(&self) -> f32 {
        self.max_score
    }

    fn shallow_seek(&mut self, target: u32) -> u32 {
        let mut end = TERMINATED;
        for c in &mut self.cursors {
            end = end.min(c.shallow_seek(target));
        }
        end
    }

    fn block_max_score(&mut self) -> f32 {
        for (b, c) in self.block_bounds.iter_mut().zip(&self.cursors) {
            *b = c.block_bound();
        }
        bound(&self.weight, self.slop, &self.block_bounds)
    }

    fn set_threshold(&mut self, threshold: f32) {
        self.threshold = threshold;
        self.pruning = threshold > f32::NEG_INFINITY;
        self.checked_until = self.doc;
        self.min_freq_block = u32::MAX;
    }

    fn cost(&self) -> u64 {
        u64::from(self.cursors[self.order[0]].doc_freq())
    }

    fn take_error(&mut self) -> Option<TextIndexError> {
        self.error
            .take()
            .or_else(|| self.cursors.iter_mut().find_map(|c| c.take_error()))
    }
}
