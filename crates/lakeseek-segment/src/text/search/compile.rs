//! Compiling a [`Matcher`] into a scorer tree: empty clauses are removed,
//! single-clause nodes unwrapped, and the common root shapes (one term, a
//! disjunction or a conjunction of terms) get statically dispatched scorers.

use super::boolean::{Conjunction, Exclusion, ReqOpt};
use super::phrase::PhraseScorer;
use super::scorer::{ConstScorer, Scorer, TermScorer};
use super::union::Union;
use super::{Matcher, TermMatcher};
use crate::text::index::TextIndexError;

/// The compiled root, with static dispatch for the common shapes.
pub(super) enum Root<'a> {
    Empty,
    Term(Box<TermScorer<'a>>),
    /// A disjunction of terms, in clause order.
    TermOr(Vec<TermScorer<'a>>),
    TermAnd(Conjunction<TermScorer<'a>>),
    Any(Box<dyn Scorer + 'a>),
}

pub(super) fn compile_root(matcher: Matcher<'_>) -> Result<Root<'_>, TextIndexError> {
    let matcher = simplify(matcher);
    let terms_only = |ms: &[Matcher<'_>]| ms.iter().all(|m| matches!(m, Matcher::Term(_)));
    Ok(match matcher {
        Matcher::Empty => Root::Empty,
        Matcher::Term(t) => Root::Term(Box::new(term_scorer(&t)?)),
        Matcher::Or(ms) if terms_only(&ms) => Root::TermOr(term_scorers(&ms)?),
        Matcher::And(ms) if terms_only(&ms) => Root::TermAnd(Conjunction::new(term_scorers(&ms)?)),
        other => match compile(other)? {
            Some(s) => Root::Any(s),
            None => Root::Empty,
        },
    })
}

fn term_scorer<'a>(t: &TermMatcher<'a>) -> Result<TermScorer<'a>, TextIndexError> {
    TermScorer::new(t.reader, &t.info, t.weight)
}

fn term_scorers<'a>(ms: &[Matcher<'a>]) -> Result<Vec<TermScorer<'a>>, TextIndexError> {
    ms.iter()
        .map(|m| match m {
            Matcher::Term(t) => term_scorer(t),
            _ => Err(TextIndexError::InvalidQuery("expected a term")),
        })
        .collect()
}

/// Removes `Empty` where it cannot match and unwraps single-clause nodes
/// (neither changes a score: adding to `0.0` is exact).
fn simplify<'a>(m: Matcher<'a>) -> Matcher<'a> {
    match m {
        Matcher::Or(ms) => {
            let mut ms: Vec<_> = ms
                .into_iter()
                .map(simplify)
                .filter(|m| !matches!(m, Matcher::Empty))
                .collect();
            match ms.len() {
                0 => Matcher::Empty,
                1 => ms.pop().unwrap_or(Matcher::Empty),
                _ => Matcher::Or(ms),
            }
        }
        Matcher::And(ms) => {
            let mut ms: Vec<_> = ms.into_iter().map(simplify).collect();
            if ms.is_empty() || ms.iter().any(|m| matches!(m, Matcher::Empty)) {
                Matcher::Empty
            } else if ms.len() == 1 {
                ms.pop().unwrap_or(Matcher::Empty)
            } else {
                Matcher::And(ms)
            }
        }
        Matcher::AndNot { include, exclude } => match (simplify(*include), simplify(*exclude)) {
            (Matcher::Empty, _) => Matcher::Empty,
            (include, Matcher::Empty) => include,
            (include, exclude) => Matcher::AndNot {
                include: Box::new(include),
                exclude: Box::new(exclude),
            },
        },
        Matcher::Bool {
            must,
            should,
            must_not,
        } => {
            let must: Vec<_> = must.into_iter().map(simplify).collect();
            if must.iter().any(|m| matches!(m, Matcher::Empty)) {
                return Matcher::Empty;
            }
            let keep = |ms: Vec<Matcher<'a>>| -> Vec<Matcher<'a>> {
                ms.into_iter()
                    .map(simplify)
                    .filter(|m| !matches!(m, Matcher::Empty))
                    .collect()
            };
            let should = keep(should);
            let must_not = keep(must_not);
            // The plain shapes get the plain nodes (and their statically
            // dispatched roots): with no `must_not`, `should` alone scores as
            // `Or` and `must` alone as `And`, sums in the same clause order.
            match (must.is_empty(), should.is_empty(), must_not.is_empty()) {
                (true, true, _) => Matcher::Empty,
                (true, false, true) => simplify(Matcher::Or(should)),
                (false, true, true) => simplify(Matcher::And(must)),
                _ => Matcher::Bool {
                    must,
                    should,
                    must_not,
                },
            }
        }
        Matcher::ConstScore { inner, score } => match simplify(*inner) {
            Matcher::Empty => Matcher::Empty,
            inner => Matcher::ConstScore {
                inner: Box::new(inner),
                score,
            },
        },
        other => other,
    }
}

