//! DELETE, UPDATE, upsert and idempotent appends: changed rows vanish from
//! SQL scans, full-text, vector (indexed and exact) and hybrid search, at
//! every later version, while older versions still show them.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow::array::{
    AsArray, FixedSizeListArray, Float32Array, Int64Array, RecordBatch, StringArray,
};
use arrow::datatypes::{DataType, Field, Int64Type, Schema, UInt64Type};
use lakeseek_sql::Database;
use lakeseek_table::{Metric, TableError, TableOptions};
use lakeseek_testkit::i64_column;

const DIM: i32 = 8;
const WORDS: &[&str] = &[
    "ocean", "river", "mountain", "forest", "desert", "valley", "island",
];

fn schema() -> Schema {
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    Schema::new(vec![
        Field::new("n", DataType::Int64, false),
        Field::new("body", DataType::Utf8, true),
        Field::new("emb", DataType::FixedSizeList(item, DIM), true),
    ])
}

/// The vector of row `n`: deterministic, distinct per row.
fn vector(n: i64) -> Vec<f32> {
    let mut x = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..DIM)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 10_000) as f32 / 10_000.0 - 0.5
        })
        .collect()
}

fn body(n: i64) -> String {
    let w = |i: i64| WORDS[(n * 7 + i * 3) as usize % WORDS.len()];
    format!("{} {} {}", w(0), w(1), w(2))
}

fn rows(ns: impl IntoIterator<Item = i64>, body_of: impl Fn(i64) -> String) -> RecordBatch {
    let ns: Vec<i64> = ns.into_iter().collect();
    let bodies: Vec<String> = ns.iter().map(|&n| body_of(n)).collect();
    let values: Vec<f32> = ns.iter().flat_map(|&n| vector(n)).collect();
    let emb = FixedSizeListArray::new(
        Arc::new(Field::new("item", DataType::Float32, true)),
        DIM,
        Arc::new(Float32Array::from(values)),
        None,
    );
    RecordBatch::try_new(
        Arc::new(schema()),
        vec![
            Arc::new(Int64Array::from(ns)),
            Arc::new(StringArray::from(bodies)),
            Arc::new(emb),
        ],
    )
    .unwrap()
}

/// 3,000 rows in one indexed segment plus 100 fresh rows searched exactly.
async fn db() -> Database {
    let db = Database::connect("memory://").await.unwrap();
    let t = db
        .create_table(
            "docs",
            schema(),
            TableOptions::default()
                .with_text("body")
                .with_vector("emb", DIM as usize, Metric::L2)
                .with_primary_key("n"),
        )
        .await
        .unwrap();
    t.append(&rows(0..3000, body)).await.unwrap();
    t.append(&rows(3000..3100, body)).await.unwrap();
    let snap = t.snapshot();
    assert!(
        snap.segments
            .iter()
            .any(|s| s.section("vector:emb").is_some()),
        "the large segment must be indexed so the indexed path is tested"
    );
    db
}

fn count(batches: &[RecordBatch]) -> i64 {
    batches[0].column(0).as_primitive::<Int64Type>().value(0)
}

fn changed(batches: &[RecordBatch]) -> u64 {
    batches[0].column(0).as_primitive::<UInt64Type>().value(0)
}

fn vector_literal(n: i64) -> String {
    let parts: Vec<String> = vector(n).iter().map(|x| format!("{x}")).collect();
    format!("[{}]", parts.join(", "))
}

