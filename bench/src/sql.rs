//! The sql section: scan, filter, group-by and top-k over the same Parquet
//! file the Python peers query (`bench/peers/section_sql.py`, DuckDB and
//! DataFusion), here through LakeSeek SQL.
//!
//! The peers query the file in place; LakeSeek queries tables, so the file is
//! first imported into a table (its segments are Parquet) and `build_seconds`
//! says how long that took. The queries are the peers' templates with the
//! same expressions; each runs once to warm up, then `reps` times timed.
//! `result_rows` holds every row so the report can hash them the way the
//! peers do (`section_sql.digest`) and check that all engines agree.

use std::path::{Path, PathBuf};
use std::time::Instant;

use arrow::array::RecordBatch;
use lakeseek::{Database, TableOptions};
use serde_json::{json, Map, Value};

use crate::data::{self, parquet_file};
use crate::lakeseek_setup as setup;
use crate::metrics;
use crate::peer_record::{Extras, PeerRun};

/// The peers' queries (`section_sql.QUERIES`), with `{id}`, `{body}` and
/// `{needle}` filled in per dataset.
const QUERIES: [(&str, &str); 4] = [
    (
        "scan",
        "SELECT count(*) AS n, sum(length({body})) AS chars FROM t",
    ),
    (
        "filter",
        "SELECT count(*) AS n FROM t WHERE strpos({body}, '{needle}') > 0 AND {id} % 10 = 3",
    ),
    (
        "group_by",
        "SELECT {id} % 100 AS bucket, count(*) AS n, sum(length({body})) AS chars \
         FROM t GROUP BY {id} % 100 ORDER BY bucket",
    ),
    (
        "top_k",
        "SELECT {id} AS id, length({body}) AS len FROM t ORDER BY len DESC, id ASC LIMIT 10",
    ),
];

pub struct Options<'a> {
    pub dataset: &'a str,
    pub docs: usize,
    pub seed: u64,
    pub reps: usize,
    pub workdir: &'a Path,
    pub keep: bool,
}

/// The file and the expressions the queries use, as `data.sql_source`
/// chooses them: "protein" on SciFact, the first middle-band one-term query
/// of the generated corpus.
struct Source {
    path: PathBuf,
    id: &'static str,
    body: &'static str,
    needle: String,
}

fn source(dataset: &str, docs: usize, seed: u64) -> anyhow::Result<Source> {
    if dataset == "scifact" {
        return Ok(Source {
            path: data::scifact_dir().join("corpus.parquet"),
            id: "CAST(id AS BIGINT)",
            body: "text",
            needle: "protein".into(),
        });
    }
    anyhow::ensure!(
        dataset == "generated",
        "unknown dataset {dataset:?}; use scifact or generated"
    );
    let dir = data::generated_text_dir(docs, seed)?;
    let q = parquet_file::read(&dir.join("queries.parquet"), &["text", "n_terms", "band"])?;
    let texts = parquet_file::strings(&q, "text")?;
    let terms = parquet_file::int64s(&q, "n_terms")?;
    let bands = parquet_file::strings(&q, "band")?;
    let needle = (0..texts.len())
        .find(|&i| terms[i] == 1 && bands[i] == "middle")
        .map(|i| texts[i].clone())
        .ok_or_else(|| anyhow::anyhow!("no middle-band one-term query"))?;
    Ok(Source {
        path: dir.join("docs.parquet"),
        id: "id",
        body: "body",
        needle,
    })
}

fn fill(template: &str, s: &Source) -> String {
    template
        .replace("{id}", s.id)
        .replace("{body}", s.body)
        .replace("{needle}", &s.needle.replace('\'', "''"))
}

