//! Search over a segment equals brute force: on random Zipfian corpora and
//! random queries (terms, OR, AND, phrases exact and sloppy, boolean
//! must/should/must_not, nesting, prefix expansions, constant scores), top-k
//! with dynamic pruning returns exactly the documents and scores of scoring
//! every document, ties by doc id; counts, match sets, filters and score
//! floors agree too; and scores do not depend on how rows are split into
//! segments.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use lakeseek_segment::text::bm25::{idf, Bm25Params, CorpusStats, TermWeight};
use lakeseek_segment::text::index::{TextIndexBuilder, TextIndexOptions, TextIndexReader};
use lakeseek_segment::text::search::{
    count, expand_terms, matching_docs, phrase_freq, top_k, top_k_above, Matcher, ScoredDoc,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use roaring::RoaringBitmap;

/// A corpus of token lists (a token's position is its index) and its naive
/// inverted index.
struct Corpus {
    docs: Vec<Vec<String>>,
    /// term → doc → positions
    postings: HashMap<String, BTreeMap<u32, Vec<u32>>>,
    vocab: Vec<String>,
    global: CorpusStats,
    params: Bm25Params,
}

impl Corpus {
    fn random(rng: &mut StdRng, num_docs: usize, vocab_size: usize) -> Corpus {
        let vocab: Vec<String> = (0..vocab_size).map(|i| format!("w{i}")).collect();
        // Zipf(1.0) over the vocabulary.
        let mut cumulative = Vec::with_capacity(vocab_size);
        let mut acc = 0.0;
        for i in 0..vocab_size {
            acc += 1.0 / (i as f64 + 1.0);
            cumulative.push(acc);
        }
        let mut docs = Vec::with_capacity(num_docs);
        for _ in 0..num_docs {
            let len = if rng.random_range(0..30) == 0 {
                0
            } else {
                rng.random_range(1..40)
            };
            let doc: Vec<String> = (0..len)
                .map(|_| {
                    let x = rng.random::<f64>() * acc;
                    let i = cumulative.partition_point(|&c| c < x).min(vocab_size - 1);
                    vocab[i].clone()
                })
                .collect();
            docs.push(doc);
        }
        Corpus::new(docs, vocab)
    }

    fn new(docs: Vec<Vec<String>>, vocab: Vec<String>) -> Corpus {
        let mut postings: HashMap<String, BTreeMap<u32, Vec<u32>>> = HashMap::new();
        for (d, doc) in docs.iter().enumerate() {
            for (p, t) in doc.iter().enumerate() {
                postings
                    .entry(t.clone())
                    .or_default()
                    .entry(d as u32)
                    .or_default()
                    .push(p as u32);
            }
        }
        let total: u64 = docs.iter().map(|d| d.len() as u64).sum();
        // Table-wide statistics: as if other segments held more rows.
        let global = CorpusStats {
            num_docs: docs.len() as u64 + 500,
            total_tokens: total + 9_000,
        };
        Corpus {
            docs,
            postings,
            vocab,
            global,
            params: Bm25Params::default(),
        }
    }

    fn reader(&self) -> TextIndexReader {
        build(&self.docs)
    }

    /// Table-wide document frequency: the local one plus other segments'.
    fn global_df(&self, term: &str) -> u64 {
        let local = self.postings.get(term).map_or(0, |p| p.len() as u64);
        local + term.len() as u64 % 4
    }

    fn weight(&self, term: &str, boost: f32) -> TermWeight {
        TermWeight::new(self.params, &self.global, self.global_df(term), boost)
    }

    fn phrase_weight(&self, terms: &[(String, u32)]) -> TermWeight {
        let sum: f32 = terms
            .iter()
            .map(|(t, _)| idf(self.global.num_docs, self.global_df(t)))
            .sum();
        TermWeight::from_idf(self.params, &self.global, sum, 1.0)
    }

    fn positions(&self, term: &str, doc: u32) -> &[u32] {
        self.postings
            .get(term)
            .and_then(|p| p.get(&doc))
            .map_or(&[], |v| v.as_slice())
    }
}

fn build(docs: &[Vec<String>]) -> TextIndexReader {
    let mut b = TextIndexBuilder::new(TextIndexOptions::default());
    for doc in docs {
        b.add_document(doc.iter().enumerate().map(|(p, t)| (t.as_str(), p as u32)));
    }
    TextIndexReader::open(Bytes::from(b.finish())).unwrap()
}

/// A query, evaluated both ways.
#[derive(Debug, Clone)]
enum Q {
    Term(String, f32),
    Phrase(Vec<(String, u32)>, u32),
    Or(Vec<Q>),
    And(Vec<Q>),
    AndNot(Box<Q>, Box<Q>),
    Bool {
        must: Vec<Q>,
        should: Vec<Q>,
        must_not: Vec<Q>,
    },
    Const(Box<Q>, f32),
}

fn to_matcher<'a>(q: &Q, c: &Corpus, r: &'a TextIndexReader) -> Matcher<'a> {
    let all = |qs: &[Q]| qs.iter().map(|q| to_matcher(q, c, r)).collect::<Vec<_>>();
    match q {
        Q::Term(t, boost) => Matcher::term(r, t, c.weight(t, *boost)).unwrap(),
        Q::Phrase(terms, slop) => {
            let refs: Vec<(&str, u32)> = terms.iter().map(|(t, p)| (t.as_str(), *p)).collect();
            Matcher::phrase(r, &refs, *slop, c.phrase_weight(terms)).unwrap()
        }
        Q::Or(qs) => Matcher::Or(all(qs)),
        Q::And(qs) => Matcher::And(all(qs)),
        Q::AndNot(i, e) => Matcher::AndNot {
            include: Box::new(to_matcher(i, c, r)),
            exclude: Box::new(to_matcher(e, c, r)),
        },
        Q::Bool {
            must,
            should,
            must_not,
        } => Matcher::Bool {
            must: all(must),
            should: all(should),
            must_not: all(must_not),
        },
        Q::Const(q, s) => Matcher::ConstScore {
            inner: Box::new(to_matcher(q, c, r)),
            score: *s,
        },
    }
}

