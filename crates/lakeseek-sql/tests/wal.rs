//! The write-ahead log: small appends are durable after one PUT, visible at
//! once to SQL and every search path (in this process and a fresh one),
//! grouped when concurrent, folded into segments exactly once (by hand, in
//! the background, or before a mutation) with their `_id`s unchanged.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::array::AsArray;
use arrow::datatypes::{Int64Type, UInt64Type};
use lakeseek_sql::Database;
use lakeseek_store::{FaultInjector, PutFault};
use lakeseek_table::{Catalog, Metric, Table, TableOptions, WalOptions};
use lakeseek_testkit::batch;
use lakeseek_testkit::i64_column;

fn manual_folds() -> WalOptions {
    WalOptions {
        background: false,
        ..Default::default()
    }
}

fn catalog(dir: &std::path::Path, wal: WalOptions) -> Catalog {
    Catalog::connect(dir.to_str().unwrap(), &Default::default())
        .unwrap()
        .with_wal_options(wal)
}

async fn create(db: &Database) -> Table {
    db.create_table(
        "t",
        lakeseek_testkit::schema(),
        TableOptions::default()
            .with_text("s")
            .with_vector("v", lakeseek_testkit::DIM as usize, Metric::L2)
            .with_wal(),
    )
    .await
    .unwrap()
}

/// `(k, _id)` of every row SQL sees.
async fn rows(db: &Database) -> Vec<(i64, u64)> {
    let out = db.sql("SELECT k, _id FROM t ORDER BY k").await.unwrap();
    out.iter()
        .flat_map(|b| {
            let k = b.column(0).as_primitive::<Int64Type>().values().to_vec();
            let id = b.column(1).as_primitive::<UInt64Type>().values().to_vec();
            k.into_iter().zip(id)
        })
        .collect()
}

