//! Top-k of a disjunction of terms — the shape of every plain keyword
//! query — by block-max MaxScore a window at a time, with the essential
//! clauses scored a block slice at a time.
//!
//! The doc space is cut into windows over which every clause's block bound
//! holds (up to the first block end of any clause, as in
//! [`super::union::Union`]), so each clause's documents in a window are one
//! slice of its decoded block. In a window the clauses whose bounds
//! together cannot beat the threshold are non-essential: a document only
//! they match cannot enter the top k. The essential clauses' slices are
//! scored whole (lengths gathered, BM25 in one vectorized pass) and merged
//! in clause order into per-document partial sums; a document whose partial
//! sum plus the non-essential bounds may beat the threshold is a candidate,
//! and the non-essential clauses are probed for it, highest bound first,
//! while it still can. With one non-essential clause (the usual case once
//! the threshold has risen) the probes are one branch-free merge of the
//! candidates with that clause's slice instead of a seek each: seeks
//! mispredicted their way through most of a middle-frequency query's time.
//!
//! Scores are exactly `Union::score`'s: the `f32` sum of the matching
//! clauses in clause order, from `0.0` (merging in clause order adds each
//! clause to a document's sum in that order; a candidate with non-essential
//! matches is re-summed over all clauses in clause order). Pruning uses the
//! same rounding-safe bounds, so the top k is exactly an exhaustive
//! evaluation's (the brute-force tests check documents and scores).

use std::collections::BinaryHeap;

use roaring::RoaringBitmap;

use super::collect::{keep, sorted, Worst};
use super::scorer::{candidate_cut, may_beat, Scorer, TermScorer};
use super::{ScoredDoc, TopDocs};
use crate::text::index::{TextIndexError, BLOCK_LEN, TERMINATED};

/// Most clauses this driver takes; wider disjunctions (prefix and fuzzy
/// expansions) go through the general `Union`.
pub(super) const MAX_CLAUSES: usize = 8;

/// One essential clause's documents in the current window, scored.
struct Slice {
    clause: usize,
    docs: [u32; BLOCK_LEN],
    scores: [f32; BLOCK_LEN],
    len: usize,
    /// Position of the next candidate's lookup (candidates come in doc order).
    at: usize,
}

impl Slice {
    fn new() -> Self {
        Slice {
            clause: 0,
            docs: [0; BLOCK_LEN],
            scores: [0.0; BLOCK_LEN],
            len: 0,
            at: 0,
        }
    }

    /// The score of `doc` in this clause (0 if absent); `doc` must not be
    /// below the previous lookup's.
    #[inline]
    fn score_of(&mut self, doc: u32) -> f32 {
        while self.at < self.len && self.docs[self.at] < doc {
            self.at += 1;
        }
        if self.at < self.len && self.docs[self.at] == doc {
            self.scores[self.at]
        } else {
            0.0
        }
    }
}

/// Documents and partial sums of a window, merged from the essential
/// slices (two buffers, merged into one another).
struct Merged {
    docs: Vec<u32>,
    sums: Vec<f32>,
    next_docs: Vec<u32>,
    next_sums: Vec<f32>,
}

impl Merged {
    fn new(capacity: usize) -> Self {
        Merged {
            docs: Vec::with_capacity(capacity),
            sums: Vec::with_capacity(capacity),
            next_docs: Vec::with_capacity(capacity),
            next_sums: Vec::with_capacity(capacity),
        }
    }

    /// Starts from one slice.
    fn reset(&mut self, s: &Slice) {
        self.docs.clear();
        self.sums.clear();
        self.docs.extend_from_slice(&s.docs[..s.len]);
        // `0.0 + x` is `x`: the first clause's score is its sum so far.
        self.sums.extend_from_slice(&s.scores[..s.len]);
    }

