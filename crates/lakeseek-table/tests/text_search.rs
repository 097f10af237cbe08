//! Full-text search over tables built from SciFact: relevance, scores
//! independent of segmentation, agreement with a brute-force BM25, filters
//! and query errors.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{AsArray, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use lakeseek_segment::text::analyzer::analyzer;
use lakeseek_table::search::text::{TextResults, TextSearch};
use lakeseek_table::{Catalog, ShardPolicy, Table, TableError, TableOptions, WriterOptions};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn scifact_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/scifact")
}

/// (id, title + " " + text) of every SciFact document.
fn corpus() -> Vec<(String, String)> {
    let file = std::fs::File::open(scifact_dir().join("corpus.parquet")).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut docs = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let s = |n: &str| batch.column_by_name(n).unwrap().as_string::<i32>().clone();
        let (ids, titles, texts) = (s("id"), s("title"), s("text"));
        for i in 0..batch.num_rows() {
            docs.push((
                ids.value(i).to_string(),
                format!("{} {}", titles.value(i), texts.value(i)),
            ));
        }
    }
    docs
}

fn queries() -> Vec<(String, String)> {
    let file = std::fs::File::open(scifact_dir().join("queries.parquet")).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let ids = batch
            .column_by_name("id")
            .unwrap()
            .as_string::<i32>()
            .clone();
        let texts = batch
            .column_by_name("text")
            .unwrap()
            .as_string::<i32>()
            .clone();
        for i in 0..batch.num_rows() {
            out.push((ids.value(i).to_string(), texts.value(i).to_string()));
        }
    }
    out
}

/// query id → (doc id → grade), from the BEIR test split.
fn qrels() -> HashMap<String, HashMap<String, u32>> {
    let text = std::fs::read_to_string(scifact_dir().join("qrels_test.tsv")).unwrap();
    let mut out: HashMap<String, HashMap<String, u32>> = HashMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        out.entry(f[0].into())
            .or_default()
            .insert(f[1].into(), f[2].parse().unwrap());
    }
    out
}

fn schema() -> Schema {
    Schema::new(vec![
        Field::new("doc", DataType::Utf8, false),
        Field::new("body", DataType::Utf8, true),
    ])
}

/// A table of the corpus written as `segments` segments.
async fn table(docs: &[(String, String)], segments: usize) -> Table {
    let options = WriterOptions {
        shards: ShardPolicy {
            max_shards: segments,
            min_shard_rows: 1,
        },
        ..Default::default()
    };
    let catalog = Catalog::connect("memory://", &Default::default())
        .unwrap()
        .with_writer_options(options);
    let t = catalog
        .create_table(
            "scifact",
            schema(),
            TableOptions::default().with_text("body"),
        )
        .await
        .unwrap();
    let batch = RecordBatch::try_new(
        Arc::new(schema()),
        vec![
            Arc::new(StringArray::from_iter_values(
                docs.iter().map(|d| d.0.as_str()),
            )),
            Arc::new(StringArray::from_iter_values(
                docs.iter().map(|d| d.1.as_str()),
            )),
        ],
    )
    .unwrap();
    let snap = t.append(&batch).await.unwrap();
    assert_eq!(snap.segments.len(), segments);
    t
}