fn wal_objects(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir.join("t/_lakeseek/wal"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wal_rows_are_visible_at_once_everywhere_and_fold_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::from_catalog(catalog(dir.path(), manual_folds())).unwrap();
    let table = create(&db).await;
    for i in 0..10 {
        table.append(&batch(i * 5, 5)).await.unwrap();
    }
    assert_eq!(wal_objects(dir.path()), 10);
    // No segment yet: only the id reservation was committed.
    let log = table.refresh().await.unwrap();
    assert!(log.segments.is_empty());
    assert_eq!(log.version, 1);

    let before = rows(&db).await;
    assert_eq!(before.len(), 50);
    let ids: BTreeSet<u64> = before.iter().map(|r| r.1).collect();
    assert_eq!(ids.len(), 50, "ids are unique");
    // Every search path sees WAL rows.
    let fts = i64_column(
        &db.sql("SELECT k FROM fts('t', 's', 's17 OR s42', 10)")
            .await
            .unwrap(),
        "k",
    );
    assert_eq!(
        fts.iter().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from([17, 42])
    );
    let near = i64_column(
        &db.sql("SELECT k FROM vector_search('t', 'v', [33, 33.25, 33.5, 33.75], 1)")
            .await
            .unwrap(),
        "k",
    );
    assert_eq!(near, vec![33]);
    let hybrid = i64_column(
        &db.sql("SELECT k FROM hybrid_search('t', 's', 's8', 'v', [8, 8.25, 8.5, 8.75], 1)")
            .await
            .unwrap(),
        "k",
    );
    assert_eq!(hybrid, vec![8]);

    // Another process replays the WAL on open.
    let other = Database::from_catalog(catalog(dir.path(), manual_folds())).unwrap();
    assert_eq!(rows(&other).await, before);

    // Fold: the same rows with the same ids, now in segments, WAL empty.
    assert_eq!(table.fold_wal().await.unwrap(), 50);
    let folded = table.refresh().await.unwrap();
    assert_eq!(folded.rows(), 50);
    assert_eq!(folded.wal_folded_through, 10);
    assert_eq!(rows(&db).await, before);
    assert_eq!(rows(&other).await, before);
    // Folding again does nothing; a second process folding does nothing.
    assert_eq!(table.fold_wal().await.unwrap(), 0);
    assert_eq!(
        other
            .open_table("t")
            .await
            .unwrap()
            .fold_wal()
            .await
            .unwrap(),
        0
    );
    assert_eq!(rows(&db).await, before);
    let report = table.check().await.unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.wal_objects, 10);
    // Vacuum removes folded WAL objects once they are old enough.
    tokio::time::sleep(Duration::from_millis(20)).await;
    table
        .vacuum(Duration::from_millis(10), false)
        .await
        .unwrap();
    assert_eq!(wal_objects(dir.path()), 0);
    // Appends after the vacuum never reuse a folded sequence number.
    table.append(&batch(1000, 1)).await.unwrap();
    assert_eq!(rows(&db).await.len(), 51);
    assert_eq!(table.fold_wal().await.unwrap(), 1);
    assert_eq!(table.refresh().await.unwrap().wal_folded_through, 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_small_appends_share_wal_objects() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::from_catalog(catalog(dir.path(), manual_folds())).unwrap();
    let table = create(&db).await;
    table.append(&batch(0, 1)).await.unwrap(); // reserves ids
                                               // Slow WAL PUTs: appends arriving meanwhile wait for the next object.
    let faults = Arc::new(FaultInjector::default());
    faults.add("_lakeseek/wal/", PutFault::DelayMs(150), 100);
    table.store().inject_faults(faults.clone());
    let mut tasks = Vec::new();
    for i in 1..=20 {
        let table = table.clone();
        tasks.push(tokio::spawn(async move {
            table.append(&batch(i, 1)).await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    table.store().clear_faults();
    let objects = wal_objects(dir.path());
    assert!(
        objects <= 4,
        "20 concurrent appends took {objects} WAL objects"
    );
    let keys: Vec<i64> = rows(&db).await.iter().map(|r| r.0).collect();
    assert_eq!(keys, (0..=20).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wal_folds_in_the_background_by_age() {
    let dir = tempfile::tempdir().unwrap();
    let options = WalOptions {
        fold_age: Duration::from_millis(200),
        ..Default::default()
    };
    let db = Database::from_catalog(catalog(dir.path(), options)).unwrap();
    let table = create(&db).await;
    table.append(&batch(0, 7)).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let snap = table.refresh().await.unwrap();
        if snap.rows() == 7 {
            break;
        }
        assert!(Instant::now() < deadline, "the WAL was never folded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(rows(&db).await.len(), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutations_see_wal_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::from_catalog(catalog(dir.path(), manual_folds())).unwrap();
    let table = create(&db).await;
    table.append(&batch(0, 10)).await.unwrap();
    db.sql("INSERT INTO t VALUES (100, 'inserted', [1, 2, 3, 4])")
        .await
        .unwrap();
    assert_eq!(rows(&db).await.len(), 11);
    let deleted = db
        .sql("DELETE FROM t WHERE k < 3 OR k = 100")
        .await
        .unwrap();
    assert_eq!(
        deleted[0].column(0).as_primitive::<UInt64Type>().value(0),
        4
    );
    let keys: Vec<i64> = rows(&db).await.iter().map(|r| r.0).collect();
    assert_eq!(keys, (3..10).collect::<Vec<_>>());
    db.sql("UPDATE t SET s = 'changed' WHERE k = 5")
        .await
        .unwrap();
    let hits = i64_column(
        &db.sql("SELECT k FROM fts('t', 's', 'changed', 5)")
            .await
            .unwrap(),
        "k",
    );
    assert_eq!(hits, vec![5]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recreated_table_never_reuses_an_old_id_reservation() {
    let dir = tempfile::tempdir().unwrap();
    let a = Database::from_catalog(catalog(dir.path(), manual_folds())).unwrap();
    let b = Database::from_catalog(catalog(dir.path(), manual_folds())).unwrap();
    let old = create(&a).await;
    old.append(&batch(0, 5)).await.unwrap(); // process A reserves a block
    b.drop_table("t").await.unwrap();
    let new = create(&b).await;
    let mut w = new.writer("append");
    w.write(&batch(100, 10)).await.unwrap(); // ids 0..10 of the new table
    w.commit().await.unwrap();
    let again = a.open_table("t").await.unwrap();
    again.append(&batch(200, 2)).await.unwrap();
    let ids: Vec<u64> = rows(&a).await.iter().map(|r| r.1).collect();
    let distinct: BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(ids.len(), 12);
    assert_eq!(distinct.len(), 12, "an id was assigned twice: {ids:?}");
}
