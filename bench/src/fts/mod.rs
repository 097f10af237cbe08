//! The fts section: build a BM25 index on each engine, then time every query
//! set at k = 10 under the peers' protocol (`crate::timing`), one thread.
//!
//! As in `bench/peers/section_fts.py`: where the data has judgments
//! (SciFact) an untimed pass at k = 100 is scored with nDCG@10, MRR@10 and
//! recall@100; on the generated corpus latency is also reported per
//! document-frequency band. Engines that also answer through SQL get a
//! second timed pass that way (`sql` in each query type).

mod lakeseek;
#[cfg(feature = "tantivy")]
mod tantivy_rs;

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use arrow::array::Array;
use serde_json::{json, Map, Value};

use crate::data::{Mode, Query, TextSet};
use crate::metrics::{self, subsample};
use crate::peer_record::{Extras, PeerRun};
use crate::timing::{run_passes, run_passes_interleaved, run_queries, Search};

const K: usize = 10;

/// A full-text engine under test.
pub trait FtsEngine {
    /// Indexes `set.bodies` (document id = row number) until the index is
    /// committed and searchable.
    fn build(&mut self, set: &TextSet) -> anyhow::Result<()>;
    /// The ids of the top `k` documents for `text` (lowercase words
    /// separated by spaces) combined by `mode`, best first.
    fn search(&self, text: &str, mode: Mode, k: usize) -> anyhow::Result<Vec<u64>>;
    /// The same search through the engine's SQL interface, if it has one.
    fn sql_search(&self, _text: &str, _mode: Mode, _k: usize) -> Option<anyhow::Result<Vec<u64>>> {
        None
    }
    /// Bytes of the index alone (not the stored documents), if known.
    fn index_bytes(&self) -> Option<u64>;
    fn extras(&self) -> Extras;
}

/// The engines this binary has: `lakeseek`, and `tantivy_rs` when built with
/// the `tantivy` feature.
pub fn engine_names() -> Vec<&'static str> {
    let mut names = vec!["lakeseek"];
    if cfg!(feature = "tantivy") {
        names.push("tantivy_rs");
    }
    names
}

struct Spec {
    package: &'static str,
    version: String,
    engine: Box<dyn FtsEngine>,
}

fn make(name: &str, workdir: &Path) -> anyhow::Result<Spec> {
    match name {
        "lakeseek" => Ok(Spec {
            package: "lakeseek",
            version: env!("CARGO_PKG_VERSION").into(),
            engine: Box::new(lakeseek::LakeSeekFts::new(workdir)?),
        }),
        #[cfg(feature = "tantivy")]
        "tantivy_rs" => Ok(Spec {
            package: "tantivy",
            version: tantivy_rs::version(),
            engine: Box::new(tantivy_rs::TantivyFts::new(workdir)?),
        }),
        #[cfg(not(feature = "tantivy"))]
        "tantivy_rs" => {
            anyhow::bail!("tantivy_rs needs the bench's `tantivy` feature (bench/run turns it on)")
        }
        other => anyhow::bail!("unknown engine {other:?}; known: {:?}", engine_names()),
    }
}

/// What `run` measures.
pub struct Options<'a> {
    pub engines: &'a [String],
    pub dataset: &'a str,
    /// Generated documents (ignored for SciFact).
    pub docs: usize,
    pub seed: u64,
    pub warmup: usize,
    pub max_queries: Option<usize>,
    /// Indexes are built under `workdir/<engine>-fts-<dataset>` and removed
    /// after the run unless `keep`.
    pub workdir: &'a Path,
    pub keep: bool,
}

