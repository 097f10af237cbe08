//! `fts(...)` in SQL: ranked rows with `_score`, filters applied before
//! top-k, named options, and query errors with positions.

use std::sync::Arc;

use arrow::array::{AsArray, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Float32Type, Int64Type, Schema};
use lakeseek_sql::Database;
use lakeseek_table::TableOptions;

fn schema() -> Schema {
    Schema::new(vec![
        Field::new("year", DataType::Int64, false),
        Field::new("title", DataType::Utf8, true),
    ])
}

async fn db() -> Database {
    let db = Database::connect("memory://").await.unwrap();
    let t = db
        .create_table("docs", schema(), TableOptions::default().with_text("title"))
        .await
        .unwrap();
    let mut years = Vec::new();
    let mut titles = Vec::new();
    for i in 0..400i64 {
        years.push(1900 + i / 2);
        titles.push(match i % 4 {
            0 => format!("the quick brown fox number {i}"),
            1 => format!("a lazy dog sleeps {i}"),
            2 => format!("fox and dog and fox again {i}"),
            _ => format!("nothing to see {i}"),
        });
    }
    let batch = RecordBatch::try_new(
        Arc::new(schema()),
        vec![
            Arc::new(Int64Array::from(years)),
            Arc::new(StringArray::from(titles)),
        ],
    )
    .unwrap();
    // Two appends: two segments, scored with table-wide statistics.
    t.append(&batch.slice(0, 150)).await.unwrap();
    t.append(&batch.slice(150, 250)).await.unwrap();
    db
}

#[tokio::test]
async fn fts_ranks_rows_and_applies_filters_before_top_k() {
    let db = db().await;
    let out = db
        .sql("SELECT _id, title, _score FROM fts('docs', 'title', 'fox', 5)")
        .await
        .unwrap();
    let rows: usize = out.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 5);
    let b = &out[0];
    let scores: Vec<f32> = b.column(2).as_primitive::<Float32Type>().values().to_vec();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "best first: {scores:?}"
    );
    // Rows with "fox" twice (i % 4 == 2) outrank single mentions.
    let title = b.column(1).as_string::<i32>().value(0);
    assert!(title.starts_with("fox and dog"), "{title}");

    // A filter on another column applies before top-k: still k rows, all matching.
    let out = db
        .sql("SELECT year, title FROM fts('docs', 'title', 'fox', 7) WHERE year >= 2050 ORDER BY year")
        .await
        .unwrap();
    let years: Vec<i64> = out
        .iter()
        .flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec())
        .collect();
    assert_eq!(years.len(), 7);
    assert!(years.iter().all(|y| *y >= 2050), "{years:?}");

    // Phrase and boolean queries, named options.
    let out = db
        .sql("SELECT count(*) FROM fts('docs', '*', '\"brown fox\" AND -dog', 1000, k1 => 0.9, b => 0.4)")
        .await
        .unwrap();
    assert_eq!(out[0].column(0).as_primitive::<Int64Type>().value(0), 100);
}

#[tokio::test]
async fn fts_errors_are_clear() {
    let db = db().await;
    let err = db
        .sql("SELECT * FROM fts('docs', 'title', 'fox AND (dog', 5)")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("position"), "{err}");
    let err = db
        .sql("SELECT * FROM fts('nope', 'title', 'fox', 5)")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    let err = db
        .sql("SELECT * FROM fts('docs', 'year', 'fox', 5)")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("year"), "{err}");
    let err = db
        .sql("SELECT * FROM fts('docs', 'title', 'fox', 5, colour => 1)")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unknown option"), "{err}");
}

#[tokio::test]
async fn snippet_marks_matches_of_search_results() {
    let db = db().await;
    let batches = db
        .sql("SELECT title, snippet(title, 'foxes AND dogs') AS s FROM fts('docs', 'title', 'fox AND dog', 3)")
        .await
        .unwrap();
    let mut rows = 0;
    for b in &batches {
        let titles = b.column(0).as_string::<i32>();
        let snippets = b.column(1).as_string::<i32>();
        for i in 0..b.num_rows() {
            rows += 1;
            // "fox and dog and fox again N": the stemmed query marks both
            // foxes and the dog, nothing else, and the text is short enough
            // to be kept whole.
            let expected = titles
                .value(i)
                .replace("fox", "<b>fox</b>")
                .replace("dog", "<b>dog</b>");
            assert_eq!(snippets.value(i), expected);
        }
    }
    assert_eq!(rows, 3);
    // Another analyzer, and a literal text.
    let b = db
        .sql("SELECT snippet('Foxes run', 'foxes', 'standard') AS s")
        .await
        .unwrap();
    assert_eq!(
        b[0].column(0).as_string::<i32>().value(0),
        "<b>Foxes</b> run"
    );
    let err = db
        .sql("SELECT snippet(title, 'fox AND (') FROM docs")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("position"), "{err}");
    let err = db
        .sql("SELECT snippet(title, 'fox', 'klingon') FROM docs")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("klingon"), "{err}");
}

#[tokio::test]
async fn search_handles_follow_appends_drops_and_recreation() {
    let db = db().await;
    let count = |b: &[RecordBatch]| b.iter().map(|b| b.num_rows()).sum::<usize>();
    let q = "SELECT year FROM fts('docs', 'title', 'zebra', 10)";
    assert_eq!(count(&db.sql(q).await.unwrap()), 0);
    // An append through another handle is seen by the kept search handle.
    let t = db.open_table("docs").await.unwrap();
    let batch = RecordBatch::try_new(
        Arc::new(schema()),
        vec![
            Arc::new(Int64Array::from(vec![2001])),
            Arc::new(StringArray::from(vec!["a zebra"])),
        ],
    )
    .unwrap();
    t.append(&batch).await.unwrap();
    assert_eq!(count(&db.sql(q).await.unwrap()), 1);
    // Dropped and created again: the search sees the new, empty table.
    db.drop_table("docs").await.unwrap();
    assert!(db.sql(q).await.is_err());
    db.create_table("docs", schema(), TableOptions::default().with_text("title"))
        .await
        .unwrap();
    assert_eq!(count(&db.sql(q).await.unwrap()), 0);
}
