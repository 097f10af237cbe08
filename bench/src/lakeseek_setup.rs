//! LakeSeek set up for a one-thread measurement, shared by the fts and vector
//! sections: a current-thread tokio runtime, a one-thread rayon pool, one
//! shard per flush, a table on a local directory, rows streamed in as an
//! import would, and the sizes the results report.

use std::collections::HashMap;
use std::path::Path;

use arrow::array::RecordBatch;
use lakeseek::{Catalog, Snapshot, Table, WriterOptions};
use lakeseek_table::ShardPolicy;
use serde_json::{json, Value};

/// Rows per batch handed to the writer, as a streaming import would.
const BATCH_ROWS: usize = 65_536;

/// Limits rayon's global pool (the writer's encoder) to one thread. Call
/// before anything uses rayon; a pool that already exists is left as it is,
/// and the returned count says what it has.
pub fn one_rayon_thread() -> usize {
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global();
    rayon::current_num_threads()
}

/// A runtime that runs every task on the calling thread.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// A catalog on the local directory `dir` whose writers encode one shard
/// per flush (the default is one per core) and flush past `flush_bytes` of
/// buffered rows ([`default_flush_bytes`] unless a section matches a peer's
/// writer budget).
pub fn catalog(dir: &Path, flush_bytes: usize) -> anyhow::Result<Catalog> {
    std::fs::create_dir_all(dir)?;
    let options = WriterOptions {
        shards: ShardPolicy {
            max_shards: 1,
            ..ShardPolicy::default()
        },
        flush_bytes,
        ..WriterOptions::default()
    };
    Ok(Catalog::connect(&dir.display().to_string(), &HashMap::new())?.with_writer_options(options))
}

/// The writer's own flush budget.
pub fn default_flush_bytes() -> usize {
    WriterOptions::default().flush_bytes
}

/// Appends `batch` in one transaction, streamed in slices of
/// [`BATCH_ROWS`]; checks that the rows got `_id` 0, 1, … in order, so a
/// hit's `_id` is the dataset's row number.
pub async fn append(table: &Table, batch: &RecordBatch) -> anyhow::Result<Snapshot> {
    let mut writer = table.writer("append");
    let mut offset = 0;
    while offset < batch.num_rows() {
        let len = BATCH_ROWS.min(batch.num_rows() - offset);
        writer.write(&batch.slice(offset, len)).await?;
        offset += len;
    }
    let snapshot = writer.commit().await?;
    let mut ranges: Vec<(u64, u64, u64)> = snapshot
        .segments
        .iter()
        .map(|s| (s.id_min, s.id_max, s.rows))
        .collect();
    ranges.sort();
    let mut next = 0;
    for (lo, hi, rows) in ranges {
        anyhow::ensure!(
            lo == next && hi + 1 - lo == rows,
            "row ids are not 0..{} in order; results could not be scored",
            batch.num_rows()
        );
        next = hi + 1;
    }
    anyhow::ensure!(
        next as usize == batch.num_rows(),
        "rows missing after append"
    );
    Ok(snapshot)
}

/// Total bytes of the sections named `name` over the snapshot's segments.
pub fn section_bytes(snapshot: &Snapshot, name: &str) -> u64 {
    snapshot
        .segments
        .iter()
        .filter_map(|s| s.section(name))
        .map(|s| s.length)
        .sum()
}

/// Settings common to both sections: segments and their bytes.
pub fn table_settings(snapshot: &Snapshot, flush_bytes: usize) -> Value {
    json!({
        "segments": snapshot.segments.len(),
        "segment_bytes": snapshot.segments.iter().map(|s| s.size).sum::<u64>(),
        "writer": {"max_shards": 1, "batch_rows": BATCH_ROWS,
                   "flush_bytes": flush_bytes},
        "store": "local directory",
    })
}

/// The thread pools in play, in the peers' `threadpools` format.
pub fn threadpools(rayon_threads: usize) -> Vec<Value> {
    vec![
        json!({"internal_api": "rayon", "prefix": "global", "num_threads": rayon_threads}),
        json!({"internal_api": "tokio", "prefix": "current_thread", "num_threads": 1}),
    ]
}

/// What the numbers mean, for the result's `notes`.
pub fn notes() -> Vec<String> {
    vec![
        "one thread: tokio current-thread runtime, rayon global pool of 1, one shard per flush"
            .into(),
        "build = one streaming append transaction until its commit returns (the table is then \
         searchable by any reader); the local store renames files into place without fsync"
            .into(),
        "queries run on one snapshot taken after the build; index sections are cached in memory \
         after their first read"
            .into(),
    ]
}
