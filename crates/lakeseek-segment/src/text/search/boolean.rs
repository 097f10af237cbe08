//! Conjunction (leapfrog intersection with block-max pruning), exclusion
//! (`must_not`) and required-plus-optional (`must` with `should`) scorers.

use super::scorer::{may_beat, residual_threshold, sum_bound, Scorer};
use crate::text::index::{TextIndexError, TERMINATED};

/// Documents matching every clause, scored by the sum of the clause scores
/// in clause order. Clauses are advanced cheapest first; with a threshold,
/// regions whose summed block-max scores cannot beat it are skipped.
pub(crate) struct Conjunction<S> {
    /// Sorted by cost, cheapest first.
    clauses: Vec<S>,
    /// Clause order → index in `clauses`.
    by_ord: Vec<usize>,
    doc: u32,
    max_score: f32,
    threshold: f32,
    pruning: bool,
    checked_until: u32,
}

impl<S: Scorer> Conjunction<S> {
    /// A conjunction of at least one scorer; their order is the clause order.
    pub(crate) fn new(scorers: Vec<S>) -> Self {
        let n = scorers.len();
        let max_score = sum_bound(scorers.iter().map(|s| f64::from(s.max_score())).sum(), n);
        let mut indexed: Vec<(usize, S)> = scorers.into_iter().enumerate().collect();
        indexed.sort_by_key(|(ord, s)| (s.cost(), *ord));
        let mut by_ord = vec![0; n];
        for (i, (ord, _)) in indexed.iter().enumerate() {
            by_ord[*ord] = i;
        }
        let clauses: Vec<S> = indexed.into_iter().map(|(_, s)| s).collect();
        let mut c = Conjunction {
            clauses,
            by_ord,
            doc: TERMINATED,
            max_score,
            threshold: f32::NEG_INFINITY,
            pruning: false,
            checked_until: 0,
        };
        let first = c.clauses.first().map_or(TERMINATED, |s| s.doc());
        c.align(first);
        c
    }

    fn terminate(&mut self) -> u32 {
        if let Some(lead) = self.clauses.first_mut() {
            lead.seek(TERMINATED);
        }
        self.doc = TERMINATED;
        TERMINATED
    }

    /// Finds the first common document at or after `t`, where the lead
    /// clause is on `t`.
    fn align(&mut self, mut t: u32) -> u32 {
        'candidates: loop {
            if t == TERMINATED {
                return self.terminate();
            }
            if self.pruning && t > self.checked_until {
                let mut end = TERMINATED;
                let mut sum = 0f64;
                for c in &mut self.clauses {
                    end = end.min(c.shallow_seek(t));
                    sum += f64::from(c.block_max_score());
                }
                if !may_beat(sum, self.clauses.len(), self.threshold) {
                    if end == TERMINATED {
                        return self.terminate();
                    }
                    t = self.clauses[0].seek(end + 1);
                    continue;
                }
                self.checked_until = end;
            }
            for i in 1..self.clauses.len() {
                let d = self.clauses[i].seek(t);
                if d > t {
                    t = self.clauses[0].seek(d);
                    continue 'candidates;
                }
            }
            self.doc = t;
            return t;
        }
    }
}

impl<S: Scorer> Scorer for Conjunction<S> {
    #[inline]
    fn doc(&self) -> u32 {
        self.doc
    }

    fn advance(&mut self) -> u32 {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let t = self.clauses[0].advance();
        self.align(t)
    }

    fn seek(&mut self, target: u32) -> u32 {
        if target <= self.doc {
            return self.doc;
        }
        let t = self.clauses[0].seek(target);
        self.align(t)
    }

    fn score(&mut self) -> f32 {
        let mut sum = 0.0f32;
        for &i in &self.by_ord {
            sum += self.clauses[i].score();
        }
        sum
    }

    fn max_score(&self) -> f32 {
        self.max_score
    }

    fn shallow_seek(&mut self, target: u32) -> u32 {
        let mut end = TERMINATED;
        for c in &mut self.clauses {
            end = end.min(c.shallow_seek(target));
        }
        end
    }

    fn block_max_score(&mut self) -> f32 {
        let mut sum = 0f64;
        for c in &mut self.clauses {
            sum += f64::from(c.block_max_score());
        }
        sum_bound(sum, self.clauses.len())
    }

