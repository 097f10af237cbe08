//! The table-level vector model: trained once on the first large flush,
//! shared by later segments, recorded in the manifest with per-segment
//! cluster summaries that let a query skip segments without opening them,
//! and retrained by compaction when the data drifts.

mod common;

use std::sync::Arc;

use arrow::array::{FixedSizeListArray, Float32Array, Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use common::local;
use lakeseek_table::search::vector::VectorSearch;
use lakeseek_table::{
    Catalog, CompactionPolicy, Metric, ShardPolicy, Table, TableOptions, WriterOptions,
};

const DIM: usize = 16;

fn schema() -> Schema {
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    Schema::new(vec![
        Field::new("k", DataType::Int64, false),
        Field::new("v", DataType::FixedSizeList(item, DIM as i32), true),
    ])
}

/// Row `k`'s vector: `center` plus a deterministic spread in [-1, 1).
fn vector(k: i64, center: f32) -> Vec<f32> {
    let mut x = (k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..DIM)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            center + (x % 2000) as f32 / 1000.0 - 1.0
        })
        .collect()
}

fn rows(keys: std::ops::Range<i64>, center: impl Fn(i64) -> f32) -> RecordBatch {
    let values: Vec<f32> = keys.clone().flat_map(|k| vector(k, center(k))).collect();
    let v = FixedSizeListArray::new(
        Arc::new(Field::new("item", DataType::Float32, true)),
        DIM as i32,
        Arc::new(Float32Array::from(values)),
        None,
    );
    RecordBatch::try_new(
        Arc::new(schema()),
        vec![Arc::new(Int64Array::from_iter_values(keys)), Arc::new(v)],
    )
    .unwrap()
}

async fn table(db: &Catalog) -> Table {
    db.create_table(
        "t",
        schema(),
        TableOptions::default().with_vector("v", DIM, Metric::L2),
    )
    .await
    .unwrap()
}

