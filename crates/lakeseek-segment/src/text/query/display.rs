//! The canonical text form of a [`Query`]: what EXPLAIN shows and tests
//! compare against. For every query [`super::parse`] returns,
//! `parse(&query.to_string())` returns an equal query.
//!
//! Canonical choices: a `Bool` lists its `+must`, then `should`, then
//! `-must_not` clauses, separated by spaces and parenthesized unless it is the
//! whole query; `^1` and `~0` are omitted; each leaf carries its own field.

use std::fmt::{self, Display, Formatter, Write};

use super::Query;

impl Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_query(f, self, true)
    }
}

fn write_query(f: &mut Formatter<'_>, query: &Query, outermost: bool) -> fmt::Result {
    match query {
        Query::Term { field, text, boost } => {
            write_field(f, field)?;
            write_word(f, text)?;
            write_boost(f, *boost)
        }
        Query::Phrase {
            field,
            text,
            slop,
            boost,
        } => {
            write_field(f, field)?;
            f.write_char('"')?;
            for c in text.chars() {
                if matches!(c, '"' | '\\') {
                    f.write_char('\\')?;
                }
                f.write_char(c)?;
            }
            f.write_char('"')?;
            if *slop != 0 {
                write!(f, "~{slop}")?;
            }
            write_boost(f, *boost)
        }
        Query::Prefix {
            field,
            prefix,
            boost,
        } => {
            write_field(f, field)?;
            write_word(f, prefix)?;
            f.write_char('*')?;
            write_boost(f, *boost)
        }
        Query::Fuzzy {
            field,
            text,
            distance,
            boost,
        } => {
            write_field(f, field)?;
            write_word(f, text)?;
            write!(f, "~{distance}")?;
            write_boost(f, *boost)
        }
        Query::Bool {
            must,
            should,
            must_not,
            boost,
        } => {
            let parenthesize = !outermost || *boost != 1.0;
            if parenthesize {
                f.write_char('(')?;
            }
            let clauses = must
                .iter()
                .map(|q| ("+", q))
                .chain(should.iter().map(|q| ("", q)))
                .chain(must_not.iter().map(|q| ("-", q)));
            for (i, (occur, clause)) in clauses.enumerate() {
                if i > 0 {
                    f.write_char(' ')?;
                }
                f.write_str(occur)?;
                write_query(f, clause, false)?;
            }
            if parenthesize {
                f.write_char(')')?;
            }
            write_boost(f, *boost)
        }
        Query::MatchAll { boost } => {
            f.write_char('*')?;
            write_boost(f, *boost)
        }
    }
}

fn write_field(f: &mut Formatter<'_>, field: &Option<String>) -> fmt::Result {
    match field {
        Some(field) => {
            write_word(f, field)?;
            f.write_char(':')
        }
        None => Ok(()),
    }
}

fn write_boost(f: &mut Formatter<'_>, boost: f32) -> fmt::Result {
    if boost == 1.0 {
        Ok(())
    } else {
        // `Display` for f32 prints the shortest decimal that reads back to
        // the same value, never in exponent form; adding 0 turns a -0 (which
        // the parser would reject) into 0.
        write!(f, "^{}", boost + 0.0)
    }
}

/// Writes `text` as one bare word, escaping what the parser would read as
/// syntax.
fn write_word(f: &mut Formatter<'_>, text: &str) -> fmt::Result {
    let is_keyword = matches!(text, "AND" | "OR" | "NOT");
    for (i, c) in text.chars().enumerate() {
        let escape =
            super::parser::is_special(c) || (i == 0 && (is_keyword || matches!(c, '+' | '-')));
        if escape {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    Ok(())
}
