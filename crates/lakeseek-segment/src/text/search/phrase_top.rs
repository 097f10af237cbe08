//! Top-k of an exact phrase, best-bounded documents first.
//!
//! An exact phrase occurs in a document at most as often as its rarest
//! term, so that term's frequency and the document's length bound the
//! phrase's score there — exactly, since the score is monotone in both,
//! step by step in `f32`. A doc-order scan meets its matches in no useful
//! order, and until its threshold is high every candidate costs seeks into
//! the other terms (common words, with dense postings) and a positions
//! check. Here the rarest term's documents are bounded first (a vectorized
//! pass, like a single-term query) and the phrase is checked in the
//! best-bounded ones, a doc-ordered batch at a time (each batch twice the
//! last, with cursors of its own), until no document left can rank among
//! the k found: its bound is below the k-th score. Then the k found are the
//! top k.
//!
//! Used when the phrase is expected to occur often in the segment (the
//! k best are then among the best-bounded candidates); otherwise, and for
//! sloppy phrases, the doc-order scan runs.
//!
//! Exact: every document left unchecked has a bound, hence a score, below
//! the k-th found (a bound equal to it is still checked, since an equal
//! score with a smaller doc id ranks first), and the found ones are ranked
//! by score and doc id as the scan ranks them.

use std::collections::BinaryHeap;

use roaring::RoaringBitmap;

use super::collect::{offer, sorted, Worst};
use super::phrase::PhraseScratch;
use super::{PhraseMatcher, ScoredDoc, TopDocs};
use crate::text::bm25::TermWeight;
use crate::text::index::{DocLens, PostingsCursor, TextIndexError, BLOCK_LEN, TERMINATED};

/// The bounding pass reads the rarest term's every posting and length;
/// past this many documents (every term common, the bound a common word's
/// frequency and so loose) the doc-order scan does better.
const MAX_LEAD_DOCS: u32 = 1 << 16;

/// Below this many documents of the rarest term the scan is cheap anyway.
const MIN_LEAD_DOCS: u32 = 256;

/// Best-first pays when the phrase has many matches, so that the k best
/// are among the best-bounded candidates; with few (terms that rarely meet)
/// it checks nearly every candidate, in scattered order, where the scan
/// checks them in doc order. It is used when the segment is expected to
/// hold this many matches per hit asked for.
const MATCHES_PER_HIT: usize = 4;

/// The first batch of candidates checked; each next batch doubles.
const FIRST_BATCH: usize = 64;

/// The top `k` of the phrase `p` above `floor` within `filter`, or `None`
/// when `p` is not an exact phrase with a rarest term of a size this
/// method suits (the caller scans instead).
pub(super) fn top_k_phrase(
    p: &PhraseMatcher<'_>,
    k: usize,
    filter: Option<&RoaringBitmap>,
    floor: f32,
) -> Result<Option<TopDocs>, TextIndexError> {
    if p.slop != 0 || k == 0 {
        return Ok(None);
    }
    let Some(lead) = (0..p.terms.len()).min_by_key(|&i| (p.terms[i].0.doc_freq(), i)) else {
        return Ok(None);
    };
    if !(MIN_LEAD_DOCS..=MAX_LEAD_DOCS).contains(&p.terms[lead].0.doc_freq())
        || expected_matches(p) < (MATCHES_PER_HIT * k) as f64
    {
        return Ok(None);
    }
    let mut ranked = BoundBuckets::new(bounded_candidates(p, lead, filter, floor)?);
    let mut heap: BinaryHeap<Worst> = BinaryHeap::with_capacity(k + 1);
    let mut check = Checker::new(p);
    let mut docs_scored = 0u64;
    let mut batch = FIRST_BATCH;
    let mut bucket = 0;
    while bucket < BUCKETS {
        // The next batch: whole buckets, best first, at least `batch`
        // candidates (or all that are left).
        let start = ranked.starts[bucket];
        while bucket < BUCKETS && ranked.starts[bucket] - start < batch {
            bucket += 1;
        }
        let end = ranked.starts[bucket];
        let now = &mut ranked.candidates[start..end];
        now.sort_unstable_by_key(|c| c.1);
        check.restart(p)?;
        for &(_, doc) in now.iter() {
            if let Some(score) = check.score(doc)? {
                docs_scored += 1;
                if score > floor {
                    offer(&mut heap, k, ScoredDoc { doc, score });
                }
            }
        }
        batch *= 2;
        // Done once no document left can rank among the k found: the
        // buckets left hold only bounds below the next non-empty one's
        // largest.
        if heap.len() == k {
            let kth = heap.peek().map_or(f32::INFINITY, |w| w.0.score);
            if ranked.largest_from(bucket) < kth {
                break;
            }
        }
    }
    Ok(Some(sorted(heap, docs_scored)))
}