/// Runs every engine in `opts.engines` on the dataset; one JSON per engine in
/// `out`. Fails after writing them all if any engine failed.
///
/// Every engine is built first (one at a time, each alone on the machine);
/// then each query set is timed with the engines' passes interleaved
/// ([`run_passes_interleaved`]), so that a shared machine's drift over the
/// run weighs on every engine alike.
pub fn run(opts: &Options, out: &Path) -> anyhow::Result<()> {
    let (set, size) = match opts.dataset {
        "scifact" => (crate::data::scifact_text()?, None),
        "generated" => (
            crate::data::generated_text(opts.docs, opts.seed)?,
            Some(opts.docs),
        ),
        other => anyhow::bail!("unknown dataset {other:?}; use scifact or generated"),
    };
    let mut runs: Vec<EngineRun> = Vec::new();
    for name in opts.engines {
        let dir = opts.workdir.join(format!("{name}-fts-{}", opts.dataset));
        let _ = std::fs::remove_dir_all(&dir);
        let spec = make(name, &dir)?;
        let record = PeerRun::start(
            name,
            spec.package,
            spec.version,
            "fts",
            opts.dataset,
            size,
            opts.seed,
        );
        let mut engine = spec.engine;
        let body = build(engine.as_mut(), &set);
        runs.push(EngineRun {
            name: name.clone(),
            dir,
            record,
            engine,
            body,
        });
    }
    measure_queries(&mut runs, &set, opts);
    let mut failed = Vec::new();
    for run in runs {
        if run.body.is_err() {
            failed.push(run.name.clone());
        }
        let body = run.body.map(|mut b| {
            b.insert("supported".into(), json!(true));
            b.insert("data".into(), set.meta.clone());
            b
        });
        let path = run.record.write(out, body, run.engine.extras())?;
        eprintln!("wrote {}", path.display());
        drop(run.engine);
        if !opts.keep {
            let _ = std::fs::remove_dir_all(&run.dir);
        }
    }
    anyhow::ensure!(failed.is_empty(), "failed: {failed:?}");
    Ok(())
}

/// One engine through the section: its record, the engine, and the
/// section's JSON fields so far (or why it failed).
struct EngineRun {
    name: String,
    dir: std::path::PathBuf,
    record: PeerRun,
    engine: Box<dyn FtsEngine>,
    body: anyhow::Result<Map<String, Value>>,
}

/// Timed passes over each query set (per-query latency: their median).
const TIMED_PASSES: usize = 5;

/// Builds the index; the build's JSON fields.
fn build(engine: &mut dyn FtsEngine, set: &TextSet) -> anyhow::Result<Map<String, Value>> {
    let start = Instant::now();
    engine.build(set)?;
    let build = start.elapsed().as_secs_f64();
    settle_writeback();
    let docs = set.bodies.len();
    let mut out = Map::new();
    out.insert("build_seconds".into(), json!(build));
    out.insert("docs_per_second".into(), json!(docs as f64 / build));
    out.insert("index_bytes".into(), json!(engine.index_bytes()));
    out.insert("index_bytes_includes_data".into(), json!(false));
    Ok(out)
}

/// Times every query set on every engine that built, passes interleaved;
/// then, engine by engine, relevance and the SQL pass. Fills each run's
/// `query_types` (or its error).
fn measure_queries(runs: &mut [EngineRun], set: &TextSet, opts: &Options) {
    let mut types: Vec<Map<String, Value>> = runs.iter().map(|_| Map::new()).collect();
    for qs in &set.query_sets {
        let queries: Vec<&Query> = subsample(qs.queries.len(), opts.max_queries)
            .into_iter()
            .map(|i| &qs.queries[i])
            .collect();
        let mode = qs.mode;
        let live: Vec<usize> = (0..runs.len()).filter(|&i| runs[i].body.is_ok()).collect();
        let passes = {
            let mut searches: Vec<Search<'_, &Query>> = live
                .iter()
                .map(|&i| {
                    let engine = &runs[i].engine;
                    Box::new(move |q: &&Query| engine.search(&q.text, mode, K))
                        as Search<'_, &Query>
                })
                .collect();
            run_passes_interleaved(&queries, opts.warmup, TIMED_PASSES, &mut searches)
        };
        let passes = match passes {
            Ok(p) => p,
            Err(e) => {
                // Which engine failed is not known here: time them alone to find out.
                eprintln!("interleaved timing failed ({e}); timing each engine alone");
                live.iter()
                    .map(|&i| {
                        run_passes(&queries, opts.warmup, TIMED_PASSES, |q| {
                            runs[i].engine.search(&q.text, mode, K)
                        })
                    })
                    .collect::<Vec<_>>()
                    .into_iter()
                    .zip(&live)
                    .filter_map(|(p, &i)| match p {
                        Ok(p) => Some(p),
                        Err(e) => {
                            runs[i].body = Err(e);
                            None
                        }
                    })
                    .collect()
            }
        };
        let live: Vec<usize> = live.into_iter().filter(|&i| runs[i].body.is_ok()).collect();
        for (&i, pass) in live.iter().zip(passes) {
            let run = &mut runs[i];
            let entry = query_type_entry(run, &queries, mode, &pass, set, opts);
            match entry {
                Ok(entry) => {
                    types[i].insert(qs.name.clone(), entry);
                }
                Err(e) => run.body = Err(e),
            }
        }
    }
    for (run, types) in runs.iter_mut().zip(types) {
        if let Ok(body) = &mut run.body {
            body.insert("query_types".into(), Value::Object(types));
        }
    }
}

