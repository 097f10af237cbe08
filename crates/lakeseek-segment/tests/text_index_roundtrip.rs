//! The text index round-trips: every term's postings (docs, frequencies,
//! positions), seeks, document lengths and block-max bounds agree with a
//! naive in-memory inverted index built from the same documents.

use std::collections::BTreeMap;

use bytes::Bytes;
use lakeseek_segment::text::index::{
    BlockBound, TextIndexBuilder, TextIndexOptions, TextIndexReader, TERMINATED,
};
use proptest::prelude::*;

/// One document: `(term, position)` tokens.
type Doc = Vec<(String, u32)>;

/// term → [(doc, sorted positions)]
type Naive = BTreeMap<String, Vec<(u32, Vec<u32>)>>;

fn naive(docs: &[Doc]) -> Naive {
    let mut index: Naive = BTreeMap::new();
    for (d, doc) in docs.iter().enumerate() {
        let mut per_term: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for (t, p) in doc {
            per_term.entry(t).or_default().push(*p);
        }
        for (t, mut ps) in per_term {
            ps.sort_unstable();
            index.entry(t.to_owned()).or_default().push((d as u32, ps));
        }
    }
    index
}

fn build(docs: &[Doc], positions: bool) -> TextIndexReader {
    let mut b = TextIndexBuilder::new(TextIndexOptions { positions });
    for doc in docs {
        b.add_document(doc.iter().map(|(t, p)| (t.as_str(), *p)));
    }
    assert_eq!(b.num_docs() as usize, docs.len());
    TextIndexReader::open(Bytes::from(b.finish())).expect("a fresh index opens")
}

/// Whether the bound bounds a document's BM25 score for many parameter
/// choices: BM25 is `w / (1 + (c0 + c1 * len) / tf)`, so the best pair must
/// have a form `(c0 + c1 * len) / tf` no larger than the document's.
fn covers(bound: &BlockBound, tf: u32, len: u32) -> bool {
    let (max_tf, min_len) = bound.corner();
    if max_tf < tf || min_len > len {
        return false;
    }
    [0.0, 0.01, 0.3, 1.0, 5.0].iter().all(|&c0| {
        [0.0, 0.001, 0.02, 0.3, 4.0].iter().all(|&c1| {
            let form = |t: u32, l: u32| (c0 + c1 * f64::from(l)) / f64::from(t);
            let best = bound
                .pairs()
                .iter()
                .map(|&(t, l)| form(t, l))
                .fold(f64::MAX, f64::min);
            best <= form(tf, len) * (1.0 + 1e-12)
        })
    })
}

/// Checks everything the reader says against the naive index.
fn check(docs: &[Doc], positions: bool, seeks: &[u32]) {
    let reader = build(docs, positions);
    let index = naive(docs);
    let lens: Vec<u32> = docs.iter().map(|d| d.len() as u32).collect();

    assert_eq!(reader.num_docs() as usize, docs.len());
    assert_eq!(
        reader.total_tokens(),
        lens.iter().map(|&l| u64::from(l)).sum::<u64>()
    );
    assert_eq!(reader.num_terms() as usize, index.len());
    assert_eq!(reader.has_positions(), positions);
    for (d, &l) in lens.iter().enumerate() {
        assert_eq!(reader.doc_len(d as u32), l, "length of doc {d}");
    }
    assert_eq!(reader.doc_len(docs.len() as u32), 0);
    assert_eq!(reader.term("no such term").unwrap(), None);

    let listed: Vec<String> = reader.terms().map(|r| r.unwrap().0).collect();
    assert_eq!(listed, index.keys().cloned().collect::<Vec<_>>());

    let mut buf = Vec::new();
    for (term, postings) in &index {
        let info = reader.term(term).unwrap().expect("term present");
        assert_eq!(info.doc_freq() as usize, postings.len(), "df of {term}");
        let ttf: usize = postings.iter().map(|(_, ps)| ps.len()).sum();
        assert_eq!(info.total_term_freq() as usize, ttf, "ttf of {term}");
        let max_tf = postings.iter().map(|(_, ps)| ps.len()).max().unwrap() as u32;
        let min_len = postings
            .iter()
            .map(|(d, _)| lens[*d as usize])
            .min()
            .unwrap();
        assert_eq!(info.max_tf(), max_tf);
        assert_eq!(info.min_doc_len(), min_len);

        // Full iteration.
        let mut c = reader.postings(&info).unwrap();
        for (d, ps) in postings {
            assert_eq!(c.doc(), *d, "{term}");
            assert_eq!(c.freq() as usize, ps.len(), "tf of {term} in {d}");
            // Block-max data bounds the current document.
            assert!(c.block_last_doc() >= *d);
            let (bm_tf, bm_len) = c.block_max();
            assert!(bm_tf >= ps.len() as u32, "block max tf of {term} at {d}");
            assert!(
                bm_len <= lens[*d as usize],
                "block min len of {term} at {d}"
            );
            assert!(covers(&c.block_bound(), ps.len() as u32, lens[*d as usize]));
            assert!(covers(&info.bound(), ps.len() as u32, lens[*d as usize]));
            if positions {
                c.positions(&mut buf).unwrap();
                assert_eq!(&buf, ps, "positions of {term} in {d}");
            } else {
                assert!(c.positions(&mut buf).is_err());
            }
            c.advance();
        }
        assert_eq!(c.doc(), TERMINATED);
        assert_eq!(c.advance(), TERMINATED);
        assert_eq!(c.seek(0), TERMINATED);
        assert!(c.error().is_none());

        // Ascending seeks, some with reads in between.
        let mut c = reader.postings(&info).unwrap();
        let mut targets = seeks.to_vec();
        targets.sort_unstable();
        let mut current = postings[0].0;
        for &t in &targets {
            let expected_at = postings.iter().position(|(d, _)| *d >= t.max(current));
            let got = c.seek(t);
            match expected_at {
                Some(i) => {
                    let (d, ps) = &postings[i];
                    assert_eq!(got, *d, "seek({t}) on {term}");
                    assert_eq!(c.freq() as usize, ps.len());
                    if positions && t % 3 == 0 {
                        c.positions(&mut buf).unwrap();
                        assert_eq!(&buf, ps);
                    }
                    current = *d;
                }
                None => {
                    assert_eq!(got, TERMINATED, "seek({t}) on {term}");
                    break;
                }
            }
        }

        // Shallow seeks: the block-max data bounds every doc of the region.
        let mut c = reader.postings(&info).unwrap();
        for &t in &targets {
            let end = c.shallow_seek(t);
            let (bm_tf, bm_len) = c.block_max();
            let in_region = postings.iter().filter(|(d, _)| *d >= t && *d <= end);
            let bound = c.block_bound();
            for (d, ps) in in_region {
                assert!(
                    bm_tf >= ps.len() as u32,
                    "shallow block max tf of {term} at {d}"
                );
                assert!(
                    bm_len <= lens[*d as usize],
                    "shallow block min len of {term} at {d}"
                );
                assert!(
                    covers(&bound, ps.len() as u32, lens[*d as usize]),
                    "{term} at {d}"
                );
            }
            if end == TERMINATED {
                assert!(
                    postings.iter().all(|(d, _)| *d < t),
                    "{term}: docs after {t}"
                );
            } else {
                assert!(
                    postings.iter().any(|(d, _)| *d == end),
                    "{term}: block end {end}"
                );
            }
        }
    }
}

