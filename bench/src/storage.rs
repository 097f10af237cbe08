//! The storage section: requests and bytes per cold query against S3.
//!
//! SciFact (title + text as `body` with the english analyzer, the `emb`
//! vectors, the source `id`) is written to `s3://<bucket>/<prefix>` on an S3
//! endpoint (`bench/run storage` starts a moto server on loopback). Each
//! measured query then runs on a fresh connection (a new store, so empty
//! caches; opening the table is part of the query) and again on the same
//! connection (warm). The store's counters (`lakeseek-store`'s
//! `CountingObjectStore`, which every read goes through) give the GETs,
//! bytes read and LISTs each query made.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use lakeseek::{Catalog, Database, Metric, TableOptions, TextColumn, WriterOptions};
use lakeseek_table::ShardPolicy;
use serde_json::{json, Map, Value};

use crate::data::{self, parquet_file};
use crate::{lakeseek_setup as setup, machine, metrics, report};

pub struct Options<'a> {
    /// S3 endpoint, e.g. `http://127.0.0.1:5000`.
    pub endpoint: &'a str,
    pub bucket: &'a str,
    /// Key prefix of the database inside the bucket.
    pub prefix: &'a str,
    /// Queries measured per query type (evenly spread over SciFact's test set).
    pub queries: usize,
}

