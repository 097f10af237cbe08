//! The analyzer implementations: word pipelines (`standard`, `english`, the
//! Snowball languages), `keyword` and `ngram`.

use rust_stemmers::Algorithm;

use super::normalize::{fold_text, Normalizer};
use super::stemmer::SnowballStemmer;
use super::stop_words::is_english_stop_word;
use super::words::for_each_word;
use super::{Analyzer, TokenRef, MAX_TERM_BYTES};

/// Words, normalized, optionally without English stop words, optionally
/// stemmed.
#[derive(Debug)]
pub(super) struct WordAnalyzer {
    name: &'static str,
    english_stop_words: bool,
    stemmer: Option<SnowballStemmer>,
}

impl WordAnalyzer {
    pub(super) fn new(
        name: &'static str,
        english_stop_words: bool,
        stemmer: Option<Algorithm>,
    ) -> Self {
        WordAnalyzer {
            name,
            english_stop_words,
            stemmer: stemmer.map(SnowballStemmer::new),
        }
    }
}

impl Analyzer for WordAnalyzer {
    fn name(&self) -> &str {
        self.name
    }

    fn for_each_token_with_offsets(&self, text: &str, f: &mut dyn FnMut(TokenRef<'_>)) {
        // Stemmers expect accented lowercase text (the French, Finnish or
        // Turkish suffix rules are written with their accents), so a stemmed
        // word is folded after stemming. Each stage has its own buffer.
        let mut lower = Normalizer::default();
        let mut stem = String::new();
        let mut folder = Normalizer::default();
        for_each_positioned_word(text, &mut |word, position, start, end| {
            let mut emit = |term: &str| {
                if !term.is_empty() && term.len() <= MAX_TERM_BYTES {
                    f(TokenRef {
                        term,
                        position,
                        start,
                        end,
                    });
                }
            };
            match &self.stemmer {
                Some(stemmer) => {
                    let word = lower.lowercase(word);
                    if self.english_stop_words && is_english_stop_word(word) {
                        return;
                    }
                    stemmer.stem_into(word, &mut stem);
                    emit(folder.fold(&stem));
                }
                None => {
                    let term = folder.fold(word);
                    if self.english_stop_words && is_english_stop_word(term) {
                        return;
                    }
                    emit(term);
                }
            }
        });
    }

    fn normalize(&self, text: &str) -> String {
        fold_text(text)
    }
}

/// The whole value as one term, unchanged: for identifiers, tags, codes and
/// other values matched exactly, case included. An empty value, or one longer
/// than [`MAX_TERM_BYTES`], yields no term.
#[derive(Debug)]
pub(super) struct KeywordAnalyzer;

impl Analyzer for KeywordAnalyzer {
    fn name(&self) -> &str {
        "keyword"
    }

    fn for_each_token_with_offsets(&self, text: &str, f: &mut dyn FnMut(TokenRef<'_>)) {
        if !text.is_empty() && text.len() <= MAX_TERM_BYTES {
            f(TokenRef {
                term: text,
                position: 0,
                start: 0,
                end: text.len(),
            });
        }
    }

    fn normalize(&self, text: &str) -> String {
        text.to_owned()
    }
}

/// The character n-grams of each normalized word, for substring search. A
/// word shorter than the minimum length is kept whole, so that short words
/// stay findable. All grams of a word carry the word's position and offsets
/// (normalization can change lengths, so a gram has no exact span of its own).
#[derive(Debug)]
pub(super) struct NgramAnalyzer {
    name: String,
    min: usize,
    max: usize,
}

impl NgramAnalyzer {
    /// `1 <= min <= max`, checked by the caller.
    pub(super) fn new(min: usize, max: usize) -> Self {
        NgramAnalyzer {
            name: format!("ngram:{min}:{max}"),
            min,
            max,
        }
    }
}

impl Analyzer for NgramAnalyzer {
    fn name(&self) -> &str {
        &self.name
    }

    fn for_each_token_with_offsets(&self, text: &str, f: &mut dyn FnMut(TokenRef<'_>)) {
        let mut folder = Normalizer::default();
        // Byte offset of each char of the word, then the word's length.
        let mut bounds: Vec<usize> = Vec::new();
        for_each_positioned_word(text, &mut |word, position, start, end| {
            let word = folder.fold(word);
            let mut emit = |term: &str| {
                if !term.is_empty() && term.len() <= MAX_TERM_BYTES {
                    f(TokenRef {
                        term,
                        position,
                        start,
                        end,
                    });
                }
            };
            bounds.clear();
            bounds.extend(word.char_indices().map(|(i, _)| i));
            bounds.push(word.len());
            let chars = bounds.len() - 1;
            if chars < self.min {
                emit(word);
                return;
            }
            for first in 0..chars {
                for n in self.min..=self.max.min(chars - first) {
                    if let Some(gram) = word.get(bounds[first]..bounds[first + n]) {
                        emit(gram);
                    }
                }
            }
        });
    }

    fn normalize(&self, text: &str) -> String {
        fold_text(text)
    }
}

/// Calls `f(word, position, start, end)` for each word of `text`. Words longer
/// than [`MAX_WORD_BYTES`] are skipped but still take a position.
fn for_each_positioned_word(text: &str, f: &mut impl FnMut(&str, u32, usize, usize)) {
    let mut next_position: u32 = 0;
    for_each_word(text, &mut |start, end| {
        let position = next_position;
        next_position = next_position.saturating_add(1);
        match text.get(start..end) {
            Some(word) if word.len() <= MAX_WORD_BYTES => f(word, position, start, end),
            _ => {}
        }
    });
}

/// Words longer than this are skipped before normalization. Normalization
/// can shrink a word (dropped combining marks) or grow it (ligatures), so
/// the term limit is applied to the result, and this bound only saves work.
const MAX_WORD_BYTES: usize = 4 * MAX_TERM_BYTES;
