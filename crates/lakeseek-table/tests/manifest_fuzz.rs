//! Truncated and randomly corrupted manifest objects (real commits and a real
//! checkpoint, taken from a table) are errors, never panics: in the decoders
//! and on the paths that load a table.

mod common;

use std::sync::OnceLock;

use bytes::Bytes;
use lakeseek_table::manifest::{decode, decode_commit, MANIFEST_VERSION};
use lakeseek_table::{Catalog, Commit, Snapshot, TableError};
use lakeseek_testkit::batch;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use common::*;

fn version_path(v: u64) -> String {
    lakeseek_table::version_object_path("t", v)
}
const CHECKPOINT: &str = "t/_lakeseek/checkpoints/00000000000000000002.json";
const HINT: &str = "t/_lakeseek/_last_checkpoint";

/// A table with checkpoints every 2 versions: v0 create, v1 and v2 appends
/// (checkpoint and hint at 2), v3 append.
async fn sample_table() -> (Catalog, Snapshot) {
    let db = Catalog::connect("memory://", &no_options())
        .unwrap()
        .with_checkpoint_interval(2);
    let table = create(&db, "t").await;
    for i in 0..3 {
        table.append(&batch(i * 4, 4)).await.unwrap();
    }
    let latest = table.snapshot();
    assert_eq!(latest.version, 3);
    (db, latest)
}

/// The stored bytes of the sample table's manifests, by path.
struct Samples {
    commits: Vec<(String, Bytes)>,
    checkpoint: Bytes,
    base: Snapshot,
}

fn samples() -> &'static Samples {
    static SAMPLES: OnceLock<Samples> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (db, _) = sample_table().await;
            let mut commits = Vec::new();
            for v in [0, 1, 3] {
                let path = version_path(v);
                commits.push((path.clone(), db.store().get(&path).await.unwrap()));
            }
            let checkpoint = db.store().get(CHECKPOINT).await.unwrap();
            let base = db
                .open_table("t")
                .await
                .unwrap()
                .snapshot_at(0)
                .await
                .unwrap();
            Samples {
                commits,
                checkpoint,
                base,
            }
        })
    })
}

fn corrupt(bytes: &[u8], edits: &[(Index, u8)], truncate: Option<Index>) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for (at, byte) in edits {
        let i = at.index(out.len());
        out[i] = *byte;
    }
    if let Some(at) = truncate {
        out.truncate(at.index(out.len()));
    }
    out
}

fn is_corrupt(err: &TableError, path: &str) -> bool {
    matches!(err, TableError::CorruptManifest { path: p, .. } if p == path)
}

#[test]
fn every_truncation_is_an_error() {
    let s = samples();
    for (path, bytes) in &s.commits {
        assert!(decode_commit(bytes, path).is_ok());
        for len in 0..bytes.len() {
            let err = decode_commit(&bytes[..len], path).unwrap_err();
            assert!(is_corrupt(&err, path), "{path}[..{len}]: {err:?}");
        }
    }
    assert!(decode::<Snapshot>(&s.checkpoint, CHECKPOINT).is_ok());
    for len in 0..s.checkpoint.len() {
        let err = decode::<Snapshot>(&s.checkpoint[..len], CHECKPOINT).unwrap_err();
        assert!(is_corrupt(&err, CHECKPOINT), "[..{len}]: {err:?}");
    }
    // One kind of manifest is not another.
    assert!(decode_commit(&s.checkpoint, CHECKPOINT).is_err());
    assert!(decode::<Snapshot>(&s.commits[1].1, "x").is_err());
}

fn edits() -> impl Strategy<Value = (Vec<(Index, u8)>, Option<Index>)> {
    (
        prop::collection::vec((any::<Index>(), any::<u8>()), 1..8),
        prop::option::weighted(0.3, any::<Index>()),
    )
}

