//! The blocks of one term ranked by their score bounds, for the best-first
//! single-term top-k ([`super::collect::collect_top_term_best_first`]).
//!
//! Every block's bound is computed before any block is decoded, so this is
//! the fixed cost of a one-term query: the skip entries are read in chunks
//! into flat `(tf, len)` arrays and scored in one vectorized pass
//! ([`TermWeight::score_block`], the very arithmetic of a document's score)
//! rather than block by block.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::scorer::{with_slack, TermScorer};
use crate::text::index::{TextIndexError, BOUND_SLOTS, MAX_PAIRS};

/// A block of the term, by its score bound.
#[derive(Debug, Clone, Copy)]
pub(super) struct BlockByBound {
    /// The smaller of the corner's exact score and the pairs' (slack) bound.
    pub(super) upper: f32,
    /// Whether `upper` is the corner's exact score, reachable by a document
    /// scoring exactly it (the pairs' bound, with its slack, is not).
    pub(super) exact: bool,
    /// No document of the block is below this.
    pub(super) first: u32,
    pub(super) block: u32,
}

impl PartialEq for BlockByBound {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for BlockByBound {}
impl PartialOrd for BlockByBound {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for BlockByBound {
    /// Highest bound first, then the earlier block.
    fn cmp(&self, other: &Self) -> Ordering {
        self.upper
            .total_cmp(&other.upper)
            .then(other.block.cmp(&self.block))
    }
}

/// Up to this many blocks are sorted once; more go into a heap, since a
/// search usually stops after a few of them.
const SORT_MAX: usize = 256;

/// Blocks whose bound may beat the floor, best bound first.
pub(super) enum RankedBlocks {
    /// Sorted worst first, so the best is popped from the end.
    Sorted(Vec<BlockByBound>),
    Heap(BinaryHeap<BlockByBound>),
}

impl RankedBlocks {
    /// The best block not yet taken.
    #[inline]
    pub(super) fn pop(&mut self) -> Option<BlockByBound> {
        match self {
            RankedBlocks::Sorted(v) => v.pop(),
            RankedBlocks::Heap(h) => h.pop(),
        }
    }
}

/// Blocks scored per pass: small stack arrays, long enough runs for the
/// vectorized scoring.
const CHUNK: usize = 32;

/// Ranks the blocks of `s`'s term by their bounds, leaving out those that
/// cannot beat `floor` (a NaN bound counts as infinite and stays).
pub(super) fn rank_blocks(s: &TermScorer<'_>, floor: f32) -> Result<RankedBlocks, TextIndexError> {
    let weight = *s.weight();
    let num_blocks = s.num_blocks();
    let mut blocks = Vec::with_capacity(num_blocks as usize);
    let mut tfs = [0u32; CHUNK * BOUND_SLOTS];
    let mut lens = [0u32; CHUNK * BOUND_SLOTS];
    let mut scores = [0f32; CHUNK * BOUND_SLOTS];
    let mut firsts = [0u32; CHUNK];
    let mut from = 0u32;
    while from < num_blocks {
        let n = s.bound_inputs(from, &mut tfs, &mut lens, &mut firsts)?;
        if n == 0 {
            break;
        }
        let slots = n * BOUND_SLOTS;
        weight.score_block(&tfs[..slots], &lens[..slots], &mut scores[..slots]);
        for (i, (block_scores, &first)) in scores[..slots]
            .chunks_exact(BOUND_SLOTS)
            .zip(&firsts)
            .enumerate()
        {
            let best_pair = block_scores[..MAX_PAIRS]
                .iter()
                .fold(0.0f32, |m, &score| m.max(score));
            let pairs = with_slack(best_pair);
            let corner = block_scores[MAX_PAIRS];
            let upper = corner.min(pairs);
            if upper <= floor {
                continue;
            }
            blocks.push(BlockByBound {
                upper: if upper.is_nan() { f32::INFINITY } else { upper },
                exact: corner <= pairs,
                first,
                block: from + i as u32,
            });
        }
        from += n as u32;
    }
    Ok(if blocks.len() <= SORT_MAX {
        blocks.sort_unstable();
        RankedBlocks::Sorted(blocks)
    } else {
        RankedBlocks::Heap(BinaryHeap::from(blocks))
    })
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use proptest::prelude::*;

    use super::*;
    use crate::text::bm25::{Bm25Params, CorpusStats, TermWeight};
    use crate::text::index::{TextIndexBuilder, TextIndexOptions, TextIndexReader, TERMINATED};

    /// Each document: how often the term occurs and how many other tokens.
    fn index(docs: &[(u32, u32)]) -> TextIndexReader {
        let mut b = TextIndexBuilder::new(TextIndexOptions { positions: false });
        for &(tf, other) in docs {
            let tokens = (0..tf).map(|_| "t").chain((0..other).map(|_| "o"));
            b.add_document(tokens.enumerate().map(|(p, t)| (t, p as u32)));
        }
        TextIndexReader::open(Bytes::from(b.finish())).expect("valid index")
    }

    proptest! {
        /// Every block whose bound may beat the floor is ranked, once, best
        /// bound first; its bound is at least the score of each of its
        /// documents, and its `first` at most its first document.
        #[test]
        fn blocks_rank_by_bounds_that_cover_their_documents(
            docs in prop::collection::vec((0u32..6, 0u32..300), 300..1500),
            floor_at in 0.0f64..1.2,
        ) {
            let reader = index(&docs);
            let Some(info) = reader.term("t").expect("dictionary") else {
                return Ok(());
            };
            let corpus = CorpusStats {
                num_docs: docs.len() as u64,
                total_tokens: docs.iter().map(|&(tf, other)| u64::from(tf + other)).sum(),
            };
            let weight = TermWeight::new(Bm25Params::default(), &corpus, u64::from(info.doc_freq()), 1.0);
            // The true best score of each block, and its first document.
            let mut cursor = reader.postings(&info).expect("postings");
            let mut best: Vec<(f32, u32)> = Vec::new();
            let mut doc = cursor.doc();
            let mut i = 0;
            while doc != TERMINATED {
                let score = weight.score(cursor.freq(), reader.doc_len(doc));
                if i % 128 == 0 {
                    best.push((score, doc));
                }
                let last = best.last_mut().expect("a block");
                last.0 = last.0.max(score);
                doc = cursor.advance();
                i += 1;
            }
            let floor = if floor_at > 1.0 {
                f32::NEG_INFINITY
            } else {
                (floor_at * f64::from(weight.limit())) as f32
            };
            let scorer = TermScorer::new_unpositioned(&reader, &info, weight).expect("scorer");
            let mut ranked = rank_blocks(&scorer, floor).expect("ranked");
            let mut seen = vec![false; best.len()];
            let mut last_upper = f32::INFINITY;
            while let Some(b) = ranked.pop() {
                let (top, first_doc) = best[b.block as usize];
                prop_assert!(!seen[b.block as usize]);
                seen[b.block as usize] = true;
                prop_assert!(b.upper <= last_upper);
                last_upper = b.upper;
                prop_assert!(b.upper >= top);
                prop_assert!(b.first <= first_doc);
                prop_assert!(b.upper > floor);
            }
            if best.len() > 1 {
                for (block, &(top, _)) in best.iter().enumerate() {
                    prop_assert!(seen[block] || top <= floor, "block {} left out", block);
                }
            }
        }
    }
}