/// Exact phrase frequency, computed independently of the library.
fn naive_exact_freq(lists: &[&[u32]], offsets: &[u32]) -> u32 {
    let mut starts: Vec<i64> = lists[0]
        .iter()
        .map(|&p| i64::from(p) - i64::from(offsets[0]))
        .collect();
    starts.dedup();
    starts
        .into_iter()
        .filter(|&s| {
            lists
                .iter()
                .zip(offsets)
                .all(|(l, &o)| l.contains(&((s + i64::from(o)) as u32)) && s + i64::from(o) >= 0)
        })
        .count() as u32
}

/// Brute-force score of `q` on `doc`; `None` when it does not match.
fn eval(q: &Q, c: &Corpus, doc: u32) -> Option<f32> {
    let len = c.docs[doc as usize].len() as u32;
    match q {
        Q::Term(t, boost) => {
            let tf = c.positions(t, doc).len() as u32;
            (tf > 0).then(|| c.weight(t, *boost).score(tf, len))
        }
        Q::Phrase(terms, slop) => {
            let base = terms.iter().map(|t| t.1).min().unwrap();
            let lists: Vec<&[u32]> = terms.iter().map(|(t, _)| c.positions(t, doc)).collect();
            let offsets: Vec<u32> = terms.iter().map(|t| t.1 - base).collect();
            let groups: Vec<u32> = (0..terms.len())
                .map(|i| terms.iter().position(|t| t.0 == terms[i].0).unwrap() as u32)
                .collect();
            if lists.iter().any(|l| l.is_empty()) {
                return None;
            }
            let freq = if *slop == 0 {
                naive_exact_freq(&lists, &offsets) as f32
            } else {
                phrase_freq(&lists, &offsets, &groups, *slop)
            };
            (freq > 0.0).then(|| c.phrase_weight(terms).score_freq(freq, len))
        }
        Q::Or(qs) => {
            let mut sum = 0.0f32;
            let mut any = false;
            for s in qs.iter().filter_map(|q| eval(q, c, doc)) {
                sum += s;
                any = true;
            }
            any.then_some(sum)
        }
        Q::And(qs) => {
            let mut sum = 0.0f32;
            for q in qs {
                sum += eval(q, c, doc)?;
            }
            (!qs.is_empty()).then_some(sum)
        }
        Q::AndNot(i, e) => {
            let s = eval(i, c, doc)?;
            eval(e, c, doc).is_none().then_some(s)
        }
        Q::Bool {
            must,
            should,
            must_not,
        } => {
            if must_not.iter().any(|q| eval(q, c, doc).is_some()) {
                return None;
            }
            let mut req = 0.0f32;
            for q in must {
                req += eval(q, c, doc)?;
            }
            let mut opt = 0.0f32;
            let mut any = false;
            for s in should.iter().filter_map(|q| eval(q, c, doc)) {
                opt += s;
                any = true;
            }
            if must.is_empty() {
                any.then_some(opt)
            } else {
                Some(req + opt)
            }
        }
        Q::Const(q, s) => eval(q, c, doc).map(|_| s.max(0.0)),
    }
}

