//! Analyzers: the text → terms pipelines of full-text columns, and the
//! registry that maps an analyzer name to its pipeline.
//!
//! The same analyzer runs when a segment is indexed and when a query is
//! compiled against it, so a column's analyzer name is part of the segment's
//! contract: [`analyzer`] must return an equivalent pipeline for a given name
//! in every release that reads the segment.
//!
//! Every analyzer guarantees, for any input:
//! - it never panics;
//! - `start..end` of each token lies on char boundaries of the input;
//! - positions never decrease from one token to the next;
//! - no term is empty or longer than [`MAX_TERM_BYTES`].
//!
//! | name | pipeline |
//! |---|---|
//! | `standard` | UAX #29 words holding a letter or digit, lowercased, Latin letters folded to ASCII (`é`→`e`, `ß`→`ss`) |
//! | `english` (alias `en`) | words, lowercased, minus English stop words, Snowball English stemmer, folded |
//! | `arabic` … `turkish` | words, lowercased, that language's Snowball stemmer, folded (see [`known_analyzers`]) |
//! | `keyword` | the whole value as one term, byte for byte (no case or Unicode folding) |
//! | `ngram`, `ngram:MIN:MAX` | `standard` terms cut into character n-grams, 3:3 by default |
//!
//! Stemmed analyzers fold after stemming, because Snowball stemmers are
//! written for accented text (French `-ée`, Finnish `-ssä`, Turkish vowel
//! harmony); folding the stem still lets `cafe` find `café`. Folding touches
//! Latin letters only: Cyrillic, Greek and other scripts keep their marks.
//! A word dropped as a stop word or as overlong still takes a position, so
//! phrase slop counts it.

mod normalize;
mod pipelines;
mod stemmer;
mod stop_words;
mod words;

use std::sync::Arc;

use pipelines::{KeywordAnalyzer, NgramAnalyzer, WordAnalyzer};
use rust_stemmers::Algorithm;

/// The longest term, in bytes, any analyzer emits. A longer word — base64,
/// a hash, a run-together URL — is dropped rather than truncated, since a
/// truncated term would match unrelated words sharing its prefix.
pub const MAX_TERM_BYTES: usize = 255;

/// The n-gram lengths, in chars, `ngram:MIN:MAX` accepts. Longer grams stop
/// helping substring search and multiply the index size.
pub const MAX_NGRAM_CHARS: usize = 16;

/// One term produced by an analyzer, owning its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Token {
    /// The term as stored in and looked up from the index.
    pub term: String,
    /// The index of the word in the text. Words dropped as stop words still
    /// take a position, so a phrase's slop counts them; all n-grams of one
    /// word share the word's position.
    pub position: u32,
    /// Byte offset in the analyzed text where the term's word starts.
    pub start: usize,
    /// Byte offset in the analyzed text just past the term's word.
    pub end: usize,
}

/// One term produced by an analyzer, borrowing its text: what the streaming
/// [`Analyzer::for_each_token_with_offsets`] hands out, so indexing a
/// document allocates nothing per token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenRef<'a> {
    /// See [`Token::term`].
    pub term: &'a str,
    /// See [`Token::position`].
    pub position: u32,
    /// See [`Token::start`].
    pub start: usize,
    /// See [`Token::end`].
    pub end: usize,
}

impl TokenRef<'_> {
    /// An owned copy of this token.
    pub fn to_token(&self) -> Token {
        Token {
            term: self.term.to_owned(),
            position: self.position,
            start: self.start,
            end: self.end,
        }
    }
}

/// A text → terms pipeline. See the module documentation for the guarantees
/// every implementation gives.
pub trait Analyzer: Send + Sync + std::fmt::Debug {
    /// The canonical name: [`analyzer`] called with it returns an equivalent
    /// analyzer (`en` reports `english`, `ngram` reports `ngram:3:3`).
    fn name(&self) -> &str;

