//! The full-text query language: its syntax tree, the parser from text, and
//! the canonical text form. Parsing only; compiling a [`Query`] against an
//! index (analyzing its text, looking terms up) happens elsewhere.
//!
//! The syntax is Lucene's, trimmed to what LakeSeek executes:
//!
//! | syntax | meaning |
//! |---|---|
//! | `fox` | a term; its text is analyzed at compile time |
//! | `"quick brown fox"`, `"quick fox"~2` | a phrase, with optional slop |
//! | `qui*` | a prefix (a trailing `*` only) |
//! | `fox~1`, `fox~` | a fuzzy term within 0–2 edits; a bare `~` means 2 |
//! | `*` | every row |
//! | `title:fox`, `title:"a phrase"`, `title:(a OR b)` | field scope; an inner explicit field wins |
//! | `fox^2`, `"a b"^1.5`, `(a b)^3` | boost (a non-negative number) |
//! | `a AND b`, `a OR b`, `a b` | both / either; adjacent clauses are joined by `OR` |
//! | `+a`, `-a`, `NOT a` | required, excluded, excluded |
//! | `( … )` | grouping |
//! | `\:` | a backslash makes any character literal |
//!
//! `NOT` binds tighter than `AND`, which binds tighter than `OR`: `a OR b AND
//! NOT c` is `a OR (b AND (NOT c))`. `NOT` and `-` exclude within the
//! enclosing group, as in Lucene: `a OR NOT b` is `a -b`, not "a, or anything
//! without b". A query or group of only exclusions would match nothing and is
//! an error ([`QueryErrorKind::OnlyExclusions`]); `* -b` says "all but b".
//!
//! Keywords are uppercase (`and` is a term). `+`, `-` are operators only at
//! the start of a clause (`covid-19` is one term). Characters with a meaning —
//! whitespace and `( ) " : ^ ~ * \` — are escaped with `\` to search them
//! literally; the analyzer drops most punctuation anyway.

mod display;
mod error;
mod parser;
mod plain;

pub use error::{QueryError, QueryErrorKind};
pub use plain::plain_text_query;

/// The largest fuzzy edit distance (`term~2`).
pub const MAX_FUZZY_DISTANCE: u8 = 2;

/// The distance of a fuzzy term written without one (`term~`), as in Lucene.
pub const DEFAULT_FUZZY_DISTANCE: u8 = 2;

/// How deeply parentheses may nest. Bounds the parser's recursion, so no
/// input can exhaust the stack.
pub const MAX_NESTING: usize = 64;

/// A parsed query. Texts are raw user text (escapes removed, not analyzed);
/// a leaf's `field` is `None` when the query names no field, meaning the
/// caller's default fields. Boosts default to `1.0`.
///
/// [`parse`] builds a `Bool` only for two clauses or more: a group of one
/// clause is that clause, with the group's boost multiplied in.
/// Its `Display` is the canonical text form, which parses back to an equal
/// query.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// One term: `fox`, `title:fox`.
    Term {
        field: Option<String>,
        text: String,
        boost: f32,
    },
    /// Terms in order, at most `slop` position moves apart: `"quick fox"~1`.
    Phrase {
        field: Option<String>,
        text: String,
        slop: u32,
        boost: f32,
    },
    /// Any term starting with `prefix`: `qui*`.
    Prefix {
        field: Option<String>,
        prefix: String,
        boost: f32,
    },
    /// Any term within `distance` edits of `text`: `fox~1`.
    Fuzzy {
        field: Option<String>,
        text: String,
        distance: u8,
        boost: f32,
    },
    /// A row matches when it matches every `must` clause, no `must_not`
    /// clause, and — if there is no `must` clause — at least one `should`
    /// clause. `should` clauses that match add to the score.
    Bool {
        must: Vec<Query>,
        should: Vec<Query>,
        must_not: Vec<Query>,
        boost: f32,
    },
    /// Every row: `*`.
    MatchAll { boost: f32 },
}

impl Query {
    /// The boost of this query (`1.0` unless written).
    pub fn boost(&self) -> f32 {
        match self {
            Query::Term { boost, .. }
            | Query::Phrase { boost, .. }
            | Query::Prefix { boost, .. }
            | Query::Fuzzy { boost, .. }
            | Query::Bool { boost, .. }
            | Query::MatchAll { boost } => *boost,
        }
    }

    /// The field a leaf query is scoped to; `None` for default fields, and for
    /// `Bool` and `MatchAll`, which have no field of their own.
    pub fn field(&self) -> Option<&str> {
        match self {
            Query::Term { field, .. }
            | Query::Phrase { field, .. }
            | Query::Prefix { field, .. }
            | Query::Fuzzy { field, .. } => field.as_deref(),
            Query::Bool { .. } | Query::MatchAll { .. } => None,
        }
    }

    fn boost_mut(&mut self) -> &mut f32 {
        match self {
            Query::Term { boost, .. }
            | Query::Phrase { boost, .. }
            | Query::Prefix { boost, .. }
            | Query::Fuzzy { boost, .. }
            | Query::Bool { boost, .. }
            | Query::MatchAll { boost } => boost,
        }
    }
}

/// Parses the query language described in the module documentation.
pub fn parse(input: &str) -> Result<Query, QueryError> {
    parser::parse(input)
}
