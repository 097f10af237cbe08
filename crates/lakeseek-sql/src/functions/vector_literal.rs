//! Quoting the vector literals of search calls before the SQL parser sees
//! them.
//!
//! A 384-dimension query vector is 384 numbers in the SQL text. The parser
//! tries each array element as a typed literal first (`DATE '…'`) and builds
//! an error message for every failed try: parsing one such statement took
//! about 0.4 ms, more than the search itself. Before parsing, a short scan of
//! the text turns `[0.1, -2e-3, …]` written directly as an argument of
//! `vector_search(…)` or `hybrid_search(…)` into the quoted form that
//! [`super::prepare`] produces from the parsed tree (a marked string of the
//! numbers), which the functions read back. Anything else — arrays elsewhere,
//! arrays of expressions, text inside strings or comments — is left as it is,
//! and the tree rewrite handles whatever this scan did not.

use std::borrow::Cow;

use super::prepare::VECTOR_MARK;

/// Functions whose array arguments are query vectors.
const VECTOR_FUNCTIONS: &[&str] = &["vector_search", "hybrid_search"];

/// `sql` with the numeric array arguments of vector search calls quoted.
pub(crate) fn quote_vector_literals(sql: &str) -> Cow<'_, str> {
    let bytes = sql.as_bytes();
    // Byte ranges of `[…]` to replace, with their numbers.
    let mut replace: Vec<(usize, usize, String)> = Vec::new();
    // Paren depths at which a vector search call's arguments sit.
    let mut calls: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut pending_call = false;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' | b'"' | b'`' => match skip_quoted(bytes, i) {
                Some(end) => i = end,
                None => return Cow::Borrowed(sql),
            },
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = memchr_newline(bytes, i);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => match find(bytes, i + 2, b"*/") {
                Some(end) => i = end + 2,
                None => return Cow::Borrowed(sql),
            },
            b'(' => {
                depth += 1;
                if pending_call {
                    calls.push(depth);
                }
                pending_call = false;
                i += 1;
            }
            b')' => {
                if calls.last() == Some(&depth) {
                    calls.pop();
                }
                depth = depth.saturating_sub(1);
                pending_call = false;
                i += 1;
            }
            b'[' if calls.last() == Some(&depth) && depth > 0 => {
                match numeric_array(bytes, i) {
                    Some((end, numbers)) => {
                        replace.push((i, end, numbers));
                        i = end;
                    }
                    None => i += 1,
                }
                pending_call = false;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &sql[start..i];
                pending_call = VECTOR_FUNCTIONS
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(word));
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                pending_call = false;
                i += 1;
            }
        }
    }
    if replace.is_empty() {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    for (start, end, numbers) in replace {
        out.push_str(&sql[last..start]);
        out.push('\'');
        out.push(VECTOR_MARK);
        out.push_str(&numbers);
        out.push('\'');
        last = end;
    }
    out.push_str(&sql[last..]);
    Cow::Owned(out)
}

/// The end (exclusive) of the quoted token starting at `start`; a doubled
/// quote is an escaped one. `None` if unterminated.
fn skip_quoted(bytes: &[u8], start: usize) -> Option<usize> {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        // A backslash may escape a quote in some dialects' strings: such
        // text is not ours to interpret, so give up on the whole statement.
        if bytes[i] == b'\\' {
            return None;
        }
        i += 1;
    }
    None
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| from + p + 1)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// `[n, n, …]` at `start` where every element is a plain decimal number
/// with an optional sign and exponent: the end (after `]`) and the numbers
/// joined by commas. `None` for anything else, including `[]`.
fn numeric_array(bytes: &[u8], start: usize) -> Option<(usize, String)> {
    let mut out = String::new();
    let mut i = start + 1;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let end = number_end(bytes, i)?;
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(std::str::from_utf8(&bytes[i..end]).ok()?);
        i = end;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        match bytes.get(i)? {
            b',' => i += 1,
            b']' => return Some((i + 1, out)),
            _ => return None,
        }
    }
}

