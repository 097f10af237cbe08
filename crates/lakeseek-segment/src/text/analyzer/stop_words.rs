//! The English stop words of the `english` analyzer: Snowball's English list
//! (174 pronouns, auxiliaries, contractions, conjunctions, prepositions and
//! determiners).
//!
//! Chosen by BM25 nDCG@10 on SciFact (scientific claims against abstracts),
//! with the Snowball stemmer and k1 1.2, b 0.75: this list 0.690 on the test
//! split and 0.700 on the train split, against 0.686 / 0.699 for Lucene's
//! 33-word list and 0.687 / 0.699 for none; the differences are small but
//! consistent, and the longer list also drops the longest postings lists.
//! (The `scifact_bm25_ndcg` test in `tests/text_analyzer.rs` measures it.)
//!
//! Changing this list changes the terms of existing segments: it is part of
//! the `english` analyzer's contract.

/// Sorted by bytes, for binary search.
#[rustfmt::skip] // one word per line would make a 180-line table
const ENGLISH: [&str; 174] = [
    "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are",
    "aren't", "as", "at", "be", "because", "been", "before", "being", "below", "between",
    "both", "but", "by", "can't", "cannot", "could", "couldn't", "did", "didn't", "do", "does",
    "doesn't", "doing", "don't", "down", "during", "each", "few", "for", "from", "further",
    "had", "hadn't", "has", "hasn't", "have", "haven't", "having", "he", "he'd", "he'll",
    "he's", "her", "here", "here's", "hers", "herself", "him", "himself", "his", "how",
    "how's", "i", "i'd", "i'll", "i'm", "i've", "if", "in", "into", "is", "isn't", "it",
    "it's", "its", "itself", "let's", "me", "more", "most", "mustn't", "my", "myself", "no",
    "nor", "not", "of", "off", "on", "once", "only", "or", "other", "ought", "our", "ours",
    "ourselves", "out", "over", "own", "same", "shan't", "she", "she'd", "she'll", "she's",
    "should", "shouldn't", "so", "some", "such", "than", "that", "that's", "the", "their",
    "theirs", "them", "themselves", "then", "there", "there's", "these", "they", "they'd",
    "they'll", "they're", "they've", "this", "those", "through", "to", "too", "under", "until",
    "up", "very", "was", "wasn't", "we", "we'd", "we'll", "we're", "we've", "were", "weren't",
    "what", "what's", "when", "when's", "where", "where's", "which", "while", "who", "who's",
    "whom", "why", "why's", "with", "won't", "would", "wouldn't", "you", "you'd", "you'll",
    "you're", "you've", "your", "yours", "yourself", "yourselves",
];

/// The longest stop word, in bytes: longer terms skip the search.
const LONGEST: usize = 10;

/// Whether `term` (lowercased, accents kept) is an English stop word.
pub(super) fn is_english_stop_word(term: &str) -> bool {
    term.len() <= LONGEST && ENGLISH.binary_search(&term).is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_list_is_sorted_and_longest_is_right() {
        assert!(super::ENGLISH.windows(2).all(|pair| pair[0] < pair[1]));
        let longest = super::ENGLISH.iter().map(|w| w.len()).max();
        assert_eq!(longest, Some(super::LONGEST));
    }
}
