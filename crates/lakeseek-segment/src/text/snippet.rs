//! Highlighted snippets: the fragment of a text where a query's terms are
//! densest, with each match marked.
//!
//! The text is analyzed with the column's analyzer and compared term by term
//! with the query's analyzed terms, so a snippet marks exactly the words the
//! index matched (`mice` for a query `mouse`, with the English stemmer's
//! help); prefix and fuzzy clauses match as they do in search. Clauses under
//! `NOT` / `-` are not marked. The fragment is the window of at most
//! `max_tokens` words holding the most distinct query terms (then the most
//! matches, then the earliest), cut at word boundaries, with an ellipsis
//! where text was left out.

use std::collections::HashSet;

use super::analyzer::Analyzer;
use super::query::Query;

/// How a snippet is cut and marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetOptions {
    /// Words in the fragment at most.
    pub max_tokens: usize,
    /// Placed before each match.
    pub open: String,
    /// Placed after each match.
    pub close: String,
    /// Placed where text was left out at either end.
    pub ellipsis: String,
}

impl Default for SnippetOptions {
    fn default() -> Self {
        SnippetOptions {
            max_tokens: 32,
            open: "<b>".into(),
            close: "</b>".into(),
            ellipsis: "…".into(),
        }
    }
}

/// One thing the query looks for, in analyzed form.
#[derive(Debug, Clone, PartialEq)]
enum Wanted {
    Term(String),
    Prefix(String),
    Fuzzy(String, u8),
}

impl Wanted {
    fn matches(&self, term: &str) -> bool {
        match self {
            Wanted::Term(t) => t == term,
            Wanted::Prefix(p) => term.starts_with(p.as_str()),
            Wanted::Fuzzy(t, d) => within_edits(t, term, *d as usize),
        }
    }
}

/// The positive leaves of `query`, analyzed.
fn wanted(query: &Query, analyzer: &dyn Analyzer, out: &mut Vec<Wanted>) {
    match query {
        Query::Term { text, .. } | Query::Phrase { text, .. } => {
            for token in analyzer.analyze(text) {
                let w = Wanted::Term(token.term);
                if !out.contains(&w) {
                    out.push(w);
                }
            }
        }
        Query::Prefix { prefix, .. } => {
            let p = analyzer.normalize(prefix);
            if !p.is_empty() {
                out.push(Wanted::Prefix(p));
            }
        }
        Query::Fuzzy { text, distance, .. } => {
            let t = analyzer.normalize(text);
            if !t.is_empty() {
                out.push(Wanted::Fuzzy(t, *distance));
            }
        }
        Query::Bool { must, should, .. } => {
            for q in must.iter().chain(should) {
                wanted(q, analyzer, out);
            }
        }
        Query::MatchAll { .. } => {}
    }
}

/// Whether `a` and `b` are at most `max` edits (Levenshtein, by char) apart.
fn within_edits(a: &str, b: &str, max: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut row = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != cb);
            row[j + 1] = substitution.min(prev[j + 1] + 1).min(row[j] + 1);
        }
        if row.iter().min().is_some_and(|&m| m > max) {
            return false;
        }
        prev = row;
    }
    prev[b.len()] <= max
}

/// A word of the text: its byte span and which wanted item it matches.
#[derive(Debug, Clone, Copy)]
struct Word {
    start: usize,
    end: usize,
    hit: Option<usize>,
}

/// The best fragment of `text` for `query`, matches marked.
pub fn snippet(
    analyzer: &dyn Analyzer,
    text: &str,
    query: &Query,
    options: &SnippetOptions,
) -> String {
    let mut targets = Vec::new();
    wanted(query, analyzer, &mut targets);
    // Words by span: an analyzer may emit several terms for one word
    // (n-grams), and a word is a hit if any of its terms is.
    let mut words: Vec<Word> = Vec::new();
    analyzer.for_each_token_with_offsets(text, &mut |t| {
        let hit = targets.iter().position(|w| w.matches(t.term));
        match words.last_mut() {
            Some(last) if last.start == t.start && last.end == t.end => {
                last.hit = last.hit.or(hit);
            }
            _ => words.push(Word {
                start: t.start,
                end: t.end,
                hit,
            }),
        }
    });
    let width = options.max_tokens.max(1);
    let (first, last) = best_window(&words, width);
    if words.is_empty() {
        return cut_plain(text, options);
    }
    // Keep the punctuation around the window's words, up to the next word.
    let from = if first == 0 { 0 } else { words[first].start };
    let to = if last + 1 == words.len() {
        text.len()
    } else {
        words[last].end
    };
    let mut out = String::with_capacity(to - from + 16);
    if from > 0 {
        out.push_str(&options.ellipsis);
    }
    let mut at = from;
    for w in &words[first..=last] {
        if w.hit.is_some() {
            out.push_str(&text[at..w.start]);
            out.push_str(&options.open);
            out.push_str(&text[w.start..w.end]);
            out.push_str(&options.close);
            at = w.end;
        }
    }
    out.push_str(&text[at..to]);
    if to < text.len() {
        out.push_str(&options.ellipsis);
    }
    out
}