/// Query text as an OR of its words, escaped for the query language.
fn as_query(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

async fn search(t: &Table, q: &str, k: usize) -> TextResults {
    let snapshot = t.snapshot();
    t.text_search(&snapshot, &TextSearch::new(q, k))
        .await
        .unwrap()
}

fn doc_ids(t: &Table, docs: &[(String, String)], r: &TextResults) -> Vec<String> {
    let _ = t;
    r.hits
        .iter()
        .map(|h| docs[h.id as usize].0.clone())
        .collect()
}

fn ndcg_at_10(ranked: &[String], judged: &HashMap<String, u32>) -> f64 {
    let dcg: f64 = ranked
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, d)| judged.get(d).copied().unwrap_or(0) as f64 / ((i + 2) as f64).log2())
        .sum();
    let mut ideal: Vec<u32> = judged.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, g)| *g as f64 / ((i + 2) as f64).log2())
        .sum();
    if idcg == 0.0 {
        0.0
    } else {
        dcg / idcg
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn scifact_ndcg_and_segmentation_independence() {
    let docs = corpus();
    let one = table(&docs, 1).await;
    let fifty = table(&docs, 50).await;
    let qrels = qrels();
    let queries: HashMap<String, String> = queries().into_iter().collect();
    let mut total = 0.0;
    let mut compared = 0;
    let mut judged_queries: Vec<&String> = qrels.keys().collect();
    judged_queries.sort();
    for qid in &judged_queries {
        let q = as_query(&queries[*qid]);
        let a = search(&one, &q, 100).await;
        let b = search(&fifty, &q, 100).await;
        assert_eq!(a.hits.len(), b.hits.len(), "query {qid}");
        for (x, y) in a.hits.iter().zip(&b.hits) {
            assert_eq!(x.id, y.id, "query {qid}: same rows in the same order");
            assert!(
                (x.score - y.score).abs() <= 1e-6,
                "query {qid}: {} vs {}",
                x.score,
                y.score
            );
        }
        compared += 1;
        total += ndcg_at_10(&doc_ids(&one, &docs, &a), &qrels[*qid]);
    }
    let ndcg = total / judged_queries.len() as f64;
    println!("SciFact test nDCG@10 = {ndcg:.5} over {} queries ({compared} compared across segmentations)", judged_queries.len());
    // Target 0.69 (tantivy en_stem: 0.684-0.687); measured 0.68996 here, so the
    // floor guards against regressions just below it.
    assert!(ndcg >= 0.689, "nDCG@10 {ndcg:.5} regressed below 0.689");
}

/// BM25 computed directly from the analyzed corpus, in f64.
fn brute_force(docs: &[(String, String)], query: &str, k: usize) -> Vec<(u64, f64)> {
    let a = analyzer("english").unwrap();
    let analyzed: Vec<Vec<String>> = docs
        .iter()
        .map(|d| a.analyze(&d.1).into_iter().map(|t| t.term).collect())
        .collect();
    let n = analyzed.len() as f64;
    let avg = analyzed.iter().map(|d| d.len()).sum::<usize>() as f64 / n;
    let terms: Vec<String> = a.analyze(query).into_iter().map(|t| t.term).collect();
    let mut scores = vec![0.0f64; analyzed.len()];
    for term in &terms {
        let df = analyzed.iter().filter(|d| d.contains(term)).count() as f64;
        let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        for (i, d) in analyzed.iter().enumerate() {
            let tf = d.iter().filter(|t| *t == term).count() as f64;
            if tf > 0.0 {
                scores[i] += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * d.len() as f64 / avg));
            }
        }
    }
    let mut ranked: Vec<(u64, f64)> = scores
        .into_iter()
        .enumerate()
        .filter(|s| s.1 > 0.0)
        .map(|(i, s)| (i as u64, s))
        .collect();
    ranked.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    ranked.truncate(k);
    ranked
}

