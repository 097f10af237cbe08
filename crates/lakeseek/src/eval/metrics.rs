//! Relevance metrics with trec_eval's definitions, as BEIR reports them.
//!
//! - nDCG@k: gain is the judged grade (grades ≤ 0 gain nothing), discount
//!   `log2(rank + 1)`, ideal DCG from the query's judgments sorted by grade.
//! - recall@k: share of the query's relevant documents (grade > 0) in the top k.
//! - MRR@k: 1 / rank of the first relevant document within the top k.
//!
//! A query without relevant judgments has no ideal ranking; callers evaluate
//! only judged queries, and such a query scores 0 everywhere.

use std::collections::HashMap;

/// Judgments of one query: document id → grade.
pub type Judgments = HashMap<String, i32>;

fn gain(judged: &Judgments, doc: &str) -> f64 {
    judged.get(doc).copied().unwrap_or(0).max(0) as f64
}

fn discounted(gains: impl Iterator<Item = f64>) -> f64 {
    gains
        .enumerate()
        .map(|(i, g)| g / ((i + 2) as f64).log2())
        .sum()
}

/// nDCG@k of one ranking.
pub fn ndcg_at(ranked: &[String], judged: &Judgments, k: usize) -> f64 {
    let dcg = discounted(ranked.iter().take(k).map(|d| gain(judged, d)));
    let mut ideal: Vec<f64> = judged
        .values()
        .filter(|&&g| g > 0)
        .map(|&g| g as f64)
        .collect();
    ideal.sort_unstable_by(|a, b| b.total_cmp(a));
    let idcg = discounted(ideal.into_iter().take(k));
    if idcg > 0.0 {
        dcg / idcg
    } else {
        0.0
    }
}

/// recall@k of one ranking against its relevant documents.
pub fn recall_at(ranked: &[String], judged: &Judgments, k: usize) -> f64 {
    let relevant = judged.values().filter(|&&g| g > 0).count();
    if relevant == 0 {
        return 0.0;
    }
    let mut seen = std::collections::HashSet::new();
    let found = ranked
        .iter()
        .take(k)
        .filter(|d| gain(judged, d) > 0.0 && seen.insert(d.as_str()))
        .count();
    found as f64 / relevant as f64
}

/// MRR@k of one ranking.
pub fn mrr_at(ranked: &[String], judged: &Judgments, k: usize) -> f64 {
    ranked
        .iter()
        .take(k)
        .position(|d| gain(judged, d) > 0.0)
        .map_or(0.0, |i| 1.0 / (i + 1) as f64)
}

/// The `p`-th percentile (0–100) by linear interpolation between closest
/// ranks (numpy's default); `None` for no values.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    let pos = (p / 100.0).clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(v[lo] + (v[hi] - v[lo]) * (pos - lo as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn judged(pairs: &[(&str, i32)]) -> Judgments {
        pairs.iter().map(|(d, g)| (d.to_string(), *g)).collect()
    }

    #[test]
    fn ndcg_by_hand() {
        // Relevant a (grade 2) at rank 2, b (grade 1) at rank 3; c unjudged.
        let j = judged(&[("a", 2), ("b", 1), ("z", 0)]);
        let r = ids(&["c", "a", "b"]);
        let dcg = 2.0 / 3f64.log2() + 1.0 / 4f64.log2();
        let idcg = 2.0 / 2f64.log2() + 1.0 / 3f64.log2();
        assert!((ndcg_at(&r, &j, 10) - dcg / idcg).abs() < 1e-12);
        // The cut at k = 2 drops b from the ranking but not from the ideal.
        let dcg2 = 2.0 / 3f64.log2();
        assert!((ndcg_at(&r, &j, 2) - dcg2 / idcg).abs() < 1e-12);
        assert_eq!(ndcg_at(&ids(&["a", "b"]), &j, 10), 1.0);
        assert_eq!(ndcg_at(&ids(&["c"]), &j, 10), 0.0);
        assert_eq!(ndcg_at(&r, &judged(&[("z", 0)]), 10), 0.0);
    }

    #[test]
    fn recall_and_mrr_by_hand() {
        let j = judged(&[("a", 1), ("b", 1), ("c", 1), ("x", 0)]);
        let r = ids(&["x", "b", "q", "a"]);
        assert_eq!(recall_at(&r, &j, 10), 2.0 / 3.0);
        assert_eq!(recall_at(&r, &j, 2), 1.0 / 3.0);
        assert_eq!(mrr_at(&r, &j, 10), 0.5);
        assert_eq!(mrr_at(&r, &j, 1), 0.0);
        // A document returned twice counts once.
        assert_eq!(recall_at(&ids(&["a", "a"]), &j, 10), 1.0 / 3.0);
    }

    #[test]
    fn percentiles_interpolate() {
        let v = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&v, 50.0), Some(2.5));
        assert_eq!(percentile(&v, 100.0), Some(4.0));
        assert!((percentile(&v, 99.0).unwrap() - 3.97).abs() < 1e-12);
        assert_eq!(percentile(&[], 50.0), None);
    }
}
