//! Appends and reading back: every row, unchanged, with unique dense `_id`s
//! that the manifest describes correctly.

mod common;

use arrow::compute::concat_batches;
use arrow::record_batch::RecordBatch;
use futures::stream;
use lakeseek_table::{Catalog, TableResult, ROW_ID};
use lakeseek_testkit::{batch, schema, u64_column};

use common::*;

#[tokio::test]
async fn append_then_read_all_returns_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let db = local(dir.path());
    let table = create(&db, "t").await;

    let sizes = [1usize, 100, 37, 1000, 2];
    let mut inputs = Vec::new();
    let mut next_key = 0i64;
    for (i, &n) in sizes.iter().enumerate() {
        let b = batch(next_key, n);
        next_key += n as i64;
        let snapshot = table.append(&b).await.unwrap();
        inputs.push(b);
        assert_eq!(snapshot.version, i as u64 + 1);
        assert_eq!(snapshot.rows(), next_key as u64);
        assert_eq!(table.snapshot(), snapshot, "the handle keeps its commit");
        assert_eq!(snapshot.next_row_id, next_key as u64);
    }

    // A fresh connection sees the same snapshot.
    let (snapshot, keys, ids) = latest(&local(dir.path()), "t").await;
    assert_eq!(snapshot, table.snapshot());
    // Storage order is append order, and ids follow it: dense, ascending.
    assert_eq!(keys, (0..next_key).collect::<Vec<_>>());
    assert_eq!(ids, (0..next_key as u64).collect::<Vec<_>>());

    // Each segment's manifest entry matches what is in it.
    assert_eq!(snapshot.segments.len(), sizes.len());
    for (i, entry) in snapshot.segments.iter().enumerate() {
        let batches = table.open_segment(entry).await.unwrap().read(None).unwrap();
        let seg_ids = u64_column(&batches, ROW_ID);
        assert_eq!(entry.rows, sizes[i] as u64);
        assert_eq!(seg_ids.len() as u64, entry.rows);
        assert_eq!(entry.id_min, *seg_ids.iter().min().unwrap());
        assert_eq!(entry.id_max, *seg_ids.iter().max().unwrap());
        assert_eq!(entry.added_in, i as u64 + 1);
        assert!(
            entry.columns.contains_key("k"),
            "{:?}",
            entry.columns.keys()
        );
        assert!(!entry.columns.contains_key(ROW_ID));
        let object = db.store().head(&table.segment_path(entry)).await.unwrap();
        assert_eq!(object.size, entry.size);
    }

    // The user's columns come back exactly as written.
    let all = table.read_all(&snapshot).await.unwrap();
    let read = concat_batches(&all[0].schema(), &all).unwrap();
    let written = concat_batches(&inputs[0].schema(), &inputs).unwrap();
    assert_eq!(read.schema().field(0).name(), ROW_ID);
    for (i, field) in schema().fields().iter().enumerate() {
        let column = read.column_by_name(field.name()).unwrap();
        assert_eq!(
            column.as_ref(),
            written.column(i).as_ref(),
            "{}",
            field.name()
        );
    }
}

#[tokio::test]
async fn append_stream_is_one_commit() {
    let db = Catalog::connect("memory://", &no_options()).unwrap();
    let table = create(&db, "t").await;
    table.append(&batch(-5, 5)).await.unwrap();
    let batches: Vec<TableResult<RecordBatch>> = (0..6).map(|i| Ok(batch(i * 10, 10))).collect();
    let snapshot = table.append_stream(stream::iter(batches)).await.unwrap();
    assert_eq!(snapshot.version, 2);
    assert_eq!(log_versions(&db, "t").await, [0, 1, 2]);
    let (_, keys, ids) = latest(&db, "t").await;
    assert_eq!(keys, (-5..60).collect::<Vec<_>>());
    assert_dense(&ids);

    // An error in the stream commits nothing.
    let bad: Vec<TableResult<RecordBatch>> = vec![
        Ok(batch(100, 3)),
        Err(lakeseek_table::TableError::WriterClosed),
    ];
    let err = table.append_stream(stream::iter(bad)).await.unwrap_err();
    assert!(
        matches!(err, lakeseek_table::TableError::WriterClosed),
        "{err:?}"
    );
    assert_eq!(table.refresh().await.unwrap().version, 2);
    assert_eq!(latest(&db, "t").await.1.len(), 65);
}

#[tokio::test]
async fn a_writer_commits_many_batches_at_once() {
    let db = Catalog::connect("memory://", &no_options()).unwrap();
    let table = create(&db, "t").await;
    let mut writer = table.writer("import");
    for i in 0..7 {
        writer.write(&batch(i * 3, 3)).await.unwrap();
    }
    assert_eq!(writer.rows(), 21);
    // Nothing is visible until the commit.
    assert_eq!(table.refresh().await.unwrap().version, 0);
    assert!(data_files(&db, "t").await.is_empty());
    let snapshot = writer.commit().await.unwrap();
    assert_eq!((snapshot.version, snapshot.rows()), (1, 21));
    assert_eq!(read_commit(&db, "t", 1).await.operation, "import");
    let (_, keys, ids) = latest(&db, "t").await;
    assert_eq!(keys, (0..21).collect::<Vec<_>>());
    assert_dense(&ids);
}

#[tokio::test]
async fn appends_on_a_current_handle_skip_the_log_listing_and_a_stale_one_still_lands() {
    let dir = tempfile::tempdir().unwrap();
    let db = local(dir.path());
    let table = create(&db, "t").await;
    table.append(&batch(0, 2)).await.unwrap(); // this handle now knows the newest version
    let before = table.store().counters().snapshot();
    for i in 1..4 {
        table.append(&batch(i * 2, 2)).await.unwrap();
    }
    let io = table.store().counters().snapshot().since(&before);
    assert_eq!(io.lists, 0, "back-to-back appends reloaded the log: {io:?}");

    // Another writer moves the table on: this handle's next append loses
    // the race for the version it expected, reloads and lands after it.
    let other = local(dir.path()).open_table("t").await.unwrap();
    let theirs = other.append(&batch(8, 2)).await.unwrap();
    let ours = table.append(&batch(10, 2)).await.unwrap();
    assert_eq!(ours.version, theirs.version + 1);
    let (latest, keys, ids) = latest(&db, "t").await;
    assert_eq!(latest, ours);
    assert_eq!(sorted(&keys), (0..12).collect::<Vec<_>>());
    assert_dense(&ids);
    assert_eq!(
        log_versions(&db, "t").await,
        (0..=latest.version).collect::<Vec<_>>()
    );
}
