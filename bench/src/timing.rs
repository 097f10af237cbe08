//! The query timing protocol, the same as the Python peers'
//! (`bench/peers/timing.py`) with one client thread:
//!
//! 1. warm-up: the first `warmup` queries once, untimed;
//! 2. every query once, one at a time, each timed; the results of this pass
//!    are the ones scored, and `qps` is queries / wall time of the pass.
//!
//! `cpu_util` is process CPU seconds per wall second of the pass (1.0 = one
//! core busy), `queries_per_cpu_second` the queries per CPU second.
//!
//! [`run_passes`] repeats step 2: each query's latency is then the median of
//! its passes, which keeps a passing hiccup of a shared machine out of the
//! percentiles, and `qps` is queries × passes / their total wall time.

use std::time::Instant;

use serde_json::{json, Map, Value};

use crate::metrics;

/// What a timed pass produced.
pub struct Pass {
    /// Ranked row ids per query, in query order.
    pub results: Vec<Vec<u64>>,
    /// Seconds per query, in query order.
    pub latencies_s: Vec<f64>,
    /// `queries`, `latency_ms`, `qps`, `qps_mode`, `cpu_util`,
    /// `queries_per_cpu_second`, `empty_results`, `mean_hits`.
    pub summary: Map<String, Value>,
}

/// Runs the protocol over `queries` with `search`.
pub fn run_queries<Q>(
    queries: &[Q],
    warmup: usize,
    mut search: impl FnMut(&Q) -> anyhow::Result<Vec<u64>>,
) -> anyhow::Result<Pass> {
    for q in queries.iter().take(warmup) {
        search(q)?;
    }
    let mut latencies_s = Vec::with_capacity(queries.len());
    let mut results = Vec::with_capacity(queries.len());
    let cpu0 = process_cpu_seconds();
    let start = Instant::now();
    for q in queries {
        let t = Instant::now();
        let r = search(q)?;
        latencies_s.push(t.elapsed().as_secs_f64());
        results.push(r);
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds() - cpu0;
    let n = queries.len();
    let hits: usize = results.iter().map(Vec::len).sum();
    let ratio = |a: f64, b: f64| if b > 0.0 { json!(a / b) } else { Value::Null };
    let summary = json!({
        "queries": n,
        "latency_ms": metrics::latency_summary(&latencies_s),
        "qps": if wall > 0.0 { n as f64 / wall } else { 0.0 },
        "qps_mode": "sequential",
        "cpu_util": ratio(cpu, wall),
        "queries_per_cpu_second": ratio(n as f64, cpu),
        "empty_results": results.iter().filter(|r| r.is_empty()).count(),
        "mean_hits": if n > 0 { hits as f64 / n as f64 } else { 0.0 },
    });
    let Value::Object(summary) = summary else {
        unreachable!("json! of an object literal")
    };
    Ok(Pass {
        results,
        latencies_s,
        summary,
    })
}

/// CPU seconds used so far by this process (all threads), from the
/// process CPU clock, as Python's `time.process_time()`.
pub fn process_cpu_seconds() -> f64 {
    use nix::time::{clock_gettime, ClockId};
    clock_gettime(ClockId::CLOCK_PROCESS_CPUTIME_ID)
        .map(|t| t.tv_sec() as f64 + t.tv_nsec() as f64 * 1e-9)
        .unwrap_or(f64::NAN)
}

/// Threads of this process now (Linux), as the peers record at the end.
pub fn os_threads() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
}

/// [`run_queries`] `passes` times (at least once; warm-up before the first
/// only): per-query latency is the median over the passes, results are the
/// first pass's, and the summary gains `passes`.
pub fn run_passes<Q>(
    queries: &[Q],
    warmup: usize,
    passes: usize,
    search: impl FnMut(&Q) -> anyhow::Result<Vec<u64>>,
) -> anyhow::Result<Pass> {
    let mut searches: Vec<Search<'_, Q>> = vec![Box::new(search)];
    let mut out = run_passes_interleaved(queries, warmup, passes, &mut searches)?;
    Ok(out.remove(0))
}

/// One engine's search, for [`run_passes_interleaved`].
pub type Search<'a, Q> = Box<dyn FnMut(&Q) -> anyhow::Result<Vec<u64>> + 'a>;

