//! Query evaluation over one segment's text index: compiled queries
//! ([`Matcher`]), exact top-k with dynamic pruning ([`top_k`]) and counting
//! ([`count`]).
//!
//! Weights come from table-wide statistics ([`crate::text::bm25`]), so scores
//! do not depend on how rows are split into segments.
//!
//! Scores, precisely (all `f32`, sums from `0.0` in clause order):
//! - `Term`: BM25 of the term frequency and document length;
//! - `Phrase`: BM25 of the phrase frequency ([`phrase_freq`]) with the
//!   weight given (normally built from the summed idf of its terms);
//! - `Or`: the sum of the matching clauses;
//! - `And`: the sum of all clauses;
//! - `Bool`: with `must` clauses, (sum of `must`) + (sum of matching
//!   `should`); without, the sum of matching `should` clauses (at least one
//!   must match); `must_not` clauses only exclude; only `must_not` matches
//!   nothing;
//! - `AndNot`: the score of `include`;
//! - `ConstScore`: the constant, for every match of the inner query.
//!
//! Ranking is by score descending, then doc id ascending. Pruning (block-max
//! MaxScore for disjunctions, block-max skipping for conjunctions, phrases
//! and single terms, all fed by the top-k threshold) only skips documents
//! that cannot enter the top k, with upper bounds that allow for `f32`
//! rounding, so [`top_k`] returns exactly what scoring every match would.

mod block_rank;
mod boolean;
mod collect;
mod compile;
mod phrase;
mod phrase_top;
mod scorer;
mod term_union;
mod union;

use fst::Automaton;
use roaring::RoaringBitmap;

use self::collect::{collect_top, collect_top_term, dense_filter, for_each_doc};
use self::compile::{compile_root, Root};
use self::scorer::TermScorer;
use crate::text::bm25::TermWeight;
use crate::text::index::{TermInfo, TextIndexError, TextIndexReader};

pub use self::phrase::phrase_freq;

/// Default cap on the number of terms a prefix or fuzzy query expands to.
pub const MAX_EXPANSIONS: usize = 128;

/// A document and its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredDoc {
    /// Doc id within the segment (row index).
    pub doc: u32,
    /// Score; never NaN, never negative.
    pub score: f32,
}

/// The result of [`top_k`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TopDocs {
    /// Best first: score descending, then doc id ascending.
    pub hits: Vec<ScoredDoc>,
    /// Documents fully scored (a measure of how much pruning skipped).
    pub docs_scored: u64,
}

