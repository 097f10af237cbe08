//! Plain text as a query: natural-language input (a user's question, a
//! benchmark query) turned into an OR of its words, so that characters the
//! query language gives meaning to (`"`, `(`, `:`, `*`, `~`, `^`, `-`,
//! `AND`/`OR`/`NOT`) are never taken as syntax.
//!
//! A word repeated in the text is kept once: in a natural-language query a
//! repetition is phrasing, not emphasis, and counting it twice lets one term
//! dominate the ranking. (Measured on SciFact with BM25: +0.002 nDCG@10 on
//! the test split and +0.004 on the train split.)

/// The distinct words of `text` in first-seen order, lowercased (so `AND` is
/// a word, not an operator), separated by spaces; empty when `text` has no
/// letters or digits.
pub fn plain_text_query(text: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| seen.insert(w.clone()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::query::parse;
    use proptest::prelude::*;

    #[test]
    fn syntax_characters_become_separators() {
        assert_eq!(
            plain_text_query("What's (the) \"effect\" of NOT-A1c:x*?"),
            "what s the effect of not a1c x"
        );
        assert_eq!(plain_text_query("  ?! "), "");
        assert_eq!(
            plain_text_query("Cells and cells AND cell"),
            "cells and cell"
        );
    }

    proptest! {
        #[test]
        fn any_text_becomes_a_query_that_parses(text in ".{0,60}") {
            let q = plain_text_query(&text);
            if !q.is_empty() {
                prop_assert!(parse(&q).is_ok(), "{q:?}");
            }
        }
    }
}