type DynScorer<'a> = Box<dyn Scorer + 'a>;

/// Builds the scorer tree; `None` when nothing can match.
fn compile(m: Matcher<'_>) -> Result<Option<DynScorer<'_>>, TextIndexError> {
    Ok(Some(match simplify(m) {
        Matcher::Empty => return Ok(None),
        Matcher::Term(t) => Box::new(term_scorer(&t)?),
        Matcher::Phrase(p) => {
            let mut terms = Vec::with_capacity(p.terms.len());
            for (info, offset, group) in &p.terms {
                terms.push((p.reader.postings(info)?, *offset, *group));
            }
            Box::new(PhraseScorer::new(
                terms,
                p.reader.doc_lens(),
                p.weight,
                p.slop,
            ))
        }
        Matcher::Or(ms) => match union_of(ms)? {
            Some(s) => s,
            None => return Ok(None),
        },
        Matcher::And(ms) => {
            let n = ms.len();
            let scorers = compile_all(ms)?;
            if scorers.len() < n {
                return Ok(None);
            }
            Box::new(Conjunction::new(scorers))
        }
        Matcher::AndNot { include, exclude } => {
            let include = compile(*include)?;
            let exclude = compile(*exclude)?;
            match (include, exclude) {
                (None, _) => return Ok(None),
                (Some(i), None) => i,
                (Some(i), Some(e)) => Box::new(Exclusion::new(i, e)),
            }
        }
        Matcher::Bool {
            must,
            should,
            must_not,
        } => {
            let opt = union_of(should)?;
            let req = match must.len() {
                0 => None,
                1 => compile(must.into_iter().next().expect("one clause"))?,
                n => {
                    let scorers = compile_all(must)?;
                    if scorers.len() < n {
                        return Ok(None);
                    }
                    Some(Box::new(Conjunction::new(scorers)) as DynScorer<'_>)
                }
            };
            let positive = match (req, opt) {
                (None, None) => return Ok(None),
                (Some(r), None) => r,
                (None, Some(o)) => o,
                (Some(r), Some(o)) => Box::new(ReqOpt::new(r, o)),
            };
            match union_of(must_not)? {
                Some(e) => Box::new(Exclusion::new(positive, e)),
                None => positive,
            }
        }
        Matcher::ConstScore { inner, score } => match compile(*inner)? {
            Some(s) => Box::new(ConstScorer::new(s, score)),
            None => return Ok(None),
        },
    }))
}

fn compile_all(ms: Vec<Matcher<'_>>) -> Result<Vec<DynScorer<'_>>, TextIndexError> {
    let mut out = Vec::with_capacity(ms.len());
    for m in ms {
        if let Some(s) = compile(m)? {
            out.push(s);
        }
    }
    Ok(out)
}

fn union_of(ms: Vec<Matcher<'_>>) -> Result<Option<DynScorer<'_>>, TextIndexError> {
    let mut scorers = compile_all(ms)?;
    Ok(match scorers.len() {
        0 => None,
        1 => scorers.pop(),
        _ => Some(Box::new(Union::new(scorers))),
    })
}