/// Every `n` each search path returns for probes near deleted rows.
async fn search_results(db: &Database, probes: &[i64]) -> BTreeSet<i64> {
    let mut seen = BTreeSet::new();
    for word in WORDS {
        seen.extend(i64_column(
            &db.sql(&format!(
                "SELECT n FROM fts('docs', 'body', '{word}', 5000)"
            ))
            .await
            .unwrap(),
            "n",
        ));
    }
    for &p in probes {
        let v = vector_literal(p);
        for opts in ["", ", exact => true", ", nprobe => 1000"] {
            seen.extend(i64_column(
                &db.sql(&format!(
                    "SELECT n FROM vector_search('docs', 'emb', {v}, 20{opts})"
                ))
                .await
                .unwrap(),
                "n",
            ));
        }
        seen.extend(i64_column(
            &db.sql(&format!(
                "SELECT n FROM hybrid_search('docs', 'body', 'ocean river', 'emb', {v}, 20)"
            ))
            .await
            .unwrap(),
            "n",
        ));
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_rows_vanish_from_every_search_path() {
    let db = db().await;
    let before = db.open_table("docs").await.unwrap().snapshot().version;
    let out = db.sql("DELETE FROM docs WHERE n % 10 = 3").await.unwrap();
    assert_eq!(changed(&out), 310);
    // Deleting them again changes nothing and makes no version.
    let version = db.open_table("docs").await.unwrap().snapshot().version;
    assert_eq!(
        changed(&db.sql("DELETE FROM docs WHERE n % 10 = 3").await.unwrap()),
        0
    );
    assert_eq!(
        db.open_table("docs").await.unwrap().snapshot().version,
        version
    );

    assert_eq!(
        count(&db.sql("SELECT count(*) FROM docs").await.unwrap()),
        3100 - 310
    );
    assert_eq!(
        count(
            &db.sql("SELECT count(*) FROM docs WHERE n % 10 = 3")
                .await
                .unwrap()
        ),
        0
    );
    // Full text returns exactly the live rows holding the word.
    let ocean = i64_column(
        &db.sql("SELECT n FROM fts('docs', 'body', 'ocean', 5000)")
            .await
            .unwrap(),
        "n",
    );
    let expected: BTreeSet<i64> = (0..3100)
        .filter(|n| n % 10 != 3 && body(*n).contains("ocean"))
        .collect();
    assert_eq!(ocean.iter().copied().collect::<BTreeSet<_>>(), expected);
    assert_eq!(ocean.len(), expected.len(), "no row returned twice");

    // Probing with deleted rows' own vectors (indexed and fresh segments):
    // every path answers, and never with a deleted row.
    let probes = [3, 13, 1503, 2993, 3003, 3093];
    let seen = search_results(&db, &probes).await;
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|n| n % 10 != 3), "a deleted row came back");
    // The vector legs still return k rows: deleted rows leave no holes.
    let hits = db
        .sql(&format!(
            "SELECT n FROM vector_search('docs', 'emb', {}, 20)",
            vector_literal(3)
        ))
        .await
        .unwrap();
    assert_eq!(i64_column(&hits, "n").len(), 20);

    // The version before the delete still has every row.
    assert_eq!(
        count(
            &db.sql(&format!(
                "SELECT count(*) FROM \"docs@{before}\" WHERE n % 10 = 3"
            ))
            .await
            .unwrap()
        ),
        310
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_replaces_rows_in_sql_and_search() {
    let db = db().await;
    let old_id = db.sql("SELECT _id FROM docs WHERE n = 5").await.unwrap()[0]
        .column(0)
        .as_primitive::<UInt64Type>()
        .value(0);
    let out = db
        .sql("UPDATE docs SET body = 'zebra crossing' WHERE n = 5 OR n = 3050")
        .await
        .unwrap();
    assert_eq!(changed(&out), 2);
    let zebra = i64_column(
        &db.sql("SELECT n FROM fts('docs', 'body', 'zebra', 10)")
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(
        zebra.iter().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from([5, 3050])
    );
    // One live version of each row, with a new _id; the old one is gone.
    let five = db
        .sql("SELECT _id, body FROM docs WHERE n = 5")
        .await
        .unwrap();
    assert_eq!(five.iter().map(|b| b.num_rows()).sum::<usize>(), 1);
    assert_ne!(
        five[0].column(0).as_primitive::<UInt64Type>().value(0),
        old_id
    );
    assert_eq!(
        count(
            &db.sql(&format!("SELECT count(*) FROM docs WHERE _id = {old_id}"))
                .await
                .unwrap()
        ),
        0
    );
    // The old text no longer matches the updated rows.
    let old_word = body(5).split(' ').next().unwrap().to_string();
    let hits = i64_column(
        &db.sql(&format!(
            "SELECT n FROM fts('docs', 'body', '{old_word}', 5000)"
        ))
        .await
        .unwrap(),
        "n",
    );
    assert!(!hits.contains(&5));
    // The updated row keeps its vector, so its own vector still finds it once.
    let near = i64_column(
        &db.sql(&format!(
            "SELECT n FROM vector_search('docs', 'emb', {}, 3, exact => true)",
            vector_literal(5)
        ))
        .await
        .unwrap(),
        "n",
    );
    assert_eq!(near[0], 5);
    assert_eq!(near.iter().filter(|&&n| n == 5).count(), 1);

    // Expressions take the column's type; the total row count is unchanged.
    let out = db
        .sql("UPDATE docs SET n = n * 2 + 1000000 WHERE n < 3")
        .await
        .unwrap();
    assert_eq!(changed(&out), 3);
    let moved = i64_column(
        &db.sql("SELECT n FROM docs WHERE n >= 1000000 ORDER BY n")
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(moved, vec![1_000_000, 1_000_002, 1_000_004]);
    assert_eq!(
        count(&db.sql("SELECT count(*) FROM docs").await.unwrap()),
        3100
    );
}

#[tokio::test]
async fn bad_mutations_are_clear_errors() {
    let db = db().await;
    for (sql, needle) in [
        ("UPDATE docs SET _id = 1", "_id"),
        ("UPDATE docs SET missing = 1", "missing"),
        ("DELETE FROM nosuch WHERE n = 1", "nosuch"),
        ("UPDATE docs SET n = NULL WHERE n = 1", "null"),
        ("DELETE FROM docs WHERE nosuchcol = 1", "nosuchcol"),
    ] {
        let err = db.sql(sql).await.unwrap_err().to_string();
        assert!(err.to_lowercase().contains(needle), "{sql}: {err}");
    }
    // Nothing changed.
    assert_eq!(
        count(&db.sql("SELECT count(*) FROM docs").await.unwrap()),
        3100
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upsert_replaces_existing_keys_and_appends_new_ones() {
    let db = db().await;
    let table = db.open_table("docs").await.unwrap();
    let batch = rows([7, 2500, 3099, 5000, 5001], |n| format!("upserted {n}"));
    let out = table.upsert(&batch).await.unwrap();
    assert_eq!((out.rows_added, out.rows_deleted), (5, 3));
    assert_eq!(
        count(&db.sql("SELECT count(*) FROM docs").await.unwrap()),
        3102
    );
    let hits = i64_column(
        &db.sql("SELECT n FROM fts('docs', 'body', 'upserted', 10)")
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(
        hits.iter().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from([7, 2500, 3099, 5000, 5001])
    );
    // A key twice in one upsert is an error; nothing changes.
    let err = table.upsert(&rows([1, 1], body)).await.unwrap_err();
    assert!(
        matches!(err, TableError::Schema { ref column, .. } if column == "n"),
        "{err}"
    );
    assert_eq!(
        count(&db.sql("SELECT count(*) FROM docs").await.unwrap()),
        3102
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_upserts_keep_every_key_once() {
    let db = db().await;
    let table = db.open_table("docs").await.unwrap();
    let mut tasks = Vec::new();
    for writer in 0..6i64 {
        let table = table.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..4i64 {
                // Overlapping keys: every writer touches 10..20 and 9000+.
                let keys: Vec<i64> = (10..20).chain([9000 + round]).collect();
                table
                    .upsert(&rows(keys, |n| format!("w{writer} r{round} {n}")))
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let keys = i64_column(&db.sql("SELECT n FROM docs").await.unwrap(), "n");
    let distinct: BTreeSet<i64> = keys.iter().copied().collect();
    assert_eq!(keys.len(), distinct.len(), "a key is live twice");
    assert_eq!(keys.len(), 3100 + 4);
}

#[tokio::test]
async fn appends_with_a_batch_id_apply_once() {
    let db = db().await;
    let table = db.open_table("docs").await.unwrap();
    let batch = rows(10_000..10_010, body);
    let mut first = table.writer("append").with_batch_id("load-42");
    first.write(&batch).await.unwrap();
    let first = first.finish().await.unwrap();
    assert!(first.applied);
    let mut retry = table.writer("append").with_batch_id("load-42");
    retry.write(&batch).await.unwrap();
    let retry = retry.finish().await.unwrap();
    assert!(!retry.applied);
    assert_eq!(retry.snapshot.version, first.snapshot.version);
    assert_eq!(
        count(
            &db.sql("SELECT count(*) FROM docs WHERE n >= 10000")
                .await
                .unwrap()
        ),
        10
    );
    // A reopened handle (another process) recognises it too.
    let other = Database::from_catalog(db.catalog().clone()).unwrap();
    let t2 = other.open_table("docs").await.unwrap();
    let mut again = t2.writer("append").with_batch_id("load-42");
    again.write(&batch).await.unwrap();
    assert!(!again.finish().await.unwrap().applied);
}
