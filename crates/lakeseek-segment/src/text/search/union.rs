//! Disjunction: documents matching any clause, scored by the sum of the
//! matching clauses in clause order. With a threshold it runs block-max WAND
//! (Ding & Suel): clauses are kept sorted by current doc, a pivot is chosen
//! where the running sum of clause upper bounds first exceeds the threshold,
//! and the block-max bounds of the clauses up to the pivot decide whether the
//! pivot's block region can be skipped altogether.

use super::scorer::{may_beat, sum_bound, Scorer};
use crate::text::index::{TextIndexError, TERMINATED};

#[allow(missing_docs)]
pub static DBG: [std::sync::atomic::AtomicU64; 3] = [
    std::sync::atomic::AtomicU64::new(0),
    std::sync::atomic::AtomicU64::new(0),
    std::sync::atomic::AtomicU64::new(0),
];
pub(crate) struct Union<S> {
    /// In clause order; never moved (a scorer can be large).
    scorers: Vec<S>,
    max_scores: Vec<f32>,
    /// Indices into `scorers`, sorted by current doc.
    order: Vec<usize>,
    doc: u32,
    threshold: f32,
    pruning: bool,
    /// Pivots up to this doc passed a block-max check under the current
    /// threshold; checking again there rarely prunes, so it is skipped
    /// (skipping a check never loses a match, only a chance to skip).
    checked_until: u32,
    max_score: f32,
    scratch: Vec<(usize, f32)>,
}

impl<S: Scorer> Union<S> {
    /// A union of `scorers`, whose order is the clause order for summing.
    pub(crate) fn new(scorers: Vec<S>) -> Self {
        let n = scorers.len();
        let max_scores: Vec<f32> = scorers.iter().map(|s| s.max_score()).collect();
        let max_score = sum_bound(max_scores.iter().map(|&m| f64::from(m)).sum(), n);
        let mut union = Union {
            scorers,
            max_scores,
            order: (0..n).collect(),
            doc: TERMINATED,
            threshold: f32::NEG_INFINITY,
            pruning: false,
            checked_until: 0,
            max_score,
            scratch: Vec::with_capacity(n),
        };
        union.restore_order();
        union.doc = union.first_doc();
        union
    }

    #[inline]
    fn doc_at(&self, rank: usize) -> u32 {
        self.scorers[self.order[rank]].doc()
    }

    #[inline]
    fn first_doc(&self) -> u32 {
        if self.order.is_empty() {
            TERMINATED
        } else {
            self.doc_at(0)
        }
    }

    /// Insertion sort of `order` by current doc: only a few clauses move at
    /// a time.
    fn restore_order(&mut self) {
        let (order, scorers) = (&mut self.order, &self.scorers);
        for i in 1..order.len() {
            let moving = order[i];
            let d = scorers[moving].doc();
            let mut j = i;
            while j > 0 && scorers[order[j - 1]].doc() > d {
                order[j] = order[j - 1];
                j -= 1;
            }
            order[j] = moving;
        }
    }

    /// Positions the union on its next match (plain mode) or its next
    /// candidate that may beat the threshold (pruning mode).
    fn find_next(&mut self) -> u32 {
        self.doc = if self.pruning {
            self.next_candidate()
        } else {
            self.first_doc()
        };
        self.doc
    }

