//! Checkpoints: written every `interval` versions, used to open a table
//! without reading the whole log, and never required for correctness.

mod common;

use lakeseek_table::{Catalog, Snapshot};
use lakeseek_testkit::batch;

use common::*;

const INTERVAL: u64 = 5;
const APPENDS: i64 = 23;

fn catalog(dir: &std::path::Path) -> Catalog {
    local(dir).with_checkpoint_interval(INTERVAL)
}

/// Opens `t` on a fresh connection and checks it holds all the rows.
async fn open_and_check(dir: &std::path::Path, expected: &Snapshot) {
    let (snapshot, keys, ids) = latest(&catalog(dir), "t").await;
    assert_eq!(&snapshot, expected);
    assert_eq!(keys, (0..APPENDS * 3).collect::<Vec<_>>());
    assert_dense(&ids);
}

#[tokio::test]
async fn checkpoints_are_written_used_and_optional() {
    let dir = tempfile::tempdir().unwrap();
    let db = catalog(dir.path());
    let table = create(&db, "t").await;
    for i in 0..APPENDS {
        table.append(&batch(i * 3, 3)).await.unwrap();
    }
    let expected = table.snapshot();
    assert_eq!(expected.version, APPENDS as u64);

    let checkpoints: Vec<String> = db
        .store()
        .list("t/_lakeseek/checkpoints/")
        .await
        .unwrap()
        .into_iter()
        .map(|(p, _)| p.rsplit('/').next().unwrap().to_string())
        .collect();
    let want: Vec<String> = [5, 10, 15, 20]
        .iter()
        .map(|v| format!("{v:020}.json"))
        .collect();
    assert_eq!(checkpoints, want);
    let hint: serde_json::Value = serde_json::from_slice(
        &db.store()
            .get("t/_lakeseek/_last_checkpoint")
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(hint["version"], 20);

    // Opening reads the hint, one checkpoint and the three versions after
    // it, not the 24 objects of the log.
    let fresh = catalog(dir.path());
    let before = fresh.store().counters().snapshot();
    let opened = fresh.open_table("t").await.unwrap();
    let io = fresh.store().counters().snapshot().since(&before);
    assert_eq!(opened.snapshot(), expected);
    assert!(io.gets <= 5, "opening read too much: {io:?}");
    assert!(io.lists <= 1, "opening listed too much: {io:?}");
    open_and_check(dir.path(), &expected).await;

    // The hint is advisory: stale, garbage or gone, opening still works.
    let hint_path = "t/_lakeseek/_last_checkpoint";
    db.store()
        .put(hint_path, r#"{"version":10}"#.into())
        .await
        .unwrap();
    open_and_check(dir.path(), &expected).await;
    db.store().put(hint_path, "not json".into()).await.unwrap();
    open_and_check(dir.path(), &expected).await;
    db.store().delete(hint_path).await.unwrap();
    open_and_check(dir.path(), &expected).await;

    // Time travel lands between and on checkpoints.
    for v in [3u64, 5, 7, 20, 21] {
        let snapshot = opened.snapshot_at(v).await.unwrap();
        assert_eq!(snapshot.rows(), v * 3, "v{v}");
        assert_eq!(snapshot.version, v);
    }

    // Without any checkpoint the log alone gives the same snapshot.
    assert_eq!(
        db.store()
            .delete_prefix("t/_lakeseek/checkpoints/")
            .await
            .unwrap(),
        4
    );
    open_and_check(dir.path(), &expected).await;

    // The next boundary writes a checkpoint and hint again.
    let table = catalog(dir.path()).open_table("t").await.unwrap();
    table.append(&batch(APPENDS * 3, 3)).await.unwrap();
    table.append(&batch(APPENDS * 3 + 3, 3)).await.unwrap();
    assert_eq!(table.snapshot().version, 25);
    let listed = db.store().list("t/_lakeseek/checkpoints/").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].0.ends_with(&format!("{:020}.json", 25)));
}

#[tokio::test]
async fn interval_zero_writes_no_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let db = local(dir.path()).with_checkpoint_interval(0);
    let table = create(&db, "t").await;
    for i in 0..12 {
        table.append(&batch(i, 1)).await.unwrap();
    }
    assert!(db
        .store()
        .list("t/_lakeseek/checkpoints/")
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        db.store().head("t/_lakeseek/_last_checkpoint").await,
        Err(lakeseek_store::StoreError::NotFound { .. })
    ));
    let (snapshot, keys, _) = latest(&db, "t").await;
    assert_eq!((snapshot.version, keys.len()), (12, 12));
}

#[tokio::test]
async fn a_hint_naming_a_missing_checkpoint_is_ignored() {
    // The hint is advisory. Checkpoints may be cleaned up, or a hint may be
    // damaged into naming a version that has none: opening falls back to the
    // checkpoints that do exist, or to the log.
    let dir = tempfile::tempdir().unwrap();
    let db = catalog(dir.path());
    let table = create(&db, "t").await;
    for i in 0..12 {
        table.append(&batch(i * 3, 3)).await.unwrap();
    }
    let expected = table.snapshot();
    let hint_path = "t/_lakeseek/_last_checkpoint";
    for named in [0u64, 3, 11, 12, 15, u64::MAX] {
        let hint = format!(r#"{{"version":{named}}}"#);
        db.store().put(hint_path, hint.into()).await.unwrap();
        let opened = catalog(dir.path()).open_table("t").await;
        let opened = opened.unwrap_or_else(|e| panic!("hint naming v{named}: {e:?}"));
        assert_eq!(opened.snapshot(), expected, "hint naming v{named}");
    }
    // With the hinted checkpoint deleted, too.
    db.store()
        .put(hint_path, r#"{"version":10}"#.into())
        .await
        .unwrap();
    db.store()
        .delete(&format!("t/_lakeseek/checkpoints/{:020}.json", 10))
        .await
        .unwrap();
    let opened = catalog(dir.path()).open_table("t").await.unwrap();
    assert_eq!(opened.snapshot(), expected);
}

#[tokio::test]
async fn the_log_spans_version_folders() {
    // Versions are grouped in folders of VERSIONS_PER_FOLDER; without
    // checkpoints, opening and refreshing must walk from one folder into the
    // next, including a folder that is exactly full.
    let per = lakeseek_table::VERSIONS_PER_FOLDER;
    let dir = tempfile::tempdir().unwrap();
    let db = local(dir.path()).with_checkpoint_interval(0);
    let table = create(&db, "t").await;
    let stale = local(dir.path()).open_table("t").await.unwrap();
    let appends = 2 * per + 3;
    for i in 0..appends as i64 {
        table.append(&batch(i, 1)).await.unwrap();
    }
    let folders = db.store().list_dirs("t/_lakeseek/versions/").await.unwrap();
    assert_eq!(folders.len(), 3, "{folders:?}");
    let first = db
        .store()
        .list(&format!("t/_lakeseek/versions/{:016}/", 0))
        .await
        .unwrap();
    assert_eq!(first.len() as u64, per, "{folders:?}");

    let (snapshot, keys, ids) = latest(&db, "t").await;
    assert_eq!(snapshot.version, appends);
    assert_eq!(keys, (0..appends as i64).collect::<Vec<_>>());
    assert_dense(&ids);
    // A handle opened at version 0 catches up across every folder.
    assert_eq!(stale.refresh().await.unwrap(), snapshot);
    // Every version is still readable by number.
    for v in [per - 1, per, 2 * per, appends] {
        assert_eq!(table.snapshot_at(v).await.unwrap().version, v);
    }
}