fn brute_force(q: &Q, c: &Corpus, filter: Option<&RoaringBitmap>) -> Vec<ScoredDoc> {
    let mut hits: Vec<ScoredDoc> = (0..c.docs.len() as u32)
        .filter(|d| filter.is_none_or(|f| f.contains(*d)))
        .filter_map(|doc| eval(q, c, doc).map(|score| ScoredDoc { doc, score }))
        .collect();
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
    hits
}

fn assert_same(got: &[ScoredDoc], want: &[ScoredDoc], what: &str) {
    let docs = |h: &[ScoredDoc]| h.iter().map(|s| s.doc).collect::<Vec<_>>();
    assert_eq!(docs(got), docs(want), "{what}: doc ids");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g.score - w.score).abs() <= 1e-6 * w.score.abs().max(1.0),
            "{what}: score of doc {}: {} vs {}",
            g.doc,
            g.score,
            w.score
        );
    }
}

/// Checks top-k (several k, with and without filters and floors), count and
/// the match set of `q` against brute force.
fn check_query(q: &Q, c: &Corpus, r: &TextIndexReader, rng: &mut StdRng) {
    let all = brute_force(q, c, None);
    let what = format!("{q:?}");
    for k in [1, 3, 10, 100] {
        let got = top_k(to_matcher(q, c, r), k, None).unwrap();
        let want = &all[..k.min(all.len())];
        assert_same(&got.hits, want, &format!("top {k} of {what}"));
    }
    assert_eq!(
        count(to_matcher(q, c, r), None).unwrap(),
        all.len() as u64,
        "count of {what}"
    );
    let set: RoaringBitmap = all.iter().map(|h| h.doc).collect();
    assert_eq!(
        matching_docs(to_matcher(q, c, r), None).unwrap(),
        set,
        "matches of {what}"
    );

    // Filters: dense, sparse and empty.
    for density in [0.5, 0.03, 0.0] {
        let filter: RoaringBitmap = (0..c.docs.len() as u32)
            .filter(|_| rng.random::<f64>() < density)
            .collect();
        let want = brute_force(q, c, Some(&filter));
        let got = top_k(to_matcher(q, c, r), 10, Some(&filter)).unwrap();
        assert_same(
            &got.hits,
            &want[..10.min(want.len())],
            &format!("filtered {what}"),
        );
        assert_eq!(
            count(to_matcher(q, c, r), Some(&filter)).unwrap(),
            want.len() as u64,
            "filtered count of {what}"
        );
    }

    // A floor from "another segment".
    if let Some(floor) = all.get(4).map(|h| h.score) {
        let want: Vec<ScoredDoc> = all
            .iter()
            .filter(|h| h.score > floor)
            .take(10)
            .copied()
            .collect();
        let got = top_k_above(to_matcher(q, c, r), 10, None, floor).unwrap();
        assert_same(&got.hits, &want, &format!("floored {what}"));
    }
}

/// A term, mostly from the frequent end of the vocabulary, sometimes absent.
fn random_term(rng: &mut StdRng, c: &Corpus) -> String {
    match rng.random_range(0..20) {
        0 => "absent".to_owned(),
        1..=9 => c.vocab[rng.random_range(0..8)].clone(),
        _ => c.vocab[rng.random_range(0..c.vocab.len())].clone(),
    }
}

fn random_term_query(rng: &mut StdRng, c: &Corpus) -> Q {
    let boost = [1.0, 1.0, 0.5, 2.5][rng.random_range(0..4)];
    Q::Term(random_term(rng, c), boost)
}

