//! Time travel: `snapshot_at(v)` is the table exactly as of version `v`.

mod common;

use lakeseek_table::TableError;
use lakeseek_testkit::batch;

use common::*;

/// Appends `i + 1` rows at version `i + 1` and checks every version, with
/// checkpoints every `interval` versions (0: none).
async fn travel(interval: u64) {
    let dir = tempfile::tempdir().unwrap();
    let db = local(dir.path()).with_checkpoint_interval(interval);
    let table = create(&db, "t").await;
    let mut expected: Vec<Vec<i64>> = vec![vec![]];
    for i in 0..6i64 {
        table.append(&batch(i * 100, i as usize + 1)).await.unwrap();
        let mut keys = expected.last().unwrap().clone();
        keys.extend(i * 100..i * 100 + i + 1);
        expected.push(keys);
    }

    // A fresh handle, so every version comes from storage.
    let fresh = local(dir.path()).with_checkpoint_interval(interval);
    let handle = fresh.open_table("t").await.unwrap();
    for (v, keys) in expected.iter().enumerate() {
        let snapshot = handle.snapshot_at(v as u64).await.unwrap();
        assert_eq!(snapshot.version, v as u64, "interval {interval}");
        assert_eq!(
            snapshot.rows(),
            keys.len() as u64,
            "interval {interval}, v{v}"
        );
        let (got, ids) = contents(&handle, &snapshot).await;
        assert_eq!(&got, keys, "interval {interval}, v{v}");
        assert_dense(&ids);
        assert_eq!(snapshot.segments.len(), v);
    }
    // The newest version is the same whichever way it is reached.
    assert_eq!(handle.snapshot_at(6).await.unwrap(), table.snapshot());

    for v in [7, 8, 1000, u64::MAX] {
        let err = handle.snapshot_at(v).await.unwrap_err();
        assert!(
            matches!(err, TableError::VersionNotFound { version, latest: 6, .. } if version == v),
            "interval {interval}, v{v}: {err:?}"
        );
    }

    // A handle that is behind finds versions written after it was opened,
    // and still reaches the old ones.
    let old = db.open_table("t").await.unwrap();
    table.append(&batch(1000, 2)).await.unwrap();
    assert_eq!(old.snapshot().version, 6);
    let seven = old.snapshot_at(7).await.unwrap();
    assert_eq!(seven.rows(), expected[6].len() as u64 + 2);
    assert_eq!(old.snapshot_at(2).await.unwrap().rows(), 3);
}

#[tokio::test]
async fn time_travel_without_checkpoints() {
    travel(0).await;
}

#[tokio::test]
async fn time_travel_across_checkpoints() {
    travel(2).await;
}
