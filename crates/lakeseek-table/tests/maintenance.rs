//! Compaction, vacuum, the consistency check and two-phase commits, on a
//! local directory.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{contents, local};
use lakeseek_table::search::text::TextSearch;
use lakeseek_table::search::vector::VectorSearch;
use lakeseek_table::{CompactionPolicy, Metric, Table, TableOptions};
use lakeseek_testkit::batch;

async fn table(dir: &std::path::Path) -> Table {
    local(dir)
        .create_table(
            "t",
            lakeseek_testkit::schema(),
            TableOptions::default().with_text("s").with_vector(
                "v",
                lakeseek_testkit::DIM as usize,
                Metric::L2,
            ),
        )
        .await
        .unwrap()
}

/// `(k, _id)` pairs of the live rows, sorted.
async fn rows(t: &Table) -> BTreeSet<(i64, u64)> {
    let snap = t.refresh().await.unwrap();
    let (keys, ids) = contents(t, &snap).await;
    assert_eq!(keys.len() as u64, snap.rows());
    keys.into_iter().zip(ids).collect()
}

/// Ids returned by a text and an exact vector search.
async fn search_ids(t: &Table) -> (Vec<u64>, Vec<u64>) {
    let snap = t.refresh().await.unwrap();
    let mut text = TextSearch::new("s17 OR s250 OR s333 OR s999 OR s5", 10);
    text.count = true;
    let text = t.text_search(&snap, &text).await.unwrap();
    let mut vector = VectorSearch::new("v", vec![500.0, 500.25, 500.5, 500.75], 25);
    vector.exact = true;
    let vector = t.vector_search(&snap, &vector).await.unwrap();
    (
        text.hits.iter().map(|h| h.id).collect(),
        vector.iter().map(|h| h.id).collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optimize_merges_small_segments_keeping_ids_and_results() {
    let dir = tempfile::tempdir().unwrap();
    let t = table(dir.path()).await;
    for i in 0..10 {
        t.append(&batch(i * 100, 100)).await.unwrap();
    }
    let deleted: Vec<u64> = (0..1000).filter(|id| id % 7 == 0).collect();
    assert_eq!(t.delete_ids(&deleted).await.unwrap().rows_deleted, 143);
    let before_rows = rows(&t).await;
    let before_search = search_ids(&t).await;
    let before_version = t.snapshot().version;

    let report = t.optimize(&CompactionPolicy::default()).await.unwrap();
    assert_eq!(report.segments_removed, 10);
    assert_eq!(report.segments_added, 1);
    assert_eq!(report.rows_rewritten, 857);
    assert_eq!(report.rows_purged, 143);
    let snap = t.snapshot();
    assert_eq!(snap.segments.len(), 1);
    assert!(snap.segments[0].sparse_ids && snap.segments[0].deleted.is_none());
    // Same rows with the same ids, same search results.
    assert_eq!(rows(&t).await, before_rows);
    assert_eq!(search_ids(&t).await, before_search);
    // Deletes by id still work on the compacted segment.
    let out = t.delete_ids(&[1, 2, 3, 7]).await.unwrap();
    assert_eq!(out.rows_deleted, 3, "id 7 was already deleted");
    assert_eq!(rows(&t).await.len(), 854);
    // Older snapshots still read the old files.
    let old = t.snapshot_at(before_version).await.unwrap();
    assert_eq!(contents(&t, &old).await.0.len(), 857);
    // Nothing left to do.
    let again = t.optimize(&CompactionPolicy::default()).await.unwrap();
    assert_eq!(again.segments_removed, 0);
    assert!(t.check().await.unwrap().ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optimize_rewrites_a_large_segment_with_many_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let t = table(dir.path()).await;
    t.append(&batch(0, 1000)).await.unwrap();
    let policy = CompactionPolicy {
        small_rows: 10,
        ..Default::default()
    };
    t.delete_ids(&(0..100).collect::<Vec<_>>()).await.unwrap();
    assert_eq!(
        t.optimize(&policy).await.unwrap().segments_removed,
        0,
        "10% deleted"
    );
    t.delete_ids(&(500..700).collect::<Vec<_>>()).await.unwrap();
    let report = t.optimize(&policy).await.unwrap();
    assert_eq!((report.segments_removed, report.rows_purged), (1, 300));
    let live = rows(&t).await;
    assert_eq!(live.len(), 700);
    assert!(live
        .iter()
        .all(|&(k, id)| k as u64 == id && !(500..700).contains(&id)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletes_racing_compaction_are_never_lost() {
    let dir = tempfile::tempdir().unwrap();
    let t = table(dir.path()).await;
    for i in 0..8 {
        t.append(&batch(i * 50, 50)).await.unwrap();
    }
    let deleter = {
        let t = t.clone();
        tokio::spawn(async move {
            for id in (0..400).step_by(9) {
                t.delete_ids(&[id]).await.unwrap();
                // Keep appending small segments so compaction keeps working.
                if id % 45 == 0 {
                    t.append(&batch(1000 + id as i64, 20)).await.unwrap();
                }
            }
        })
    };
    let compactor = {
        let t = t.clone();
        tokio::spawn(async move {
            for _ in 0..15 {
                t.optimize(&CompactionPolicy::default()).await.unwrap();
            }
        })
    };
    deleter.await.unwrap();
    compactor.await.unwrap();
    t.optimize(&CompactionPolicy::default()).await.unwrap();
    let live = rows(&t).await;
    let ids: Vec<u64> = live.iter().map(|&(_, id)| id).collect();
    assert!(
        ids.iter().all(|id| *id >= 400 || id % 9 != 0),
        "a deleted row came back"
    );
    let original: usize = (0..400u64).filter(|id| id % 9 != 0).count();
    assert_eq!(
        ids.iter().filter(|&&id| id < 400).count(),
        original,
        "a row was lost"
    );
    assert_eq!(ids.len(), original + 9 * 20);
    let report = t.check().await.unwrap();
    assert!(report.ok(), "{:?}", report.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_compaction_merges_while_writers_append() {
    let dir = tempfile::tempdir().unwrap();
    let t = table(dir.path()).await;
    let compactor =
        t.optimize_in_background(CompactionPolicy::default(), Duration::from_millis(20));
    for i in 0..30 {
        t.append(&batch(i * 10, 10)).await.unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while t.refresh().await.unwrap().segments.len() > 1 {
        assert!(std::time::Instant::now() < deadline, "never compacted");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    compactor.abort();
    let live = rows(&t).await;
    assert_eq!(live.len(), 300);
    assert!(live.iter().all(|&(k, id)| k as u64 == id));
}

#[tokio::test]
async fn vacuum_removes_only_unreferenced_old_files() {
    let dir = tempfile::tempdir().unwrap();
    let t = table(dir.path()).await;
    for i in 0..4 {
        t.append(&batch(i * 10, 10)).await.unwrap();
    }
    // An abandoned two-phase write leaves an orphan.
    let mut w = t.writer("append");
    w.write(&batch(100, 5)).await.unwrap();
    let prepared = w.prepare().await.unwrap();
    let orphan = prepared.segments()[0].path.clone();
    drop(prepared);
    t.optimize(&CompactionPolicy::default()).await.unwrap();
    let data = dir.path().join("t/data");
    assert_eq!(std::fs::read_dir(&data).unwrap().count(), 6);

    // Within the retention period nothing goes.
    let kept = t.vacuum(Duration::from_secs(3600), false).await.unwrap();
    assert!(kept.files_deleted.is_empty());
    // A dry run reports, deletes nothing.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let dry = t.vacuum(Duration::from_millis(10), true).await.unwrap();
    assert_eq!(dry.files_deleted.len(), 5);
    assert_eq!(std::fs::read_dir(&data).unwrap().count(), 6);
    let done = t.vacuum(Duration::from_millis(10), false).await.unwrap();
    assert_eq!(done.files_deleted.len(), 5);
    assert!(done.files_deleted.contains(&orphan));
    assert_eq!(std::fs::read_dir(&data).unwrap().count(), 1);
    assert_eq!(rows(&t).await.len(), 40);
    assert!(t.check().await.unwrap().ok());
}

#[tokio::test]
async fn check_names_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let t = table(dir.path()).await;
    t.append(&batch(0, 100)).await.unwrap();
    t.append(&batch(100, 100)).await.unwrap();
    let report = t.check().await.unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!((report.versions_checked, report.segments_checked), (3, 2));

    // Flip one byte of a segment.
    let victim = t.snapshot().segments[1].path.clone();
    let file = dir.path().join("t").join(&victim);
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[10] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    let report = t.check().await.unwrap();
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(report.problems[0].object.ends_with(&victim));
    assert!(
        report.problems[0].detail.contains("crc"),
        "{}",
        report.problems[0]
    );

    // A missing segment is named too.
    std::fs::remove_file(&file).unwrap();
    let report = t.check().await.unwrap();
    assert!(report.problems[0].object.ends_with(&victim));
}

#[tokio::test]
async fn two_phase_commit_publishes_only_on_commit() {
    let dir = tempfile::tempdir().unwrap();
    let db = local(dir.path());
    let t = table(dir.path()).await;
    t.append(&batch(0, 10)).await.unwrap();
    let mut w = t.writer("append");
    w.write(&batch(10, 30)).await.unwrap();
    let prepared = w.prepare().await.unwrap();
    assert!(!prepared.segments().is_empty());
    // Written but invisible, to this handle and to a fresh one.
    assert_eq!(rows(&t).await.len(), 10);
    assert_eq!(rows(&db.open_table("t").await.unwrap()).await.len(), 10);
    let outcome = prepared.commit().await.unwrap();
    assert_eq!(outcome.rows_added, 30);
    assert_eq!(rows(&db.open_table("t").await.unwrap()).await.len(), 40);

    // Abort removes the prepared files and publishes nothing.
    let mut w = t.writer("append");
    w.write(&batch(100, 5)).await.unwrap();
    let prepared = w.prepare().await.unwrap();
    let path = dir.path().join("t").join(&prepared.segments()[0].path);
    assert!(path.exists());
    prepared.abort().await.unwrap();
    assert!(!path.exists());
    assert_eq!(rows(&t).await.len(), 40);
}
