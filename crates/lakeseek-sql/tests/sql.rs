//! SQL over LakeSeek tables: inserts, scans, pruning shown by EXPLAIN, time
//! travel, and errors.

use std::sync::Arc;

use arrow::array::{Array, AsArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, UInt64Type};
use lakeseek_sql::{Database, SqlError};
use lakeseek_table::{TableError, TableOptions};

fn schema() -> Schema {
    Schema::new(vec![
        Field::new("k", DataType::Int64, false),
        Field::new("name", DataType::Utf8, true),
        Field::new("price", DataType::Float64, true),
    ])
}

fn batch(range: std::ops::Range<i64>) -> RecordBatch {
    let n = range.clone().count();
    RecordBatch::try_new(
        Arc::new(schema()),
        vec![
            Arc::new(Int64Array::from_iter_values(range.clone())),
            Arc::new(StringArray::from_iter_values(
                range.clone().map(|k| format!("item-{k}")),
            )),
            Arc::new(Float64Array::from_iter_values(
                (0..n).map(|i| i as f64 * 0.5),
            )),
        ],
    )
    .unwrap()
}

fn single_u64(batches: &[RecordBatch]) -> u64 {
    let col = batches[0].column(0);
    match col.data_type() {
        DataType::Int64 => col.as_primitive::<arrow::datatypes::Int64Type>().value(0) as u64,
        DataType::UInt64 => col.as_primitive::<UInt64Type>().value(0),
        other => panic!("unexpected type {other}"),
    }
}

fn render(batches: &[RecordBatch]) -> String {
    arrow::util::pretty::pretty_format_batches(batches)
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn insert_values_and_select_assign_ids() {
    let db = Database::connect("memory://").await.unwrap();
    db.create_table("t", schema(), TableOptions::default())
        .await
        .unwrap();
    let out = db
        .sql("INSERT INTO t VALUES (1, 'a', 1.5), (2, 'b', NULL), (3, NULL, 3.0)")
        .await
        .unwrap();
    assert_eq!(single_u64(&out), 3);
    db.sql("INSERT INTO t (name, k) SELECT name, k + 10 FROM t")
        .await
        .unwrap();
    let rows = db
        .sql("SELECT _id, k, name FROM t ORDER BY k")
        .await
        .unwrap();
    let all = arrow::compute::concat_batches(&rows[0].schema(), &rows).unwrap();
    assert_eq!(all.num_rows(), 6);
    let ks: Vec<i64> = all
        .column(1)
        .as_primitive::<arrow::datatypes::Int64Type>()
        .values()
        .to_vec();
    assert_eq!(ks, vec![1, 2, 3, 11, 12, 13]);
    let mut ids: Vec<u64> = all.column(0).as_primitive::<UInt64Type>().values().to_vec();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 6, "row ids must be unique");
    let table = db.open_table("t").await.unwrap();
    assert_eq!(
        table.refresh().await.unwrap().version,
        2,
        "each INSERT is one commit"
    );
}