    /// Adds a later clause's slice: the sum of a document in both is the sum
    /// so far plus the clause's score, in clause order.
    fn add(&mut self, s: &Slice) {
        let (a_docs, a_sums) = (&self.docs, &self.sums);
        let (b_docs, b_sums) = (&s.docs[..s.len], &s.scores[..s.len]);
        let (out_docs, out_sums) = (&mut self.next_docs, &mut self.next_sums);
        out_docs.clear();
        out_sums.clear();
        let (mut i, mut j) = (0, 0);
        while i < a_docs.len() && j < b_docs.len() {
            let (a, b) = (a_docs[i], b_docs[j]);
            if a < b {
                out_docs.push(a);
                out_sums.push(a_sums[i]);
                i += 1;
            } else if b < a {
                out_docs.push(b);
                out_sums.push(b_sums[j]);
                j += 1;
            } else {
                out_docs.push(a);
                out_sums.push(a_sums[i] + b_sums[j]);
                i += 1;
                j += 1;
            }
        }
        out_docs.extend_from_slice(&a_docs[i..]);
        out_sums.extend_from_slice(&a_sums[i..]);
        out_docs.extend_from_slice(&b_docs[j..]);
        out_sums.extend_from_slice(&b_sums[j..]);
        std::mem::swap(&mut self.docs, &mut self.next_docs);
        std::mem::swap(&mut self.sums, &mut self.next_sums);
    }
}

/// The score of `d` over all `n` clauses, summed in clause order as
/// `Union::score` does: an essential clause's from its scored slice, any
/// other's from `probed` (0 where it does not match, which leaves the sum
/// as it is).
fn clause_order_sum(slices: &mut [Slice], d: u32, n: usize, probed: impl Fn(usize) -> f32) -> f32 {
    let mut score = 0.0f32;
    let mut e = 0;
    for i in 0..n {
        if e < slices.len() && slices[e].clause == i {
            score += slices[e].score_of(d);
            e += 1;
        } else {
            score += probed(i);
        }
    }
    score
}

/// Per-document buffers of [`probe_one_clause`], sized for a window's
/// merged documents.
struct Scratch {
    /// Positions in the merged list of the candidates, in doc order.
    picked: Vec<u32>,
    /// Each candidate's document.
    picked_docs: Vec<u32>,
    /// Each candidate's position in the probed clause's slice, or
    /// [`ABSENT`].
    found: Vec<u32>,
}

const ABSENT: u32 = u32::MAX;

impl Scratch {
    fn new(capacity: usize) -> Self {
        Scratch {
            picked: vec![0; capacity],
            picked_docs: vec![0; capacity],
            found: vec![ABSENT; capacity],
        }
    }
}

/// A window with one non-essential clause.
struct Window {
    start: u32,
    end: u32,
    /// The non-essential clause and its bound in the window.
    clause: usize,
    bound: f32,
}

/// The top k being collected, among the documents `filter` allows.
struct Hits<'h> {
    heap: &'h mut BinaryHeap<Worst>,
    k: usize,
    threshold: &'h mut f32,
    filter: Option<&'h RoaringBitmap>,
}