/// Buckets the candidates of best-first checking are ranked into.
const BUCKETS: usize = 1024;

/// Candidates ordered by bound a bucket at a time, in one counting pass:
/// bucket 0 holds the largest bounds, and every bound of a bucket exceeds
/// every bound of the buckets after it (the bucket of a bound is monotone
/// in it), so the best-first loop takes whole buckets in order with no
/// selection over the rest each batch, and the largest bound left is the
/// next non-empty bucket's largest. Within a bucket the order is arbitrary.
/// A NaN bound (never expected) ranks first, as if infinite.
struct BoundBuckets {
    candidates: Vec<(f32, u32)>,
    /// `starts[b]..starts[b + 1]` is bucket `b` in `candidates`.
    starts: [usize; BUCKETS + 1],
    largest: [f32; BUCKETS],
}

impl BoundBuckets {
    fn new(candidates: Vec<(f32, u32)>) -> Self {
        let finite = candidates.iter().map(|c| c.0).filter(|b| b.is_finite());
        let (lo, hi) = finite.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), b| {
            (lo.min(b), hi.max(b))
        });
        let scale = if hi > lo {
            (BUCKETS - 1) as f32 / (hi - lo)
        } else {
            0.0
        };
        // Monotone: a larger bound never lands in a later bucket (each
        // step rounds monotonically); NaN and the largest land in 0.
        let bucket_of = |b: f32| {
            if b < hi {
                (((hi - b) * scale) as usize).min(BUCKETS - 1)
            } else {
                0
            }
        };
        let mut starts = [0usize; BUCKETS + 1];
        let mut largest = [f32::NEG_INFINITY; BUCKETS];
        for &(b, _) in &candidates {
            let j = bucket_of(b);
            starts[j + 1] += 1;
            largest[j] = largest[j].max(if b.is_nan() { f32::INFINITY } else { b });
        }
        for j in 0..BUCKETS {
            starts[j + 1] += starts[j];
        }
        let mut next = starts;
        let mut ordered = vec![(0f32, 0u32); candidates.len()];
        for c in candidates {
            let j = bucket_of(c.0);
            ordered[next[j]] = c;
            next[j] += 1;
        }
        BoundBuckets {
            candidates: ordered,
            starts,
            largest,
        }
    }

    /// The largest bound in buckets `from..`, or -inf when they are empty.
    fn largest_from(&self, from: usize) -> f32 {
        (from..BUCKETS)
            .find(|&j| self.starts[j + 1] > self.starts[j])
            .map_or(f32::NEG_INFINITY, |j| self.largest[j])
    }
}

/// The phrase's expected number of occurrences in the segment were its
/// terms placed independently: tokens times the product of the terms'
/// shares of them.
fn expected_matches(p: &PhraseMatcher<'_>) -> f64 {
    let tokens = p.reader.total_tokens().max(1) as f64;
    p.terms.iter().fold(tokens, |e, (info, _, _)| {
        e * (info.total_term_freq() as f64 / tokens)
    })
}