/// [`run_passes`] for several engines at once, their passes interleaved:
/// pass 1 of every engine, then pass 2 of every engine, and so on, each
/// round starting with the next engine. On a shared machine whose speed
/// drifts over minutes, every engine then meets the same drift, which
/// timing one engine's passes after the other's does not give. One
/// [`Pass`] per engine, in the order of `searches`.
pub fn run_passes_interleaved<Q>(
    queries: &[Q],
    warmup: usize,
    passes: usize,
    searches: &mut [Search<'_, Q>],
) -> anyhow::Result<Vec<Pass>> {
    let passes = passes.max(1);
    let engines = searches.len();
    let mut firsts: Vec<Option<Pass>> = (0..engines).map(|_| None).collect();
    let mut per_query: Vec<Vec<Vec<f64>>> =
        vec![vec![Vec::with_capacity(passes); queries.len()]; engines];
    let mut wall = vec![0f64; engines];
    for round in 0..passes {
        for k in 0..engines {
            let e = (round + k) % engines;
            let warm = if round == 0 { warmup } else { 0 };
            let pass = run_queries(queries, warm, &mut searches[e])?;
            wall[e] += wall_seconds(&pass.summary, queries.len());
            for (all, &s) in per_query[e].iter_mut().zip(&pass.latencies_s) {
                all.push(s);
            }
            if firsts[e].is_none() {
                firsts[e] = Some(pass);
            }
        }
    }
    let n = queries.len();
    let mut out = Vec::with_capacity(engines);
    for ((first, latencies), wall) in firsts.into_iter().zip(per_query).zip(wall) {
        let mut first = first.expect("every engine ran a first pass");
        let medians: Vec<f64> = latencies.into_iter().map(median).collect();
        first
            .summary
            .insert("latency_ms".into(), metrics::latency_summary(&medians));
        if wall > 0.0 {
            first
                .summary
                .insert("qps".into(), json!((n * passes) as f64 / wall));
        }
        first.summary.insert("passes".into(), json!(passes));
        if engines > 1 {
            first
                .summary
                .insert("passes_interleaved_with".into(), json!(engines - 1));
        }
        first.latencies_s = medians;
        out.push(first);
    }
    Ok(out)
}

/// The wall time of a pass, from its `qps`.
fn wall_seconds(summary: &Map<String, Value>, n: usize) -> f64 {
    match summary.get("qps").and_then(Value::as_f64) {
        Some(qps) if qps > 0.0 => n as f64 / qps,
        _ => 0.0,
    }
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pass_keeps_results_in_order_and_summarizes_them() {
        let queries = [3u64, 0, 2];
        let mut calls = 0;
        let pass = run_queries(&queries, 2, |&q| {
            calls += 1;
            Ok((0..q).collect())
        })
        .unwrap();
        assert_eq!(calls, 5, "two warm-up calls, then every query once");
        assert_eq!(pass.results, vec![vec![0, 1, 2], vec![], vec![0, 1]]);
        assert_eq!(pass.latencies_s.len(), 3);
        assert_eq!(pass.summary["queries"], 3);
        assert_eq!(pass.summary["empty_results"], 1);
        assert_eq!(pass.summary["mean_hits"], 5.0 / 3.0);
        assert_eq!(pass.summary["qps_mode"], "sequential");
    }

    #[test]
    fn cpu_clock_moves_forward() {
        let a = process_cpu_seconds();
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(process_cpu_seconds() >= a);
    }

    #[test]
    fn passes_repeat_every_query_and_keep_the_first_results() {
        let queries = [1usize, 2, 3, 4];
        let mut calls = 0;
        let pass = super::run_passes(&queries, 1, 3, |&q| {
            calls += 1;
            Ok(vec![q as u64; q])
        })
        .unwrap();
        assert_eq!(calls, 1 + 3 * 4, "one warm-up call, then three passes");
        assert_eq!(pass.results[3], vec![4, 4, 4, 4]);
        assert_eq!(pass.latencies_s.len(), 4);
        assert_eq!(pass.summary["passes"], 3);
        assert_eq!(pass.summary["queries"], 4);
    }

    #[test]
    fn interleaved_passes_alternate_engines_and_rotate_who_goes_first() {
        let queries = [1usize, 2];
        let log = std::cell::RefCell::new(Vec::new());
        let mut searches: Vec<Search<'_, usize>> = (0..2usize)
            .map(|e| {
                let log = &log;
                Box::new(move |&q: &usize| {
                    log.borrow_mut().push((e, q));
                    Ok(vec![(e * 10 + q) as u64])
                }) as Search<'_, usize>
            })
            .collect();
        let passes = run_passes_interleaved(&queries, 1, 2, &mut searches).unwrap();
        drop(searches);
        // Round 0: engine 0 (warm-up + pass), then engine 1; round 1: engine 1 first.
        let order: Vec<usize> = log.borrow().iter().map(|&(e, _)| e).collect();
        assert_eq!(order, vec![0, 0, 0, 1, 1, 1, 1, 1, 0, 0]);
        assert_eq!(passes.len(), 2);
        assert_eq!(passes[1].results, vec![vec![11], vec![12]]);
        assert_eq!(passes[0].summary["passes"], 2);
        assert_eq!(passes[0].summary["passes_interleaved_with"], 1);
        assert_eq!(passes[0].latencies_s.len(), 2);
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(super::median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(super::median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(super::median(vec![7.0]), 7.0);
        assert!(super::median(vec![]).is_nan());
    }
}
