//! `hybrid_search(...)` in SQL: the fused ranking equals reciprocal-rank
//! fusion of the `fts` and `vector_search` results computed here by hand,
//! each leg's rank and score are reported, filters apply before top-k to both
//! legs, linear fusion and bad options behave.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    Array, AsArray, FixedSizeListArray, Float32Array, Int64Array, RecordBatch, StringArray,
};
use arrow::datatypes::{DataType, Field, Float32Type, Int64Type, Schema, UInt32Type};
use lakeseek_sql::Database;
use lakeseek_table::{Metric, TableOptions};

const DIM: i32 = 8;
const ROWS: i64 = 3000;

fn schema() -> Schema {
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    Schema::new(vec![
        Field::new("n", DataType::Int64, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("body", DataType::Utf8, true),
        Field::new("emb", DataType::FixedSizeList(item, DIM), true),
    ])
}

/// A deterministic pseudo-random sequence (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f32 {
        (self.next() % 10_000) as f32 / 10_000.0 - 0.5
    }
}

const WORDS: &[&str] = &[
    "ocean", "river", "mountain", "forest", "desert", "valley", "island", "glacier", "canyon",
    "meadow", "storm", "harbor",
];

async fn db() -> Database {
    let db = Database::connect("memory://").await.unwrap();
    let t = db
        .create_table(
            "docs",
            schema(),
            TableOptions::default()
                .with_text("body")
                .with_vector("emb", DIM as usize, Metric::L2),
        )
        .await
        .unwrap();
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut bodies = Vec::new();
    let mut kinds = Vec::new();
    let mut values = Vec::new();
    for i in 0..ROWS {
        let words: Vec<&str> = (0..6)
            .map(|_| WORDS[(rng.next() % WORDS.len() as u64) as usize])
            .collect();
        bodies.push(format!("{} {i}", words.join(" ")));
        // 15 rows of kind "rare".
        kinds.push(if i % 200 == 7 { "rare" } else { "common" });
        for _ in 0..DIM {
            values.push(rng.unit());
        }
    }
    let emb = FixedSizeListArray::new(
        Arc::new(Field::new("item", DataType::Float32, true)),
        DIM,
        Arc::new(Float32Array::from(values)),
        None,
    );
    let batch = RecordBatch::try_new(
        Arc::new(schema()),
        vec![
            Arc::new(Int64Array::from_iter_values(0..ROWS)),
            Arc::new(StringArray::from(kinds)),
            Arc::new(StringArray::from(bodies)),
            Arc::new(emb),
        ],
    )
    .unwrap();
    // Two appends: two segments, one large enough for a vector index.
    t.append(&batch.slice(0, 2500)).await.unwrap();
    t.append(&batch.slice(2500, 500)).await.unwrap();
    db
}

const QUERY: &str = "glacier canyon";
const VECTOR: &str = "[0.1, -0.2, 0.3, 0.0, 0.2, -0.1, 0.05, 0.4]";

/// `n` of each row, in result order.
fn ns(batches: &[RecordBatch]) -> Vec<i64> {
    batches
        .iter()
        .flat_map(|b| {
            b.column_by_name("n")
                .unwrap()
                .as_primitive::<Int64Type>()
                .values()
                .to_vec()
        })
        .collect()
}