/// The window of `width` words with the most distinct hits, then the most
/// hits, then the earliest: `(first, last)` word indices. Candidate windows
/// start at a hit; the chosen one then shifts back by up to a quarter of its
/// width for context, never losing its last hit.
fn best_window(words: &[Word], width: usize) -> (usize, usize) {
    if words.is_empty() {
        return (0, 0);
    }
    // (distinct, hits, first hit, last hit)
    let mut best: Option<(usize, usize, usize, usize)> = None;
    for start in (0..words.len()).filter(|&i| words[i].hit.is_some()) {
        let end = (start + width).min(words.len());
        let window = &words[start..end];
        let hits = window.iter().filter(|w| w.hit.is_some()).count();
        let distinct = window
            .iter()
            .filter_map(|w| w.hit)
            .collect::<HashSet<_>>()
            .len();
        let last_hit = start + window.iter().rposition(|w| w.hit.is_some()).unwrap_or(0);
        if best.is_none_or(|b| (distinct, hits) > (b.0, b.1)) {
            best = Some((distinct, hits, start, last_hit));
        }
    }
    let first = match best {
        None => 0,
        Some((_, _, first_hit, last_hit)) => first_hit
            .saturating_sub(width / 4)
            .max((last_hit + 1).saturating_sub(width)),
    };
    (first, (first + width).min(words.len()) - 1)
}

/// Text with no words: its start, cut to a reasonable length.
fn cut_plain(text: &str, options: &SnippetOptions) -> String {
    let limit = options.max_tokens.max(1) * 8;
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{}", &text[..end], options.ellipsis)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::analyzer::analyzer;
    use crate::text::query::parse;

    fn snip(text: &str, query: &str, max_tokens: usize) -> String {
        let a = analyzer("english").unwrap();
        let options = SnippetOptions {
            max_tokens,
            ..Default::default()
        };
        snippet(a.as_ref(), text, &parse(query).unwrap(), &options)
    }

    #[test]
    fn marks_stemmed_matches_in_the_densest_window() {
        let text = "Cats sleep a lot. Nothing else happens here at all, really nothing. \
                    Vitamin D deficiency weakens bones; vitamin supplements help bone density.";
        let s = snip(text, "vitamin bone -cats", 12);
        assert!(s.starts_with('…'), "{s}");
        assert!(s.contains("<b>Vitamin</b> D"), "{s}");
        assert!(s.contains("<b>bones</b>"), "stemmed match: {s}");
        assert!(s.contains("help <b>bone</b>"), "{s}");
        assert!(s.ends_with('…'), "cut before the end: {s}");
        assert_eq!(s.matches("<b>").count(), 4, "{s}");
        assert!(
            !s.contains("<b>Cats</b>"),
            "NOT clauses are not marked: {s}"
        );
    }

    #[test]
    fn whole_text_when_short_and_prefix_fuzzy_phrase() {
        let text = "Immunology of mice (the murine model)";
        assert_eq!(
            snip(text, "immun* \"murine model\"", 32),
            "<b>Immunology</b> of mice (the <b>murine</b> <b>model</b>)"
        );
        assert_eq!(
            snip(text, "mouse~1", 32),
            text,
            "no match: the text as it is"
        );
        assert_eq!(
            snip("the colour red", "color~1", 32),
            "the <b>colour</b> red"
        );
        assert_eq!(snip("", "x", 32), "");
    }

    #[test]
    fn no_match_gives_the_start() {
        let text = (0..100)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        let s = snip(&text, "absent", 5);
        assert_eq!(s, "w0 w1 w2 w3 w4…");
    }

    #[test]
    fn edits() {
        assert!(within_edits("colour", "color", 1));
        assert!(!within_edits("colour", "colr", 1));
        assert!(within_edits("colour", "colr", 2));
        assert!(within_edits("", "ab", 2));
        assert!(!within_edits("abc", "xyz", 2));
    }
}