/// The end of a number `[+-]?(d+(.d*)?|.d+)([eE][+-]?d+)?` at `i`.
fn number_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    let digits = |bytes: &[u8], mut i: usize| {
        let s = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        (i, i - s)
    };
    if matches!(bytes.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let (after_int, int_digits) = digits(bytes, i);
    i = after_int;
    let mut frac_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        let (after, n) = digits(bytes, i + 1);
        i = after;
        frac_digits = n;
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(bytes.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let (after, n) = digits(bytes, j);
        if n == 0 {
            return None;
        }
        i = after;
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn quoted(numbers: &str) -> String {
        format!("'{VECTOR_MARK}{numbers}'")
    }

    #[test]
    fn vector_arguments_of_search_calls_are_quoted() {
        let sql = "SELECT _id FROM vector_search('t', 'emb', [0.5, -1e-3, +2, .25], 10)";
        assert_eq!(
            quote_vector_literals(sql),
            format!(
                "SELECT _id FROM vector_search('t', 'emb', {}, 10)",
                quoted("0.5,-1e-3,+2,.25")
            )
        );
        let sql = "select * from HYBRID_SEARCH ('t','body','q','emb',[1,2], 5) where x = 1";
        assert_eq!(
            quote_vector_literals(sql),
            format!(
                "select * from HYBRID_SEARCH ('t','body','q','emb',{}, 5) where x = 1",
                quoted("1,2")
            )
        );
    }

    #[test]
    fn everything_else_is_left_alone() {
        for sql in [
            "SELECT [1, 2, 3]",
            "SELECT array_length([1,2]) FROM vector_search('t', 'e', x, 1)",
            "SELECT * FROM vector_search('t', 'emb', make_array(1, 2), 10)",
            "SELECT * FROM vector_search('t', 'emb', [1, 2 + 3], 10)",
            "SELECT * FROM vector_search('t', 'emb', [], 10)",
            "SELECT * FROM vector_search('t', 'emb', [1, 2,], 10)",
            "SELECT * FROM fts('t', 'body', '[1, 2]', 10)",
            "SELECT 'vector_search([1,2])' -- vector_search([1])",
            "SELECT /* vector_search('t', 'e', [1], 1) */ 1",
            "SELECT * FROM vector_search('t', 'emb', [1, 2e], 10)",
            "SELECT * FROM vector_search('it''s', 'emb', 'unterminated",
        ] {
            assert_eq!(quote_vector_literals(sql), sql, "{sql}");
        }
    }

    #[test]
    fn nested_calls_inside_arguments_do_not_count() {
        let sql = "SELECT * FROM vector_search('t', 'e', f([1, 2]), 3)";
        assert_eq!(quote_vector_literals(sql), sql);
        // ... but the call's own argument after a nested one does.
        let sql = "SELECT * FROM vector_search(lower('T'), 'e', [1, 2], 3)";
        assert_eq!(
            quote_vector_literals(sql),
            format!(
                "SELECT * FROM vector_search(lower('T'), 'e', {}, 3)",
                quoted("1,2")
            )
        );
    }

    proptest! {
        /// Arbitrary text never panics, and the output differs from the
        /// input only where a quoted vector was put in.
        #[test]
        fn never_panics(sql in ".{0,200}") {
            let out = quote_vector_literals(&sql);
            if !out.contains(VECTOR_MARK) || sql.contains(VECTOR_MARK) {
                prop_assert!(out == sql || sql.contains(VECTOR_MARK));
            }
        }

        /// Any list of finite floats round-trips through the quoted form.
        #[test]
        fn floats_round_trip(v in prop::collection::vec(-1e6f32..1e6, 1..50)) {
            let list: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
            let sql = format!("SELECT * FROM vector_search('t', 'e', [{}], 5)", list.join(", "));
            let out = quote_vector_literals(&sql);
            let start = out.find(VECTOR_MARK).expect("quoted") + VECTOR_MARK.len_utf8();
            let end = start + out[start..].find('\'').expect("closing quote");
            let parsed: Vec<f32> = out[start..end].split(',').map(|n| n.parse().unwrap()).collect();
            prop_assert_eq!(parsed, v);
        }
    }
}
