//! Disjunction: documents matching any clause, scored by the sum of the
//! matching clauses in clause order.
//!
//! Without a threshold it is a plain union over clauses kept sorted by
//! current doc. With one (top-k) it runs block-max MaxScore: the doc space is
//! cut into windows ending at the first block end of any clause; in each,
//! clauses are ranked by their block-max score, and those whose bounds
//! together cannot beat the threshold are *non-essential* — a document only
//! they match cannot enter the top k — so only the essential clauses'
//! documents are visited, and the others are probed, highest bound first,
//! only while the document can still beat the threshold. A clause without
//! which no document can beat the threshold is *required*: candidates must
//! match it, and the scan leapfrogs to its next document when it does not.
//! Bounds carry a rounding slack, so pruning never drops a true top-k hit.

use super::scorer::{may_beat, sum_bound, Scorer};
use crate::text::index::{TextIndexError, TERMINATED};

pub(crate) struct Union<S> {
    /// In clause order; never moved (a scorer can be large).
    scorers: Vec<S>,
    /// Indices into `scorers`, sorted by current doc (plain mode only).
    order: Vec<usize>,
    doc: u32,
    threshold: f32,
    pruning: bool,
    max_score: f32,
    /// Block-max MaxScore state: the current window, each clause's bound in
    /// it, clauses by ascending bound and how many of them are non-essential.
    window: Option<Window>,
    win_max: Vec<f32>,
    by_bound: Vec<usize>,
    /// Clauses every competitive document of the window must match.
    required: Vec<usize>,
}

struct Window {
    end: u32,
    non_essential: usize,
    non_essential_sum: f64,
}

