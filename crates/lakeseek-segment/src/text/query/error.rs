//! Errors of the query parser: where in the input, and what is wrong.

/// A query that could not be parsed. Displays as `unexpected ')' at position 7`;
/// [`QueryError::caret`] points at the spot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at position {position}")]
#[non_exhaustive]
pub struct QueryError {
    /// Byte offset in the input where the problem was found.
    pub position: usize,
    /// What the problem is.
    pub kind: QueryErrorKind,
}

/// What is wrong with a query.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryErrorKind {
    /// The input is empty or only whitespace.
    #[error("empty query")]
    EmptyQuery,
    /// A character that cannot appear here, such as an unmatched `)`.
    #[error("unexpected '{0}'")]
    UnexpectedChar(char),
    /// A `"` without its closing `"`.
    #[error("unclosed quote")]
    UnclosedQuote,
    /// A `(` without its closing `)`.
    #[error("unclosed '('")]
    UnclosedParen,
    /// `()`.
    #[error("empty parentheses")]
    EmptyGroup,
    /// `""`, or a phrase of only whitespace.
    #[error("empty phrase")]
    EmptyPhrase,
    /// `AND`, `OR`, `NOT`, `+` or `-` without the clause it applies to.
    #[error("operator {operator} is missing an operand")]
    DanglingOperator {
        /// The operator as written.
        operator: String,
    },
    /// A `\` at the very end, escaping nothing.
    #[error("'\\' escapes nothing")]
    TrailingEscape,
    /// `:term`, a field scope without a field name.
    #[error("missing field name before ':'")]
    EmptyFieldName,
    /// `field:` followed by nothing to search for.
    #[error("field {field:?} has nothing to search after ':'")]
    MissingFieldValue {
        /// The field name.
        field: String,
    },
    /// `field:*`, which would ask whether a field has any value.
    #[error("'field:*' is not supported; to match every row write '*' alone")]
    FieldWildcard,
    /// A `*` that is neither the end of a term nor alone (`*oo`, `f*o`).
    #[error("'*' is only supported at the end of a term (prefix*) or alone (match all)")]
    MisplacedWildcard,
    /// A boost that is not a non-negative finite number.
    #[error("invalid boost {text:?}: expected a non-negative number, as in ^2 or ^0.5")]
    BadBoost {
        /// The text after `^`.
        text: String,
    },
    /// A phrase slop that is not a whole number.
    #[error("invalid phrase slop {text:?}: expected a whole number, as in \"a b\"~2")]
    BadSlop {
        /// The text after `~`.
        text: String,
    },
    /// A fuzzy distance that is not a whole number.
    #[error("invalid fuzzy distance {text:?}: expected 0, 1 or 2, as in term~1")]
    BadFuzzyDistance {
        /// The text after `~`.
        text: String,
    },
    /// A fuzzy distance above [`super::MAX_FUZZY_DISTANCE`].
    #[error(
        "fuzzy distance {distance} exceeds the maximum of {}",
        super::MAX_FUZZY_DISTANCE
    )]
    FuzzyDistanceTooLarge {
        /// The requested distance.
        distance: u32,
    },
    /// A query or group whose every clause excludes (`-a`, `NOT a`): it would
    /// match nothing.
    #[error(
        "only excluded clauses: nothing to match (to search everything but them, write '* -term')"
    )]
    OnlyExclusions,
    /// Parentheses nested deeper than [`super::MAX_NESTING`].
    #[error("parentheses nested deeper than {limit}")]
    TooDeep {
        /// [`super::MAX_NESTING`].
        limit: usize,
    },
}

impl QueryError {
    pub(super) fn new(position: usize, kind: QueryErrorKind) -> Self {
        QueryError { position, kind }
    }

    /// `input` on one line with a `^` under the problem, for terminals:
    ///
    /// ```text
    /// title:(fox OR
    ///             ^
    /// ```
    ///
    /// Line breaks and tabs in `input` are shown as spaces so that the caret
    /// stays aligned.
    pub fn caret(&self, input: &str) -> String {
        let mut position = self.position.min(input.len());
        while !input.is_char_boundary(position) {
            position -= 1;
        }
        let line: String = input
            .chars()
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .collect();
        let column = input[..position].chars().count();
        format!("{line}\n{}^", " ".repeat(column))
    }
}
