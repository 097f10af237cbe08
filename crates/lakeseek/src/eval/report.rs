//! Rendering evaluation results: an aligned text table (configurations side
//! by side, one row per configuration and mode) or JSON.

use super::ModeResult;

/// The results as an aligned table.
pub fn table(results: &[ModeResult]) -> String {
    let header = [
        "config", "mode", "queries", "nDCG@10", "R@10", "R@100", "MRR@10", "p50 ms", "p99 ms",
    ];
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            vec![
                r.config.clone(),
                r.mode.to_string(),
                r.queries.to_string(),
                format!("{:.4}", r.ndcg_at_10),
                format!("{:.4}", r.recall_at_10),
                format!("{:.4}", r.recall_at_100),
                format!("{:.4}", r.mrr_at_10),
                format!("{:.3}", r.latency_p50_ms),
                format!("{:.3}", r.latency_p99_ms),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .enumerate()
            .map(|(c, v)| {
                // Text left, numbers right.
                if c < 2 {
                    format!("{v:<w$}", w = widths[c])
                } else {
                    format!("{v:>w$}", w = widths[c])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = line(header.iter().map(|h| h.to_string()).collect());
    out.push('\n');
    out.push_str(&line(widths.iter().map(|w| "-".repeat(*w)).collect()));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r));
        out.push('\n');
    }
    out
}

/// The results as a JSON array.
pub fn json(results: &[ModeResult]) -> String {
    serde_json::to_string_pretty(results).expect("results serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let r = ModeResult {
            config: "default".into(),
            mode: "text",
            queries: 300,
            ndcg_at_10: 0.69,
            recall_at_10: 0.8,
            recall_at_100: 0.9,
            mrr_at_10: 0.65,
            latency_p50_ms: 0.21,
            latency_p99_ms: 1.5,
        };
        let t = table(std::slice::from_ref(&r));
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[2].starts_with("default  text"));
        assert!(lines[2].contains("0.6900"));
        let j: serde_json::Value = serde_json::from_str(&json(&[r])).unwrap();
        assert_eq!(j[0]["queries"], 300);
    }
}