/// A phrase cut from a random document (so it usually matches), sometimes
/// shuffled, with slop 0..=3.
fn random_phrase(rng: &mut StdRng, c: &Corpus) -> Q {
    let slop = [0, 0, 1, 2, 3][rng.random_range(0..5)];
    loop {
        let doc = &c.docs[rng.random_range(0..c.docs.len())];
        if doc.len() < 2 {
            continue;
        }
        let n = rng.random_range(2..=3.min(doc.len()));
        let start = rng.random_range(0..=doc.len() - n);
        let mut terms: Vec<(String, u32)> = (0..n)
            .map(|i| (doc[start + i].clone(), i as u32 + 7))
            .collect();
        if slop > 0 && rng.random_range(0..3) == 0 {
            terms.swap(0, 1);
            terms[0].1 = 7;
            terms[1].1 = 8;
        }
        return Q::Phrase(terms, slop);
    }
}

fn random_query(rng: &mut StdRng, c: &Corpus, depth: u32) -> Q {
    let leaf = |rng: &mut StdRng| {
        if rng.random_range(0..4) == 0 {
            random_phrase(rng, c)
        } else {
            random_term_query(rng, c)
        }
    };
    let terms = |rng: &mut StdRng, lo: usize, hi: usize| -> Vec<Q> {
        (0..rng.random_range(lo..=hi))
            .map(|_| random_term_query(rng, c))
            .collect()
    };
    match rng.random_range(0..if depth == 0 { 8 } else { 10 }) {
        0 => random_term_query(rng, c),
        1 | 2 => Q::Or(terms(rng, 1, 3)),
        3 => Q::And(terms(rng, 2, 3)),
        4 => random_phrase(rng, c),
        5 => Q::AndNot(Box::new(Q::Or(terms(rng, 1, 3))), Box::new(leaf(rng))),
        6 | 7 => Q::Bool {
            must: (0..rng.random_range(0..=2)).map(|_| leaf(rng)).collect(),
            should: (0..rng.random_range(0..=3)).map(|_| leaf(rng)).collect(),
            must_not: (0..rng.random_range(0..=2)).map(|_| leaf(rng)).collect(),
        },
        8 => Q::Or(vec![
            random_query(rng, c, depth - 1),
            leaf(rng),
            random_query(rng, c, depth - 1),
        ]),
        _ => Q::And(vec![leaf(rng), random_query(rng, c, depth - 1)]),
    }
}

#[test]
fn random_queries_match_brute_force() {
    // More seeds: TEXT_INDEX_SEEDS=50 cargo test --release ...
    let seeds = std::env::var("TEXT_INDEX_SEEDS").map_or(3, |s| s.parse().unwrap_or(3));
    for seed in 0..seeds {
        let mut rng = StdRng::seed_from_u64(seed);
        let c = Corpus::random(&mut rng, 3000, 400);
        let r = c.reader();
        for _ in 0..70 {
            let q = random_query(&mut rng, &c, 2);
            check_query(&q, &c, &r, &mut rng);
        }
    }
}

#[test]
fn wide_disjunctions_and_expansions_match_brute_force() {
    use fst::automaton::Str;
    use fst::Automaton;
    let mut rng = StdRng::seed_from_u64(42);
    let c = Corpus::random(&mut rng, 3000, 2000);
    let r = c.reader();
    for prefix in ["w1", "w2", "w9", "w12", "w3"] {
        for cap in [5, 128] {
            let expanded = expand_terms(&r, Str::new(prefix).starts_with(), cap).unwrap();
            assert!(expanded.len() <= cap);
            let mut by_df: Vec<u32> = expanded.iter().map(|(_, i)| i.doc_freq()).collect();
            by_df.sort_unstable();
            let terms: Vec<Q> = expanded
                .iter()
                .map(|(t, _)| Q::Term(t.clone(), 1.0))
                .collect();
            check_query(&Q::Or(terms.clone()), &c, &r, &mut rng);
            check_query(&Q::Const(Box::new(Q::Or(terms)), 1.5), &c, &r, &mut rng);
        }
    }
    // Many frequent terms at once.
    let wide = Q::Or((0..24).map(|i| Q::Term(format!("w{i}"), 1.0)).collect());
    check_query(&wide, &c, &r, &mut rng);
    let must_wide = Q::Bool {
        must: vec![Q::Term("w0".into(), 1.0)],
        should: (1..12).map(|i| Q::Term(format!("w{i}"), 1.0)).collect(),
        must_not: vec![Q::Term("w5".into(), 1.0)],
    };
    check_query(&must_wide, &c, &r, &mut rng);
}