    /// Streams the tokens of `text` in order. The `term` a callback receives
    /// is only valid during that call.
    fn for_each_token_with_offsets(&self, text: &str, f: &mut dyn FnMut(TokenRef<'_>));

    /// Streams `(term, position)` for each token of `text`: what an indexer
    /// needs.
    fn for_each_token(&self, text: &str, f: &mut dyn FnMut(&str, u32)) {
        self.for_each_token_with_offsets(text, &mut |t| f(t.term, t.position));
    }

    /// All tokens of `text`, owned.
    fn analyze(&self, text: &str) -> Vec<Token> {
        let mut tokens = Vec::new();
        self.for_each_token_with_offsets(text, &mut |t| tokens.push(t.to_token()));
        tokens
    }

    /// The character-level normalization of this analyzer (case and Unicode
    /// folding) applied to `text` as a whole, without splitting it into
    /// words, dropping stop words or stemming. Prefix and fuzzy query terms
    /// go through this rather than [`Analyzer::analyze`], as a stemmed prefix
    /// would no longer be a prefix of anything.
    fn normalize(&self, text: &str) -> String;
}

/// Why an analyzer name was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnalyzerError {
    /// No analyzer has this name.
    #[error(
        "unknown analyzer {name:?}; known analyzers: {}, or ngram:MIN:MAX",
        known.join(", ")
    )]
    Unknown {
        /// The name as given.
        name: String,
        /// Every name [`analyzer`] accepts, as [`known_analyzers`] lists them.
        known: Vec<String>,
    },
    /// An `ngram` analyzer name whose lengths are malformed or out of range.
    #[error("invalid analyzer {name:?}: {problem}")]
    InvalidNgram {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        problem: NgramSpecError,
    },
}

/// What is wrong with the lengths of an `ngram:MIN:MAX` analyzer name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NgramSpecError {
    /// Not of the form `ngram`, `ngram:N` or `ngram:MIN:MAX`.
    #[error("expected ngram, ngram:N or ngram:MIN:MAX")]
    Syntax,
    /// A length is not a whole number.
    #[error("n-gram length {value:?} is not a whole number")]
    NotANumber {
        /// The offending text.
        value: String,
    },
    /// A length of zero.
    #[error("n-gram lengths start at 1")]
    Zero,
    /// `MIN` is larger than `MAX`.
    #[error("minimum n-gram length {min} exceeds the maximum {max}")]
    MinAboveMax {
        /// The requested minimum.
        min: usize,
        /// The requested maximum.
        max: usize,
    },
    /// `MAX` is above [`MAX_NGRAM_CHARS`].
    #[error("maximum n-gram length {max} exceeds the limit of {limit}")]
    TooLong {
        /// The requested maximum.
        max: usize,
        /// [`MAX_NGRAM_CHARS`].
        limit: usize,
    },
}

/// The Snowball languages, by analyzer name. `english` is listed apart since
/// it alone also drops stop words.
const SNOWBALL_LANGUAGES: [(&str, Algorithm); 17] = [
    ("arabic", Algorithm::Arabic),
    ("danish", Algorithm::Danish),
    ("dutch", Algorithm::Dutch),
    ("finnish", Algorithm::Finnish),
    ("french", Algorithm::French),
    ("german", Algorithm::German),
    ("greek", Algorithm::Greek),
    ("hungarian", Algorithm::Hungarian),
    ("italian", Algorithm::Italian),
    ("norwegian", Algorithm::Norwegian),
    ("portuguese", Algorithm::Portuguese),
    ("romanian", Algorithm::Romanian),
    ("russian", Algorithm::Russian),
    ("spanish", Algorithm::Spanish),
    ("swedish", Algorithm::Swedish),
    ("tamil", Algorithm::Tamil),
    ("turkish", Algorithm::Turkish),
];

/// The analyzer a text column uses when none is named.
pub const DEFAULT_ANALYZER: &str = "english";

/// Every name [`analyzer`] accepts as is. `ngram:MIN:MAX` is accepted too,
/// for any lengths `1 <= MIN <= MAX <= MAX_NGRAM_CHARS`.
pub fn known_analyzers() -> Vec<&'static str> {
    let mut names = vec!["standard", "english", "en", "keyword", "ngram"];
    names.extend(SNOWBALL_LANGUAGES.iter().map(|(name, _)| *name));
    names
}