impl<S: Scorer> Union<S> {
    /// A union of `scorers`, whose order is the clause order for summing.
    pub(crate) fn new(scorers: Vec<S>) -> Self {
        let n = scorers.len();
        let max_score = sum_bound(scorers.iter().map(|s| f64::from(s.max_score())).sum(), n);
        let mut union = Union {
            scorers,
            order: (0..n).collect(),
            doc: TERMINATED,
            threshold: f32::NEG_INFINITY,
            pruning: false,
            max_score,
            window: None,
            win_max: vec![0.0; n],
            by_bound: (0..n).collect(),
            required: Vec::with_capacity(n),
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

    /// Block-max MaxScore: within a window where every clause's block
    /// bound holds, the clauses whose bounds together cannot beat the
    /// threshold are non-essential: a document only they match cannot enter
    /// the top k. Only the essential clauses' documents are visited; the
    /// others are probed, highest bound first, while the document can still
    /// beat the threshold.
    fn next_maxscore(&mut self, mut start: u32) -> u32 {
        let n = self.scorers.len();
        'docs: loop {
            if start == TERMINATED {
                return TERMINATED;
            }
            let window = match &self.window {
                Some(w) if start <= w.end => w,
                _ => {
                    let w = self.open_window(start);
                    if w.non_essential == n {
                        start = w.end.saturating_add(1);
                        self.window = None;
                        continue;
                    }
                    self.window.insert(w)
                }
            };
            let (end, ne, ne_sum) = (window.end, window.non_essential, window.non_essential_sum);
            let mut d = TERMINATED;
            for &i in &self.by_bound[ne..] {
                let s = &mut self.scorers[i];
                let sd = if s.doc() < start {
                    s.seek(start)
                } else {
                    s.doc()
                };
                d = d.min(sd);
            }
            if d > end {
                start = end.saturating_add(1);
                self.window = None;
                continue;
            }
            // Leapfrog on the required clauses: a document one of them lacks
            // cannot be competitive.
            for &i in &self.required {
                let s = &mut self.scorers[i];
                let sd = if s.doc() < d { s.seek(d) } else { s.doc() };
                if sd > d {
                    start = sd;
                    continue 'docs;
                }
            }
            // First with the window bounds of the clauses on `d` (no scoring),
            // then with their actual scores.
            let mut bound = ne_sum;
            for &i in &self.by_bound[ne..] {
                if self.scorers[i].doc() == d {
                    bound += f64::from(self.win_max[i]);
                }
            }
            if !may_beat(bound, n, self.threshold) {
                start = d + 1;
                continue;
            }
            // Then with bounds from their term frequencies, which read no
            // document length (most candidates of frequent terms stop here).
            let mut bound = ne_sum;
            for &i in &self.by_bound[ne..] {
                let s = &mut self.scorers[i];
                if s.doc() == d {
                    bound += f64::from(s.cheap_bound().min(self.win_max[i]));
                }
            }
            if !may_beat(bound, n, self.threshold) {
                start = d + 1;
                continue;
            }
            let mut partial = 0f64;
            for &i in &self.by_bound[ne..] {
                let s = &mut self.scorers[i];
                if s.doc() == d {
                    partial += f64::from(s.score());
                }
            }
            let mut remaining = ne_sum;
            if !may_beat(partial + remaining, n, self.threshold) {
                start = d + 1;
                continue;
            }
            for k in (0..ne).rev() {
                let i = self.by_bound[k];
                remaining -= f64::from(self.win_max[i]);
                let s = &mut self.scorers[i];
                let sd = if s.doc() < d { s.seek(d) } else { s.doc() };
                if sd == d {
                    let cheap = f64::from(s.cheap_bound().min(self.win_max[i]));
                    if !may_beat(partial + remaining + cheap, n, self.threshold) {
                        start = d + 1;
                        continue 'docs;
                    }
                    partial += f64::from(s.score());
                }
                if !may_beat(partial + remaining, n, self.threshold) {
                    start = d + 1;
                    continue 'docs;
                }
            }
            return d;
        }
    }

    /// Sets up the window starting at `start`: up to the first block end of
    /// any clause, with each clause's block bound and the essential split.
    fn open_window(&mut self, start: u32) -> Window {
        let mut end = TERMINATED;
        for (s, m) in self.scorers.iter_mut().zip(&mut self.win_max) {
            end = end.min(s.shallow_seek(start));
            *m = s.block_max_score();
        }
        let win_max = &self.win_max;
        self.by_bound
            .sort_unstable_by(|&a, &b| win_max[a].total_cmp(&win_max[b]).then(a.cmp(&b)));
        let total: f64 = self.win_max.iter().map(|&m| f64::from(m)).sum();
        let n = self.scorers.len();
        self.required.clear();
        for (i, &m) in self.win_max.iter().enumerate() {
            if !may_beat(total - f64::from(m), n, self.threshold) {
                self.required.push(i);
            }
        }
        let mut sum = 0f64;
        let mut non_essential = 0;
        for (k, &i) in self.by_bound.iter().enumerate() {
            let next = sum + f64::from(self.win_max[i]);
            if may_beat(next, k + 1, self.threshold) {
                break;
            }
            sum = next;
            non_essential = k + 1;
        }
        Window {
            end,
            non_essential,
            non_essential_sum: sum,
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
        if self.pruning {
            self.doc = self.next_maxscore(d + 1);
            return self.doc;
        }
        for rank in 0..self.order.len() {
            let s = &mut self.scorers[self.order[rank]];
            if s.doc() != d {
                break;
            }
            s.advance();
        }
        self.restore_order();
        self.doc = self.first_doc();
        self.doc
    }

    fn seek(&mut self, target: u32) -> u32 {
        if target <= self.doc {
            return self.doc;
        }
        if self.pruning {
            self.doc = self.next_maxscore(target);
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
        self.doc = self.first_doc();
        self.doc
    }

    fn score(&mut self) -> f32 {
        // Every clause on the document, in clause order.
        let d = self.doc;
        let mut sum = 0.0f32;
        for s in &mut self.scorers {
            if s.doc() == d {
                sum += s.score();
            }
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
        self.window = None;
    }

    fn cost(&self) -> u64 {
        self.scorers.iter().map(|s| s.cost()).sum()
    }

    fn take_error(&mut self) -> Option<TextIndexError> {
        self.scorers.iter_mut().find_map(|s| s.take_error())
    }
}