fn model_objects(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir.join("t/_lakeseek/models"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_is_trained_once_and_shared_by_later_segments() {
    let dir = tempfile::tempdir().unwrap();
    let db = local(dir.path());
    let t = table(&db).await;
    t.append(&rows(0..3000, |_| 0.0)).await.unwrap();
    let first = t.snapshot();
    let model = first
        .vector_models
        .get("v")
        .expect("a model is recorded")
        .clone();
    assert_eq!(model_objects(dir.path()), 1);
    assert_eq!(
        first.segments[0].vectors["v"].model_fingerprint,
        model.fingerprint
    );

    t.append(&rows(3000..6000, |_| 0.0)).await.unwrap();
    let second = t.snapshot();
    assert_eq!(second.vector_models["v"], model, "no retraining on append");
    assert_eq!(model_objects(dir.path()), 1);
    assert!(second
        .segments
        .iter()
        .all(|s| s.vectors["v"].model_fingerprint == model.fingerprint));

    // Searching across both segments finds each row's own vector first.
    for k in [5i64, 2999, 3001, 5998] {
        let hits = t
            .vector_search(&second, &VectorSearch::new("v", vector(k, 0.0), 1))
            .await
            .unwrap();
        assert_eq!(hits[0].id, k as u64);
    }
    // A fresh process loads the model from storage.
    let other = local(dir.path()).open_table("t").await.unwrap();
    let snap = other.snapshot();
    let hits = other
        .vector_search(&snap, &VectorSearch::new("v", vector(4242, 0.0), 3))
        .await
        .unwrap();
    assert_eq!(hits[0].id, 4242);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn far_segments_are_skipped_without_being_read() {
    let dir = tempfile::tempdir().unwrap();
    // One flush, two shards: rows 0..3000 around +50, 3000..6000 around -50,
    // one model trained on both.
    let writer = WriterOptions {
        shards: ShardPolicy {
            max_shards: 2,
            min_shard_rows: 3000,
        },
        ..Default::default()
    };
    let db = local(dir.path()).with_writer_options(writer.clone());
    let t = table(&db).await;
    t.append(&rows(0..6000, |k| if k < 3000 { 50.0 } else { -50.0 }))
        .await
        .unwrap();
    let snap = t.snapshot();
    assert_eq!(snap.segments.len(), 2);
    let section_bytes = |s: usize| snap.segments[s].section("vector:v").unwrap().length;

    // A cold process queries near +50: only the +50 segment's section is read.
    let cold = local(dir.path()).open_table("t").await.unwrap();
    let cold_snap = cold.snapshot();
    let near = vector(17, 50.0);
    // The zero-result search answers without reading anything.
    let none = cold
        .vector_search(&cold_snap, &VectorSearch::new("v", near.clone(), 0))
        .await
        .unwrap();
    assert!(none.is_empty());
    let before = cold.store().counters().snapshot();
    let hits = cold
        .vector_search(&cold_snap, &VectorSearch::new("v", near, 5))
        .await
        .unwrap();
    let read = cold.store().counters().snapshot().bytes_read - before.bytes_read;
    assert_eq!(hits[0].id, 17);
    assert!(hits.iter().all(|h| h.id < 3000));
    let plus = snap.segments.iter().position(|s| s.id_min == 0).unwrap();
    // The +50 section and the (small) model are read; the other section not.
    assert!(
        read >= section_bytes(plus) && read < section_bytes(plus) + section_bytes(1 - plus),
        "read {read} bytes; sections are {} and {}",
        section_bytes(0),
        section_bytes(1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_retrains_when_the_data_drifts() {
    let dir = tempfile::tempdir().unwrap();
    let db = local(dir.path());
    let t = table(&db).await;
    t.append(&rows(0..3000, |_| 0.0)).await.unwrap();
    let old = t.snapshot().vector_models["v"].clone();
    // New data far from everything the model was trained on.
    t.append(&rows(3000..6000, |_| 80.0)).await.unwrap();
    assert_eq!(t.snapshot().vector_models["v"], old);
    let policy = CompactionPolicy {
        small_rows: 10_000,
        ..Default::default()
    };
    t.optimize(&policy).await.unwrap();
    let snap = t.snapshot();
    let new = &snap.vector_models["v"];
    assert_ne!(
        new.fingerprint, old.fingerprint,
        "the model was not retrained"
    );
    assert_eq!(snap.segments.len(), 1);
    assert_eq!(
        snap.segments[0].vectors["v"].model_fingerprint,
        new.fingerprint
    );
    for k in [10i64, 4000] {
        let center = if k < 3000 { 0.0 } else { 80.0 };
        let hits = t
            .vector_search(&snap, &VectorSearch::new("v", vector(k, center), 1))
            .await
            .unwrap();
        assert_eq!(hits[0].id, k as u64);
    }
    // Data like the training data does not trigger a retrain.
    t.append(&rows(6000..9000, |k| if k % 2 == 0 { 0.0 } else { 80.0 }))
        .await
        .unwrap();
    t.optimize(&CompactionPolicy {
        small_rows: 100_000,
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(t.snapshot().vector_models["v"].fingerprint, new.fingerprint);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_far_larger_flush_trains_a_model_with_more_clusters() {
    let dir = tempfile::tempdir().unwrap();
    let db = local(dir.path());
    let t = table(&db).await;
    t.append(&rows(0..2100, |_| 0.0)).await.unwrap();
    let small = t.snapshot().vector_models["v"].clone();
    assert_eq!(small.trained_rows, 2100);
    t.append(&rows(2100..5000, |_| 0.0)).await.unwrap();
    assert_eq!(
        t.snapshot().vector_models["v"],
        small,
        "a similar flush reuses it"
    );
    t.append(&rows(5000..45_000, |_| 0.0)).await.unwrap();
    let snap = t.snapshot();
    let large = &snap.vector_models["v"];
    assert_ne!(large.fingerprint, small.fingerprint);
    assert_eq!(large.trained_rows, 40_000);
    // Old segments keep the sections they were built with; all stay searchable.
    for k in [7i64, 3000, 44_000] {
        let hits = t
            .vector_search(&snap, &VectorSearch::new("v", vector(k, 0.0), 1))
            .await
            .unwrap();
        assert_eq!(hits[0].id, k as u64);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_retrains_a_model_the_table_has_outgrown() {
    let dir = tempfile::tempdir().unwrap();
    let db = local(dir.path());
    let t = table(&db).await;
    let flush = 2500i64;
    t.append(&rows(0..flush, |k| (k % 7) as f32 * 10.0))
        .await
        .unwrap();
    let first = t.snapshot().vector_models["v"].clone();
    assert_eq!(first.trained_rows, flush as u64);
    // Equal flushes reuse the model, however many of them come.
    for i in 1..5 {
        t.append(&rows(i * flush..(i + 1) * flush, |k| (k % 7) as f32 * 10.0))
            .await
            .unwrap();
    }
    let grown = t.snapshot();
    assert_eq!(grown.vector_models["v"], first);
    assert_eq!(grown.segments.len(), 5);
    let clusters_used = |snap: &lakeseek_table::Snapshot| {
        snap.segments
            .iter()
            .flat_map(|s| s.vectors["v"].clusters.iter().map(|c| c.cluster))
            .max()
            .unwrap()
            + 1
    };
    let before = clusters_used(&grown);

    // The table is now 5x the rows the model was trained for (the ratio is
    // 4): compaction retrains it for 12,500 rows and re-encodes every
    // segment, though none is small, merging them up to the target size.
    let policy = CompactionPolicy {
        small_rows: 1000,
        target_rows: 5000,
        ..Default::default()
    };
    let report = t.optimize(&policy).await.unwrap();
    let snap = t.snapshot();
    let model = &snap.vector_models["v"];
    assert_ne!(model.fingerprint, first.fingerprint);
    assert_eq!(model.trained_rows, 5 * flush as u64);
    assert_eq!(report.segments_removed, 5);
    assert_eq!(report.rows_rewritten, 5 * flush as u64);
    let mut sizes: Vec<u64> = snap.segments.iter().map(|s| s.rows).collect();
    sizes.sort();
    assert_eq!(sizes, [2500, 5000, 5000]);
    assert!(snap
        .segments
        .iter()
        .all(|s| s.vectors["v"].model_fingerprint == model.fingerprint));
    let after = clusters_used(&snap);
    assert!(after > before, "clusters {before} -> {after}");

    // Same rows, same ids; probing every cluster agrees with exact search.
    for k in [3i64, 4999, 7777, 12_499] {
        let q = vector(k, (k % 7) as f32 * 10.0);
        let mut approx = VectorSearch::new("v", q.clone(), 10);
        approx.nprobe = Some(after as usize);
        approx.refine = Some(50);
        let mut exact = VectorSearch::new("v", q, 10);
        exact.exact = true;
        let got = t.vector_search(&snap, &approx).await.unwrap();
        let want = t.vector_search(&snap, &exact).await.unwrap();
        assert_eq!(got[0].id, k as u64);
        let ids = |h: &[lakeseek_table::search::vector::VectorHit]| {
            h.iter().map(|h| h.id).collect::<Vec<_>>()
        };
        let overlap = ids(&got).iter().filter(|i| ids(&want).contains(i)).count();
        assert!(overlap >= 9, "key {k}: {:?} vs {:?}", ids(&got), ids(&want));
    }
    // Nothing is outgrown or stale any more: a second run does nothing.
    let again = t.optimize(&policy).await.unwrap();
    assert_eq!(again.segments_removed, 0);
    assert_eq!(t.snapshot().vector_models["v"], *model);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferred_vector_indexes_are_built_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let writer = WriterOptions {
        defer_vector_indexes: true,
        ..Default::default()
    };
    let db = local(dir.path()).with_writer_options(writer);
    let t = table(&db).await;
    let committed = t.append(&rows(0..5000, |_| 0.0)).await.unwrap();
    // Committed without a vector section, and searchable exactly at once.
    assert!(committed
        .segments
        .iter()
        .all(|s| s.section("vector:v").is_none()));
    let hits = t
        .vector_search(&committed, &VectorSearch::new("v", vector(1234, 0.0), 1))
        .await
        .unwrap();
    assert_eq!(hits[0].id, 1234);
    // A concurrent delete lands while the index builds; it must survive.
    t.delete_ids(&[10, 20]).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let snap = t.refresh().await.unwrap();
        if snap
            .segments
            .iter()
            .all(|s| s.section("vector:v").is_some())
        {
            assert!(snap.vector_models.contains_key("v"));
            assert_eq!(snap.rows(), 4998);
            let hits = t
                .vector_search(&snap, &VectorSearch::new("v", vector(4321, 0.0), 1))
                .await
                .unwrap();
            assert_eq!(hits[0].id, 4321);
            let gone = t
                .vector_search(&snap, &VectorSearch::new("v", vector(10, 0.0), 1))
                .await
                .unwrap();
            assert_ne!(gone[0].id, 10);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the index was never built"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(t.check().await.unwrap().ok());
}