#[test]
fn ties_are_broken_by_doc_id() {
    // Identical documents score identically; top-k keeps the smallest ids.
    let docs: Vec<Vec<String>> = (0..1000)
        .map(|i| {
            if i % 3 == 0 {
                vec!["x".into(), "y".into()]
            } else {
                vec!["y".into(), "z".into()]
            }
        })
        .collect();
    let c = Corpus::new(docs, vec!["x".into(), "y".into(), "z".into()]);
    let r = c.reader();
    let mut rng = StdRng::seed_from_u64(7);
    for q in [
        Q::Term("y".into(), 1.0),
        Q::Or(vec![Q::Term("x".into(), 1.0), Q::Term("y".into(), 1.0)]),
        Q::Const(Box::new(Q::Term("z".into(), 1.0)), 2.0),
    ] {
        check_query(&q, &c, &r, &mut rng);
    }
    let top = top_k(to_matcher(&Q::Term("y".into(), 1.0), &c, &r), 5, None).unwrap();
    assert_eq!(
        top.hits.iter().map(|h| h.doc).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );
}

#[test]
fn ties_with_a_later_better_block_keep_the_smallest_ids() {
    // One document late in the term's postings beats all others, so its
    // block is searched first when blocks go best bound first; the hits
    // that tie after it must still be the smallest doc ids, from blocks
    // whose bound only equals the k-th score.
    let docs: Vec<Vec<String>> = (0..1000)
        .map(|i| {
            if i == 900 {
                vec!["y".into(), "y".into()]
            } else {
                vec!["y".into(), "z".into()]
            }
        })
        .collect();
    let c = Corpus::new(docs, vec!["y".into(), "z".into()]);
    let r = c.reader();
    let mut rng = StdRng::seed_from_u64(11);
    check_query(&Q::Term("y".into(), 1.0), &c, &r, &mut rng);
    let top = top_k(to_matcher(&Q::Term("y".into(), 1.0), &c, &r), 4, None).unwrap();
    assert_eq!(
        top.hits.iter().map(|h| h.doc).collect::<Vec<_>>(),
        [900, 0, 1, 2]
    );
}

#[test]
fn pruning_skips_work_on_frequent_terms() {
    let mut rng = StdRng::seed_from_u64(3);
    let c = Corpus::random(&mut rng, 20_000, 300);
    let r = c.reader();
    // A frequent and a rarer term: once the top 10 holds documents with the
    // rarer one, documents with only the frequent one are skipped.
    let q = Q::Or(vec![Q::Term("w0".into(), 1.0), Q::Term("w40".into(), 1.0)]);
    let all = brute_force(&q, &c, None);
    let got = top_k(to_matcher(&q, &c, &r), 10, None).unwrap();
    assert_same(&got.hits, &all[..10], "or");
    assert!(
        got.docs_scored < all.len() as u64 / 2,
        "scored {} of {}",
        got.docs_scored,
        all.len()
    );
    let single = top_k(to_matcher(&Q::Term("w0".into(), 1.0), &c, &r), 10, None).unwrap();
    assert!(single.docs_scored < c.postings["w0"].len() as u64 / 2);
}

#[test]
fn sloppy_phrase_semantics() {
    let groups = [0, 1];
    // "a b" against "b a": slop 2 needed, frequency 1 / (1 + 2).
    let (a, b) = ([1u32].as_slice(), [0u32].as_slice());
    assert_eq!(phrase_freq(&[a, b], &[0, 1], &groups, 1), 0.0);
    assert_eq!(phrase_freq(&[a, b], &[0, 1], &groups, 2), 1.0 / 3.0);
    // One word between: distance 1.
    let (a, b) = ([0u32].as_slice(), [2u32].as_slice());
    assert_eq!(phrase_freq(&[a, b], &[0, 1], &groups, 0), 0.0);
    assert_eq!(phrase_freq(&[a, b], &[0, 1], &groups, 1), 0.5);
    // Exact matches counted once each.
    let (a, b) = ([0u32, 5, 9].as_slice(), [1u32, 6, 12].as_slice());
    assert_eq!(phrase_freq(&[a, b], &[0, 1], &groups, 0), 2.0);
    // A repeated term cannot use one position twice: "a a" needs two a's.
    let one = [3u32].as_slice();
    assert_eq!(phrase_freq(&[one, one], &[0, 1], &[0, 0], 3), 0.0);
    let two = [3u32, 4].as_slice();
    assert_eq!(phrase_freq(&[two, two], &[0, 1], &[0, 0], 3), 1.0);
}

