//! Character normalization of words: lowercase and compatibility
//! decomposition (`ﬁ` → `fi`, full-width `Ａ` → `a`), then, when folding,
//! Latin letters to ASCII (`é` → `e`, `ß` → `ss`, `ø` → `o`).
//!
//! Only Latin is folded: a combining mark is dropped when it follows a Latin
//! letter, and kept (then recomposed, NFC) after any other letter, since in
//! Cyrillic, Greek or Devanagari the mark is part of the letter (`й` is not
//! `и`). The result does not depend on the input's normalization form.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Scratch buffers reused across the words of a text, so that normalizing a
/// word allocates nothing once they have grown.
#[derive(Debug, Default)]
pub(super) struct Normalizer {
    decomposed: String,
    composed: String,
}

impl Normalizer {
    /// `word` lowercased, compatibility-decomposed and recomposed, accents
    /// kept: the input a Snowball stemmer expects.
    pub(super) fn lowercase<'a>(&'a mut self, word: &'a str) -> &'a str {
        self.normalize(word, false)
    }

    /// `word` lowercased and folded: the form of an index term.
    pub(super) fn fold<'a>(&'a mut self, word: &'a str) -> &'a str {
        self.normalize(word, true)
    }

    /// Returns `word` itself when it is already lowercase ASCII (the common
    /// case), else text in the scratch buffers.
    fn normalize<'a>(&'a mut self, word: &'a str, fold_latin: bool) -> &'a str {
        if word.is_ascii() {
            if !word.bytes().any(|b| b.is_ascii_uppercase()) {
                return word;
            }
            self.decomposed.clear();
            self.decomposed.push_str(word);
            self.decomposed.make_ascii_lowercase();
            return &self.decomposed;
        }
        self.decomposed.clear();
        decompose_into(word, fold_latin, &mut self.decomposed);
        let done = self.decomposed.is_ascii()
            || is_nfc_quick(self.decomposed.chars()) == IsNormalized::Yes;
        if done {
            return &self.decomposed;
        }
        self.composed.clear();
        self.composed.extend(self.decomposed.nfc());
        &self.composed
    }
}

/// `text` folded as one piece (not split into words).
pub(super) fn fold_text(text: &str) -> String {
    Normalizer::default().fold(text).to_owned()
}

/// Appends the lowercased, decomposed and, if `fold_latin`, Latin-folded form
/// of `word` to `out`.
fn decompose_into(word: &str, fold_latin: bool, out: &mut String) {
    // Whether the last char pushed is a Latin letter or digit, whose combining
    // marks are dropped. Never set when not folding.
    let mut after_latin = false;
    let fold = |c| fold_char(c, fold_latin);
    for c in word.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            after_latin = fold_latin && c.is_ascii_alphanumeric();
            continue;
        }
        if is_ignorable(c) {
            continue;
        }
        for lower in c.to_lowercase() {
            // Looked up before decomposing: `ŀ` would decompose to `l·`.
            if let Some(folded) = fold(lower) {
                out.push_str(folded);
                after_latin = fold_latin;
            } else {
                decompose_compatible(lower, |d| {
                    push_decomposed(d, fold_latin, out, &mut after_latin)
                });
            }
        }
    }
}

fn push_decomposed(d: char, fold_latin: bool, out: &mut String, after_latin: &mut bool) {
    if d.is_ascii() {
        out.push(d.to_ascii_lowercase());
        *after_latin = fold_latin && d.is_ascii_alphanumeric();
        return;
    }
    if is_combining_mark(d) {
        if !*after_latin {
            out.push(d);
        }
        return;
    }
    // Compatibility decomposition can yield capitals (`ℌ` → `H`, `Ǆ` → `DŽ`).
    for lower in d.to_lowercase() {
        if let Some(folded) = fold_char(lower, fold_latin) {
            out.push_str(folded);
            *after_latin = fold_latin;
        } else {
            out.push(lower);
            *after_latin = fold_latin && (lower.is_ascii_alphanumeric() || is_latin(lower));
        }
    }
}

/// Replacements made whether or not Latin is folded: typographic apostrophes
/// (so that the English stemmer sees the `'s` of `fox’s`) and the Greek final
/// sigma (so that `ΟΔΟΣ` and `οδος` agree); and when folding, the Latin
/// letters that fold to ASCII but have no decomposition.
fn fold_char(c: char, fold_latin: bool) -> Option<&'static str> {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{02BC}' => return Some("'"),
        'ς' => return Some("σ"),
        _ if !fold_latin => return None,
        _ => {}
    }
    Some(match c {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'đ' | 'ð' | 'ɗ' => "d",
        'þ' => "th",
        'ł' | 'ŀ' | 'ƚ' => "l",
        'ħ' => "h",
        'ı' => "i",
        'ŋ' => "n",
        'ŧ' => "t",
        'ĸ' => "q",
        'ƀ' | 'ɓ' => "b",
        'ƒ' => "f",
        'ǥ' => "g",
        'ƙ' => "k",
        'ƴ' => "y",
        'ȥ' => "z",
        _ => return None,
    })
}

/// Latin letters beyond ASCII: Latin-1 Supplement letters, Extended-A and -B,
/// IPA, Extended Additional, -C, -D and -E.
fn is_latin(c: char) -> bool {
    matches!(
        c,
        '\u{00C0}'..='\u{02AF}'
            | '\u{1E00}'..='\u{1EFF}'
            | '\u{2C60}'..='\u{2C7F}'
            | '\u{A720}'..='\u{A7FF}'
            | '\u{AB30}'..='\u{AB6F}'
    )
}

/// Invisible format characters that UAX #29 lets inside a word and that would
/// otherwise make `co\u{AD}operation` a different term from `cooperation`.
fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
    )
}