/// The analyzer called `name` (ASCII case is ignored).
///
/// Analyzers hold no per-call state, so each name's is built once per
/// process and shared: every query asks for its columns' analyzers.
pub fn analyzer(name: &str) -> Result<Arc<dyn Analyzer>, AnalyzerError> {
    type Built = std::sync::Mutex<Vec<(String, Arc<dyn Analyzer>)>>;
    static BUILT: std::sync::OnceLock<Built> = std::sync::OnceLock::new();
    // A handful of names in practice; a bound keeps odd n-gram specs from
    // growing it without end.
    const KEEP: usize = 32;
    let built = BUILT.get_or_init(Default::default);
    if let Some((_, a)) = built
        .lock()
        .expect("analyzer cache lock")
        .iter()
        .find(|(n, _)| n == name)
    {
        return Ok(a.clone());
    }
    let a = build_analyzer(name)?;
    let mut built = built.lock().expect("analyzer cache lock");
    if built.len() < KEEP {
        built.push((name.to_string(), a.clone()));
    }
    Ok(a)
}

/// Builds the analyzer called `name` (see [`analyzer`]).
fn build_analyzer(name: &str) -> Result<Arc<dyn Analyzer>, AnalyzerError> {
    let lower = name.to_ascii_lowercase();
    let analyzer: Arc<dyn Analyzer> = match lower.as_str() {
        "standard" => Arc::new(WordAnalyzer::new("standard", false, None)),
        "english" | "en" => Arc::new(WordAnalyzer::new("english", true, Some(Algorithm::English))),
        "keyword" => Arc::new(KeywordAnalyzer),
        n if n == "ngram" || n.starts_with("ngram:") => {
            let (min, max) =
                parse_ngram_spec(&lower).map_err(|problem| AnalyzerError::InvalidNgram {
                    name: name.to_owned(),
                    problem,
                })?;
            Arc::new(NgramAnalyzer::new(min, max))
        }
        n => match SNOWBALL_LANGUAGES.iter().find(|(lang, _)| *lang == n) {
            Some((lang, algorithm)) => Arc::new(WordAnalyzer::new(lang, false, Some(*algorithm))),
            None => {
                return Err(AnalyzerError::Unknown {
                    name: name.to_owned(),
                    known: known_analyzers().into_iter().map(str::to_owned).collect(),
                })
            }
        },
    };
    Ok(analyzer)
}

/// Parses `ngram`, `ngram:N` or `ngram:MIN:MAX` (already lowercased).
fn parse_ngram_spec(spec: &str) -> Result<(usize, usize), NgramSpecError> {
    const DEFAULT_N: usize = 3;
    let mut parts = spec.split(':');
    // The caller matched the `ngram` head already.
    parts.next();
    let min = parts.next().map(parse_ngram_len).transpose()?;
    let max = parts.next().map(parse_ngram_len).transpose()?;
    if parts.next().is_some() {
        return Err(NgramSpecError::Syntax);
    }
    let (min, max) = match (min, max) {
        (None, _) => (DEFAULT_N, DEFAULT_N),
        (Some(n), None) => (n, n),
        (Some(min), Some(max)) => (min, max),
    };
    if min == 0 || max == 0 {
        return Err(NgramSpecError::Zero);
    }
    if min > max {
        return Err(NgramSpecError::MinAboveMax { min, max });
    }
    if max > MAX_NGRAM_CHARS {
        return Err(NgramSpecError::TooLong {
            max,
            limit: MAX_NGRAM_CHARS,
        });
    }
    Ok((min, max))
}

fn parse_ngram_len(text: &str) -> Result<usize, NgramSpecError> {
    if text.is_empty() {
        return Err(NgramSpecError::Syntax);
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NgramSpecError::NotANumber {
            value: text.to_owned(),
        });
    }
    // All digits: the only failure left is overflow, which is out of range.
    Ok(text.parse().unwrap_or(usize::MAX))
}
