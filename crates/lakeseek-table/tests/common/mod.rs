//! Helpers shared by the table integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use std::collections::HashMap;
use std::time::Duration;

use lakeseek_table::manifest::decode_commit;
use lakeseek_table::{Catalog, Commit, RetryPolicy, Snapshot, Table, TableOptions, ROW_ID};
use lakeseek_testkit::{i64_column, u64_column};

/// No store options.
pub fn no_options() -> HashMap<String, String> {
    HashMap::new()
}

/// A catalog on a local directory.
pub fn local(dir: &std::path::Path) -> Catalog {
    Catalog::connect(dir.to_str().unwrap(), &no_options()).unwrap()
}

/// Creates table `name` with the testkit schema and a declared vector column.
pub async fn create(db: &Catalog, name: &str) -> Table {
    db.create_table(
        name,
        lakeseek_testkit::schema(),
        TableOptions::default().with_vector(
            "v",
            lakeseek_testkit::DIM as usize,
            lakeseek_table::Metric::L2,
        ),
    )
    .await
    .unwrap()
}

/// The `k` values and `_id`s of a snapshot, in storage order.
pub async fn contents(table: &Table, snapshot: &Snapshot) -> (Vec<i64>, Vec<u64>) {
    let batches = table.read_all(snapshot).await.unwrap();
    (i64_column(&batches, "k"), u64_column(&batches, ROW_ID))
}

/// The contents of the table's latest version as a fresh handle sees them.
pub async fn latest(db: &Catalog, name: &str) -> (Snapshot, Vec<i64>, Vec<u64>) {
    let table = db.open_table(name).await.unwrap();
    let snapshot = table.snapshot();
    let (keys, ids) = contents(&table, &snapshot).await;
    (snapshot, keys, ids)
}

/// Asserts `ids` are `0..n` in some order: unique and dense.
pub fn assert_dense(ids: &[u64]) {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    let expected: Vec<u64> = (0..ids.len() as u64).collect();
    assert_eq!(sorted, expected, "row ids are not unique and dense");
}

/// Asserts every id occurs once.
pub fn assert_unique(ids: &[u64]) {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "duplicate row ids");
}

/// Sorted copy.
pub fn sorted<T: Ord + Clone>(values: &[T]) -> Vec<T> {
    let mut v = values.to_vec();
    v.sort();
    v
}

/// The version numbers present in a table's log, from a listing.
pub async fn log_versions(db: &Catalog, name: &str) -> Vec<u64> {
    db.store()
        .list(&format!("{name}/_lakeseek/versions/"))
        .await
        .unwrap()
        .iter()
        .map(|(p, _)| {
            let file = p.rsplit('/').next().unwrap();
            file.trim_end_matches(".json").parse().unwrap()
        })
        .collect()
}

/// The commit stored at version `v`.
pub async fn read_commit(db: &Catalog, name: &str, v: u64) -> Commit {
    let path = lakeseek_table::version_object_path(name, v);
    let bytes = db.store().get(&path).await.unwrap();
    decode_commit(&bytes, &path).unwrap()
}

/// Objects under the table's `data/` directory.
pub async fn data_files(db: &Catalog, name: &str) -> Vec<String> {
    db.store()
        .list(&format!("{name}/data/"))
        .await
        .unwrap()
        .into_iter()
        .map(|(p, _)| p)
        .collect()
}

/// A retry policy with short sleeps, for tests that provoke retries.
pub fn quick_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
    }
}