#[test]
fn scores_do_not_depend_on_segmentation() {
    let mut rng = StdRng::seed_from_u64(11);
    let c = Corpus::random(&mut rng, 3000, 300);
    let whole = c.reader();
    let split = 1234;
    let first = build(&c.docs[..split]);
    let second = build(&c.docs[split..]);
    let queries = [
        Q::Term("w3".into(), 1.0),
        Q::Or(vec![Q::Term("w0".into(), 1.0), Q::Term("w7".into(), 2.0)]),
        Q::Bool {
            must: vec![Q::Term("w1".into(), 1.0)],
            should: vec![Q::Term("w2".into(), 1.0)],
            must_not: vec![],
        },
        random_phrase(&mut rng, &c),
    ];
    for q in &queries {
        let all = top_k(to_matcher(q, &c, &whole), usize::MAX, None)
            .unwrap()
            .hits;
        let mut parts = top_k(to_matcher(q, &c, &first), usize::MAX, None)
            .unwrap()
            .hits;
        parts.extend(
            top_k(to_matcher(q, &c, &second), usize::MAX, None)
                .unwrap()
                .hits
                .into_iter()
                .map(|h| ScoredDoc {
                    doc: h.doc + split as u32,
                    score: h.score,
                }),
        );
        parts.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
        assert_eq!(all.len(), parts.len());
        for (a, b) in all.iter().zip(&parts) {
            assert_eq!(a.doc, b.doc, "{q:?}");
            assert_eq!(a.score.to_bits(), b.score.to_bits(), "{q:?}");
        }
    }
}

#[test]
fn exact_phrases_of_frequent_terms_match_brute_force() {
    // Phrases whose every term is frequent: the best-bounded-first top-k
    // (the rarest term with hundreds of documents) against brute force,
    // with filters and floors (check_query), short and long documents.
    let mut rng = StdRng::seed_from_u64(7);
    let c = Corpus::random(&mut rng, 6000, 60);
    let r = c.reader();
    let frequent: Vec<String> = c
        .vocab
        .iter()
        .filter(|t| c.global_df(t) >= 300)
        .cloned()
        .collect();
    assert!(frequent.len() >= 10, "the corpus has frequent terms");
    for _ in 0..40 {
        let n = rng.random_range(2..=3);
        let terms: Vec<(String, u32)> = (0..n)
            .map(|i| {
                let t = frequent[rng.random_range(0..frequent.len())].clone();
                (t, i as u32)
            })
            .collect();
        check_query(&Q::Phrase(terms, 0), &c, &r, &mut rng);
    }

    // Equal bounds and equal scores everywhere: documents of four tokens in
    // a few patterns, shuffled, so that the k-th score is shared by many
    // matches and by as many non-matches' bounds.
    let patterns: [&[&str]; 4] = [
        &["a", "b", "c", "d"],
        &["b", "a", "c", "d"],
        &["c", "a", "b", "d"],
        &["a", "b", "a", "b"],
    ];
    let docs: Vec<Vec<String>> = (0..3000)
        .map(|_| {
            let p = patterns[[0, 0, 1, 1, 1, 2, 3][rng.random_range(0..7)]];
            p.iter().map(|t| t.to_string()).collect()
        })
        .collect();
    let vocab = ["a", "b", "c", "d"].map(String::from).to_vec();
    let c = Corpus::new(docs, vocab);
    let r = c.reader();
    for phrase in [["a", "b"], ["c", "a"], ["b", "a"]] {
        let terms = vec![(phrase[0].into(), 0), (phrase[1].into(), 1)];
        check_query(&Q::Phrase(terms, 0), &c, &r, &mut rng);
    }
}