/// Finishes a window whose only non-essential clause is `window.clause`
/// (the most common case once the threshold has risen). Instead of a seek
/// of that clause per candidate, the candidates are picked with one `f32`
/// comparison each and located in the clause's slice of the window all at
/// once (a merge without data-dependent branches, or a binary search each
/// when they are few); then only they are looked at one by one, in doc
/// order. Scores and the kept set are exactly the general loop's.
fn probe_one_clause(
    clause: &mut TermScorer<'_>,
    window: Window,
    merged: &Merged,
    slices: &mut [Slice],
    scratch: &mut Scratch,
    n: usize,
    hits: Hits<'_>,
) {
    // A candidate's partial sum plus the clause's bound may beat the
    // threshold. (One outside the clause must beat it alone, which is
    // stricter; both only get stricter as the threshold rises.)
    let cut = candidate_cut(f64::from(window.bound), n, *hits.threshold);
    let mut picked = 0;
    for (at, (&sum, &d)) in merged.sums.iter().zip(&merged.docs).enumerate() {
        scratch.picked[picked] = at as u32;
        scratch.picked_docs[picked] = d;
        picked += usize::from(sum > cut);
    }
    if picked == 0 {
        // The clause's block is not even decoded.
        return;
    }
    let candidates = &scratch.picked_docs[..picked];

    if clause.doc() < window.start {
        clause.seek(window.start);
    }
    let weight = *clause.weight();
    let lens = clause.doc_lens();
    let (docs, tfs) = clause.rest_of_block();
    let m = docs.partition_point(|&d| d <= window.end);
    let (docs, tfs) = (&docs[..m], &tfs[..m]);
    let found = &mut scratch.found[..picked];
    if picked * 8 < m {
        for (f, &d) in found.iter_mut().zip(candidates) {
            let p = docs.partition_point(|&x| x < d);
            *f = if p < m && docs[p] == d {
                p as u32
            } else {
                ABSENT
            };
        }
    } else {
        found.fill(ABSENT);
        let (mut i, mut p) = (0, 0);
        while i < picked && p < m {
            let (a, b) = (candidates[i], docs[p]);
            // `i` moves on only at its last step, so that step's store
            // stays; storing every time keeps the loop free of a branch on
            // the match.
            found[i] = if a == b { p as u32 } else { ABSENT };
            i += usize::from(a <= b);
            p += usize::from(b <= a);
        }
    }

    for (&at, &f) in scratch.picked[..picked].iter().zip(found.iter()) {
        let at = at as usize;
        let (d, partial) = (merged.docs[at], merged.sums[at]);
        if f == ABSENT && partial <= *hits.threshold {
            continue;
        }
        if hits.filter.is_some_and(|allowed| !allowed.contains(d)) {
            continue;
        }
        if f == ABSENT {
            // Only essential clauses match: the merged sum is the score.
            keep(
                hits.heap,
                hits.k,
                ScoredDoc {
                    doc: d,
                    score: partial,
                },
                hits.threshold,
            );
            continue;
        }
        let own = weight.score(tfs[f as usize], lens.get(d));
        if !may_beat(f64::from(partial) + f64::from(own), n, *hits.threshold) {
            continue;
        }
        let score = clause_order_sum(slices, d, n, |i| if i == window.clause { own } else { 0.0 });
        if score > *hits.threshold {
            keep(
                hits.heap,
                hits.k,
                ScoredDoc { doc: d, score },
                hits.threshold,
            );
        }
    }
}