/// A query compiled against one segment: terms resolved to postings, with
/// weights from table-wide statistics. See the module documentation for how
/// each variant matches and scores.
#[derive(Clone)]
pub enum Matcher<'a> {
    /// Matches nothing (for example a term the segment does not contain).
    Empty,
    /// One term.
    Term(TermMatcher<'a>),
    /// A phrase, exact or sloppy.
    Phrase(PhraseMatcher<'a>),
    /// Disjunction; scores add up.
    Or(Vec<Matcher<'a>>),
    /// Conjunction; scores add up.
    And(Vec<Matcher<'a>>),
    /// `include` without the documents `exclude` matches.
    AndNot {
        include: Box<Matcher<'a>>,
        exclude: Box<Matcher<'a>>,
    },
    /// Lucene boolean semantics.
    Bool {
        must: Vec<Matcher<'a>>,
        should: Vec<Matcher<'a>>,
        must_not: Vec<Matcher<'a>>,
    },
    /// Every match of `inner` scores `score` (negative or NaN count as 0).
    ConstScore { inner: Box<Matcher<'a>>, score: f32 },
}

/// A term resolved in one segment, with its weight. Built by [`Matcher::term`].
#[derive(Clone)]
pub struct TermMatcher<'a> {
    reader: &'a TextIndexReader,
    info: TermInfo,
    weight: TermWeight,
}

/// A phrase resolved in one segment. Built by [`Matcher::phrase`].
#[derive(Clone)]
pub struct PhraseMatcher<'a> {
    reader: &'a TextIndexReader,
    /// `(term, offset in the phrase, group)`; equal groups are the same term.
    terms: Vec<(TermInfo, u32, u32)>,
    slop: u32,
    weight: TermWeight,
}

impl<'a> Matcher<'a> {
    /// A term query; [`Matcher::Empty`] when the segment lacks the term.
    pub fn term(
        reader: &'a TextIndexReader,
        term: &str,
        weight: TermWeight,
    ) -> Result<Self, TextIndexError> {
        Ok(match reader.term(term)? {
            Some(info) => Matcher::term_info(reader, info, weight),
            None => Matcher::Empty,
        })
    }

    /// A term query from a [`TermInfo`] of `reader` (e.g. from
    /// [`TextIndexReader::terms_matching`]).
    pub fn term_info(reader: &'a TextIndexReader, info: TermInfo, weight: TermWeight) -> Self {
        Matcher::Term(TermMatcher {
            reader,
            info,
            weight,
        })
    }

    /// A phrase of `(term, position in the query)` pairs (positions as the
    /// analyzer gave them; gaps are kept, only differences matter). `slop` 0
    /// is an exact phrase. `weight` is normally
    /// `TermWeight::from_idf(params, corpus, sum of the terms' idf, boost)`.
    /// [`Matcher::Empty`] when a term is missing from the segment; a
    /// one-term phrase is a term query with this weight.
    pub fn phrase(
        reader: &'a TextIndexReader,
        terms: &[(&str, u32)],
        slop: u32,
        weight: TermWeight,
    ) -> Result<Self, TextIndexError> {
        if terms.is_empty() {
            return Err(TextIndexError::InvalidQuery("empty phrase"));
        }
        if !reader.has_positions() {
            return Err(TextIndexError::PositionsNotIndexed);
        }
        let base = terms.iter().map(|t| t.1).min().unwrap_or(0);
        let mut resolved = Vec::with_capacity(terms.len());
        for (i, &(term, position)) in terms.iter().enumerate() {
            let Some(info) = reader.term(term)? else {
                return Ok(Matcher::Empty);
            };
            let group = terms[..i].iter().position(|t| t.0 == term).unwrap_or(i) as u32;
            resolved.push((info, position - base, group));
        }
        if resolved.len() == 1 {
            return Ok(Matcher::term_info(reader, resolved[0].0, weight));
        }
        Ok(Matcher::Phrase(PhraseMatcher {
            reader,
            terms: resolved,
            slop,
            weight,
        }))
    }
}

/// The `k` best documents (score descending, then doc id ascending), among
/// those in `filter` when given. Exact: the same documents and scores as
/// scoring every match.
pub fn top_k(
    matcher: Matcher<'_>,
    k: usize,
    filter: Option<&RoaringBitmap>,
) -> Result<TopDocs, TextIndexError> {
    top_k_above(matcher, k, filter, f32::NEG_INFINITY)
}

/// Like [`top_k`], keeping only documents scoring strictly above `floor`
/// (for example the k-th score already found in other segments, which lets
/// pruning start early).
pub fn top_k_above(
    matcher: Matcher<'_>,
    k: usize,
    filter: Option<&RoaringBitmap>,
    floor: f32,
) -> Result<TopDocs, TextIndexError> {
    if k == 0 {
        return Ok(TopDocs::default());
    }
    if let Matcher::Phrase(p) = &matcher {
        if let Some(top) = phrase_top::top_k_phrase(p, k, filter, floor)? {
            return Ok(top);
        }
    }
    if let Matcher::Term(t) = &matcher {
        if dense_filter(filter, t.reader.num_docs())
            && t.info.num_blocks() >= collect::BEST_FIRST_MIN_BLOCKS
        {
            // Blocks are visited by their bounds: the first one is not
            // decoded in advance.
            let mut s = TermScorer::new_unpositioned(t.reader, &t.info, t.weight)?;
            return collect::collect_top_term_best_first(&mut s, k, filter, floor);
        }
    }
    match compile_root(matcher)? {
        Root::Empty => Ok(TopDocs::default()),
        Root::Term(mut s) if dense_filter(filter, s.num_docs()) => {
            collect_top_term(&mut s, k, filter, floor)
        }
        Root::Term(s) => collect_top(s, k, filter, floor),
        Root::TermOr(s) if s.len() <= term_union::MAX_CLAUSES => {
            term_union::collect_top_term_or(s, k, filter, floor)
        }
        Root::TermOr(s) => collect_top(union::Union::new(s), k, filter, floor),
        Root::TermAnd(s) => collect_top(s, k, filter, floor),
        Root::Any(s) => collect_top(s, k, filter, floor),
    }
}

/// The exact number of matching documents (within `filter` when given).
pub fn count(matcher: Matcher<'_>, filter: Option<&RoaringBitmap>) -> Result<u64, TextIndexError> {
    if let (Matcher::Term(t), None) = (&matcher, filter) {
        return Ok(u64::from(t.info.doc_freq()));
    }
    let mut n = 0u64;
    for_each_doc(matcher, filter, |_| n += 1)?;
    Ok(n)
}

/// The set of matching documents (within `filter` when given).
pub fn matching_docs(
    matcher: Matcher<'_>,
    filter: Option<&RoaringBitmap>,
) -> Result<RoaringBitmap, TextIndexError> {
    let mut docs = Vec::new();
    for_each_doc(matcher, filter, |d| docs.push(d))?;
    RoaringBitmap::from_sorted_iter(docs).map_err(|_| TextIndexError::Corrupt {
        what: "doc ids out of order",
    })
}

/// Terms of `reader` accepted by `aut`, at most `max` of them: the highest
/// document frequencies first (ties by term), returned in term order.
///
/// The cap applies per segment; for identical expansions in every segment
/// of a table, gather candidates from all segments, sum their frequencies
/// and pick with [`select_expansions`].
pub fn expand_terms<A: Automaton>(
    reader: &TextIndexReader,
    aut: A,
    max: usize,
) -> Result<Vec<(String, TermInfo)>, TextIndexError> {
    let all: Vec<(String, TermInfo)> = reader.terms_matching(aut).collect::<Result<_, _>>()?;
    let keep = select_expansions(
        all.iter()
            .map(|(t, info)| (t.clone(), u64::from(info.doc_freq()))),
        max,
    );
    let mut keep = keep.into_iter().map(|(t, _)| t).peekable();
    Ok(all
        .into_iter()
        .filter(|(t, _)| {
            if keep.peek() == Some(t) {
                keep.next();
                true
            } else {
                false
            }
        })
        .collect())
}

/// Picks at most `max` `(term, doc_freq)` pairs, highest frequency first
/// (ties by term), and returns them sorted by term.
pub fn select_expansions(
    terms: impl IntoIterator<Item = (String, u64)>,
    max: usize,
) -> Vec<(String, u64)> {
    let mut terms: Vec<(String, u64)> = terms.into_iter().collect();
    terms.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    terms.truncate(max);
    terms.sort_by(|a, b| a.0.cmp(&b.0));
    terms
}
