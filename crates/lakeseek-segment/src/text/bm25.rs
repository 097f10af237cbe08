//! BM25 scoring with table-wide statistics.
//!
//! A score depends only on the table-wide statistics ([`CorpusStats`] and the
//! document frequency summed over every segment of the snapshot), the term
//! frequency and the document length, so a row scores identically whatever
//! segment it sits in.
//!
//! Arithmetic is fixed so results are reproducible bit for bit:
//! `idf = ln(1 + (N - df + 0.5) / (df + 0.5))` is computed in `f64` and
//! rounded to `f32` once; the per-query constants
//! `w = boost * idf * (k1 + 1)`, `c0 = k1 * (1 - b)` and `c1 = k1 * b / avgdl`
//! likewise. Per document, in `f32` and in this order:
//!
//! ```text
//! norm  = c0 + c1 * len
//! score = (w * tf) / (tf + norm)
//! ```
//!
//! Five roundings separate a score from its exact value, so it is within a
//! relative `3 * f32::EPSILON` of it; the upper bounds used for pruning add
//! a larger relative slack (`search::scorer::bound_score`), which keeps
//! pruning exact.

/// BM25 parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bm25Params {
    /// Term-frequency saturation; clamped to `>= 0`.
    pub k1: f32,
    /// Length normalisation; clamped to `[0, 1]`.
    pub b: f32,
}

impl Default for Bm25Params {
    fn default() -> Self {
        Bm25Params { k1: 1.2, b: 0.75 }
    }
}

/// Statistics of one text column summed over all segments of a table snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CorpusStats {
    /// Number of documents (rows).
    pub num_docs: u64,
    /// Sum of document lengths.
    pub total_tokens: u64,
}

impl CorpusStats {
    /// Average document length, computed in `f64`; 1 for an empty corpus.
    pub fn avg_doc_len(&self) -> f64 {
        if self.num_docs == 0 || self.total_tokens == 0 {
            1.0
        } else {
            self.total_tokens as f64 / self.num_docs as f64
        }
    }
}

/// Lucene's non-negative BM25 idf, `ln(1 + (N - df + 0.5) / (df + 0.5))`, in
/// `f64` rounded to `f32`. A `doc_freq` above `num_docs` (inconsistent
/// statistics) is treated as `num_docs`.
pub fn idf(num_docs: u64, doc_freq: u64) -> f32 {
    let n = num_docs.max(doc_freq) as f64;
    let df = doc_freq as f64;
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln() as f32
}

/// The BM25 weight of one query term (or phrase) with its constants
/// precomputed; see the module documentation for the exact arithmetic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TermWeight {
    weight: f32,
    norm_base: f32,
    norm_per_len: f32,
    idf: f32,
}

impl TermWeight {
    /// The weight of a term with table-wide `doc_freq` (summed over all
    /// segments), multiplied by `boost` (negative or NaN boosts count as 0).
    pub fn new(params: Bm25Params, corpus: &CorpusStats, doc_freq: u64, boost: f32) -> Self {
        Self::from_idf(params, corpus, idf(corpus.num_docs, doc_freq), boost)
    }

    /// The weight for a given idf, e.g. the sum of a phrase's term idfs.
    pub fn from_idf(params: Bm25Params, corpus: &CorpusStats, idf: f32, boost: f32) -> Self {
        let k1 = f64::from(params.k1.max(0.0));
        let b = f64::from(params.b.clamp(0.0, 1.0));
        let boost = if boost > 0.0 { f64::from(boost) } else { 0.0 };
        let idf = if idf > 0.0 { idf } else { 0.0 };
        TermWeight {
            weight: (boost * f64::from(idf) * (k1 + 1.0)) as f32,
            norm_base: (k1 * (1.0 - b)) as f32,
            norm_per_len: (k1 * b / corpus.avg_doc_len()) as f32,
            idf,
        }
    }

    /// The idf this weight was built with.
    pub fn idf(&self) -> f32 {
        self.idf
    }

    /// Score of a document where the term occurs `tf` times, of length `doc_len`.
    #[inline]
    pub fn score(&self, tf: u32, doc_len: u32) -> f32 {
        self.score_freq(tf as f32, doc_len)
    }

    /// Score for a fractional frequency (sloppy phrases); 0 for `freq <= 0`.
    #[inline]
    pub fn score_freq(&self, freq: f32, doc_len: u32) -> f32 {
        if freq <= 0.0 {
            return 0.0;
        }
        let norm = self.norm_base + self.norm_per_len * doc_len as f32;
        (self.weight * freq) / (freq + norm)
    }

    /// [`TermWeight::score`] of each `(tfs[i], lens[i])` into `out[i]`, bit
    /// for bit the same arithmetic, in a loop the compiler vectorizes (the
    /// division dominates a single-term query).
    #[inline]
    pub fn score_block(&self, tfs: &[u32], lens: &[u32], out: &mut [f32]) {
        self.score_block_from(tfs, lens, 1, out);
    }

    /// [`TermWeight::score_block`] with 0 for every frequency below
    /// `min_tf` (documents already ruled out by their frequency, whose
    /// lengths need not be valid), in the same vectorized pass.
    #[inline]
    pub fn score_block_from(&self, tfs: &[u32], lens: &[u32], min_tf: u32, out: &mut [f32]) {
        // `score_freq` gives 0 for a zero frequency (0 / 0 with k1 = 0).
        let min_tf = min_tf.max(1);
        for ((o, &tf), &len) in out.iter_mut().zip(tfs).zip(lens) {
            let keep = tf >= min_tf;
            let tf = tf as f32;
            let norm = self.norm_base + self.norm_per_len * len as f32;
            let score = (self.weight * tf) / (tf + norm);
            *o = if keep { score } else { 0.0 };
        }
    }

    /// Whether a document bounded by the pair `(tf, len)` (see
    /// `index::bound`) may score above a threshold, given as
    /// `threshold / (1 + 16 * f32::EPSILON)` (see
    /// [`TermWeight::beat_scale`]). Division-free, in `f64`: the pair's
    /// exact score is `w * tf / (tf + c0 + c1 * len)`, and a document's `f32`
    /// score exceeds its exact score by less than `3 * f32::EPSILON`
    /// relative, far inside the slack, so a `false` never drops a document
    /// that scores above the threshold.
    #[inline]
    pub(crate) fn pair_may_beat(&self, tf: u32, len: u32, scaled_threshold: f64) -> bool {
        let tf = f64::from(tf);
        let norm = f64::from(self.norm_base) + f64::from(self.norm_per_len) * f64::from(len);
        f64::from(self.weight) * tf > scaled_threshold * (tf + norm)
    }

    /// The threshold as [`TermWeight::pair_may_beat`] takes it; `None` when
    /// every document beats it (negative infinity, NaN).
    #[inline]
    pub(crate) fn beat_scale(threshold: f32) -> Option<f64> {
        (threshold >= 0.0).then(|| f64::from(threshold) / (1.0 + 16.0 * f64::from(f32::EPSILON)))
    }

    /// The score of the extreme document `(max_tf, min_len)`, which bounds
    /// the score of any document with `tf <= max_tf` and `doc_len >= min_len`
    /// up to rounding (see the module documentation).
    #[inline]
    pub fn max_score(&self, max_tf: u32, min_len: u32) -> f32 {
        self.score(max_tf, min_len)
    }

    /// The score as the frequency grows without bound: `boost * idf * (k1 + 1)`.
    pub fn limit(&self) -> f32 {
        self.weight
    }
}
