//! One engine's run of one section on one dataset, recorded as the Python
//! peers record theirs (`bench/peers/run_peer.py`, schema version 1): the
//! same common fields, the section's fields beside them, one JSON file per
//! run named `<engine>-<section>-<dataset>-t<threads>.json`, so
//! `bench/peers/summarize.py` and `plot_vectors.py` read both sides alike.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{json, Map, Value};

use crate::{machine, timing};

/// The benchmarks here run every engine with one thread.
pub const THREADS: usize = 1;

/// The identity of a run, taken when it starts.
pub struct PeerRun {
    pub engine: String,
    pub package: &'static str,
    pub version: String,
    pub section: &'static str,
    pub dataset: String,
    /// Generated documents or vectors; `None` for SciFact.
    pub size: Option<usize>,
    pub seed: u64,
    started_at: String,
    load_at_start: Option<String>,
    start: Instant,
}

/// What a run reports besides its section's numbers.
#[derive(Default)]
pub struct Extras {
    pub notes: Vec<String>,
    pub settings: Value,
    pub threadpools: Vec<Value>,
}

impl PeerRun {
    pub fn start(
        engine: &str,
        package: &'static str,
        version: String,
        section: &'static str,
        dataset: &str,
        size: Option<usize>,
        seed: u64,
    ) -> Self {
        PeerRun {
            engine: engine.into(),
            package,
            version,
            section,
            dataset: dataset.into(),
            size,
            seed,
            started_at: utc_now(),
            load_at_start: load_average(),
            start: Instant::now(),
        }
    }

    /// Writes the run's JSON into `dir`: the common fields, then `body` (the
    /// section's fields) or the error. Prints a one-line summary; returns
    /// the file's path.
    pub fn write(
        self,
        dir: &Path,
        body: anyhow::Result<Map<String, Value>>,
        extras: Extras,
    ) -> anyhow::Result<PathBuf> {
        let mut machine = machine::describe();
        machine["cpus"] = machine["cores"].clone();
        // Other work on the machine shows in the timings (2 cores): say how busy it was.
        machine["loadavg_at_start"] = json!(self.load_at_start);
        machine["loadavg_at_end"] = json!(load_average());
        let mut out = json!({
            "schema_version": 1,
            "engine": self.engine,
            "section": self.section,
            "dataset": self.dataset,
            "size": self.size,
            "seed": self.seed,
            "threads": THREADS,
            "threads_arg": THREADS.to_string(),
            "started_at": self.started_at,
            "machine": machine,
            "available": true,
            "package": self.package,
            "version": self.version,
        });
        let map = out.as_object_mut().expect("an object");
        match body {
            Ok(mut fields) => map.append(&mut fields),
            Err(e) => {
                map.insert("error".into(), json!(format!("{e:#}")));
                map.insert("traceback".into(), json!(format!("{e:?}")));
            }
        }
        map.insert("notes".into(), json!(extras.notes));
        map.insert("settings".into(), extras.settings);
        map.insert("threadpools".into(), json!(extras.threadpools));
        map.insert("os_threads_at_end".into(), json!(timing::os_threads()));
        map.insert(
            "elapsed_seconds".into(),
            json!(self.start.elapsed().as_secs_f64()),
        );
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!(
            "{}-{}-{}-t{THREADS}.json",
            self.engine, self.section, self.dataset
        ));
        std::fs::write(&path, serde_json::to_string_pretty(&out)? + "\n")?;
        println!("{}", one_line(&out));
        Ok(path)
    }
}

/// A short human summary of a result, like the peers print.
pub fn one_line(out: &Value) -> String {
    let head = format!(
        "{} {} {} t={}",
        out["engine"].as_str().unwrap_or("?"),
        out["section"].as_str().unwrap_or("?"),
        out["dataset"].as_str().unwrap_or("?"),
        out["threads"]
    );
    if let Some(e) = out["error"].as_str() {
        return format!("{head}: ERROR {e}");
    }
    let mut parts = vec![format!(
        "build {:.2}s",
        out["build_seconds"].as_f64().unwrap_or(0.0)
    )];
    if let Some(q) = out["quality"].as_object() {
        let metrics: Vec<String> = q
            .iter()
            .filter_map(|(k, v)| {
                v.as_f64()
                    .filter(|_| v.is_f64())
                    .map(|v| format!("{k} {v:.4}"))
            })
            .collect();
        parts.push(metrics.join(", "));
    }
    if let Some(types) = out["query_types"].as_object() {
        for (name, e) in types {
            parts.push(format!(
                "{name}: p50 {:.3}ms qps {:.0}",
                e["latency_ms"]["p50"].as_f64().unwrap_or(f64::NAN),
                e["qps"].as_f64().unwrap_or(f64::NAN)
            ));
        }
    }
    if let Some(best) = out["best_qps_at_recall"].as_object() {
        for (t, p) in best {
            parts.push(if p.is_null() {
                format!("R>={t}: none")
            } else {
                format!(
                    "R>={t}: {:.0} qps ({} {})",
                    p["qps"].as_f64().unwrap_or(0.0),
                    p["index"].as_str().unwrap_or("?"),
                    p["params"]
                )
            });
        }
    }
    format!("{head}: {}", parts.join("; "))
}

/// `/proc/loadavg`'s 1, 5 and 15 minute load averages.
fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The current time in UTC as `YYYY-MM-DDTHH:MM:SS+00:00`, as the peers
/// write `started_at`.
fn utc_now() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%S+00:00"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_line_names_the_numbers() {
        let out = json!({
            "engine": "lakeseek", "section": "fts", "dataset": "scifact", "threads": 1,
            "build_seconds": 1.5, "quality": {"ndcg@10": 0.7, "queries": 300},
            "query_types": {"scifact_test": {"latency_ms": {"p50": 0.25}, "qps": 3000.0}},
        });
        assert_eq!(
            one_line(&out),
            "lakeseek fts scifact t=1: build 1.50s; ndcg@10 0.7000; scifact_test: p50 0.250ms qps 3000"
        );
    }
}