fn floats(batches: &[RecordBatch], column: &str) -> Vec<Option<f32>> {
    batches
        .iter()
        .flat_map(|b| {
            let a = b
                .column_by_name(column)
                .unwrap()
                .as_primitive::<Float32Type>();
            (0..a.len())
                .map(|i| a.is_valid(i).then(|| a.value(i)))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn ranks(batches: &[RecordBatch], column: &str) -> Vec<Option<u32>> {
    batches
        .iter()
        .flat_map(|b| {
            let a = b
                .column_by_name(column)
                .unwrap()
                .as_primitive::<UInt32Type>();
            (0..a.len())
                .map(|i| a.is_valid(i).then(|| a.value(i)))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn hybrid_is_rrf_of_both_legs_with_filters_before_top_k() {
    let db = db().await;
    for filter in ["", " WHERE kind = 'rare'"] {
        let text = db
            .sql(&format!(
                "SELECT n FROM fts('docs', 'body', '{QUERY}', 100){filter}"
            ))
            .await
            .unwrap();
        let vector = db
            .sql(&format!(
                "SELECT n FROM vector_search('docs', 'emb', {VECTOR}, 100, exact => true){filter}"
            ))
            .await
            .unwrap();
        let text_rank: HashMap<i64, u32> = ns(&text).into_iter().zip(1..).collect();
        let vector_rank: HashMap<i64, u32> = ns(&vector).into_iter().zip(1..).collect();
        // RRF by hand; ties by `_id`, which equals n here (one writer, in order).
        let mut expected: Vec<(f32, i64)> = text_rank
            .keys()
            .chain(vector_rank.keys())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|&n| {
                let score = text_rank.get(&n).map_or(0.0, |&r| 1.0 / (60.0 + r as f32))
                    + vector_rank
                        .get(&n)
                        .map_or(0.0, |&r| 1.0 / (60.0 + r as f32));
                (score, n)
            })
            .collect();
        expected.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        expected.truncate(10);

        let hybrid = db
            .sql(&format!(
                "SELECT n, kind, _score, _text_rank, _text_score, _vector_rank, _vector_distance \
                 FROM hybrid_search('docs', 'body', '{QUERY}', 'emb', {VECTOR}, 10, exact => true){filter}"
            ))
            .await
            .unwrap();
        let got = ns(&hybrid);
        assert_eq!(got.len(), 10, "k rows whenever k rows match ({filter})");
        assert_eq!(
            got,
            expected.iter().map(|e| e.1).collect::<Vec<_>>(),
            "{filter}"
        );
        let scores = floats(&hybrid, "_score");
        for (s, e) in scores.iter().zip(&expected) {
            assert!((s.unwrap() - e.0).abs() < 1e-6);
        }
        let (tr, vr) = (ranks(&hybrid, "_text_rank"), ranks(&hybrid, "_vector_rank"));
        for (i, n) in got.iter().enumerate() {
            assert_eq!(tr[i], text_rank.get(n).copied());
            assert_eq!(vr[i], vector_rank.get(n).copied());
        }
        assert!(floats(&hybrid, "_text_score")
            .iter()
            .zip(&tr)
            .all(|(s, r)| s.is_some() == r.is_some()));
        if !filter.is_empty() {
            for b in &hybrid {
                let kinds = b.column_by_name("kind").unwrap().as_string::<i32>();
                assert!((0..kinds.len()).all(|i| kinds.value(i) == "rare"));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn linear_fusion_and_bad_options() {
    let db = db().await;
    let sql = |opts: &str| {
        format!("SELECT n, _score FROM hybrid_search('docs', 'body', '{QUERY}', 'emb', {VECTOR}, 5{opts})")
    };
    // weight 1: only the text leg counts, so the order is the text order
    // among rows that reach score 1 ... compare with weight 0 for the vector.
    let text_only = db
        .sql(&sql(", fusion => 'linear', weight => 1.0, exact => true"))
        .await
        .unwrap();
    let fts = db
        .sql(&format!("SELECT n FROM fts('docs', 'body', '{QUERY}', 5)"))
        .await
        .unwrap();
    assert_eq!(ns(&text_only), ns(&fts));
    let vector_only = db
        .sql(&sql(", fusion => 'linear', weight => 0, exact => true"))
        .await
        .unwrap();
    let knn = db
        .sql(&format!(
            "SELECT n FROM vector_search('docs', 'emb', {VECTOR}, 5, exact => true)"
        ))
        .await
        .unwrap();
    assert_eq!(ns(&vector_only), ns(&knn));
    let scores = floats(&vector_only, "_score");
    assert!(
        (scores[0].unwrap() - 1.0).abs() < 1e-6,
        "best row normalises to 1"
    );

    for (opts, message) in [
        (", fusion => 'max'", "unknown fusion"),
        (
            ", fusion => 'linear', weight => 1.5",
            "weight must be in [0, 1]",
        ),
        (", weight => 0.5", "applies to fusion => 'linear'"),
        (", nprobes => 3", "unknown option"),
    ] {
        let err = db.sql(&sql(opts)).await.unwrap_err().to_string();
        assert!(err.contains(message), "{opts}: {err}");
    }
    let err = db
        .sql(&format!(
            "SELECT * FROM hybrid_search('docs', 'body', '{QUERY}', 'emb', [1.0, 2.0], 5)"
        ))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("dimension"), "{err}");
    let err = db
        .sql(&format!(
            "SELECT * FROM hybrid_search('docs', 'body', 'glacier AND (', 'emb', {VECTOR}, 5)"
        ))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("position"), "{err}");
}
