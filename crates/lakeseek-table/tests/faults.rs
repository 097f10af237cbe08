//! Storage faults on the commit path, injected with
//! `lakeseek_store::FaultInjector`: a failed version PUT is retried and lands
//! once; a PUT whose reply was lost is recognised by its transaction id; a
//! failed segment upload publishes nothing.

mod common;

use std::sync::Arc;

use lakeseek_store::{FaultInjector, StoreError};
use lakeseek_table::{Catalog, Table, TableError, WriterOptions};
use lakeseek_testkit::batch;

use common::*;

fn version(v: u64) -> String {
    lakeseek_table::version_object_path("t", v)
}

/// A table `t` on a fresh local directory with one append of keys 0..5
/// (version 1), a fault injector installed, and the given retry budget.
async fn setup(max_attempts: u32) -> (tempfile::TempDir, Catalog, Table, Arc<FaultInjector>) {
    let dir = tempfile::tempdir().unwrap();
    let db = local(dir.path()).with_writer_options(WriterOptions {
        retry: quick_retry(max_attempts),
        ..Default::default()
    });
    let table = create(&db, "t").await;
    table.append(&batch(0, 5)).await.unwrap();
    let faults = Arc::new(FaultInjector::default());
    db.store().inject_faults(faults.clone());
    (dir, db, table, faults)
}

/// What a fresh connection sees: version and keys; ids must be dense.
async fn seen(dir: &tempfile::TempDir) -> (u64, Vec<i64>) {
    let (snapshot, keys, ids) = latest(&local(dir.path()), "t").await;
    assert_dense(&ids);
    (snapshot.version, keys)
}

#[tokio::test]
async fn failed_version_put_is_retried_and_lands_once() {
    let (dir, db, table, faults) = setup(10).await;
    faults.fail_puts(&version(2), 3);
    let snapshot = table.append(&batch(5, 5)).await.unwrap();
    assert_eq!(faults.fired(), 3);
    assert_eq!(faults.pending(), 0);
    assert_eq!(snapshot.version, 2);
    assert_eq!(log_versions(&db, "t").await, [0, 1, 2]);
    assert_eq!(seen(&dir).await, (2, (0..10).collect()));
    // The retries reused the segment written for the first attempt.
    assert_eq!(data_files(&db, "t").await.len(), 2);
}

#[tokio::test]
async fn lost_reply_is_recognised_by_txn_id() {
    let (dir, db, table, faults) = setup(10).await;
    faults.lose_put_replies(&version(2), 1);
    let snapshot = table.append(&batch(5, 5)).await.unwrap();
    assert_eq!(faults.fired(), 1);
    // The writer found its own commit instead of committing again at v3.
    assert_eq!(snapshot.version, 2);
    assert_eq!(log_versions(&db, "t").await, [0, 1, 2]);
    assert_eq!(seen(&dir).await, (2, (0..10).collect()));
    assert_eq!(table.snapshot(), snapshot);

    // And the table goes on from there.
    table.append(&batch(10, 1)).await.unwrap();
    assert_eq!(seen(&dir).await, (3, (0..11).collect()));
}

#[tokio::test]
async fn lost_reply_on_the_last_attempt_is_still_a_success() {
    // With one attempt there is no retry to find the commit: the writer must
    // still look before reporting failure, or a visible commit is reported
    // as failed (and a caller retrying would add the rows twice).
    let (dir, _db, table, faults) = setup(1).await;
    faults.lose_put_replies(&version(2), 1);
    let result = table.append(&batch(5, 5)).await;
    let (version, keys) = seen(&dir).await;
    assert_eq!((version, keys.len()), (2, 10), "the PUT landed");
    let snapshot = result.expect("a commit that landed is reported as a success");
    assert_eq!(snapshot.version, 2);
}

#[tokio::test]
async fn exhausted_retries_fail_cleanly() {
    let (dir, db, table, faults) = setup(3).await;
    faults.fail_puts(&version(2), 100);
    let err = table.append(&batch(5, 5)).await.unwrap_err();
    assert!(
        matches!(err, TableError::Store(StoreError::Transient { .. })),
        "{err:?}"
    );
    assert_eq!(faults.fired(), 3, "one PUT per attempt");
    assert_eq!(seen(&dir).await, (1, (0..5).collect()));

    faults.clear();
    table.append(&batch(5, 2)).await.unwrap();
    assert_eq!(seen(&dir).await, (2, (0..7).collect()));
    assert_eq!(log_versions(&db, "t").await, [0, 1, 2]);
}

#[tokio::test]
async fn failed_segment_upload_publishes_nothing() {
    let (dir, db, table, faults) = setup(10).await;
    let files_before = data_files(&db, "t").await;
    faults.fail_puts("t/data/", 1);
    let err = table.append(&batch(5, 5)).await.unwrap_err();
    assert_eq!(faults.fired(), 1);
    assert!(
        matches!(&err, TableError::Store(e) if e.is_transient()),
        "{err:?}"
    );
    assert_eq!(seen(&dir).await, (1, (0..5).collect()));
    assert_eq!(log_versions(&db, "t").await, [0, 1]);
    assert_eq!(data_files(&db, "t").await, files_before);

    // A later append works, and its ids follow on from the last commit.
    let snapshot = table.append(&batch(100, 3)).await.unwrap();
    assert_eq!(snapshot.version, 2);
    assert_eq!(seen(&dir).await, (2, vec![0, 1, 2, 3, 4, 100, 101, 102]));
}

