//! Vector inputs: base vectors (row number = id), query vectors, and each
//! query's exact top-100 neighbours by cosine similarity, as row numbers.

use std::collections::HashMap;

use anyhow::Context;
use arrow::array::{Array, AsArray, FixedSizeListArray};
use arrow::datatypes::Int64Type;
use serde_json::{json, Value};

use super::{generate, parquet_file as pq, scifact_dir};

pub struct VectorSet {
    /// FixedSizeList<Float32, dim>, one row per base vector.
    pub base: FixedSizeListArray,
    pub dim: usize,
    pub queries: Vec<Vec<f32>>,
    /// Exact neighbours of each query, best first.
    pub truth: Vec<Vec<u64>>,
    /// Dataset description for the result's `data`.
    pub meta: Value,
}

/// SciFact's embeddings: the corpus, all queries, the exact cosine top-100.
pub fn scifact_vectors() -> anyhow::Result<VectorSet> {
    let dir = scifact_dir();
    let corpus = pq::read(&dir.join("corpus.parquet"), &["id", "emb"])?;
    let row: HashMap<String, u64> = pq::strings(&corpus, "id")?
        .into_iter()
        .enumerate()
        .map(|(i, d)| (d, i as u64))
        .collect();
    let base = pq::vectors(&corpus, "emb")?;
    let qt = pq::read(&dir.join("queries.parquet"), &["id", "emb"])?;
    let qids = pq::strings(&qt, "id")?;
    let queries = pq::vector_rows(&pq::vectors(&qt, "emb")?);
    let gt = pq::read(&dir.join("vector_groundtruth_cosine_top100.parquet"), &[])?;
    let gt_ids = pq::strings(&gt, "query_id")?;
    let lists = gt
        .column_by_name("neighbors")
        .context("ground truth has no neighbors column")?
        .as_list::<i32>();
    let mut by_query: HashMap<String, Vec<u64>> = HashMap::new();
    for (i, q) in gt_ids.into_iter().enumerate() {
        let neighbours = lists.value(i);
        let neighbours = neighbours.as_string::<i32>();
        let rows = neighbours
            .iter()
            .map(|d| {
                row.get(d.unwrap_or(""))
                    .copied()
                    .context("unknown document in ground truth")
            })
            .collect::<anyhow::Result<Vec<u64>>>()?;
        by_query.insert(q, rows);
    }
    let truth = qids
        .iter()
        .map(|q| {
            by_query
                .remove(q)
                .with_context(|| format!("no ground truth for query {q}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let meta = json!({"source": dir.display().to_string(), "n": base.len(), "queries": qids.len()});
    let dim = base.value_length() as usize;
    Ok(VectorSet {
        base,
        dim,
        queries,
        truth,
        meta,
    })
}

/// The synthetic Gaussian-mixture set (`bench/datasets/vector_set.py`).
pub fn generated_vectors(
    n: usize,
    dim: usize,
    clusters: usize,
    queries: usize,
    seed: u64,
) -> anyhow::Result<VectorSet> {
    let args: Vec<String> = [
        ("--n", n),
        ("--dim", dim),
        ("--clusters", clusters),
        ("--queries", queries),
        ("--seed", seed as usize),
    ]
    .iter()
    .flat_map(|(k, v)| [k.to_string(), v.to_string()])
    .collect();
    let dir = generate::ensure(
        &format!("vec_n{n}_d{dim}_c{clusters}_q{queries}_s{seed}"),
        "vector_set.py",
        &args,
    )?;
    let base = pq::read(&dir.join("base.parquet"), &["id", "emb"])?;
    let ids = pq::int64s(&base, "id")?;
    anyhow::ensure!(
        ids.iter().enumerate().all(|(i, &id)| id == i as i64),
        "base.parquet ids are not the row numbers"
    );
    let qt = pq::read(&dir.join("queries.parquet"), &["qid", "emb"])?;
    let qids = pq::int64s(&qt, "qid")?;
    let query_vectors = pq::vector_rows(&pq::vectors(&qt, "emb")?);
    let gt = pq::read(&dir.join("groundtruth.parquet"), &["qid", "neighbors"])?;
    let gt_qids = pq::int64s(&gt, "qid")?;
    let lists = gt
        .column_by_name("neighbors")
        .context("ground truth has no neighbors column")?
        .as_list::<i32>();
    let mut by_query: HashMap<i64, Vec<u64>> = HashMap::new();
    for (i, q) in gt_qids.into_iter().enumerate() {
        let v = lists.value(i);
        by_query.insert(
            q,
            v.as_primitive::<Int64Type>()
                .values()
                .iter()
                .map(|&x| x as u64)
                .collect(),
        );
    }
    let truth = qids
        .iter()
        .map(|q| {
            by_query
                .remove(q)
                .with_context(|| format!("no ground truth for query {q}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(VectorSet {
        base: pq::vectors(&base, "emb")?,
        dim,
        queries: query_vectors,
        truth,
        meta: generate::meta(&dir)?,
    })
}
