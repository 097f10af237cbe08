//! Driving a compiled query: the top-k collector (a heap whose top is the
//! worst hit, feeding its threshold back to the scorer for pruning) and plain
//! iteration over matches, both restricted to an optional filter.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use roaring::RoaringBitmap;

use super::block_rank::rank_blocks;
use super::compile::{compile_root, Root};
use super::scorer::{Scorer, TermScorer};
use super::union::Union;
use super::{Matcher, ScoredDoc, TopDocs};
use crate::text::index::{TextIndexError, BLOCK_LEN, TERMINATED};

/// Heap entry ordered so that the heap's top is the worst hit.
pub(super) struct Worst(pub(super) ScoredDoc);

impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Worst {}
impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .0
            .score
            .total_cmp(&self.0.score)
            .then(self.0.doc.cmp(&other.0.doc))
    }
}

/// Moves `s` to the first document at or after its current one that is in
/// `filter`; `TERMINATED` when none is left.
#[inline]
fn next_allowed<S: Scorer>(s: &mut S, filter: Option<&RoaringBitmap>) -> u32 {
    let mut doc = s.doc();
    if let Some(f) = filter {
        while doc != TERMINATED && !f.contains(doc) {
            doc = match f.range(doc..).next() {
                Some(next) => s.seek(next),
                None => return TERMINATED,
            };
        }
    }
    doc
}

pub(super) fn collect_top<S: Scorer>(
    mut s: S,
    k: usize,
    filter: Option<&RoaringBitmap>,
    floor: f32,
) -> Result<TopDocs, TextIndexError> {
    let mut heap: BinaryHeap<Worst> = BinaryHeap::with_capacity(k.min(1 << 16) + 1);
    let mut threshold = floor;
    if floor > f32::NEG_INFINITY {
        s.set_threshold(floor);
    }
    let mut docs_scored = 0u64;
    loop {
        let doc = next_allowed(&mut s, filter);
        if doc == TERMINATED {
            break;
        }
        let score = s.score();
        docs_scored += 1;
        if score > threshold && keep(&mut heap, k, ScoredDoc { doc, score }, &mut threshold) {
            s.set_threshold(threshold);
        }
        s.advance();
    }
    if let Some(e) = s.take_error() {
        return Err(e);
    }
    Ok(sorted(heap, docs_scored))
}

/// [`collect_top`] for a single term, a block at a time: each block whose
/// block-max bound can beat the threshold is scored whole in one vectorized
/// pass, then scanned; other blocks are passed over undecoded. Used without
/// a filter or with a dense one (deleted rows); a sparse filter is better
/// served by seeking from allowed row to allowed row.
pub(super) fn collect_top_term(
    s: &mut TermScorer<'_>,
    k: usize,
    filter: Option<&RoaringBitmap>,
    floor: f32,
) -> Result<TopDocs, TextIndexError> {
    let mut heap: BinaryHeap<Worst> = BinaryHeap::with_capacity(k.min(1 << 16) + 1);
    let mut threshold = floor;
    let mut doc = s.doc();
    if floor > f32::NEG_INFINITY {
        s.set_threshold(floor);
        doc = s.first_competitive();
    }
    let mut docs_scored = 0u64;
    let mut scores = [0f32; BLOCK_LEN];
    while doc != TERMINATED {
        let before = threshold;
        let docs = s.score_rest_of_block(&mut scores);
        docs_scored += docs.len() as u64;
        // Most scored blocks hold no document above the threshold: a
        // branch-free count (vectorized) passes them over.
        let above = scores[..docs.len()]
            .iter()
            .map(|&score| u32::from(score > threshold))
            .sum::<u32>();
        if above == 0 {
            doc = s.next_block();
            continue;
        }
        for (&doc, &score) in docs.iter().zip(&scores) {
            if score > threshold && filter.is_none_or(|f| f.contains(doc)) {
                keep(&mut heap, k, ScoredDoc { doc, score }, &mut threshold);
            }
        }
        if threshold != before {
            s.set_threshold(threshold);
        }
        doc = s.next_block();
    }
    if let Some(e) = s.take_error() {
        return Err(e);
    }
    Ok(sorted(heap, docs_scored))
}

/// Fewest blocks for which [`collect_top_term_best_first`] orders them;
/// with fewer, doc order loses nothing.
pub(super) const BEST_FIRST_MIN_BLOCKS: u32 = 3;

