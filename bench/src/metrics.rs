//! Retrieval quality and timing summaries, defined exactly as the Python
//! peers' `bench/peers/metrics.py`, so both sides of a comparison are scored
//! by the same rules:
//!
//! - recall@k (ANN): |top-k returned ∩ true top-k| / min(k, |truth|);
//! - nDCG@k: trec_eval's `ndcg_cut` as BEIR reports it (gain = grade, grades
//!   ≤ 0 gain nothing, discount log2(rank + 1), ideal DCG from the qrels);
//! - MRR@k: 1 / rank of the first result with grade > 0;
//! - recall@100 (qrels): share of a query's relevant documents in the top 100;
//! - percentiles by linear interpolation (numpy's default).
//!
//! Rankings are scored in the order the engine returned them.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};

/// Judgments of one query: document (row number) → grade.
pub type Judgments = HashMap<u64, i64>;

/// |retrieved[..k] ∩ truth[..k]| / min(k, |truth|).
pub fn recall_at_k(retrieved: &[u64], truth: &[u64], k: usize) -> f64 {
    let gold: HashSet<u64> = truth.iter().take(k).copied().collect();
    if gold.is_empty() {
        return 0.0;
    }
    let found: HashSet<u64> = retrieved.iter().take(k).copied().collect();
    found.intersection(&gold).count() as f64 / gold.len() as f64
}

/// Mean [`recall_at_k`] over paired results and ground truths.
pub fn mean_recall_at_k(results: &[Vec<u64>], truths: &[Vec<u64>], k: usize) -> f64 {
    assert_eq!(
        results.len(),
        truths.len(),
        "results and truths differ in length"
    );
    if results.is_empty() {
        return 0.0;
    }
    let sum: f64 = results
        .iter()
        .zip(truths)
        .map(|(r, t)| recall_at_k(r, t, k))
        .sum();
    sum / results.len() as f64
}

fn dcg(gains: impl Iterator<Item = f64>) -> f64 {
    gains
        .enumerate()
        .map(|(i, g)| g / ((i + 2) as f64).log2())
        .sum()
}

/// nDCG@k of one ranking.
pub fn ndcg_at_k(ranked: &[u64], rels: &Judgments, k: usize) -> f64 {
    let gains = ranked
        .iter()
        .take(k)
        .map(|d| rels.get(d).copied().unwrap_or(0).max(0) as f64);
    let mut ideal: Vec<f64> = rels
        .values()
        .filter(|&&g| g > 0)
        .map(|&g| g as f64)
        .collect();
    ideal.sort_by(|a, b| b.total_cmp(a));
    let idcg = dcg(ideal.into_iter().take(k));
    if idcg > 0.0 {
        dcg(gains) / idcg
    } else {
        0.0
    }
}

/// Reciprocal rank of the first document with grade > 0 within k, else 0.
pub fn mrr_at_k(ranked: &[u64], rels: &Judgments, k: usize) -> f64 {
    ranked
        .iter()
        .take(k)
        .position(|d| rels.get(d).is_some_and(|&g| g > 0))
        .map_or(0.0, |i| 1.0 / (i + 1) as f64)
}

/// Share of the relevant (grade > 0) documents found in the top k.
pub fn qrels_recall_at_k(ranked: &[u64], rels: &Judgments, k: usize) -> f64 {
    let relevant: HashSet<u64> = rels
        .iter()
        .filter(|(_, &g)| g > 0)
        .map(|(&d, _)| d)
        .collect();
    if relevant.is_empty() {
        return 0.0;
    }
    let top: HashSet<u64> = ranked.iter().take(k).copied().collect();
    relevant.intersection(&top).count() as f64 / relevant.len() as f64
}

/// Mean nDCG@10, MRR@10 and recall@100 over the queries of `qrels` that have
/// a relevant document; a query missing from `run` scores 0.
pub fn evaluate_run(run: &HashMap<String, Vec<u64>>, qrels: &HashMap<String, Judgments>) -> Value {
    let qids: Vec<&String> = qrels
        .iter()
        .filter(|(_, rels)| rels.values().any(|&g| g > 0))
        .map(|(q, _)| q)
        .collect();
    if qids.is_empty() {
        return json!({"ndcg@10": 0.0, "mrr@10": 0.0, "recall@100": 0.0, "queries": 0});
    }
    let (mut ndcg, mut mrr, mut recall) = (0.0, 0.0, 0.0);
    for q in &qids {
        let ranked = run.get(*q).map(Vec::as_slice).unwrap_or(&[]);
        ndcg += ndcg_at_k(ranked, &qrels[*q], 10);
        mrr += mrr_at_k(ranked, &qrels[*q], 10);
        recall += qrels_recall_at_k(ranked, &qrels[*q], 100);
    }
    let n = qids.len() as f64;
    json!({"ndcg@10": ndcg / n, "mrr@10": mrr / n, "recall@100": recall / n, "queries": qids.len()})
}

/// The p-th percentile (0–100), interpolating linearly between order
/// statistics; NaN for no values.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut xs = values.to_vec();
    xs.sort_by(|a, b| a.total_cmp(b));
    let pos = (xs.len() - 1) as f64 * p / 100.0;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(xs.len() - 1);
    xs[lo] + (xs[hi] - xs[lo]) * (pos - lo as f64)
}