#[tokio::test]
async fn filters_projections_and_aggregates_are_correct() {
    let db = Database::connect("memory://").await.unwrap();
    let t = db
        .create_table("t", schema(), TableOptions::default())
        .await
        .unwrap();
    t.append(&batch(0..1000)).await.unwrap();
    t.append(&batch(1000..2500)).await.unwrap();
    let n = single_u64(
        &db.sql("SELECT count(*) FROM t WHERE k % 7 = 0 AND k >= 500")
            .await
            .unwrap(),
    );
    assert_eq!(n, (500..2500).filter(|k| k % 7 == 0).count() as u64);
    let out = db
        .sql("SELECT name FROM t WHERE k BETWEEN 998 AND 1001 ORDER BY k")
        .await
        .unwrap();
    let names: Vec<String> = out
        .iter()
        .flat_map(|b| {
            b.column(0)
                .as_string::<i32>()
                .iter()
                .map(|s| s.unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        names,
        vec!["item-998", "item-999", "item-1000", "item-1001"]
    );
    let sum = db.sql("SELECT sum(k) FROM t").await.unwrap();
    assert_eq!(single_u64(&sum), (0..2500u64).sum::<u64>());
    let limited = db.sql("SELECT k FROM t LIMIT 7").await.unwrap();
    assert_eq!(limited.iter().map(|b| b.num_rows()).sum::<usize>(), 7);
}

#[tokio::test]
async fn explain_shows_segments_pruned_by_statistics() {
    let db = Database::connect("memory://").await.unwrap();
    let t = db
        .create_table("t", schema(), TableOptions::default())
        .await
        .unwrap();
    for i in 0..5 {
        t.append(&batch(i * 100..(i + 1) * 100)).await.unwrap();
    }
    let plan = render(
        &db.sql("EXPLAIN SELECT name FROM t WHERE k >= 420")
            .await
            .unwrap(),
    );
    assert!(
        plan.contains("segments=1 of 5 (4 pruned by statistics)"),
        "{plan}"
    );
    let plan = render(
        &db.sql("EXPLAIN SELECT name FROM t WHERE name = 'zzz'")
            .await
            .unwrap(),
    );
    assert!(
        plan.contains("segments=0 of 5 (5 pruned by statistics)"),
        "{plan}"
    );
    let plan = render(&db.sql("EXPLAIN SELECT name FROM t").await.unwrap());
    assert!(
        plan.contains("segments=5 of 5 (0 pruned by statistics)"),
        "{plan}"
    );
    // Pruned scans still return the right rows.
    let n = single_u64(
        &db.sql("SELECT count(*) FROM t WHERE k >= 420")
            .await
            .unwrap(),
    );
    assert_eq!(n, 80);
    let n = single_u64(
        &db.sql("SELECT count(*) FROM t WHERE _id < 150")
            .await
            .unwrap(),
    );
    assert_eq!(n, 150);
}

#[tokio::test]
async fn time_travel_reads_old_versions() {
    let db = Database::connect("memory://").await.unwrap();
    let t = db
        .create_table("t", schema(), TableOptions::default())
        .await
        .unwrap();
    t.append(&batch(0..10)).await.unwrap();
    t.append(&batch(10..25)).await.unwrap();
    assert_eq!(
        single_u64(&db.sql("SELECT count(*) FROM \"t@1\"").await.unwrap()),
        10
    );
    assert_eq!(
        single_u64(&db.sql("SELECT count(*) FROM \"t@0\"").await.unwrap()),
        0
    );
    assert_eq!(
        single_u64(&db.sql("SELECT count(*) FROM t").await.unwrap()),
        25
    );
    let err = db.sql("SELECT count(*) FROM \"t@9\"").await.unwrap_err();
    assert!(
        matches!(err.table_error(), Some(TableError::VersionNotFound { .. })),
        "{err}"
    );
}

#[tokio::test]
async fn bad_statements_are_clear_errors() {
    let db = Database::connect("memory://").await.unwrap();
    db.create_table("t", schema(), TableOptions::default())
        .await
        .unwrap();
    let err = db
        .sql("INSERT INTO t (_id, k) VALUES (5, 1)")
        .await
        .unwrap_err();
    assert!(matches!(err, SqlError::Unsupported(_)), "{err}");
    let err = db.sql("SELECT * FROM missing").await.unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
    let err = db.sql("SELEC 1").await.unwrap_err();
    assert!(matches!(err, SqlError::DataFusion(_)), "{err}");
    // A NULL into a non-nullable column is refused and nothing is committed.
    let err = db
        .sql("INSERT INTO t VALUES (NULL, 'x', 1.0)")
        .await
        .unwrap_err();
    assert!(!err.to_string().is_empty());
    let t = db.open_table("t").await.unwrap();
    assert_eq!(t.refresh().await.unwrap().version, 0);
}
