//! Built-in relevance evaluation (`lakeseek eval`): runs full-text, vector
//! and hybrid search for a set of judged queries and reports nDCG@10,
//! recall@10, recall@100, MRR@10 and latency per mode.
//!
//! Only queries that have judgments are evaluated (as BEIR does); a judged
//! query the engine returns nothing for scores 0. Latency is the library
//! search call for one query on a warm table (after one warm-up pass),
//! excluding the lookup of document ids for scoring.

pub mod config;
pub mod data;
pub mod metrics;
pub mod report;

use std::collections::HashMap;
use std::time::Instant;

use arrow::array::{Array, AsArray};
use arrow::datatypes::DataType;
use lakeseek_segment::text::query::plain_text_query;
use lakeseek_table::search::hybrid::HybridSearch;
use lakeseek_table::search::text::TextSearch;
use lakeseek_table::search::vector::VectorSearch;
use lakeseek_table::{Catalog, Snapshot, Table, TableError};
use serde::Serialize;

pub use config::{EvalConfig, Mode};
pub use data::{read_qrels, read_queries, EvalQuery, QueryColumns};
use metrics::{mrr_at, ndcg_at, percentile, recall_at, Judgments};

/// Results retrieved per query: enough for recall@100.
pub const RETRIEVE: usize = 100;

/// Why an evaluation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
    #[error(transparent)]
    Table(#[from] TableError),
}

/// The scores of one mode of one configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModeResult {
    pub config: String,
    pub mode: &'static str,
    pub queries: usize,
    pub ndcg_at_10: f64,
    pub recall_at_10: f64,
    pub recall_at_100: f64,
    pub mrr_at_10: f64,
    pub latency_p50_ms: f64,
    pub latency_p99_ms: f64,
}

/// What the evaluation reads.
#[derive(Debug, Clone)]
pub struct EvalInput {
    pub queries: Vec<EvalQuery>,
    pub qrels: HashMap<String, Judgments>,
    /// The table column holding the document ids the judgments name.
    pub id_column: String,
}

/// Evaluates `config` against table `table` (or the config's own table).
pub async fn evaluate(
    catalog: &Catalog,
    table: &str,
    input: &EvalInput,
    config: &EvalConfig,
) -> Result<Vec<ModeResult>, EvalError> {
    let table = catalog
        .open_table(config.table.as_deref().unwrap_or(table))
        .await?;
    let snapshot = table.snapshot();
    let ids = document_ids(&table, &snapshot, &input.id_column).await?;
    let judged: Vec<&EvalQuery> = input
        .queries
        .iter()
        .filter(|q| {
            input
                .qrels
                .get(&q.id)
                .is_some_and(|j| j.values().any(|&g| g > 0))
        })
        .collect();
    if judged.is_empty() {
        return Err(EvalError::Input(
            "no query of the queries file has relevance judgments".into(),
        ));
    }
    let vector_column = vector_column(&snapshot, config)?;
    let mut out = Vec::new();
    for &mode in &config.modes {
        if mode != Mode::Text {
            if let Some(q) = judged.iter().find(|q| q.vector.is_none()) {
                return Err(EvalError::Input(format!(
                    "query {} has no vector; {} search needs one per query",
                    q.id,
                    mode.name()
                )));
            }
        }
        // Warm-up pass: caches hold the sections, as in steady serving.
        for q in &judged {
            run_one(&table, &snapshot, mode, q, config, vector_column.as_deref()).await?;
        }
        let mut latencies = Vec::with_capacity(judged.len());
        let (mut ndcg, mut r10, mut r100, mut mrr) = (0.0, 0.0, 0.0, 0.0);
        for q in &judged {
            let start = Instant::now();
            let hits =
                run_one(&table, &snapshot, mode, q, config, vector_column.as_deref()).await?;
            latencies.push(start.elapsed().as_secs_f64() * 1e3);
            let ranked: Vec<String> = hits
                .iter()
                .map(|&(segment, row)| ids[segment][row as usize].clone())
                .collect();
            let j = &input.qrels[&q.id];
            ndcg += ndcg_at(&ranked, j, 10);
            r10 += recall_at(&ranked, j, 10);
            r100 += recall_at(&ranked, j, 100);
            mrr += mrr_at(&ranked, j, 10);
        }
        let n = judged.len() as f64;
        out.push(ModeResult {
            config: config.name.clone(),
            mode: mode.name(),
            queries: judged.len(),
            ndcg_at_10: ndcg / n,
            recall_at_10: r10 / n,
            recall_at_100: r100 / n,
            mrr_at_10: mrr / n,
            latency_p50_ms: percentile(&latencies, 50.0).unwrap_or(0.0),
            latency_p99_ms: percentile(&latencies, 99.0).unwrap_or(0.0),
        });
    }
    Ok(out)
}