/// A document strategy: terms from a small alphabet (collisions, long
/// postings) plus a long tail, positions ascending with gaps, sometimes
/// repeated or out of order.
fn doc_strategy() -> impl Strategy<Value = Doc> {
    let term = prop_oneof![
        6 => (0u8..4).prop_map(|i| ["a", "b", "c", "d"][i as usize].to_owned()),
        2 => (0u8..40).prop_map(|i| format!("t{i}")),
        1 => "[a-zé]{1,12}",
    ];
    prop::collection::vec((term, 0u32..3, 0u32..20), 0..24).prop_map(|tokens| {
        let mut pos = 0u32;
        tokens
            .into_iter()
            .map(|(t, gap, jitter)| {
                pos += gap;
                // Now and then a token out of order.
                let p = if jitter == 0 { pos / 2 } else { pos };
                (t, p)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn postings_match_a_naive_index(
        docs in prop::collection::vec(doc_strategy(), 0..420),
        seeks in prop::collection::vec(0u32..450, 0..30),
        positions in any::<bool>(),
    ) {
        check(&docs, positions, &seeks);
    }
}

#[test]
fn empty_index_and_empty_documents() {
    check(&[], true, &[0, 5]);
    check(&[vec![], vec![], vec![]], true, &[0, 1, 2]);
    let reader = build(&[vec![], vec![]], false);
    assert_eq!(reader.num_terms(), 0);
    assert_eq!(reader.doc_len(1), 0);
}

#[test]
fn dense_and_long_postings_across_many_blocks() {
    // "all" in every doc, "even" in every other, "rare" every 1000th; "big"
    // with a large tf in one document and long documents (saturated block
    // max fields).
    let mut docs: Vec<Doc> = Vec::new();
    for d in 0..5000u32 {
        let mut doc: Doc = vec![("all".into(), 0)];
        if d % 2 == 0 {
            doc.push(("even".into(), 1));
            doc.push(("even".into(), 7));
        }
        if d % 1000 == 0 {
            doc.push(("rare".into(), 3));
        }
        if d == 4321 {
            doc.extend((0..70_000).map(|p| ("big".to_owned(), p + 10)));
        }
        if d % 700 == 5 {
            doc.extend((0..66_000).map(|p| ("long".to_owned(), p + 10)));
        }
        docs.push(doc);
    }
    let seeks: Vec<u32> = (0..60).map(|i| i * 97 + 3).collect();
    check(&docs, true, &seeks);
    check(&docs, false, &seeks);
}

#[test]
fn prefix_and_fuzzy_expansion() {
    use fst::automaton::{Levenshtein, Str};
    use fst::Automaton;
    let words = [
        "search", "seek", "seeking", "segment", "sear", "tantivy", "lucene",
    ];
    let docs: Vec<Doc> = words.iter().map(|w| vec![(w.to_string(), 0)]).collect();
    let reader = build(&docs, true);
    let prefix: Vec<String> = reader
        .terms_matching(Str::new("se").starts_with())
        .map(|r| r.unwrap().0)
        .collect();
    assert_eq!(prefix, ["sear", "search", "seek", "seeking", "segment"]);
    let fuzzy: Vec<String> = reader
        .terms_matching(Levenshtein::new("serch", 1).unwrap())
        .map(|r| r.unwrap().0)
        .collect();
    assert_eq!(fuzzy, ["search"]);
}