    fn next_candidate(&mut self) -> u32 {
        let n = self.order.len();
        loop {
            DBG[0].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // Pivot: the first clause at which the bounds of it and all the
            // clauses before it (in doc order) may beat the threshold.
            let mut acc = 0f64;
            let mut pivot = None;
            for rank in 0..n {
                let i = self.order[rank];
                if self.scorers[i].doc() == TERMINATED {
                    break;
                }
                acc += f64::from(self.max_scores[i]);
                if may_beat(acc, rank + 1, self.threshold) {
                    pivot = Some(rank);
                    break;
                }
            }
            let Some(mut p) = pivot else {
                return TERMINATED;
            };
            let pivot_doc = self.doc_at(p);
            while p + 1 < n && self.doc_at(p + 1) == pivot_doc {
                p += 1;
            }

            if pivot_doc > self.checked_until || self.checked_until == TERMINATED {
                let mut block_sum = 0f64;
                let mut end = TERMINATED;
                for rank in 0..=p {
                    let s = &mut self.scorers[self.order[rank]];
                    end = end.min(s.shallow_seek(pivot_doc));
                    block_sum += f64::from(s.block_max_score());
                }
                if !may_beat(block_sum, p + 1, self.threshold) {
                    DBG[1].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    // Nothing in [pivot, next) can beat the threshold: only
                    // the clauses up to the pivot match there, and their
                    // blocks say no.
                    let mut next = end.saturating_add(1);
                    if p + 1 < n {
                        next = next.min(self.doc_at(p + 1));
                    }
                    for rank in 0..=p {
                        let s = &mut self.scorers[self.order[rank]];
                        if s.doc() < next {
                            s.seek(next);
                        }
                    }
                    self.restore_order();
                    continue;
                }
                self.checked_until = end;
            }
            if self.doc_at(0) == pivot_doc {
                DBG[2].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return pivot_doc;
            }
            // Clauses behind the pivot cannot produce a competitive document
            // before it on their own.
            for rank in 0..p {
                let s = &mut self.scorers[self.order[rank]];
                if s.doc() < pivot_doc {
                    s.seek(pivot_doc);
                }
            }
            self.restore_order();
        }
    }
}

impl<S: Scorer> Scorer for Union<S> {
    #[inline]
    fn doc(&self) -> u32 {
        self.doc
    }

    fn advance(&mut self) -> u32 {
        let d = self.doc;
        if d == TERMINATED {
            return d;
        }
        for rank in 0..self.order.len() {
            let s = &mut self.scorers[self.order[rank]];
            if s.doc() != d {
                break;
            }
            s.advance();
        }
        self.restore_order();
        self.find_next()
    }

    fn seek(&mut self, target: u32) -> u32 {
        if target <= self.doc {
            return self.doc;
        }
        for rank in 0..self.order.len() {
            let s = &mut self.scorers[self.order[rank]];
            if s.doc() >= target {
                break;
            }
            s.seek(target);
        }
        self.restore_order();
        self.find_next()
    }

    fn score(&mut self) -> f32 {
        let d = self.doc;
        let mut sum = 0.0f32;
        if self.scorers.len() <= 8 {
            // Few clauses: visit them in clause order.
            for s in &mut self.scorers {
                if s.doc() == d {
                    sum += s.score();
                }
            }
            return sum;
        }
        self.scratch.clear();
        for rank in 0..self.order.len() {
            let i = self.order[rank];
            if self.scorers[i].doc() != d {
                break;
            }
            self.scratch.push((i, self.scorers[i].score()));
        }
        self.scratch.sort_unstable_by_key(|&(i, _)| i);
        for &(_, s) in &self.scratch {
            sum += s;
        }
        sum
    }

    fn max_score(&self) -> f32 {
        self.max_score
    }

    fn shallow_seek(&mut self, target: u32) -> u32 {
        let mut end = TERMINATED;
        for s in &mut self.scorers {
            end = end.min(s.shallow_seek(target));
        }
        end
    }

    fn block_max_score(&mut self) -> f32 {
        let mut sum = 0f64;
        for s in &mut self.scorers {
            sum += f64::from(s.block_max_score());
        }
        sum_bound(sum, self.scorers.len())
    }

    fn set_threshold(&mut self, threshold: f32) {
        self.threshold = threshold;
        self.pruning = threshold > f32::NEG_INFINITY;
        self.checked_until = self.doc;
    }

    fn cost(&self) -> u64 {
        self.scorers.iter().map(|s| s.cost()).sum()
    }

    fn take_error(&mut self) -> Option<TextIndexError> {
        self.scorers.iter_mut().find_map(|s| s.take_error())
    }
}