/// `{p50, p99, mean}` in milliseconds of timings given in seconds.
pub fn latency_summary(seconds: &[f64]) -> Value {
    if seconds.is_empty() {
        return json!({"p50": null, "p99": null, "mean": null});
    }
    let ms: Vec<f64> = seconds.iter().map(|s| s * 1e3).collect();
    json!({
        "p50": percentile(&ms, 50.0),
        "p99": percentile(&ms, 99.0),
        "mean": ms.iter().sum::<f64>() / ms.len() as f64,
    })
}

/// For each threshold ("0.90", ...), the operating point with the highest
/// `qps` whose `recall@10` reaches it, or null.
pub fn best_qps_at_recall(points: &[Value], thresholds: &[f64]) -> Value {
    let mut out = serde_json::Map::new();
    for t in thresholds {
        let best = points
            .iter()
            .filter(|p| p["recall@10"].as_f64().is_some_and(|r| r >= t - 1e-12))
            .max_by(|a, b| {
                let q = |p: &Value| p["qps"].as_f64().unwrap_or(0.0);
                q(a).total_cmp(&q(b))
            });
        out.insert(format!("{t:.2}"), best.cloned().unwrap_or(Value::Null));
    }
    Value::Object(out)
}

/// `m` evenly spaced indices of `0..n` (all of them when `m` is `None` or at
/// least `n`), the same ones as the Python harness's `subsample` (which
/// rounds half to even), so both sides time the same queries.
pub fn subsample(n: usize, m: Option<usize>) -> Vec<usize> {
    match m {
        Some(m) if m > 0 && m < n => {
            if m == 1 {
                return vec![0];
            }
            let mut picked: Vec<usize> = (0..m)
                .map(|i| ((i * (n - 1)) as f64 / (m - 1) as f64).round_ties_even() as usize)
                .collect();
            picked.dedup();
            picked
        }
        _ => (0..n).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rels(pairs: &[(u64, i64)]) -> Judgments {
        pairs.iter().copied().collect()
    }

    #[test]
    fn recall_counts_the_overlap_of_the_top_k() {
        assert_eq!(recall_at_k(&[1, 2, 3], &[3, 2, 9], 3), 2.0 / 3.0);
        assert_eq!(recall_at_k(&[1, 2, 3, 4], &[4, 5], 2), 0.0);
        assert_eq!(recall_at_k(&[1], &[], 10), 0.0);
    }

    #[test]
    fn ndcg_matches_a_hand_computation() {
        // Relevant docs 7 (grade 2) and 9 (grade 1); ranking [9, 1, 7].
        let r = rels(&[(7, 2), (9, 1), (4, 0)]);
        let dcg = 1.0 / 2f64.log2() + 2.0 / 4f64.log2();
        let idcg = 2.0 / 2f64.log2() + 1.0 / 3f64.log2();
        assert!((ndcg_at_k(&[9, 1, 7], &r, 10) - dcg / idcg).abs() < 1e-12);
        assert_eq!(ndcg_at_k(&[7, 9], &r, 10), 1.0);
        assert_eq!(ndcg_at_k(&[1, 2], &rels(&[(1, 0)]), 10), 0.0);
    }

    #[test]
    fn mrr_and_qrels_recall() {
        let r = rels(&[(5, 1), (6, 1)]);
        assert_eq!(mrr_at_k(&[1, 2, 5], &r, 10), 1.0 / 3.0);
        assert_eq!(mrr_at_k(&[1, 2, 5], &r, 2), 0.0);
        assert_eq!(qrels_recall_at_k(&[6, 1], &r, 100), 0.5);
    }

    #[test]
    fn evaluate_run_scores_missing_queries_as_zero() {
        let qrels: HashMap<String, Judgments> = [
            ("a".to_string(), rels(&[(1, 1)])),
            ("b".to_string(), rels(&[(2, 1)])),
            ("c".to_string(), rels(&[(3, 0)])), // no relevant document: not counted
        ]
        .into();
        let run: HashMap<String, Vec<u64>> = [("a".to_string(), vec![1])].into();
        let m = evaluate_run(&run, &qrels);
        assert_eq!(m["queries"], 2);
        assert_eq!(m["ndcg@10"], 0.5);
        assert_eq!(m["mrr@10"], 0.5);
    }

    #[test]
    fn percentiles_interpolate_like_numpy() {
        let v = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(percentile(&v, 50.0), 2.5);
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 100.0), 4.0);
        assert!((percentile(&v, 99.0) - 3.97).abs() < 1e-12);
        assert!(percentile(&[], 50.0).is_nan());
    }

    #[test]
    fn best_point_per_threshold() {
        let points = vec![
            json!({"recall@10": 0.91, "qps": 900.0}),
            json!({"recall@10": 0.96, "qps": 500.0}),
            json!({"recall@10": 0.92, "qps": 800.0}),
        ];
        let best = best_qps_at_recall(&points, &[0.90, 0.95, 0.99]);
        assert_eq!(best["0.90"]["qps"], 900.0);
        assert_eq!(best["0.95"]["qps"], 500.0);
        assert!(best["0.99"].is_null());
    }

    #[test]
    fn subsample_spreads_evenly_and_rounds_half_to_even() {
        assert_eq!(subsample(5, None), vec![0, 1, 2, 3, 4]);
        assert_eq!(subsample(5, Some(9)), vec![0, 1, 2, 3, 4]);
        assert_eq!(subsample(10, Some(1)), vec![0]);
        assert_eq!(subsample(10, Some(4)), vec![0, 3, 6, 9]);
        // 1 * 5 / 2 = 2.5 rounds to 2 (Python's round), not 3.
        assert_eq!(subsample(6, Some(3)), vec![0, 2, 5]);
    }
}
