//! Full-text inputs: documents, named query sets (each run in one mode), and
//! SciFact's relevance judgments.

use std::collections::HashMap;

use arrow::array::{Array, StringArray};
use lakeseek_segment::text::query::plain_text_query;
use serde_json::{json, Value};

use super::{generate, parquet_file as pq, scifact_dir};
use crate::metrics::Judgments;

/// How the words of a query combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Any word; ranked by BM25.
    Or,
    /// Every word.
    And,
    /// The words, adjacent and in order.
    Phrase,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Or => "or",
            Mode::And => "and",
            Mode::Phrase => "phrase",
        }
    }
}

/// One query: lowercase words separated by spaces, and its document
/// frequency band on the generated corpus.
#[derive(Debug, Clone)]
pub struct Query {
    pub qid: String,
    pub text: String,
    pub band: Option<String>,
}

/// A named list of queries run in one mode.
#[derive(Debug, Clone)]
pub struct QuerySet {
    pub name: String,
    pub mode: Mode,
    pub queries: Vec<Query>,
}

/// Documents (row number = id), query sets, judgments.
pub struct TextSet {
    pub bodies: StringArray,
    pub query_sets: Vec<QuerySet>,
    /// English text: engines use their English stemming analyzer.
    pub english: bool,
    /// SciFact's test judgments by query id, documents as row numbers.
    pub qrels: Option<HashMap<String, Judgments>>,
    /// Dataset description for the result's `data`.
    pub meta: Value,
}

/// SciFact: title + " " + text per document; the test queries that have
/// judgments, as plain OR queries (the words of the claim).
pub fn scifact_text() -> anyhow::Result<TextSet> {
    let dir = scifact_dir();
    let corpus = pq::read(&dir.join("corpus.parquet"), &["id", "title", "text"])?;
    let ids = pq::strings(&corpus, "id")?;
    let titles = pq::strings(&corpus, "title")?;
    let texts = pq::strings(&corpus, "text")?;
    let bodies: StringArray = titles
        .iter()
        .zip(&texts)
        .map(|(t, x)| Some(format!("{t} {x}")))
        .collect();
    let row: HashMap<&str, u64> = ids
        .iter()
        .enumerate()
        .map(|(i, d)| (d.as_str(), i as u64))
        .collect();
    let qrels = read_qrels(&dir.join("qrels_test.tsv"), &row)?;
    let qt = pq::read(&dir.join("queries.parquet"), &["id", "text"])?;
    let queries: Vec<Query> = pq::strings(&qt, "id")?
        .into_iter()
        .zip(pq::strings(&qt, "text")?)
        .filter(|(qid, _)| qrels.contains_key(qid))
        .map(|(qid, text)| Query {
            qid,
            text: plain_text_query(&text),
            band: None,
        })
        .collect();
    let meta = json!({
        "source": dir.display().to_string(),
        "docs": bodies.len(),
        "test_queries": queries.len(),
    });
    Ok(TextSet {
        bodies,
        query_sets: vec![QuerySet {
            name: "scifact_test".into(),
            mode: Mode::Or,
            queries,
        }],
        english: true,
        qrels: Some(qrels),
        meta,
    })
}

/// The BEIR qrels TSV (query-id, corpus-id, score; a header line), with
/// documents missing from the corpus dropped.
fn read_qrels(
    path: &std::path::Path,
    row: &HashMap<&str, u64>,
) -> anyhow::Result<HashMap<String, Judgments>> {
    let text = std::fs::read_to_string(path)?;
    let mut out: HashMap<String, Judgments> = HashMap::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        anyhow::ensure!(f.len() == 3, "{}: bad line {line:?}", path.display());
        let judged = out.entry(f[0].to_string()).or_default();
        if let Some(&r) = row.get(f[1]) {
            judged.insert(r, f[2].trim().parse()?);
        }
    }
    Ok(out)
}

/// The generated corpus of `docs` documents with its four query sets:
/// `one_term` (OR), `or` and `and` (the same 2–3 term queries), `phrase`.
pub fn generated_text(docs: usize, seed: u64) -> anyhow::Result<TextSet> {
    let dir = generated_text_dir(docs, seed)?;
    let t = pq::read(&dir.join("docs.parquet"), &["id", "body"])?;
    let ids = pq::int64s(&t, "id")?;
    anyhow::ensure!(
        ids.iter().enumerate().all(|(i, &id)| id == i as i64),
        "docs.parquet ids are not the row numbers"
    );
    let bodies = pq::string_array(&t, "body")?;
    let read_queries = |file: &str| -> anyhow::Result<Vec<(Query, i64)>> {
        let q = pq::read(&dir.join(file), &["qid", "text", "n_terms", "band"])?;
        let qids = pq::int64s(&q, "qid")?;
        let texts = pq::strings(&q, "text")?;
        let terms = pq::int64s(&q, "n_terms")?;
        let bands = pq::strings(&q, "band")?;
        Ok(qids
            .into_iter()
            .zip(texts)
            .zip(terms)
            .zip(bands)
            .map(|(((qid, text), n), band)| {
                let q = Query {
                    qid: qid.to_string(),
                    text,
                    band: Some(band),
                };
                (q, n)
            })
            .collect())
    };
    let all = read_queries("queries.parquet")?;
    let pick = |keep: fn(i64) -> bool| -> Vec<Query> {
        all.iter()
            .filter(|(_, n)| keep(*n))
            .map(|(q, _)| q.clone())
            .collect()
    };
    let (one, multi) = (pick(|n| n == 1), pick(|n| n > 1));
    let phrases: Vec<Query> = read_queries("phrases.parquet")?
        .into_iter()
        .map(|(q, _)| q)
        .collect();
    let set = |name: &str, mode, queries| QuerySet {
        name: name.into(),
        mode,
        queries,
    };
    Ok(TextSet {
        bodies,
        query_sets: vec![
            set("one_term", Mode::Or, one),
            set("or", Mode::Or, multi.clone()),
            set("and", Mode::And, multi),
            set("phrase", Mode::Phrase, phrases),
        ],
        english: false,
        qrels: None,
        meta: generate::meta(&dir)?,
    })
}

/// The cached directory of the generated corpus (`docs.parquet`,
/// `queries.parquet`, `phrases.parquet`), generated first if missing.
pub fn generated_text_dir(docs: usize, seed: u64) -> anyhow::Result<std::path::PathBuf> {
    generate::ensure(
        &format!("text_d{docs}_s{seed}"),
        "text_corpus.py",
        &[
            "--docs".into(),
            docs.to_string(),
            "--seed".into(),
            seed.to_string(),
        ],
    )
}
