//! The writer's two ways of making segments: spilling past a byte budget
//! (with reserved ids) and splitting one flush over several shards.

mod common;

use lakeseek_segment::batch_data_bytes;
use lakeseek_table::{Action, Catalog, ShardPolicy, WriterOptions};
use lakeseek_testkit::batch;

use common::*;

const BATCHES: i64 = 20;
const ROWS: i64 = 50;

fn spilling() -> WriterOptions {
    WriterOptions {
        flush_bytes: 1, // every write spills
        ..Default::default()
    }
}

#[tokio::test]
async fn spilled_transaction_is_one_data_commit() {
    let dir = tempfile::tempdir().unwrap();
    let db = local(dir.path());
    let table = create(&db, "t").await;

    let mut writer = table.writer_with("import", spilling());
    for i in 0..BATCHES {
        writer.write(&batch(i * ROWS, ROWS as usize)).await.unwrap();
    }
    assert_eq!(writer.rows(), (BATCHES * ROWS) as u64);

    // The segments are uploaded, but nothing is visible before the commit:
    // the only new version reserves ids.
    assert_eq!(data_files(&db, "t").await.len(), BATCHES as usize);
    let (snapshot, keys, _) = latest(&local(dir.path()), "t").await;
    assert_eq!((snapshot.version, keys.len()), (1, 0));
    assert!(snapshot.segments.is_empty());
    let reserve = read_commit(&db, "t", 1).await;
    assert_eq!(reserve.operation, "reserve-ids");
    assert!(matches!(
        reserve.actions.as_slice(),
        [Action::ReserveRowIds { start: 0, count }] if *count >= (BATCHES * ROWS) as u64
    ));

    let committed = writer.commit().await.unwrap();
    assert_eq!(committed.version, 2);
    assert_eq!(log_versions(&db, "t").await, [0, 1, 2]);
    let data = read_commit(&db, "t", 2).await;
    assert_eq!(data.operation, "import");
    assert_eq!(data.actions.len(), BATCHES as usize);
    for action in &data.actions {
        match action {
            Action::AddSegment(entry) => assert_eq!(entry.added_in, 2),
            other => panic!("unexpected action in the data commit: {other:?}"),
        }
    }

    let (snapshot, keys, ids) = latest(&local(dir.path()), "t").await;
    assert_eq!(snapshot, committed);
    assert_eq!(keys, (0..BATCHES * ROWS).collect::<Vec<_>>());
    // The ids come from the reservation, which starts at 0.
    assert_eq!(ids, (0..(BATCHES * ROWS) as u64).collect::<Vec<_>>());

    // A later append takes ids past the whole reservation.
    let after = table.append(&batch(-1, 1)).await.unwrap();
    let (_, ids) = contents(&table, &after).await;
    assert_unique(&ids);
    assert!(*ids.last().unwrap() >= snapshot.next_row_id);
}

#[tokio::test]
async fn partial_spills_and_the_tail_are_committed_together() {
    let db = Catalog::connect("memory://", &no_options()).unwrap();
    let table = create(&db, "t").await;
    // About three batches per spill; the rest is spilled at commit.
    let budget = batch_data_bytes(&batch(0, ROWS as usize)) * 5 / 2;
    let options = WriterOptions {
        flush_bytes: budget,
        ..Default::default()
    };
    let mut writer = table.writer_with("append", options);
    for i in 0..BATCHES {
        writer.write(&batch(i * ROWS, ROWS as usize)).await.unwrap();
    }
    let committed = writer.commit().await.unwrap();
    let segments = committed.segments.len();
    assert!(
        (4..BATCHES as usize).contains(&segments),
        "expected a handful of spills, got {segments} segments"
    );
    // One reservation, one data commit.
    assert_eq!(committed.version, 2);
    let (_, keys, ids) = latest(&db, "t").await;
    assert_eq!(sorted(&keys), (0..BATCHES * ROWS).collect::<Vec<_>>());
    assert_dense(&ids);
}

