//! BM25 against hand-computed values on a tiny corpus:
//!
//! ```text
//! doc 0: a b c      (length 3)
//! doc 1: a a d      (length 3)
//! doc 2: b          (length 1)
//! doc 3:            (length 0)
//! ```
//!
//! N = 4, 7 tokens, average length 1.75, k1 = 1.2, b = 0.75. The expected
//! values were computed in double precision from
//! `idf = ln(1 + (N - df + 0.5) / (df + 0.5))` and
//! `idf * (k1 + 1) * tf / (tf + k1 * (1 - b + b * len / avgdl))`.

use bytes::Bytes;
use lakeseek_segment::text::bm25::{idf, Bm25Params, CorpusStats, TermWeight};
use lakeseek_segment::text::index::{TextIndexBuilder, TextIndexOptions, TextIndexReader};
use lakeseek_segment::text::search::{count, top_k, Matcher, ScoredDoc};

fn reader() -> TextIndexReader {
    let docs: [&[&str]; 4] = [&["a", "b", "c"], &["a", "a", "d"], &["b"], &[]];
    let mut b = TextIndexBuilder::new(TextIndexOptions::default());
    for doc in docs {
        b.add_document(doc.iter().enumerate().map(|(p, t)| (*t, p as u32)));
    }
    TextIndexReader::open(Bytes::from(b.finish())).unwrap()
}

const LOCAL: CorpusStats = CorpusStats {
    num_docs: 4,
    total_tokens: 7,
};

fn close(got: f32, want: f64) {
    assert!(
        (f64::from(got) - want).abs() <= 1e-6 * want.abs().max(1.0),
        "{got} vs {want}"
    );
}

fn hits(m: Matcher<'_>) -> Vec<ScoredDoc> {
    top_k(m, 10, None).unwrap().hits
}

#[test]
fn idf_is_lucenes() {
    close(idf(4, 2), std::f64::consts::LN_2);
    close(idf(4, 1), 1.203_972_804_325_936_1);
    // Non-negative even for a term in every document; df above N is clamped.
    assert!(idf(4, 4) > 0.0);
    assert_eq!(idf(4, 9), idf(9, 9));
}

#[test]
fn term_scores_match_hand_computed_values() {
    let r = reader();
    assert_eq!(r.num_docs(), 4);
    assert_eq!(r.total_tokens(), 7);
    assert_eq!(
        (r.doc_len(0), r.doc_len(1), r.doc_len(2), r.doc_len(3)),
        (3, 3, 1, 0)
    );
    let p = Bm25Params::default();

    let a = hits(Matcher::term(&r, "a", TermWeight::new(p, &LOCAL, 2, 1.0)).unwrap());
    assert_eq!(a.iter().map(|h| h.doc).collect::<Vec<_>>(), [1, 0]);
    close(a[0].score, 0.793_640_637_964_547);
    close(a[1].score, 0.536_405_355_810_208_9);

    let b = hits(Matcher::term(&r, "b", TermWeight::new(p, &LOCAL, 2, 1.0)).unwrap());
    assert_eq!(b.iter().map(|h| h.doc).collect::<Vec<_>>(), [2, 0]);
    close(b[0].score, 0.840_509_179_576_626_6);
    close(b[1].score, 0.536_405_355_810_208_9);

    let c = hits(Matcher::term(&r, "c", TermWeight::new(p, &LOCAL, 1, 1.0)).unwrap());
    close(c[0].score, 0.931_717_647_568_814_9);

    // A boost multiplies the score.
    let boosted = hits(Matcher::term(&r, "c", TermWeight::new(p, &LOCAL, 1, 2.0)).unwrap());
    close(boosted[0].score, 2.0 * 0.931_717_647_568_814_9);
}

#[test]
fn table_wide_statistics_drive_the_score() {
    // The same rows weighed as part of a 100-document table where "a" is in
    // 30 documents and the average length is 3.5.
    let r = reader();
    let global = CorpusStats {
        num_docs: 100,
        total_tokens: 350,
    };
    let w = TermWeight::new(Bm25Params::default(), &global, 30, 1.0);
    let a = hits(Matcher::term(&r, "a", w).unwrap());
    assert_eq!(a[0].doc, 1);
    close(a[0].score, 1.715_336_282_019_494_4);
    close(w.score(2, 3), 1.715_336_282_019_494_4);
}

#[test]
fn disjunctions_add_and_phrases_use_summed_idf() {
    let r = reader();
    let p = Bm25Params::default();
    let wa = TermWeight::new(p, &LOCAL, 2, 1.0);
    let wb = TermWeight::new(p, &LOCAL, 2, 1.0);
    let or = Matcher::Or(vec![
        Matcher::term(&r, "a", wa).unwrap(),
        Matcher::term(&r, "b", wb).unwrap(),
    ]);
    let got = hits(or.clone());
    // doc 0 has both (0.5364 + 0.5364), doc 2 only b, doc 1 only a.
    assert_eq!(got.iter().map(|h| h.doc).collect::<Vec<_>>(), [0, 2, 1]);
    close(got[0].score, 2.0 * 0.536_405_355_810_208_9);
    assert_eq!(count(or, None).unwrap(), 3);

    let sum_idf = idf(4, 2) + idf(4, 2);
    let w = TermWeight::from_idf(p, &LOCAL, sum_idf, 1.0);
    let phrase = Matcher::phrase(&r, &[("a", 0), ("b", 1)], 0, w).unwrap();
    let got = hits(phrase);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].doc, 0);
    close(got[0].score, 1.072_810_711_620_417_7);
    // "b a" is not in doc 0 exactly, but is within slop 2 (1 / (1 + 2)).
    let reversed = Matcher::phrase(&r, &[("b", 0), ("a", 1)], 2, w).unwrap();
    let got = hits(reversed);
    assert_eq!(got.len(), 1);
    close(got[0].score, f64::from(w.score_freq(1.0 / 3.0, 3)));
    let reversed_exact = Matcher::phrase(&r, &[("b", 0), ("a", 1)], 1, w).unwrap();
    assert!(hits(reversed_exact).is_empty());
}

#[test]
fn parameters_change_scores_as_documented() {
    let corpus = LOCAL;
    // b = 0: no length normalisation; k1 = 0: frequency ignored.
    let no_len = TermWeight::new(Bm25Params { k1: 1.2, b: 0.0 }, &corpus, 2, 1.0);
    assert_eq!(no_len.score(1, 1), no_len.score(1, 1000));
    let no_tf = TermWeight::new(Bm25Params { k1: 0.0, b: 0.75 }, &corpus, 2, 1.0);
    assert_eq!(no_tf.score(1, 3), no_tf.score(7, 3));
    close(no_tf.score(1, 3), std::f64::consts::LN_2);
    // Scores never go negative and never exceed the limit.
    let w = TermWeight::new(Bm25Params::default(), &corpus, 4, 1.0);
    for tf in [1, 2, 10, 1000, u32::MAX] {
        for len in [0, 1, 3, 100, u32::MAX] {
            let s = w.score(tf, len);
            assert!(s >= 0.0 && s <= w.limit() * (1.0 + 1e-6), "{tf} {len} {s}");
        }
    }
    let zero = TermWeight::new(Bm25Params::default(), &corpus, 2, -1.0);
    assert_eq!(zero.score(3, 3), 0.0);
}