fn store_options(endpoint: &str) -> HashMap<String, String> {
    [
        ("aws_endpoint", endpoint),
        ("aws_access_key_id", "test"),
        ("aws_secret_access_key", "test"),
        ("aws_region", "us-east-1"),
        ("aws_allow_http", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Query text as the peers send it: lowercase words split on anything that
/// is not alphanumeric.
fn plain(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn vector_literal(v: &[f32]) -> String {
    let parts: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
    format!("[{}]", parts.join(", "))
}

pub fn run(opts: &Options, out: &std::path::Path) -> anyhow::Result<()> {
    let runtime = setup::runtime()?;
    let uri = format!("s3://{}/{}", opts.bucket, opts.prefix);
    let store_opts = store_options(opts.endpoint);

    // The data: SciFact's corpus as the fts and vector sections index it.
    let dir = data::scifact_dir();
    let corpus = parquet_file::read(&dir.join("corpus.parquet"), &["id", "title", "text", "emb"])?;
    let titles = parquet_file::strings(&corpus, "title")?;
    let texts = parquet_file::strings(&corpus, "text")?;
    let bodies: arrow::array::StringArray = titles
        .iter()
        .zip(&texts)
        .map(|(t, x)| Some(format!("{t} {x}")))
        .collect();
    let emb = parquet_file::vectors(&corpus, "emb")?;
    let dim = emb.value_length() as usize;
    let ids = parquet_file::string_array(&corpus, "id")?;
    let schema = Schema::new(vec![
        Field::new("id", DataType::Utf8, true),
        Field::new("body", DataType::Utf8, false),
        Field::new("emb", emb.data_type().clone(), true),
    ]);
    let batch = RecordBatch::try_new(
        Arc::new(schema.clone()),
        vec![Arc::new(ids), Arc::new(bodies), Arc::new(emb)],
    )?;
    let options = TableOptions {
        text_columns: vec![TextColumn {
            column: "body".into(),
            analyzer: "english".into(),
        }],
        ..TableOptions::default()
    }
    .with_vector("emb", dim, Metric::Cosine);
    let writer = WriterOptions {
        shards: ShardPolicy {
            max_shards: 1,
            ..ShardPolicy::default()
        },
        ..WriterOptions::default()
    };
    let catalog = Catalog::connect(&uri, &store_opts)?.with_writer_options(writer);
    let start = Instant::now();
    let snapshot = runtime.block_on(async {
        if catalog.table_exists("t").await? {
            catalog.drop_table("t").await?;
        }
        let table = catalog.create_table("t", schema, options).await?;
        setup::append(&table, &batch).await
    })?;
    let build_seconds = start.elapsed().as_secs_f64();
    let written = catalog.store().counters().snapshot();

    // The queries: SciFact's test queries with their embeddings.
    let q = parquet_file::read(&dir.join("queries.parquet"), &["text", "emb"])?;
    let qtexts = parquet_file::strings(&q, "text")?;
    let qembs = parquet_file::vector_rows(&parquet_file::vectors(&q, "emb")?);
    let picks = metrics::subsample(qtexts.len(), Some(opts.queries));
    let kinds: [(&str, SqlFor); 4] = [
        (
            "fts",
            Box::new(|i| {
                format!(
                    "SELECT _id FROM fts('t', 'body', '{}', 10)",
                    plain(&qtexts[i])
                )
            }),
        ),
        (
            "vector",
            Box::new(|i| {
                format!(
                    "SELECT _id FROM vector_search('t', 'emb', {}, 10)",
                    vector_literal(&qembs[i])
                )
            }),
        ),
        (
            "hybrid",
            Box::new(|i| {
                format!(
                    "SELECT _id FROM hybrid_search('t', 'body', '{}', 'emb', {}, 10)",
                    plain(&qtexts[i]),
                    vector_literal(&qembs[i])
                )
            }),
        ),
        (
            "sql_filter",
            Box::new(|i| {
                let word = plain(&qtexts[i])
                    .split(' ')
                    .max_by_key(|w| w.len())
                    .unwrap_or("cell")
                    .to_string();
                format!("SELECT id FROM t WHERE strpos(body, '{word}') > 0 ORDER BY id LIMIT 10")
            }),
        ),
    ];
    let mut types = Map::new();
    for (name, make) in &kinds {
        let mut cold = Samples::default();
        let mut warm = Samples::default();
        for &i in &picks {
            let sql = make(i);
            runtime.block_on(async {
                let db = Database::connect_with(&uri, &store_opts).await?;
                let counters = db.catalog().store().counters().clone();
                for samples in [&mut cold, &mut warm] {
                    let before = counters.snapshot();
                    let t = Instant::now();
                    db.sql(&sql).await?;
                    let elapsed = t.elapsed().as_secs_f64();
                    let d = counters.snapshot().since(&before);
                    samples.push(d.gets, d.bytes_read, d.lists, elapsed);
                }
                anyhow::Ok(())
            })?;
        }
        types.insert(
            name.to_string(),
            json!({"queries": picks.len(), "cold": cold.summary(), "warm": warm.summary()}),
        );
    }
    let data = json!({
        "section": "storage",
        "engine": "lakeseek",
        "version": env!("CARGO_PKG_VERSION"),
        "machine": machine::describe(),
        "store": {"kind": "moto S3 server on loopback", "endpoint": opts.endpoint, "uri": uri},
        "dataset": "scifact",
        "rows": batch.num_rows(),
        "segments": snapshot.segments.len(),
        "segment_bytes": snapshot.segments.iter().map(|s| s.size).sum::<u64>(),
        "build_seconds": build_seconds,
        "build_requests": {"puts": written.puts, "bytes_written": written.bytes_written,
                           "gets": written.gets, "lists": written.lists},
        "query_types": types,
        "notes": [
            "cold: a new connection per query (new store, empty caches), so opening the table \
             (manifest and log reads) is part of the query; warm: the same query again on it",
            "moto is a Python S3 emulator: latencies measure it, not S3; requests and bytes are \
             what the query asked the store for",
        ],
    });
    let mut md = format!(
        "# Storage: requests per cold query on S3 (moto), SciFact ({} rows, {} segments)\n\n\
         | query | cold GETs p50 / max | cold KiB p50 | cold LISTs p50 | cold ms p50 | warm GETs p50 | warm KiB p50 |\n\
         |---|---|---|---|---|---|---|\n",
        batch.num_rows(),
        snapshot.segments.len()
    );
    for (name, v) in &types {
        let c = &v["cold"];
        let w = &v["warm"];
        md += &format!(
            "| {name} | {} / {} | {:.1} | {} | {:.1} | {} | {:.1} |\n",
            c["gets"]["p50"],
            c["gets"]["max"],
            c["bytes"]["p50"].as_f64().unwrap_or(0.0) / 1024.0,
            c["lists"]["p50"],
            c["latency_ms"]["p50"].as_f64().unwrap_or(0.0),
            w["gets"]["p50"],
            w["bytes"]["p50"].as_f64().unwrap_or(0.0) / 1024.0,
        );
    }
    std::fs::create_dir_all(out)?;
    report::write(out, "storage", &data, &md)
}

/// Makes the SQL of one query type for the query at an index.
type SqlFor<'a> = Box<dyn Fn(usize) -> String + 'a>;

/// Per-query request counts and latencies.
#[derive(Default)]
struct Samples {
    gets: Vec<f64>,
    bytes: Vec<f64>,
    lists: Vec<f64>,
    seconds: Vec<f64>,
}

impl Samples {
    fn push(&mut self, gets: u64, bytes: u64, lists: u64, seconds: f64) {
        self.gets.push(gets as f64);
        self.bytes.push(bytes as f64);
        self.lists.push(lists as f64);
        self.seconds.push(seconds);
    }

    fn summary(&self) -> Value {
        let stats = |v: &[f64]| {
            json!({
                "p50": metrics::percentile(v, 50.0),
                "max": v.iter().copied().fold(0.0, f64::max),
                "mean": v.iter().sum::<f64>() / v.len().max(1) as f64,
            })
        };
        json!({
            "gets": stats(&self.gets),
            "bytes": stats(&self.bytes),
            "lists": stats(&self.lists),
            "latency_ms": metrics::latency_summary(&self.seconds),
        })
    }
}
