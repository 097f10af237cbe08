//! The vector section for LakeSeek: build a table with a vector column, then
//! sweep the index's search knobs, as `bench/peers/section_vector.py` does
//! for the peers.
//!
//! Each sweep (one per `refine` setting) runs `nprobe` upwards; every setting
//! runs all queries at k = 10 under the timing protocol and gives an
//! operating point: recall@10 against the exact ground truth, latency, QPS.
//! A sweep stops once recall@10 reaches 0.999, when it stops improving (gain
//! < 0.001 after three points), or after `PEER_SWEEP_BUDGET_S` seconds
//! (default 900). One more point scans exactly, the reference (over at most
//! 100 of the queries, 10 beyond 100,000 vectors). The result
//! also gives the fastest point reaching recall 0.90 / 0.95 / 0.99.

mod lakeseek;

use std::path::Path;
use std::time::Instant;

use arrow::array::Array;
use serde_json::{json, Map, Value};

use crate::data::VectorSet;
use crate::metrics::{self, subsample};
use crate::peer_record::PeerRun;
use crate::timing::run_queries;
use lakeseek::{LakeSeekVectors, Probe};

const K: usize = 10;
const THRESHOLDS: [f64; 3] = [0.90, 0.95, 0.99];
/// Queries of the exact-scan reference point (an even subsample): 100, or
/// 10 beyond 100,000 vectors, where one scan decodes the whole vector
/// column (~8 s at 1M × 384 on one thread: it exceeds the column cache).
fn exact_queries(rows: usize) -> usize {
    if rows > 100_000 {
        10
    } else {
        100
    }
}

/// What `run` measures.
pub struct Options<'a> {
    pub dataset: &'a str,
    /// Generated vectors (ignored for SciFact).
    pub n: usize,
    pub dim: usize,
    pub clusters: usize,
    pub vector_queries: usize,
    pub seed: u64,
    pub warmup: usize,
    pub max_queries: Option<usize>,
    pub nprobes: &'a [usize],
    /// Rerank factors, one sweep each; `None` = LakeSeek's default.
    pub refines: &'a [Option<usize>],
    pub workdir: &'a Path,
    pub keep: bool,
}

/// Runs the section on LakeSeek and writes its JSON into `out`.
pub fn run(opts: &Options, out: &Path) -> anyhow::Result<()> {
    let (set, size) = match opts.dataset {
        "scifact" => (crate::data::scifact_vectors()?, None),
        "generated" => (
            crate::data::generated_vectors(
                opts.n,
                opts.dim,
                opts.clusters,
                opts.vector_queries,
                opts.seed,
            )?,
            Some(opts.n),
        ),
        other => anyhow::bail!("unknown dataset {other:?}; use scifact or generated"),
    };
    let dir = opts
        .workdir
        .join(format!("lakeseek-vector-{}", opts.dataset));
    let _ = std::fs::remove_dir_all(&dir);
    let run = PeerRun::start(
        "lakeseek",
        "lakeseek",
        env!("CARGO_PKG_VERSION").into(),
        "vector",
        opts.dataset,
        size,
        opts.seed,
    );
    let mut engine = LakeSeekVectors::new(&dir)?;
    let body = measure(&mut engine, &set, opts).map(|mut b| {
        b.insert("supported".into(), json!(true));
        b.insert("data".into(), set.meta.clone());
        b
    });
    let failed = body.is_err();
    let path = run.write(out, body, engine.extras())?;
    eprintln!("wrote {}", path.display());
    drop(engine);
    if !opts.keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    anyhow::ensure!(!failed, "the vector run failed (see {})", path.display());
    Ok(())
}