/// Result batches as rows of JSON values, in column order.
fn rows(batches: &[RecordBatch]) -> anyhow::Result<Vec<Value>> {
    let mut out = Vec::new();
    for batch in batches {
        let mut writer = arrow::json::ArrayWriter::new(Vec::new());
        writer.write(batch)?;
        writer.finish()?;
        let bytes = writer.into_inner();
        let objects: Vec<Map<String, Value>> = if bytes.is_empty() {
            Vec::new()
        } else {
            serde_json::from_slice(&bytes)?
        };
        let names: Vec<String> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        for o in objects {
            out.push(Value::Array(
                names
                    .iter()
                    .map(|n| o.get(n).cloned().unwrap_or(Value::Null))
                    .collect(),
            ));
        }
    }
    Ok(out)
}

pub fn run(opts: &Options, out: &Path) -> anyhow::Result<()> {
    let src = source(opts.dataset, opts.docs, opts.seed)?;
    let size = (opts.dataset == "generated").then_some(opts.docs);
    let dir = opts.workdir.join(format!("lakeseek-sql-{}", opts.dataset));
    let _ = std::fs::remove_dir_all(&dir);
    let run = PeerRun::start(
        "lakeseek",
        "lakeseek",
        env!("CARGO_PKG_VERSION").into(),
        "sql",
        opts.dataset,
        size,
        opts.seed,
    );
    let rayon_threads = setup::one_rayon_thread();
    let body = measure(opts, &src, &dir);
    let extras = Extras {
        notes: vec![
            "one thread: tokio current-thread runtime, rayon global pool of 1".into(),
            "the peers query the Parquet file in place; LakeSeek queries a table the file was \
             imported into (build_seconds: one append transaction of every column)"
                .into(),
            "result_rows: every result row, hashed by the report as the peers' result_digest"
                .into(),
        ],
        settings: json!({"source": src.path.display().to_string(), "reps": opts.reps}),
        threadpools: setup::threadpools(rayon_threads),
    };
    let path = run.write(out, body, extras)?;
    eprintln!("wrote {}", path.display());
    if !opts.keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

fn measure(opts: &Options, src: &Source, dir: &Path) -> anyhow::Result<Map<String, Value>> {
    let runtime = setup::runtime()?;
    let batch = parquet_file::read(&src.path, &[])?;
    let catalog = setup::catalog(dir, setup::default_flush_bytes())?;
    let start = Instant::now();
    runtime.block_on(async {
        let table = catalog
            .create_table(
                "t",
                batch.schema().as_ref().clone(),
                TableOptions::default(),
            )
            .await?;
        setup::append(&table, &batch).await?;
        anyhow::Ok(())
    })?;
    let build_seconds = start.elapsed().as_secs_f64();
    let db = Database::from_catalog(catalog)?;
    let mut types = Map::new();
    for (name, template) in QUERIES {
        let sql = fill(template, src);
        let result = runtime.block_on(db.sql(&sql))?; // warm-up
        let mut lat = Vec::with_capacity(opts.reps);
        let cpu0 = crate::timing::process_cpu_seconds();
        for _ in 0..opts.reps {
            let t = Instant::now();
            runtime.block_on(db.sql(&sql))?;
            lat.push(t.elapsed().as_secs_f64());
        }
        let cpu = crate::timing::process_cpu_seconds() - cpu0;
        let total: f64 = lat.iter().sum();
        let rows = rows(&result)?;
        types.insert(
            name.into(),
            json!({
                "sql": sql, "reps": opts.reps,
                "latency_ms": metrics::latency_summary(&lat),
                "qps": if total > 0.0 { opts.reps as f64 / total } else { 0.0 },
                "cpu_util": if total > 0.0 { json!(cpu / total) } else { Value::Null },
                "rows": rows.len(),
                "first_row": rows.first(),
                "result_rows": rows,
            }),
        );
    }
    let mut body = Map::new();
    body.insert("supported".into(), json!(true));
    body.insert("build_seconds".into(), json!(build_seconds));
    body.insert("index_bytes".into(), Value::Null);
    body.insert("rows_imported".into(), json!(batch.num_rows()));
    body.insert("query_types".into(), Value::Object(types));
    Ok(body)
}