/// Streaming an in-memory table means writing slices of one large batch: each
/// slice counts for its own rows, not for the buffers it shares.
#[tokio::test]
async fn slices_of_one_batch_spill_by_their_own_size() {
    let db = Catalog::connect("memory://", &no_options()).unwrap();
    let table = create(&db, "t").await;
    let whole = batch(0, (BATCHES * ROWS) as usize);
    let options = WriterOptions {
        flush_bytes: batch_data_bytes(&whole) / 4,
        ..Default::default()
    };
    let mut writer = table.writer_with("append", options);
    for i in 0..BATCHES {
        writer
            .write(&whole.slice((i * ROWS) as usize, ROWS as usize))
            .await
            .unwrap();
    }
    let committed = writer.commit().await.unwrap();
    let segments = committed.segments.len();
    assert!(
        (3..=6).contains(&segments),
        "a budget of a quarter of the rows makes about 4 segments, got {segments}"
    );
    let (_, keys, _) = latest(&db, "t").await;
    assert_eq!(sorted(&keys), (0..BATCHES * ROWS).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_dropped_spilling_writer_publishes_nothing() {
    let db = Catalog::connect("memory://", &no_options()).unwrap();
    let table = create(&db, "t").await;
    let mut writer = table.writer_with("append", spilling());
    for i in 0..3 {
        writer.write(&batch(i * 10, 10)).await.unwrap();
    }
    drop(writer);
    assert_eq!(data_files(&db, "t").await.len(), 3, "spills were uploaded");
    let (snapshot, keys, _) = latest(&db, "t").await;
    assert_eq!(keys.len(), 0);
    assert!(snapshot.segments.is_empty());
    // The table goes on normally.
    let after = table.append(&batch(0, 5)).await.unwrap();
    assert_eq!(after.rows(), 5);
}

/// Appends `rows` rows in one flush under a policy of at most 4 shards of at
/// least 10 rows; returns the rows per segment.
async fn shard(rows: usize) -> Vec<u64> {
    let db = Catalog::connect("memory://", &no_options())
        .unwrap()
        .with_writer_options(WriterOptions {
            shards: ShardPolicy {
                max_shards: 4,
                min_shard_rows: 10,
            },
            ..Default::default()
        });
    let table = create(&db, "t").await;
    table.append(&batch(0, 3)).await.unwrap();
    let snapshot = table.append(&batch(3, rows)).await.unwrap();
    let new: Vec<_> = snapshot
        .segments
        .iter()
        .filter(|s| s.added_in == 2)
        .collect();

    // Contiguous, ordered id ranges that cover the append exactly.
    let mut next = 3;
    for entry in &new {
        assert_eq!(entry.id_min, next, "{rows} rows");
        assert_eq!(entry.id_max - entry.id_min + 1, entry.rows);
        next = entry.id_max + 1;
    }
    assert_eq!(next, 3 + rows as u64);

    let (_, keys, ids) = latest(&db, "t").await;
    assert_eq!(keys, (0..3 + rows as i64).collect::<Vec<_>>());
    assert_eq!(ids, (0..3 + rows as u64).collect::<Vec<_>>());

    // Near-equal bytes too, for shards big enough to compare.
    if rows >= 1000 {
        let sizes: Vec<u64> = new.iter().map(|s| s.size).collect();
        let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(
            *max as f64 <= *min as f64 * 1.25,
            "uneven shard sizes {sizes:?}"
        );
    }
    new.iter().map(|s| s.rows).collect()
}

#[tokio::test]
async fn one_flush_is_split_into_near_equal_shards() {
    assert_eq!(shard(2000).await, [500, 500, 500, 500]);
    assert_eq!(shard(37).await, [10, 9, 9, 9]);
    assert_eq!(shard(25).await, [9, 8, 8]);
    assert_eq!(shard(11).await, [6, 5]);
    assert_eq!(shard(5).await, [5]);
}