#[tokio::test]
async fn segment_written_but_reply_lost_publishes_nothing() {
    let (dir, db, table, faults) = setup(10).await;
    faults.lose_put_replies("t/data/", 1);
    table.append(&batch(5, 5)).await.unwrap_err();
    // The object is there (an orphan for GC) but no version names it.
    assert_eq!(data_files(&db, "t").await.len(), 2);
    assert_eq!(seen(&dir).await, (1, (0..5).collect()));
    table.append(&batch(5, 5)).await.unwrap();
    assert_eq!(seen(&dir).await, (2, (0..10).collect()));
}

#[tokio::test]
async fn lost_reply_on_an_id_reservation_reserves_once() {
    let (dir, db, table, faults) = setup(10).await;
    faults.lose_put_replies(&version(2), 1);
    let mut writer = table.writer_with(
        "import",
        WriterOptions {
            flush_bytes: 1,
            retry: quick_retry(10),
            ..Default::default()
        },
    );
    for i in 0..4 {
        writer.write(&batch(5 + i * 5, 5)).await.unwrap();
    }
    let snapshot = writer.commit().await.unwrap();
    assert_eq!(faults.fired(), 1);
    assert_eq!(snapshot.version, 3, "one reservation, one data commit");
    assert_eq!(read_commit(&db, "t", 2).await.operation, "reserve-ids");
    let (snapshot, keys, ids) = latest(&local(dir.path()), "t").await;
    assert_eq!(keys, (0..25).collect::<Vec<_>>());
    assert_unique(&ids);
    // The spilled rows use the reservation's ids, which start after the
    // first append's.
    assert_eq!(&ids[..5], [0, 1, 2, 3, 4]);
    assert_eq!(&ids[5..], (5..25).collect::<Vec<u64>>());
    assert!(snapshot.next_row_id > 25);
}

#[tokio::test]
async fn failed_checkpoint_is_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let db = local(dir.path()).with_checkpoint_interval(2);
    let table = create(&db, "t").await;
    let faults = Arc::new(FaultInjector::default());
    db.store().inject_faults(faults.clone());
    faults.fail_puts("t/_lakeseek/checkpoints/", 1);
    table.append(&batch(0, 1)).await.unwrap();
    let snapshot = table.append(&batch(1, 1)).await.unwrap();
    assert_eq!(faults.fired(), 1);
    assert_eq!(snapshot.version, 2);
    assert!(db
        .store()
        .list("t/_lakeseek/checkpoints/")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(seen(&dir).await, (2, vec![0, 1]));
    // The next boundary checkpoints normally.
    table.append(&batch(2, 1)).await.unwrap();
    table.append(&batch(3, 1)).await.unwrap();
    assert_eq!(
        db.store()
            .list("t/_lakeseek/checkpoints/")
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(seen(&dir).await, (4, vec![0, 1, 2, 3]));
}

#[tokio::test]
async fn create_table_survives_a_lost_reply() {
    let dir = tempfile::tempdir().unwrap();
    let db = local(dir.path());
    let faults = Arc::new(FaultInjector::default());
    db.store().inject_faults(faults.clone());

    // The version-0 PUT landed but its reply was lost: the table exists and
    // it is ours, so create succeeds rather than failing (and then failing
    // again with TableExists when retried).
    faults.lose_put_replies(&version(0), 1);
    let table = create(&db, "t").await;
    assert_eq!(faults.fired(), 1);
    table.append(&batch(0, 2)).await.unwrap();
    assert_eq!(seen(&dir).await, (1, vec![0, 1]));

    // A PUT that failed before writing is an error, and nothing exists.
    faults.fail_puts("u/_lakeseek/versions/", 1);
    let err = db
        .create_table("u", lakeseek_testkit::schema(), Default::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TableError::Store(e) if e.is_transient()),
        "{err:?}"
    );
    assert!(!db.table_exists("u").await.unwrap());
    create(&db, "u").await;

    // Someone else's table is still TableExists.
    let err = db
        .create_table("t", lakeseek_testkit::schema(), Default::default())
        .await
        .unwrap_err();
    assert!(matches!(err, TableError::TableExists(_)), "{err:?}");
}

#[tokio::test]
async fn faults_apply_to_every_clone_and_only_to_matching_paths() {
    let db = Catalog::connect("memory://", &no_options()).unwrap();
    let table = create(&db, "t").await;
    let faults = Arc::new(FaultInjector::default());
    // Installed through a clone of the catalog's store, after the table
    // handle was made.
    db.store().clone().inject_faults(faults.clone());
    faults.fail_puts("/nomatch/", 5);
    table.append(&batch(0, 1)).await.unwrap();
    assert_eq!((faults.fired(), faults.pending()), (0, 5));
    faults.fail_puts("t/data/", 1);
    assert!(table.append(&batch(1, 1)).await.is_err());
    assert_eq!((faults.fired(), faults.pending()), (1, 5));
    db.store().clear_faults();
    faults.fail_puts("t/data/", 1);
    table.append(&batch(1, 1)).await.unwrap();
    assert_eq!(faults.fired(), 1, "a cleared store consults no injector");
}