/// [`collect_top_term`], visiting the blocks best bound first: the top
/// documents sit in the blocks with the best bounds, so the threshold is
/// high after the first few, and the visit ends at the first block whose
/// bound cannot beat it (or tie it with a smaller doc id). Hits are
/// gathered out of doc order, so ties are settled by [`offer`], and a block
/// whose exact bound equals the k-th score is still visited when it starts
/// before the k-th hit's doc id. Used without a filter or with a dense one;
/// `s` may be unpositioned ([`TermScorer::new_unpositioned`]): every block
/// is loaded before it is read.
pub(super) fn collect_top_term_best_first(
    s: &mut TermScorer<'_>,
    k: usize,
    filter: Option<&RoaringBitmap>,
    floor: f32,
) -> Result<TopDocs, TextIndexError> {
    let mut order = rank_blocks(s, floor)?;
    let mut heap: BinaryHeap<Worst> = BinaryHeap::with_capacity(k.min(1 << 16) + 1);
    let mut scores = [0f32; BLOCK_LEN];
    let mut docs_scored = 0u64;
    if floor > f32::NEG_INFINITY {
        s.set_threshold(floor);
    }
    let mut cut = floor;
    while let Some(b) = order.pop() {
        if heap.len() == k {
            let worst = heap.peek().map(|w| w.0);
            if let Some(w) = worst {
                if b.upper < w.score {
                    break;
                }
                if b.upper == w.score && !(b.exact && b.first < w.doc) {
                    continue;
                }
            }
        }
        s.load_block_at(b.block)?;
        let docs = s.score_rest_of_block(&mut scores);
        docs_scored += docs.len() as u64;
        // Runs of documents none of which beats the cut (in a block visited
        // for its best documents, most) are passed over first. When the
        // whole block comes after the worst kept hit, a tie with it loses
        // on the doc id, so the block's cut is that hit's score itself.
        // Other losers to the worst kept hit are turned away here, against
        // a copy of it, without touching the heap.
        let mut worst = full_worst(&heap, k);
        let block_cut = match worst {
            Some(w) if b.first > w.doc => w.score,
            _ => cut,
        };
        for (run_docs, run) in docs.chunks(RUN).zip(scores.chunks(RUN)) {
            if !any_above(run, block_cut) {
                continue;
            }
            for (&doc, &score) in run_docs.iter().zip(run) {
                if score > block_cut
                    && worst.is_none_or(|w| ranks_before(doc, score, w))
                    && filter.is_none_or(|f| f.contains(doc))
                {
                    offer(&mut heap, k, ScoredDoc { doc, score });
                    worst = full_worst(&heap, k);
                }
            }
        }
        if heap.len() == k {
            // Equal scores may still enter (with smaller doc ids): prune
            // strictly below the k-th score.
            let kth = heap.peek().map_or(cut, |w| w.0.score);
            let next = kth.next_down().max(floor);
            if next != cut {
                cut = next;
                s.set_threshold(cut);
            }
        }
    }
    if let Some(e) = s.take_error() {
        return Err(e);
    }
    Ok(sorted(heap, docs_scored))
}

/// Puts `hit`, which beats `threshold`, among the best `k` (the worst one
/// leaves a full heap); once the heap is full, `threshold` becomes the k-th
/// score. Returns whether the threshold changed.
pub(super) fn keep(
    heap: &mut BinaryHeap<Worst>,
    k: usize,
    hit: ScoredDoc,
    threshold: &mut f32,
) -> bool {
    if heap.len() == k {
        heap.pop();
    }
    heap.push(Worst(hit));
    if heap.len() < k {
        return false;
    }
    *threshold = heap.peek().map_or(*threshold, |w| w.0.score);
    true
}

/// Offers `hit` to the best `k` in any doc order: it goes in if the heap
/// is not full or it ranks before the worst hit (a higher score, or an
/// equal score and a smaller doc id), which then leaves.
pub(super) fn offer(heap: &mut BinaryHeap<Worst>, k: usize, hit: ScoredDoc) {
    if heap.len() < k {
        heap.push(Worst(hit));
        return;
    }
    if let Some(mut worst) = heap.peek_mut() {
        if ranks_before(hit.doc, hit.score, worst.0) {
            // The hit takes the worst one's place: one sift down.
            *worst = Worst(hit);
        }
    }
}

/// Documents tested at once in [`any_above`]: a run the compiler
/// vectorizes.
const RUN: usize = 16;

/// Whether any score of `run` is above `cut`, tested without branches.
#[inline]
fn any_above(run: &[f32], cut: f32) -> bool {
    match <&[f32; RUN]>::try_from(run) {
        Ok(full) => full.iter().fold(false, |any, &score| any | (score > cut)),
        Err(_) => run.iter().any(|&score| score > cut),
    }
}

/// The worst of the best `k` once the heap holds `k` hits.
#[inline]
fn full_worst(heap: &BinaryHeap<Worst>, k: usize) -> Option<ScoredDoc> {
    if heap.len() < k {
        return None;
    }
    heap.peek().map(|w| w.0)
}

/// Whether `(doc, score)` ranks before `other`: a higher score, or an
/// equal score and a smaller doc id.
#[inline]
fn ranks_before(doc: u32, score: f32, other: ScoredDoc) -> bool {
    score > other.score || (score == other.score && doc < other.doc)
}

/// Whether `filter` keeps enough of a segment's rows for block-at-a-time
/// scoring to beat seeking from allowed row to allowed row.
pub(super) fn dense_filter(filter: Option<&RoaringBitmap>, num_docs: u32) -> bool {
    filter.is_none_or(|f| f.len() * 8 >= u64::from(num_docs))
}

pub(super) fn sorted(heap: BinaryHeap<Worst>, docs_scored: u64) -> TopDocs {
    let mut hits: Vec<ScoredDoc> = heap.into_iter().map(|w| w.0).collect();
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
    TopDocs { hits, docs_scored }
}

pub(super) fn for_each_doc(
    matcher: Matcher<'_>,
    filter: Option<&RoaringBitmap>,
    mut f: impl FnMut(u32),
) -> Result<(), TextIndexError> {
    fn run<S: Scorer>(
        mut s: S,
        filter: Option<&RoaringBitmap>,
        f: &mut impl FnMut(u32),
    ) -> Result<(), TextIndexError> {
        loop {
            let doc = next_allowed(&mut s, filter);
            if doc == TERMINATED {
                break;
            }
            f(doc);
            s.advance();
        }
        s.take_error().map_or(Ok(()), Err)
    }
    match compile_root(matcher)? {
        Root::Empty => Ok(()),
        Root::Term(s) => run(s, filter, &mut f),
        Root::TermOr(s) => run(Union::new(s), filter, &mut f),
        Root::TermAnd(s) => run(s, filter, &mut f),
        Root::Any(s) => run(s, filter, &mut f),
    }
}