#[tokio::test(flavor = "multi_thread")]
async fn scores_match_a_brute_force_bm25() {
    let docs: Vec<(String, String)> = corpus().into_iter().take(1500).collect();
    let t = table(&docs, 3).await;
    for q in [
        "cancer risk",
        "vitamin D deficiency",
        "protein folding in the cell",
        "zebrafish",
    ] {
        let got = search(&t, q, 20).await;
        let expected = brute_force(&docs, q, 20);
        assert_eq!(got.hits.len(), expected.len(), "{q}");
        for (g, e) in got.hits.iter().zip(&expected) {
            assert!(
                (g.score as f64 - e.1).abs() <= 1e-4 * e.1.max(1.0),
                "{q}: {} vs {}",
                g.score,
                e.1
            );
        }
        // Rows agree wherever the brute-force scores are not near-ties.
        for (i, (g, e)) in got.hits.iter().zip(&expected).enumerate() {
            let tie = expected
                .iter()
                .enumerate()
                .any(|(j, o)| j != i && (o.1 - e.1).abs() < 1e-4);
            if !tie {
                assert_eq!(g.id, e.0, "{q}: rank {i}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn query_language_filters_and_errors() {
    let docs: Vec<(String, String)> = corpus().into_iter().take(2000).collect();
    let t = table(&docs, 4).await;
    let contains = |doc: &str, w: &str| doc.to_lowercase().contains(w);
    // AND: every hit contains both words.
    let r = search(&t, "cancer AND mice", 50).await;
    assert!(!r.hits.is_empty());
    for h in &r.hits {
        let body = &docs[h.id as usize].1;
        assert!(contains(body, "cancer") && contains(body, "mice"), "{body}");
    }
    // NOT: no hit contains the excluded word.
    let r = search(&t, "cancer -mice", 50).await;
    for h in &r.hits {
        assert!(!contains(&docs[h.id as usize].1, "mice"));
    }
    // Phrase: hits contain the words adjacent.
    let r = search(&t, "\"stem cells\"", 30).await;
    assert!(!r.hits.is_empty());
    for h in &r.hits {
        assert!(
            contains(&docs[h.id as usize].1, "stem cell"),
            "{}",
            docs[h.id as usize].1
        );
    }
    // Prefix and fuzzy find something; field scoping on a known column works.
    assert!(!search(&t, "immun*", 10).await.hits.is_empty());
    assert!(!search(&t, "body:cancr~1", 10).await.hits.is_empty());
    // A filter: only allowed rows come back, and still k of them.
    let snapshot = t.snapshot();
    let allowed: Vec<roaring::RoaringBitmap> = snapshot
        .segments
        .iter()
        .map(|s| {
            (0..s.rows as u32)
                .filter(|r| (s.id_min + *r as u64).is_multiple_of(2))
                .collect()
        })
        .collect();
    let mut req = TextSearch::new("cell", 25);
    req.allowed = Some(&allowed);
    req.count = true;
    let r = t.text_search(&snapshot, &req).await.unwrap();
    assert_eq!(r.hits.len(), 25);
    assert!(r.hits.iter().all(|h| h.id % 2 == 0));
    let all_matches = docs
        .iter()
        .enumerate()
        .filter(|(i, d)| {
            i % 2 == 0 && {
                let a = analyzer("english").unwrap();
                a.analyze(&d.1).iter().any(|t| t.term == "cell")
            }
        })
        .count() as u64;
    assert_eq!(r.matches, Some(all_matches));
    // Errors: bad syntax shows a position; unknown columns are named.
    let err = t
        .text_search(&snapshot, &TextSearch::new("(cancer", 10))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            TableError::InvalidQuery {
                position: Some(_),
                ..
            }
        ),
        "{err}"
    );
    let err = t
        .text_search(&snapshot, &TextSearch::new("nope:cancer", 10))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    let _ = contains;
    let _ = HashSet::<u8>::new();
}

/// A table of `docs` in `memory://`, one segment per batch appended later.
async fn small_table(catalog: &Catalog, docs: &[&str]) -> Table {
    let t = catalog
        .create_table("t", schema(), TableOptions::default().with_text("body"))
        .await
        .unwrap();
    append_docs(&t, docs).await;
    t
}

async fn append_docs(t: &Table, docs: &[&str]) {
    let batch = RecordBatch::try_new(
        Arc::new(schema()),
        vec![
            Arc::new(StringArray::from_iter_values(docs.iter().map(|_| "d"))),
            Arc::new(StringArray::from_iter_values(docs.iter().copied())),
        ],
    )
    .unwrap();
    t.append(&batch).await.unwrap();
}

#[tokio::test]
async fn searches_follow_new_commits_and_evicted_readers() {
    // The readers of the last searched snapshot are remembered: a new
    // commit's segments must still be searched, and a reader the cache has
    // evicted (a budget far below one section) reopened.
    for budget in [lakeseek_table::DEFAULT_READER_CACHE_BYTES, 16] {
        let catalog = Catalog::connect("memory://", &Default::default())
            .unwrap()
            .with_reader_cache_bytes(budget);
        let t = small_table(&catalog, &["red fox", "blue whale"]).await;
        for _ in 0..3 {
            assert_eq!(search(&t, "fox", 10).await.hits.len(), 1);
        }
        append_docs(&t, &["grey fox", "fox and fox"]).await;
        let hits = search(&t, "fox", 10).await.hits;
        let ids: Vec<u64> = hits.iter().map(|h| h.id).collect();
        assert_eq!(
            ids,
            vec![3, 0, 2],
            "budget {budget}: both segments searched"
        );
        // An older snapshot still answers with its own segments.
        let old = t.snapshot_at(1).await.unwrap();
        let r = t
            .text_search(&old, &TextSearch::new("fox", 10))
            .await
            .unwrap();
        assert_eq!(r.hits.len(), 1);
        assert_eq!(search(&t, "fox", 10).await.hits.len(), 3);
    }
}
