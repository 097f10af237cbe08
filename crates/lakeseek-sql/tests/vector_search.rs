//! `vector_search(...)` in SQL on SciFact embeddings: approximate results
//! agree with exact search, fresh rows are found at once, filters apply
//! before top-k, and bad vectors are errors.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{Array, AsArray, Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Float32Type, Schema, UInt64Type};
use lakeseek_sql::Database;
use lakeseek_table::{Metric, TableOptions};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn scifact(name: &str) -> RecordBatch {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/scifact")
        .join(name);
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
    arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap()
}

fn vector_literal(v: &[f32]) -> String {
    format!(
        "[{}]",
        v.iter()
            .map(|x| format!("{x:.7}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn ids(batches: &[RecordBatch]) -> Vec<u64> {
    batches
        .iter()
        .flat_map(|b| b.column(0).as_primitive::<UInt64Type>().values().to_vec())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn vector_search_on_scifact() {
    let corpus = scifact("corpus.parquet");
    let emb = corpus.column_by_name("emb").unwrap().clone();
    let n = corpus.num_rows();
    let schema = Schema::new(vec![
        Field::new("n", DataType::Int64, false),
        Field::new("emb", emb.data_type().clone(), true),
    ]);
    let db = Database::connect("memory://").await.unwrap();
    let t = db
        .create_table(
            "docs",
            schema.clone(),
            TableOptions::default().with_vector("emb", 384, Metric::Cosine),
        )
        .await
        .unwrap();
    let batch = RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(Int64Array::from_iter_values(0..n as i64)),
            emb.clone(),
        ],
    )
    .unwrap();
    let snap = t.append(&batch).await.unwrap();
    assert!(
        snap.segments[0].section("vector:emb").is_some(),
        "a large segment gets a vector index"
    );

    let queries = scifact("queries.parquet");
    let qemb = queries
        .column_by_name("emb")
        .unwrap()
        .as_fixed_size_list()
        .clone();
    let mut agree = 0usize;
    let mut total = 0usize;
    for q in 0..40 {
        let v = qemb.value(q);
        let v: Vec<f32> = v.as_primitive::<Float32Type>().values().to_vec();
        let lit = vector_literal(&v);
        let approx = ids(&db
            .sql(&format!(
                "SELECT _id FROM vector_search('docs', 'emb', {lit}, 10)"
            ))
            .await
            .unwrap());
        let exact = ids(&db
            .sql(&format!(
                "SELECT _id FROM vector_search('docs', 'emb', {lit}, 10, exact => true)"
            ))
            .await
            .unwrap());
        assert_eq!(exact.len(), 10);
        total += 10;
        agree += approx.iter().filter(|i| exact.contains(i)).count();
    }
    let recall = agree as f64 / total as f64;
    println!("recall@10 of default vector_search vs exact: {recall:.3}");
    assert!(recall >= 0.95, "recall {recall}");

    // A fresh row is found at once (small segment, exact scan), closest first.
    let fresh: Vec<f32> = qemb
        .value(0)
        .as_primitive::<Float32Type>()
        .values()
        .to_vec();
    let lit = vector_literal(&fresh);
    db.sql(&format!("INSERT INTO docs VALUES (999999, {lit})"))
        .await
        .unwrap();
    let out = db
        .sql(&format!(
            "SELECT n, _distance FROM vector_search('docs', 'emb', {lit}, 3)"
        ))
        .await
        .unwrap();
    assert_eq!(
        out[0]
            .column(0)
            .as_primitive::<arrow::datatypes::Int64Type>()
            .value(0),
        999999
    );
    assert!(
        out[0]
            .column(1)
            .as_primitive::<Float32Type>()
            .value(0)
            .abs()
            < 1e-5
    );

    // A filter matching 0.1 % of rows still returns k rows, all matching.
    let out = db
        .sql(&format!(
            "SELECT n FROM vector_search('docs', 'emb', {lit}, 5) WHERE n % 1000 = 7"
        ))
        .await
        .unwrap();
    let ns: Vec<i64> = out
        .iter()
        .flat_map(|b| {
            b.column(0)
                .as_primitive::<arrow::datatypes::Int64Type>()
                .values()
                .to_vec()
        })
        .collect();
    assert_eq!(ns.len(), 5, "{ns:?}");
    assert!(ns.iter().all(|n| n % 1000 == 7));

    // Wrong dimension and unknown columns are clear errors.
    let err = db
        .sql("SELECT * FROM vector_search('docs', 'emb', [0.1, 0.2], 3)")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("dimension"), "{err}");
    let err = db
        .sql("SELECT * FROM vector_search('docs', 'n', [0.1], 3)")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a vector column"), "{err}");
    let _ = emb.len();
}
