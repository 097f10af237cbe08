//! A recursive-descent parser from query text to [`Query`].
//!
//! Grammar, by precedence (lowest first):
//!
//! ```text
//! query   = or EOF
//! or      = and ( "OR"? and )*                  adjacent clauses are OR-ed
//! and     = unary ( "AND" unary )*
//! unary   = ( "NOT" | "+" | "-" )? primary
//! primary = ( word ":" )? ( group | phrase | word ( "*" | "~" n? )? | "*" )
//! group   = "(" or ")" boost?        phrase = '"' chars '"' ( "~" n )? boost?
//! ```
//!
//! Each level returns a [`Clause`]: a query and how the enclosing group
//! takes it (required, optional, excluded). An `and` chain makes every
//! clause required except excluded ones; an `or` list keeps each clause's own
//! occurrence; either becomes a `Bool` only for two clauses or more.

use super::error::{QueryError, QueryErrorKind as Kind};
use super::{Query, DEFAULT_FUZZY_DISTANCE, MAX_FUZZY_DISTANCE, MAX_NESTING};

/// Whether `c` means something in a word and must be escaped to be literal.
/// `+` and `-` are special only at the start of a word.
pub(super) fn is_special(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"' | ':' | '^' | '~' | '*' | '\\')
}

pub(super) fn parse(input: &str) -> Result<Query, QueryError> {
    let mut parser = Parser {
        input,
        pos: 0,
        depth: 0,
    };
    parser.skip_whitespace();
    if parser.peek().is_none() {
        return Err(QueryError::new(0, Kind::EmptyQuery));
    }
    let query = parser.parse_or(None, 0)?;
    // `parse_or` stops only at the end or at a `)` no group opened.
    match parser.peek() {
        None => Ok(query),
        Some(c) => Err(parser.error(Kind::UnexpectedChar(c))),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Occur {
    Must,
    Should,
    MustNot,
}

/// A query and how the enclosing group takes it.
struct Clause {
    occur: Occur,
    query: Query,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keyword {
    And,
    Or,
    Not,
}

impl Keyword {
    fn text(self) -> &'static str {
        match self {
            Keyword::And => "AND",
            Keyword::Or => "OR",
            Keyword::Not => "NOT",
        }
    }
}

struct Parser<'a> {
    input: &'a str,
    /// Byte offset of the next char; always on a char boundary.
    pos: usize,
    /// Groups open around `pos`.
    depth: usize,
}

impl<'a> Parser<'a> {
    /// `or` up to the end or a `)`. `start` is where the enclosing group (or
    /// the query) starts, for errors about the group as a whole.
    fn parse_or(&mut self, field: Option<&str>, start: usize) -> Result<Query, QueryError> {
        let mut clauses = Vec::new();
        loop {
            self.skip_whitespace();
            if matches!(self.peek(), None | Some(')')) {
                break;
            }
            match self.peek_keyword() {
                Some(Keyword::Or) if !clauses.is_empty() => {
                    let or_at = self.pos;
                    self.pos += 2;
                    self.skip_whitespace();
                    if self.at_clause_end() {
                        return Err(dangling(or_at, Keyword::Or.text()));
                    }
                }
                Some(keyword @ (Keyword::Or | Keyword::And)) => {
                    return Err(dangling(self.pos, keyword.text()));
                }
                _ => {}
            }
            clauses.push(self.parse_and(field)?);
        }
        if clauses.is_empty() {
            // A group checks for `()` itself, so this is a query opening with `)`.
            return Err(self.error(match self.peek() {
                Some(c) => Kind::UnexpectedChar(c),
                None => Kind::EmptyQuery,
            }));
        }
        let mut must = Vec::new();
        let mut should = Vec::new();
        let mut must_not = Vec::new();
        if clauses.len() == 1 {
            if let Some(clause) = clauses.pop() {
                return match clause.occur {
                    Occur::Must | Occur::Should => Ok(clause.query),
                    Occur::MustNot => Err(QueryError::new(start, Kind::OnlyExclusions)),
                };
            }
        }
        for clause in clauses {
            match clause.occur {
                Occur::Must => must.push(clause.query),
                Occur::Should => should.push(clause.query),
                Occur::MustNot => must_not.push(clause.query),
            }
        }
        bool_query(must, should, must_not, start)
    }

    fn parse_and(&mut self, field: Option<&str>) -> Result<Clause, QueryError> {
        let start = self.pos;
        let first = self.parse_unary(field)?;
        let mut clauses = vec![first];
        loop {
            self.skip_whitespace();
            if self.peek_keyword() != Some(Keyword::And) {
                break;
            }
            let and_at = self.pos;
            self.pos += 3;
            self.skip_whitespace();
            if self.at_clause_end() {
                return Err(dangling(and_at, Keyword::And.text()));
            }
            clauses.push(self.parse_unary(field)?);
        }
        if clauses.len() == 1 {
            if let Some(clause) = clauses.pop() {
                return Ok(clause);
            }
        }
        let mut must = Vec::new();
        let mut must_not = Vec::new();
        for clause in clauses {
            match clause.occur {
                Occur::Must | Occur::Should => must.push(clause.query),
                Occur::MustNot => must_not.push(clause.query),
            }
        }
        Ok(Clause {
            occur: Occur::Should,
            query: bool_query(must, Vec::new(), must_not, start)?,
        })
    }

    fn parse_unary(&mut self, field: Option<&str>) -> Result<Clause, QueryError> {
        let start = self.pos;
        let (occur, operator) = if self.peek_keyword() == Some(Keyword::Not) {
            self.pos += 3;
            self.skip_whitespace();
            (Occur::MustNot, "NOT")
        } else {
            match self.peek() {
                Some('+') => {
                    self.pos += 1;
                    (Occur::Must, "+")
                }
                Some('-') => {
                    self.pos += 1;
                    (Occur::MustNot, "-")
                }
                _ => {
                    return Ok(Clause {
                        occur: Occur::Should,
                        query: self.parse_primary(field)?,
                    })
                }
            }
        };
        // An operator applies to one primary: not to nothing, another
        // operator, or (for `+`, `-`) something after a space.
        let operand_missing = self.at_clause_end()
            || self.peek_keyword().is_some()
            || self.peek().is_some_and(char::is_whitespace);
        if operand_missing {
            return Err(dangling(start, operator));
        }
        Ok(Clause {
            occur,
            query: self.parse_primary(field)?,
        })
    }

    fn parse_primary(&mut self, field: Option<&str>) -> Result<Query, QueryError> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(self.error(Kind::EmptyQuery));
        };
        let query = match c {
            '(' => self.parse_group(field)?,
            '"' => self.parse_phrase(field)?,
            '*' => {
                self.pos += 1;
                if self.peek().is_some_and(is_word_start) {
                    return Err(QueryError::new(start, Kind::MisplacedWildcard));
                }
                let boost = self.parse_boost()?;
                Query::MatchAll { boost }
            }
            ':' => return Err(self.error(Kind::EmptyFieldName)),
            '+' | '-' | ')' | '^' | '~' => return Err(self.error(Kind::UnexpectedChar(c))),
            _ => {
                let word = self.read_word()?;
                if self.peek() == Some(':') {
                    self.pos += 1;
                    self.parse_field_value(word)?
                } else {
                    self.parse_leaf(field, word)?
                }
            }
        };
        self.expect_clause_boundary()?;
        Ok(query)
    }

    /// What follows `field:`.
    fn parse_field_value(&mut self, field: String) -> Result<Query, QueryError> {
        let colon_at = self.pos - 1;
        self.skip_whitespace();
        if self.at_clause_end() || self.peek_keyword().is_some() {
            return Err(QueryError::new(colon_at, Kind::MissingFieldValue { field }));
        }
        match self.peek() {
            Some('(') => self.parse_group(Some(&field)),
            Some('"') => self.parse_phrase(Some(&field)),
            Some('*') => {
                let star_at = self.pos;
                self.pos += 1;
                let kind = if self.peek().is_some_and(is_word_start) {
                    Kind::MisplacedWildcard
                } else {
                    Kind::FieldWildcard
                };
                Err(QueryError::new(star_at, kind))
            }
            Some(c @ ('+' | '-' | ':' | '^' | '~')) => Err(self.error(Kind::UnexpectedChar(c))),
            _ => {
                let word = self.read_word()?;
                if self.peek() == Some(':') {
                    return Err(self.error(Kind::UnexpectedChar(':')));
                }
                self.parse_leaf(Some(&field), word)
            }
        }
    }

    /// A term, prefix or fuzzy term, once its word is read.
    fn parse_leaf(&mut self, field: Option<&str>, text: String) -> Result<Query, QueryError> {
        let field = field.map(str::to_owned);
        if self.peek() == Some('*') {
            let star_at = self.pos;
            self.pos += 1;
            if self.peek().is_some_and(is_word_start) {
                return Err(QueryError::new(star_at, Kind::MisplacedWildcard));
            }
            let boost = self.parse_boost()?;
            return Ok(Query::Prefix {
                field,
                prefix: text,
                boost,
            });
        }
        if self.peek() == Some('~') {
            self.pos += 1;
            let number_at = self.pos;
            let number = self.read_number();
            let distance = if number.is_empty() {
                DEFAULT_FUZZY_DISTANCE
            } else {
                parse_fuzzy_distance(number).map_err(|kind| QueryError::new(number_at, kind))?
            };
            let boost = self.parse_boost()?;
            return Ok(Query::Fuzzy {
                field,
                text,
                distance,
                boost,
            });
        }
        let boost = self.parse_boost()?;
        Ok(Query::Term { field, text, boost })
    }

    fn parse_group(&mut self, field: Option<&str>) -> Result<Query, QueryError> {
        let start = self.pos;
        if self.depth >= MAX_NESTING {
            return Err(QueryError::new(start, Kind::TooDeep { limit: MAX_NESTING }));
        }
        self.pos += 1;
        self.skip_whitespace();
        match self.peek() {
            None => return Err(QueryError::new(start, Kind::UnclosedParen)),
            Some(')') => return Err(QueryError::new(start, Kind::EmptyGroup)),
            Some(_) => {}
        }
        self.depth += 1;
        let mut query = self.parse_or(field, start)?;
        self.depth -= 1;
        if self.peek() != Some(')') {
            return Err(QueryError::new(start, Kind::UnclosedParen));
        }
        self.pos += 1;
        let boost_at = self.pos;
        let boost = query.boost() * self.parse_boost()?;
        if !boost.is_finite() {
            // `((a^1e30)^1e30)`: each boost is fine, their product is not.
            let text = self.input.get(boost_at + 1..self.pos).unwrap_or_default();
            return Err(QueryError::new(
                boost_at + 1,
                Kind::BadBoost {
                    text: text.to_owned(),
                },
            ));
        }
        *query.boost_mut() = boost;
        Ok(query)
    }

    fn parse_phrase(&mut self, field: Option<&str>) -> Result<Query, QueryError> {
        let start = self.pos;
        self.pos += 1;
        let mut text = String::new();
        loop {
            match self.bump() {
                None => return Err(QueryError::new(start, Kind::UnclosedQuote)),
                Some('"') => break,
                Some('\\') => match self.bump() {
                    Some(c) => text.push(c),
                    None => return Err(QueryError::new(start, Kind::UnclosedQuote)),
                },
                Some(c) => text.push(c),
            }
        }
        if text.trim().is_empty() {
            return Err(QueryError::new(start, Kind::EmptyPhrase));
        }
        let mut slop = 0;
        if self.peek() == Some('~') {
            self.pos += 1;
            let number_at = self.pos;
            let number = self.read_number();
            slop = parse_whole(number).ok_or_else(|| {
                QueryError::new(
                    number_at,
                    Kind::BadSlop {
                        text: number.to_owned(),
                    },
                )
            })?;
        }
        let boost = self.parse_boost()?;
        Ok(Query::Phrase {
            field: field.map(str::to_owned),
            text,
            slop,
            boost,
        })
    }

    /// An optional `^number`; 1 when absent.
    fn parse_boost(&mut self) -> Result<f32, QueryError> {
        if self.peek() != Some('^') {
            return Ok(1.0);
        }
        self.pos += 1;
        let number_at = self.pos;
        let number = self.read_number();
        // Only plain decimals: `f32::from_str` would also take `inf`, `NaN`
        // and exponents, which the canonical form never prints.
        let plain = !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && number.bytes().any(|b| b.is_ascii_digit());
        match number.parse::<f32>() {
            Ok(boost) if plain && boost.is_finite() => Ok(boost),
            _ => Err(QueryError::new(
                number_at,
                Kind::BadBoost {
                    text: number.to_owned(),
                },
            )),
        }
    }

    /// After a clause: the end, whitespace, a parenthesis, a quote or a new
    /// word may follow, but not a suffix that does not apply to it
    /// (`foo*~1`, `"a b":c`, `(a)*`).
    fn expect_clause_boundary(&self) -> Result<(), QueryError> {
        match self.peek() {
            Some(c @ (':' | '^' | '~' | '*')) => Err(self.error(Kind::UnexpectedChar(c))),
            _ => Ok(()),
        }
    }

    /// A word, escapes resolved. The caller has checked that one starts here.
    fn read_word(&mut self) -> Result<String, QueryError> {
        let mut word = String::new();
        while let Some(c) = self.peek() {
            if c == '\\' {
                let escape_at = self.pos;
                self.pos += 1;
                match self.bump() {
                    Some(escaped) => word.push(escaped),
                    None => return Err(QueryError::new(escape_at, Kind::TrailingEscape)),
                }
            } else if is_special(c) {
                break;
            } else {
                word.push(c);
                self.pos += c.len_utf8();
            }
        }
        Ok(word)
    }

    /// The text of a number after `^` or `~`, validated by the caller so that
    /// `^2x` is one bad number rather than a number and a word.
    fn read_number(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || matches!(c, '(' | ')' | '"' | '^' | '~' | ':') {
                break;
            }
            self.pos += c.len_utf8();
        }
        self.input.get(start..self.pos).unwrap_or_default()
    }

    /// `AND`, `OR` or `NOT` as a whole unescaped word at `pos`.
    fn peek_keyword(&self) -> Option<Keyword> {
        let rest = self.input.get(self.pos..)?;
        [Keyword::And, Keyword::Or, Keyword::Not]
            .into_iter()
            .find(|keyword| {
                rest.strip_prefix(keyword.text()).is_some_and(|after| {
                    after
                        .chars()
                        .next()
                        .is_none_or(|c| c.is_whitespace() || matches!(c, '(' | ')' | '"'))
                })
            })
    }

    /// Whether no clause can start here: the end, a `)`, or `AND` / `OR`.
    fn at_clause_end(&self) -> bool {
        matches!(self.peek(), None | Some(')'))
            || matches!(self.peek_keyword(), Some(Keyword::And | Keyword::Or))
    }

    fn skip_whitespace(&mut self) {
        while let Some(c) = self.peek().filter(|c| c.is_whitespace()) {
            self.pos += c.len_utf8();
        }
    }

    fn peek(&self) -> Option<char> {
        self.input.get(self.pos..)?.chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn error(&self, kind: Kind) -> QueryError {
        QueryError::new(self.pos, kind)
    }
}

/// Whether `c` continues a word after a `*`, making the `*` misplaced.
fn is_word_start(c: char) -> bool {
    c == '\\' || !is_special(c)
}

fn dangling(position: usize, operator: &str) -> QueryError {
    QueryError::new(
        position,
        Kind::DanglingOperator {
            operator: operator.to_owned(),
        },
    )
}

/// A `Bool` of two clauses or more, at least one of them not excluded.
fn bool_query(
    must: Vec<Query>,
    should: Vec<Query>,
    must_not: Vec<Query>,
    start: usize,
) -> Result<Query, QueryError> {
    if must.is_empty() && should.is_empty() {
        return Err(QueryError::new(start, Kind::OnlyExclusions));
    }
    Ok(Query::Bool {
        must,
        should,
        must_not,
        boost: 1.0,
    })
}

fn parse_whole(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_fuzzy_distance(text: &str) -> Result<u8, Kind> {
    let distance = parse_whole(text).ok_or_else(|| Kind::BadFuzzyDistance {
        text: text.to_owned(),
    })?;
    match u8::try_from(distance) {
        Ok(d) if d <= MAX_FUZZY_DISTANCE => Ok(d),
        _ => Err(Kind::FuzzyDistanceTooLarge { distance }),
    }
}