    fn set_threshold(&mut self, threshold: f32) {
        self.threshold = threshold;
        self.pruning = threshold > f32::NEG_INFINITY;
        self.checked_until = self.doc;
    }

    fn cost(&self) -> u64 {
        self.clauses.first().map_or(0, |c| c.cost())
    }

    fn take_error(&mut self) -> Option<TextIndexError> {
        self.clauses.iter_mut().find_map(|c| c.take_error())
    }
}

/// Documents of `include` that `exclude` does not match; scored by `include`.
pub(crate) struct Exclusion<I, E> {
    include: I,
    exclude: E,
}

impl<I: Scorer, E: Scorer> Exclusion<I, E> {
    pub(crate) fn new(include: I, exclude: E) -> Self {
        let mut x = Exclusion { include, exclude };
        let d = x.include.doc();
        x.skip_excluded(d);
        x
    }

    fn skip_excluded(&mut self, mut d: u32) -> u32 {
        while d != TERMINATED {
            let e = if self.exclude.doc() < d {
                self.exclude.seek(d)
            } else {
                self.exclude.doc()
            };
            if e != d {
                break;
            }
            d = self.include.advance();
        }
        d
    }
}

impl<I: Scorer, E: Scorer> Scorer for Exclusion<I, E> {
    #[inline]
    fn doc(&self) -> u32 {
        self.include.doc()
    }
    fn advance(&mut self) -> u32 {
        let d = self.include.advance();
        self.skip_excluded(d)
    }
    fn seek(&mut self, target: u32) -> u32 {
        let d = self.include.seek(target);
        self.skip_excluded(d)
    }
    fn score(&mut self) -> f32 {
        self.include.score()
    }
    fn max_score(&self) -> f32 {
        self.include.max_score()
    }
    fn shallow_seek(&mut self, target: u32) -> u32 {
        self.include.shallow_seek(target)
    }
    fn block_max_score(&mut self) -> f32 {
        self.include.block_max_score()
    }
    fn set_threshold(&mut self, threshold: f32) {
        self.include.set_threshold(threshold)
    }
    fn cost(&self) -> u64 {
        self.include.cost()
    }
    fn take_error(&mut self) -> Option<TextIndexError> {
        self.include
            .take_error()
            .or_else(|| self.exclude.take_error())
    }
}

/// Lucene's `must` + `should`: the required scorer decides what matches; the
/// optional one only adds its score where it also matches.
pub(crate) struct ReqOpt<R, O> {
    req: R,
    opt: O,
    max_score: f32,
}

impl<R: Scorer, O: Scorer> ReqOpt<R, O> {
    pub(crate) fn new(req: R, opt: O) -> Self {
        let max_score = sum_bound(f64::from(req.max_score()) + f64::from(opt.max_score()), 2);
        ReqOpt {
            req,
            opt,
            max_score,
        }
    }
}

impl<R: Scorer, O: Scorer> Scorer for ReqOpt<R, O> {
    #[inline]
    fn doc(&self) -> u32 {
        self.req.doc()
    }
    fn advance(&mut self) -> u32 {
        self.req.advance()
    }
    fn seek(&mut self, target: u32) -> u32 {
        self.req.seek(target)
    }
    fn score(&mut self) -> f32 {
        let d = self.req.doc();
        let r = self.req.score();
        let o = if self.opt.doc() < d {
            self.opt.seek(d)
        } else {
            self.opt.doc()
        };
        if o == d {
            r + self.opt.score()
        } else {
            r
        }
    }
    fn max_score(&self) -> f32 {
        self.max_score
    }
    fn shallow_seek(&mut self, target: u32) -> u32 {
        self.req
            .shallow_seek(target)
            .min(self.opt.shallow_seek(target))
    }
    fn block_max_score(&mut self) -> f32 {
        let sum = f64::from(self.req.block_max_score()) + f64::from(self.opt.block_max_score());
        sum_bound(sum, 2)
    }
    fn set_threshold(&mut self, threshold: f32) {
        let t = residual_threshold(threshold, self.opt.max_score());
        self.req.set_threshold(t);
    }
    fn cost(&self) -> u64 {
        self.req.cost()
    }
    fn take_error(&mut self) -> Option<TextIndexError> {
        self.req.take_error().or_else(|| self.opt.take_error())
    }
}
