//! Several writers, each with its own connection, appending to one table at
//! once: every append lands exactly once, in its own version, with unique
//! dense ids. On a local directory and on S3 (moto).

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use lakeseek_table::{Action, Catalog};
use lakeseek_testkit::{batch, MotoServer};

use common::*;

const ROWS: usize = 5;

/// `writers` tasks × `appends` appends on `uri`; checks the outcome.
async fn hammer(uri: &str, options: &HashMap<String, String>, writers: usize, appends: usize) {
    // The default retry policy: what users get.
    let connect = || Catalog::connect(uri, options).unwrap();
    create(&connect(), "t").await;

    let barrier = Arc::new(tokio::sync::Barrier::new(writers));
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let db = connect();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                let table = db.open_table("t").await.unwrap();
                barrier.wait().await;
                let mut versions = Vec::new();
                for a in 0..appends {
                    let start = (w * 1000 + a * ROWS) as i64;
                    let snapshot = table.append(&batch(start, ROWS)).await.unwrap();
                    versions.push(snapshot.version);
                }
                versions
            })
        })
        .collect();
    let mut all_versions = Vec::new();
    for task in tasks {
        let versions = task.await.unwrap();
        assert!(
            versions.windows(2).all(|w| w[0] < w[1]),
            "one writer's versions go up: {versions:?}"
        );
        all_versions.extend(versions);
    }
    let total = writers * appends;
    // Each append got its own version, and together they are 1..=total.
    assert_eq!(
        sorted(&all_versions),
        (1..=total as u64).collect::<Vec<_>>()
    );

    let db = connect();
    let (snapshot, keys, ids) = latest(&db, "t").await;
    assert_eq!(snapshot.version, total as u64);
    let expected: Vec<i64> = (0..writers)
        .flat_map(|w| (0..appends * ROWS).map(move |i| (w * 1000 + i) as i64))
        .collect();
    assert_eq!(sorted(&keys), sorted(&expected), "every row exactly once");
    assert_dense(&ids);

    // The log is one commit per append, each with its own transaction.
    assert_eq!(
        log_versions(&db, "t").await,
        (0..=total as u64).collect::<Vec<_>>()
    );
    let mut txns = HashSet::new();
    for v in 1..=total as u64 {
        let commit = read_commit(&db, "t", v).await;
        assert!(txns.insert(commit.txn.clone()), "txn reused at v{v}");
        assert!(
            commit
                .actions
                .iter()
                .all(|a| matches!(a, Action::AddSegment(e) if e.added_in == v)),
            "v{v}: {:?}",
            commit.actions
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_writers_on_a_local_dir() {
    let dir = tempfile::tempdir().unwrap();
    hammer(dir.path().to_str().unwrap(), &no_options(), 8, 10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_writers_on_s3() {
    let server = tokio::task::spawn_blocking(MotoServer::start)
        .await
        .unwrap();
    hammer(&server.uri("concurrency"), &server.options(), 4, 10).await;
}