/// `(bound, doc)` for every document of the lead term (within `filter`)
/// whose bound beats `floor`.
fn bounded_candidates(
    p: &PhraseMatcher<'_>,
    lead: usize,
    filter: Option<&RoaringBitmap>,
    floor: f32,
) -> Result<Vec<(f32, u32)>, TextIndexError> {
    let mut cursor = p.reader.postings(&p.terms[lead].0)?;
    let lens = p.reader.doc_lens();
    let mut out = Vec::with_capacity(cursor.doc_freq() as usize);
    let mut block_lens = [0u32; BLOCK_LEN];
    let mut bounds = [0f32; BLOCK_LEN];
    while cursor.doc() != TERMINATED {
        let last = cursor.decoded_block_last();
        let (docs, tfs) = cursor.rest_of_block();
        let n = docs.len();
        lens.get_many(docs, tfs, 0, &mut block_lens[..n]);
        p.weight
            .score_block(tfs, &block_lens[..n], &mut bounds[..n]);
        for (&doc, &bound) in docs.iter().zip(&bounds[..n]) {
            // A NaN bound stays a candidate.
            let beats = bound > floor || bound.is_nan();
            if beats && filter.is_none_or(|f| f.contains(doc)) {
                out.push((bound, doc));
            }
        }
        if last == TERMINATED {
            break;
        }
        cursor.seek(last.saturating_add(1));
    }
    match cursor.take_error() {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Checks the phrase in given documents, in increasing doc order, with
/// cursors of its own (restarted for every batch).
struct Checker<'a> {
    cursors: Vec<PostingsCursor<'a>>,
    weight: TermWeight,
    lens: DocLens<'a>,
    offsets: Vec<u32>,
    /// Term indices by ascending document frequency: the order of seeks
    /// and of position checks, so that a miss is found cheapest.
    order: Vec<usize>,
    scratch: PhraseScratch,
}

impl<'a> Checker<'a> {
    fn new(p: &PhraseMatcher<'a>) -> Self {
        Checker {
            cursors: Vec::with_capacity(p.terms.len()),
            weight: p.weight,
            lens: p.reader.doc_lens(),
            offsets: p.terms.iter().map(|t| t.1).collect(),
            order: {
                let mut order: Vec<usize> = (0..p.terms.len()).collect();
                order.sort_by_key(|&i| (p.terms[i].0.doc_freq(), i));
                order
            },
            scratch: PhraseScratch::default(),
        }
    }

    fn restart(&mut self, p: &PhraseMatcher<'a>) -> Result<(), TextIndexError> {
        self.cursors.clear();
        for (info, _, _) in &p.terms {
            self.cursors.push(p.reader.postings(info)?);
        }
        Ok(())
    }

    /// The phrase's score in `doc`, as `PhraseScorer` computes it, or
    /// `None` where it does not occur.
    fn score(&mut self, doc: u32) -> Result<Option<f32>, TextIndexError> {
        for &i in &self.order {
            let c = &mut self.cursors[i];
            if c.seek(doc) != doc {
                return match c.take_error() {
                    Some(e) => Err(e),
                    None => Ok(None),
                };
            }
        }
        let cursors = &mut self.cursors;
        let freq = self
            .scratch
            .exact_lazy(&self.order, &self.offsets, |i, buf| {
                cursors[i].positions(buf)
            })?;
        Ok((freq > 0.0).then(|| self.weight.score_freq(freq, self.lens.get(doc))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every candidate is kept once, and every bound of a bucket
        /// exceeds every bound of the later buckets; `largest_from` is the
        /// largest bound left.
        #[test]
        fn buckets_rank_candidates_by_bound(
            bounds in prop::collection::vec(
                prop_oneof![
                    8 => 0.0f32..40.0,
                    1 => Just(f32::NAN),
                    1 => prop::sample::select(vec![1.5f32, 1.5000001, 3.25, 0.0]),
                ],
                0..400,
            )
        ) {
            let candidates: Vec<(f32, u32)> =
                bounds.iter().enumerate().map(|(i, &b)| (b, i as u32)).collect();
            prop_assert_eq!(BoundBuckets::new(Vec::new()).largest_from(0), f32::NEG_INFINITY);
            let ranked = BoundBuckets::new(candidates);
            let mut docs: Vec<u32> = ranked.candidates.iter().map(|c| c.1).collect();
            docs.sort_unstable();
            prop_assert_eq!(docs, (0..bounds.len() as u32).collect::<Vec<_>>());
            let key = |b: f32| if b.is_nan() { f32::INFINITY } else { b };
            // suffix[i]: the largest bound from candidate i on.
            let n = ranked.candidates.len();
            let mut suffix = vec![f32::NEG_INFINITY; n + 1];
            for i in (0..n).rev() {
                suffix[i] = suffix[i + 1].max(key(ranked.candidates[i].0));
            }
            for j in 0..BUCKETS {
                let (from, to) = (ranked.starts[j], ranked.starts[j + 1]);
                let smallest = ranked.candidates[from..to]
                    .iter()
                    .map(|c| key(c.0))
                    .fold(f32::INFINITY, f32::min);
                if from < to {
                    prop_assert!(smallest > suffix[to]);
                    prop_assert_eq!(ranked.largest_from(j), suffix[from]);
                }
            }
        }
    }
}