fn measure(
    engine: &mut LakeSeekVectors,
    set: &VectorSet,
    opts: &Options,
) -> anyhow::Result<Map<String, Value>> {
    let pick = subsample(set.queries.len(), opts.max_queries);
    let queries: Vec<&[f32]> = pick.iter().map(|&i| set.queries[i].as_slice()).collect();
    let truth: Vec<Vec<u64>> = pick
        .iter()
        .map(|&i| set.truth[i].iter().take(K).copied().collect())
        .collect();

    let start = Instant::now();
    engine.build(set)?;
    let build = start.elapsed().as_secs_f64();
    let rows = set.base.len();
    let index_bytes = engine.index_bytes();
    let segments = engine.segments()?;

    let mut ivf = json!({
        "index": "IVF-RaBitQ",
        "params": {"metric": "cosine", "segments": segments},
        "build_seconds": build,
        "index_bytes": index_bytes,
        "notes": ["IVF centroids and rotation trained per table (on the first large flush; retrained for the table's size by the optimize that ends the build once the table outgrows it) and shared by the segments, clusters ranked once per query, 1-bit RaBitQ codes, int8 rerank; build = append + optimize"],
        "points": [],
    });
    let mut points = Vec::new();
    for &refine in opts.refines {
        let probes: Vec<Probe> = opts
            .nprobes
            .iter()
            .map(|&nprobe| Probe::Index { nprobe, refine })
            .collect();
        sweep(engine, &probes, &queries, &truth, opts.warmup, &mut points)?;
    }
    ivf["points"] = json!(points);

    let mut exact_points = Vec::new();
    let few = subsample(queries.len(), Some(exact_queries(rows)));
    let exact_set: Vec<&[f32]> = few.iter().map(|&i| queries[i]).collect();
    let exact_truth: Vec<Vec<u64>> = few.iter().map(|&i| truth[i].clone()).collect();
    sweep(
        engine,
        &[Probe::Exact],
        &exact_set,
        &exact_truth,
        opts.warmup.min(5),
        &mut exact_points,
    )?;
    let exact = json!({
        "index": "exact", "params": {}, "build_seconds": 0.0, "index_bytes": null,
        "notes": [format!("every segment scanned exactly (SIMD kernels), the index ignored; {} of the queries", exact_set.len())],
        "points": exact_points,
    });
    points.extend(exact_points);

    // Default settings through SQL: the latency a SQL user sees.
    let pass = run_queries(&queries, opts.warmup, |q| engine.sql_search(q, K))?;
    let sql_recall = pass
        .results
        .iter()
        .zip(&truth)
        .map(|(got, want)| metrics::recall_at_k(got, want, K))
        .sum::<f64>()
        / queries.len().max(1) as f64;
    let mut sql = pass.summary;
    sql.insert("recall@10".into(), json!(sql_recall));
    sql.insert(
        "notes".into(),
        json!("SELECT _id FROM vector_search('t', 'emb', [...], 10) through Database::sql, default nprobe/refine"),
    );

    let mut out = Map::new();
    out.insert("build_seconds".into(), json!(build));
    out.insert("rows_per_second".into(), json!(rows as f64 / build));
    out.insert("index_bytes".into(), json!(index_bytes));
    out.insert(
        "index_bytes_per_vector".into(),
        json!(index_bytes.map(|b| b as f64 / rows as f64)),
    );
    out.insert("k".into(), json!(K));
    out.insert("queries".into(), json!(queries.len()));
    out.insert("indexes".into(), json!([ivf, exact]));
    out.insert("sql".into(), Value::Object(sql));
    out.insert(
        "best_qps_at_recall".into(),
        metrics::best_qps_at_recall(&points, &THRESHOLDS),
    );
    let max_recall = points
        .iter()
        .filter_map(|p| p["recall@10"].as_f64())
        .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))));
    out.insert("quality".into(), json!({"max_recall@10": max_recall}));
    out.insert("operating_points".into(), json!(points));
    Ok(out)
}

/// Runs `probes` in order (one monotone sweep), appending operating points.
fn sweep(
    engine: &LakeSeekVectors,
    probes: &[Probe],
    queries: &[&[f32]],
    truth: &[Vec<u64>],
    warmup: usize,
    points: &mut Vec<Value>,
) -> anyhow::Result<()> {
    let budget = std::env::var("PEER_SWEEP_BUDGET_S")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(900.0);
    let started = Instant::now();
    let mut recalls: Vec<f64> = Vec::new();
    for &probe in probes {
        let pass = run_queries(queries, warmup, |q| engine.search(q, K, probe))?;
        let recall = metrics::mean_recall_at_k(&pass.results, truth, K);
        let (index, params) = match probe {
            Probe::Index { nprobe, refine } => (
                "IVF-RaBitQ",
                json!({"nprobe": nprobe,
                       "refine": refine.map_or_else(|| json!("default"), |r| json!(r))}),
            ),
            Probe::Exact => ("exact", json!({})),
        };
        let mut point = json!({"index": index, "params": params, "recall@10": recall});
        point
            .as_object_mut()
            .expect("an object")
            .extend(pass.summary);
        eprintln!(
            "  {index} {}: recall@10 {recall:.4}, p50 {:.3} ms, {:.0} qps",
            point["params"],
            point["latency_ms"]["p50"].as_f64().unwrap_or(f64::NAN),
            point["qps"].as_f64().unwrap_or(0.0)
        );
        points.push(point);
        recalls.push(recall);
        if saturated(&recalls) || started.elapsed().as_secs_f64() > budget {
            break;
        }
    }
    Ok(())
}

/// Whether a sweep has reached recall 0.999 or stopped improving.
fn saturated(recalls: &[f64]) -> bool {
    match recalls {
        [.., last] if *last >= 0.999 => true,
        [_, .., prev, last] => last - prev < 0.001,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::saturated;

    #[test]
    fn sweeps_stop_when_recall_saturates() {
        assert!(!saturated(&[]));
        assert!(saturated(&[0.9995]));
        assert!(
            !saturated(&[0.5, 0.5]),
            "two points are not enough to judge"
        );
        assert!(saturated(&[0.5, 0.8, 0.8005]));
        assert!(!saturated(&[0.5, 0.8, 0.9]));
    }
}