/// The JSON of one query type for one engine: the timed pass, latency by
/// band, relevance where judged (also copied to the top level once), and
/// the SQL pass.
fn query_type_entry(
    run: &mut EngineRun,
    queries: &[&Query],
    mode: Mode,
    pass: &crate::timing::Pass,
    set: &TextSet,
    opts: &Options,
) -> anyhow::Result<Value> {
    let engine = run.engine.as_ref();
    let mut entry = json!({"supported": true, "mode": mode.as_str(), "k": K});
    let fields = entry.as_object_mut().expect("an object");
    fields.extend(pass.summary.clone());
    if queries.iter().any(|q| q.band.is_some()) {
        fields.insert("by_band".into(), by_band(queries, &pass.latencies_s));
    }
    // Each query's latency (the median of its passes), in query order, so
    // that two engines can be compared query by query.
    let per_query: Vec<f64> = pass.latencies_s.iter().map(|s| s * 1e3).collect();
    fields.insert("per_query_ms".into(), json!(per_query));
    if let Some(qrels) = &set.qrels {
        let quality = quality(engine, queries, mode, qrels)?;
        if let Ok(body) = &mut run.body {
            body.entry("quality").or_insert_with(|| quality.clone());
        }
        fields.insert("quality".into(), quality);
    }
    if let Some(sql) = sql_pass(engine, queries, mode, opts.warmup, &pass.results)? {
        fields.insert("sql".into(), sql);
    }
    Ok(entry)
}

/// Flushes the page cache's dirty pages (the index just written) before
/// anything is timed: otherwise the kernel writes them back while the first
/// query sets run, on a two-core machine a second load beside the one
/// timed thread, and whichever engine is measured first pays for it.
fn settle_writeback() {
    if let Err(e) = std::process::Command::new("sync").status() {
        eprintln!("sync before timing failed ({e}); timing anyway");
    }
}

/// p50/p99 latency per document-frequency band, bands in first-seen order.
fn by_band(queries: &[&Query], latencies_s: &[f64]) -> Value {
    let mut order: Vec<&str> = Vec::new();
    let mut groups: HashMap<&str, Vec<f64>> = HashMap::new();
    for (q, &s) in queries.iter().zip(latencies_s) {
        if let Some(b) = q.band.as_deref() {
            if !groups.contains_key(b) {
                order.push(b);
            }
            groups.entry(b).or_default().push(s);
        }
    }
    let mut out = Map::new();
    for b in order {
        let v = &groups[b];
        out.insert(
            b.into(),
            json!({"queries": v.len(), "latency_ms": metrics::latency_summary(v)}),
        );
    }
    Value::Object(out)
}

/// nDCG@10, MRR@10, recall@100 from an untimed k = 100 pass.
fn quality(
    engine: &dyn FtsEngine,
    queries: &[&Query],
    mode: Mode,
    qrels: &HashMap<String, metrics::Judgments>,
) -> anyhow::Result<Value> {
    let mut run = HashMap::new();
    let mut judged = HashMap::new();
    for q in queries {
        run.insert(q.qid.clone(), engine.search(&q.text, mode, 100)?);
        if let Some(j) = qrels.get(&q.qid) {
            judged.insert(q.qid.clone(), j.clone());
        }
    }
    Ok(metrics::evaluate_run(&run, &judged))
}

/// The same queries timed through SQL, and how often SQL's top k equals the
/// library's (it should always).
fn sql_pass(
    engine: &dyn FtsEngine,
    queries: &[&Query],
    mode: Mode,
    warmup: usize,
    library: &[Vec<u64>],
) -> anyhow::Result<Option<Value>> {
    let Some(first) = queries.first() else {
        return Ok(None);
    };
    if engine.sql_search(&first.text, mode, K).is_none() {
        return Ok(None);
    }
    let pass = run_queries(queries, warmup, |q| {
        engine
            .sql_search(&q.text, mode, K)
            .expect("the engine answered SQL before")
    })?;
    let same = pass
        .results
        .iter()
        .zip(library)
        .filter(|(a, b)| a == b)
        .count();
    let mut sql = pass.summary;
    sql.insert(
        "same_top_k_as_library".into(),
        json!(same as f64 / queries.len() as f64),
    );
    Ok(Some(Value::Object(sql)))
}