proptest! {
    #![proptest_config(Config { cases: 512, ..Config::default() })]

    #[test]
    fn corrupted_commits_decode_to_errors_or_valid_commits(
        which in 0usize..3,
        (edits, truncate) in edits(),
    ) {
        let s = samples();
        let (path, original) = &s.commits[which];
        let bytes = corrupt(original, &edits, truncate);
        match decode_commit(&bytes, path) {
            Err(err) => prop_assert!(is_corrupt(&err, path), "{err:?}"),
            Ok(commit) => {
                // Whatever decodes is a commit of a supported format that
                // survives a round trip, and folding it in does not panic.
                prop_assert!((1..=MANIFEST_VERSION).contains(&commit.format));
                let again: Commit = decode_commit(&lakeseek_table::manifest::encode(&commit), path).unwrap();
                prop_assert_eq!(&again, &commit);
                let _ = Snapshot::from_create(&commit, path);
                let _ = s.base.clone().apply(&commit, path);
            }
        }
    }

    #[test]
    fn corrupted_checkpoints_decode_to_errors_or_snapshots(
        (edits, truncate) in edits(),
    ) {
        let s = samples();
        let bytes = corrupt(&s.checkpoint, &edits, truncate);
        match decode::<Snapshot>(&bytes, CHECKPOINT) {
            Err(err) => prop_assert!(is_corrupt(&err, CHECKPOINT), "{err:?}"),
            Ok(snapshot) => {
                let _ = (snapshot.rows(), snapshot.bytes(), snapshot.metadata.physical_schema());
            }
        }
    }
}

/// Stores corrupted bytes at one manifest path of a real table and loads the
/// table every way there is; restores the original afterwards.
#[test]
fn loading_corrupted_objects_is_an_error_not_a_panic() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (db, expected) = rt.block_on(sample_table());
    let store = db.store().clone();
    let targets = [
        version_path(0),
        version_path(3),
        CHECKPOINT.to_string(),
        HINT.to_string(),
    ];
    let originals: Vec<Bytes> = targets
        .iter()
        .map(|p| rt.block_on(store.get(p)).unwrap())
        .collect();

    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (0..targets.len(), edits());
    runner
        .run(&strategy, |(which, (edits, truncate))| {
            let path = &targets[which];
            let bytes = corrupt(&originals[which], &edits, truncate);
            rt.block_on(async {
                store.put(path, Bytes::from(bytes.clone())).await.unwrap();
                let opened = db.open_table("t").await;
                // v1 is older than the only checkpoint, so it is rebuilt from
                // version 0.
                let at_one = match &opened {
                    Ok(table) => Some(table.snapshot_at(1).await),
                    Err(_) => None,
                };
                if let Ok(table) = &opened {
                    let _ = table.read_all(&table.snapshot()).await;
                }
                store.put(path, originals[which].clone()).await.unwrap();

                let fail = |why: String| Err(TestCaseError::fail(why));
                match which {
                    // Version 0 is read for time travel before the checkpoint.
                    0 if decode_commit(&bytes, path).is_err() => match at_one {
                        Some(Ok(_)) => return fail("v1 loaded over a corrupt v0".into()),
                        Some(Err(e)) if !is_corrupt(&e, path) => {
                            return fail(format!("unexpected error {e:?}"))
                        }
                        _ => {}
                    },
                    // Version 3 is read on open, after the checkpoint.
                    1 if decode_commit(&bytes, path).is_err() => match &opened {
                        Ok(_) => return fail("opened over a corrupt v3".into()),
                        Err(e) if !is_corrupt(e, path) => {
                            return fail(format!("unexpected error {e:?}"))
                        }
                        _ => {}
                    },
                    2 if decode::<Snapshot>(&bytes, path).is_err() => match &opened {
                        Ok(_) => return fail("opened over a corrupt checkpoint".into()),
                        Err(e) if !is_corrupt(e, path) => {
                            return fail(format!("unexpected error {e:?}"))
                        }
                        _ => {}
                    },
                    // The hint is advisory: whatever it holds, the table opens
                    // to the same snapshot.
                    3 => match &opened {
                        Ok(table) if table.snapshot() == expected => {}
                        Ok(table) => {
                            return fail(format!(
                                "hint {:?} changed the snapshot to v{}",
                                String::from_utf8_lossy(&bytes),
                                table.snapshot().version
                            ))
                        }
                        Err(e) => {
                            return fail(format!(
                                "hint {:?} broke opening: {e:?}",
                                String::from_utf8_lossy(&bytes)
                            ))
                        }
                    },
                    _ => {}
                }
                Ok(())
            })
        })
        .unwrap();

    // Every original is back, and the table is whole.
    let (_, keys, ids) = rt.block_on(latest(&db, "t"));
    assert_eq!(keys, (0..12).collect::<Vec<_>>());
    assert_dense(&ids);
}