/// The `k` best documents of the disjunction of `clauses` (in clause order)
/// scoring above `floor`, among those in `filter`; `clauses` holds at most
/// [`MAX_CLAUSES`].
pub(super) fn collect_top_term_or(
    mut clauses: Vec<TermScorer<'_>>,
    k: usize,
    filter: Option<&RoaringBitmap>,
    floor: f32,
) -> Result<TopDocs, TextIndexError> {
    let n = clauses.len();
    debug_assert!(n <= MAX_CLAUSES);
    let mut heap: BinaryHeap<Worst> = BinaryHeap::with_capacity(k.min(1 << 16) + 1);
    let mut threshold = floor;
    let mut docs_scored = 0u64;
    let mut bounds = vec![0f32; n];
    let mut by_bound: Vec<usize> = (0..n).collect();
    let mut essential: Vec<usize> = Vec::with_capacity(n);
    let mut slices: Vec<Slice> = (0..n).map(|_| Slice::new()).collect();
    let mut merged = Merged::new(n * BLOCK_LEN);
    let mut lens = [0u32; BLOCK_LEN];
    let mut probe_scores = vec![0f32; n];
    let mut scratch = Scratch::new(n * BLOCK_LEN);

    let mut start = clauses.iter().map(|c| c.doc()).min().unwrap_or(TERMINATED);
    while start != TERMINATED {
        // The window: up to the first block end of any clause, where every
        // clause's block bound holds.
        let mut end = TERMINATED;
        for (c, b) in clauses.iter_mut().zip(&mut bounds) {
            end = end.min(c.shallow_seek(start));
            *b = c.block_max_score();
        }
        by_bound.sort_unstable_by(|&a, &b| bounds[a].total_cmp(&bounds[b]).then(a.cmp(&b)));
        let mut ne_sum = 0f64;
        let mut non_essential = 0;
        for (j, &i) in by_bound.iter().enumerate() {
            let next = ne_sum + f64::from(bounds[i]);
            if may_beat(next, j + 1, threshold) {
                break;
            }
            ne_sum = next;
            non_essential = j + 1;
        }
        if non_essential == n {
            start = end.saturating_add(1);
            continue;
        }

        // Score the essential clauses' slices of the window, in clause order.
        essential.clear();
        essential.extend_from_slice(&by_bound[non_essential..]);
        essential.sort_unstable();
        let mut live = 0;
        for &i in &essential {
            let c = &mut clauses[i];
            if c.doc() < start {
                c.seek(start);
            }
            let weight = *c.weight();
            let doc_lens = c.doc_lens();
            let (docs, tfs) = c.rest_of_block();
            let m = docs.partition_point(|&d| d <= end);
            if m == 0 {
                continue;
            }
            let s = &mut slices[live];
            s.clause = i;
            s.len = m;
            s.at = 0;
            s.docs[..m].copy_from_slice(&docs[..m]);
            doc_lens.get_many(&docs[..m], &tfs[..m], 0, &mut lens[..m]);
            weight.score_block(&tfs[..m], &lens[..m], &mut s.scores[..m]);
            docs_scored += m as u64;
            live += 1;
        }
        if live == 0 {
            start = end.saturating_add(1);
            continue;
        }
        merged.reset(&slices[0]);
        for s in &slices[1..live] {
            merged.add(s);
        }

        if non_essential == 1 {
            let j = by_bound[0];
            let window = Window {
                start,
                end,
                clause: j,
                bound: bounds[j],
            };
            let hits = Hits {
                heap: &mut heap,
                k,
                threshold: &mut threshold,
                filter,
            };
            probe_one_clause(
                &mut clauses[j],
                window,
                &merged,
                &mut slices[..live],
                &mut scratch,
                n,
                hits,
            );
            start = end.saturating_add(1);
            continue;
        }

        // Candidates: partial sums that, with the non-essential bounds, may
        // beat the threshold.
        for (at, &d) in merged.docs.iter().enumerate() {
            let partial = f64::from(merged.sums[at]);
            if !may_beat(partial + ne_sum, n, threshold) || filter.is_some_and(|f| !f.contains(d)) {
                continue;
            }
            if non_essential == 0 {
                // Every clause is essential: the merged sum is the score.
                let score = merged.sums[at];
                if score > threshold {
                    keep(&mut heap, k, ScoredDoc { doc: d, score }, &mut threshold);
                }
                continue;
            }
            // Probe the non-essential clauses, highest bound first, while
            // the document can still beat the threshold.
            let mut partial = partial;
            let mut remaining = ne_sum;
            let mut beaten = false;
            for &j in by_bound[..non_essential].iter().rev() {
                remaining -= f64::from(bounds[j]);
                let c = &mut clauses[j];
                let on = if c.doc() < d { c.seek(d) } else { c.doc() };
                if on == d {
                    let cheap = f64::from(c.cheap_bound().min(bounds[j]));
                    if !may_beat(partial + remaining + cheap, n, threshold) {
                        beaten = true;
                        break;
                    }
                    let s = c.score();
                    probe_scores[j] = s;
                    partial += f64::from(s);
                }
                if !may_beat(partial + remaining, n, threshold) {
                    beaten = true;
                    break;
                }
            }
            if !beaten {
                let score = clause_order_sum(&mut slices[..live], d, n, |i| probe_scores[i]);
                if score > threshold {
                    keep(&mut heap, k, ScoredDoc { doc: d, score }, &mut threshold);
                }
            }
            for &j in &by_bound[..non_essential] {
                probe_scores[j] = 0.0;
            }
        }
        start = end.saturating_add(1);
    }
    if let Some(e) = clauses.iter_mut().find_map(|c| c.take_error()) {
        return Err(e);
    }
    Ok(sorted(heap, docs_scored))
}