/// The vector column a configuration searches, if the table has one.
fn vector_column(snapshot: &Snapshot, config: &EvalConfig) -> Result<Option<String>, EvalError> {
    let declared = &snapshot.metadata.options.vector_columns;
    let needs = config.modes.iter().any(|&m| m != Mode::Text);
    match &config.vector_column {
        Some(c) => Ok(Some(c.clone())),
        None if !needs => Ok(None),
        None if declared.len() == 1 => Ok(Some(declared[0].column.clone())),
        None => Err(EvalError::Config(format!(
            "table {} has {} vector columns; choose one with vector=COLUMN",
            snapshot.metadata.name,
            declared.len()
        ))),
    }
}

/// Searches one query in one mode; hits as (segment, row), best first.
async fn run_one(
    table: &Table,
    snapshot: &Snapshot,
    mode: Mode,
    query: &EvalQuery,
    config: &EvalConfig,
    vector_column: Option<&str>,
) -> Result<Vec<(usize, u32)>, EvalError> {
    let text = plain_text_query(&query.text);
    let vector = || query.vector.clone().unwrap_or_default();
    let column = vector_column.unwrap_or_default();
    Ok(match mode {
        Mode::Text => {
            if text.is_empty() {
                return Ok(Vec::new());
            }
            let mut request = TextSearch::new(&text, RETRIEVE);
            request.columns = config.text_columns.clone();
            request.params = config.params;
            let results = table.text_search(snapshot, &request).await?;
            results.hits.iter().map(|h| (h.segment, h.row)).collect()
        }
        Mode::Vector => {
            let mut request = VectorSearch::new(column, vector(), RETRIEVE);
            request.nprobe = config.nprobe;
            request.refine = config.refine;
            request.exact = config.exact;
            let hits = table.vector_search(snapshot, &request).await?;
            hits.iter().map(|h| (h.segment, h.row)).collect()
        }
        Mode::Hybrid => {
            let mut request = HybridSearch::new(&text, column, vector(), RETRIEVE);
            request.text_columns = config.text_columns.clone();
            request.params = config.params;
            request.nprobe = config.nprobe;
            request.refine = config.refine;
            request.exact = config.exact;
            request.fusion = config.fusion;
            request.depth = config.depth;
            let hits = table.hybrid_search(snapshot, &request).await?;
            hits.iter().map(|h| (h.segment, h.row)).collect()
        }
    })
}

/// Every segment's document ids, as strings, by row.
async fn document_ids(
    table: &Table,
    snapshot: &Snapshot,
    column: &str,
) -> Result<Vec<Vec<String>>, EvalError> {
    if snapshot
        .metadata
        .physical_schema()
        .field_with_name(column)
        .is_err()
    {
        return Err(EvalError::Config(format!(
            "table {} has no column {column:?} for document ids (set --id-column)",
            snapshot.metadata.name
        )));
    }
    let mut out = Vec::with_capacity(snapshot.segments.len());
    for entry in &snapshot.segments {
        let batch = table.segment_columns(entry, &[column.to_string()]).await?;
        let ids = arrow::compute::cast(batch.column(0), &DataType::Utf8)?;
        let ids = ids.as_string::<i32>();
        out.push(
            (0..ids.len())
                .map(|i| {
                    if ids.is_null(i) {
                        String::new()
                    } else {
                        ids.value(i).to_string()
                    }
                })
                .collect(),
        );
    }
    Ok(out)
}
