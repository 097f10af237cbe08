//! The `lakeseek` binary end to end: import of real data, SQL answers checked
//! against an independent read of the source file, and clear errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use arrow::array::{Array, AsArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_lakeseek")
}

fn scifact() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/scifact/corpus.parquet")
}

fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run lakeseek")
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(
        out.status.success(),
        "lakeseek {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn csv_rows(db: &Path, sql: &str) -> Vec<String> {
    ok(db, &["sql", "--format", "csv", "-c", sql])
        .lines()
        .skip(1)
        .map(|s| s.to_string())
        .collect()
}

/// (id, title, text) of every SciFact document, read straight from the file.
fn corpus() -> Vec<(String, String, String)> {
    let file = std::fs::File::open(scifact()).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut docs = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let col = |name: &str| batch.column_by_name(name).unwrap().clone();
        let (ids, titles, texts) = (col("id"), col("title"), col("text"));
        for i in 0..batch.num_rows() {
            let s = |a: &dyn Array| a.as_string::<i32>().value(i).to_string();
            docs.push((s(ids.as_ref()), s(titles.as_ref()), s(texts.as_ref())));
        }
    }
    docs
}

#[test]
fn import_scifact_then_query_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let path = scifact();
    let out = ok(
        &db,
        &[
            "import",
            "scifact",
            path.to_str().unwrap(),
            "--text",
            "title",
            "--text",
            "text",
            "--vector",
            "emb",
            "--quiet",
        ],
    );
    assert!(out.contains("imported 5183 rows"), "{out}");
    let docs = corpus();
    assert_eq!(docs.len(), 5183);

    assert_eq!(csv_rows(&db, "SELECT count(*) FROM scifact"), vec!["5183"]);

    // A filtered projection.
    let mut expected: Vec<String> = docs
        .iter()
        .filter(|(_, title, _)| title.contains("malaria"))
        .map(|(id, _, _)| id.clone())
        .collect();
    expected.sort();
    let got = csv_rows(
        &db,
        "SELECT id FROM scifact WHERE title LIKE '%malaria%' ORDER BY id",
    );
    assert!(!expected.is_empty());
    assert_eq!(got, expected);

    // An aggregate.
    let long = docs
        .iter()
        .filter(|(_, t, _)| t.chars().count() > 100)
        .count();
    let total_chars: usize = docs.iter().map(|(_, _, text)| text.chars().count()).sum();
    let got = csv_rows(
        &db,
        "SELECT sum(CASE WHEN character_length(title) > 100 THEN 1 ELSE 0 END), sum(character_length(text)) FROM scifact",
    );
    assert_eq!(got, vec![format!("{long},{total_chars}")]);

    // Vectors are stored whole.
    let dims = csv_rows(&db, "SELECT DISTINCT array_length(emb) FROM scifact");
    assert_eq!(dims, vec!["384"]);

    let info = ok(&db, &["info", "scifact"]);
    assert!(info.contains("rows      5183"), "{info}");
    assert!(info.contains("vector, dimension 384"), "{info}");
    assert_eq!(ok(&db, &["tables"]).trim(), "scifact");
}

#[test]
fn import_jsonl_with_vectors_and_reject_bad_dimension() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let good = dir.path().join("good.jsonl");
    std::fs::write(
        &good,
        "{\"k\": 1, \"body\": \"red fox\", \"v\": [1, 0, 0]}\n{\"k\": 2, \"body\": \"blue whale\", \"v\": [0, 1, 0.5]}\n",
    )
    .unwrap();
    ok(
        &db,
        &[
            "import",
            "docs",
            good.to_str().unwrap(),
            "--text",
            "body",
            "--vector",
            "v:l2",
            "--quiet",
        ],
    );
    assert_eq!(
        csv_rows(&db, "SELECT k, v FROM docs ORDER BY k"),
        vec!["1,\"[1.0, 0.0, 0.0]\"", "2,\"[0.0, 1.0, 0.5]\""]
    );

    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"k\": 3, \"body\": \"x\", \"v\": [1, 2]}\n").unwrap();
    let out = run(&db, &["import", "docs", bad.to_str().unwrap(), "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one line, no backtrace: {err}");
    assert!(err.contains("\"v\""), "names the column: {err}");
    assert_eq!(
        csv_rows(&db, "SELECT count(*) FROM docs"),
        vec!["2"],
        "nothing partial is visible"
    );
}

#[test]
fn import_csv_is_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let csv = dir.path().join("rows.csv");
    let mut text = String::from("n,label\n");
    for i in 0..30_000 {
        text.push_str(&format!("{i},row {i}\n"));
    }
    std::fs::write(&csv, text).unwrap();
    ok(&db, &["import", "rows", csv.to_str().unwrap(), "--quiet"]);
    assert_eq!(
        csv_rows(&db, "SELECT count(*), count(DISTINCT n), sum(n) FROM rows"),
        vec![format!("30000,30000,{}", (0..30_000u64).sum::<u64>())]
    );
    // Create (version 0) and one import commit.
    let info = ok(&db, &["info", "rows"]);
    assert!(info.contains("version   1"), "{info}");
}

#[test]
fn errors_are_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    for args in [
        vec!["sql", "-c", "SELECT * FROM nowhere"],
        vec!["info", "nowhere"],
        vec!["import", "t", "/does/not/exist.csv"],
        vec!["sql", "-c", "SELEKT 1"],
    ] {
        let out = run(&db, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("error: ") && err.lines().count() == 1,
            "{args:?}: {err}"
        );
    }
}

#[test]
fn eval_scores_modes_and_comparisons() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let corpus = dir.path().join("corpus.jsonl");
    // Four documents; the vectors point along one axis each.
    std::fs::write(
        &corpus,
        concat!(
            "{\"id\": \"d1\", \"body\": \"red fox jumps\", \"v\": [1, 0, 0]}\n",
            "{\"id\": \"d2\", \"body\": \"blue whale sings\", \"v\": [0, 1, 0]}\n",
            "{\"id\": \"d3\", \"body\": \"red whale\", \"v\": [0, 0, 1]}\n",
            "{\"id\": \"d4\", \"body\": \"green fox\", \"v\": [0.7, 0.7, 0]}\n",
        ),
    )
    .unwrap();
    ok(
        &db,
        &[
            "import",
            "docs",
            corpus.to_str().unwrap(),
            "--text",
            "body",
            "--vector",
            "v",
            "--quiet",
        ],
    );
    let queries = dir.path().join("queries.jsonl");
    std::fs::write(
        &queries,
        concat!(
            "{\"id\": \"q1\", \"text\": \"whale songs?\", \"vector\": [0, 1, 0]}\n",
            "{\"id\": \"q2\", \"text\": \"(red) fox AND\", \"vector\": [1, 0, 0]}\n",
            "{\"id\": \"q3\", \"text\": \"unjudged\", \"vector\": [1, 0, 0]}\n",
        ),
    )
    .unwrap();
    let qrels = dir.path().join("qrels.tsv");
    std::fs::write(
        &qrels,
        "query-id\tcorpus-id\tscore\nq1\td2\t1\nq2\td1\t2\nq2\td4\t1\n",
    )
    .unwrap();
    let args = [
        "eval",
        "docs",
        "--queries",
        queries.to_str().unwrap(),
        "--qrels",
        qrels.to_str().unwrap(),
        "--compare",
        "lin: modes=hybrid,fusion=linear,weight=0.3",
        "--format",
        "json",
    ];
    let out: serde_json::Value = serde_json::from_str(&ok(&db, &args)).unwrap();
    let rows = out.as_array().unwrap();
    assert_eq!(
        rows.len(),
        4,
        "three modes, plus one for the comparison: {out}"
    );
    for r in rows {
        assert_eq!(r["queries"], 2, "only judged queries count: {r}");
        // Every relevant document is found within 100 results.
        assert_eq!(r["recall_at_100"], 1.0, "{r}");
    }
    // The dense leg ranks each query's axis document first.
    let vector = rows.iter().find(|r| r["mode"] == "vector").unwrap();
    assert_eq!(vector["mrr_at_10"], 1.0, "{vector}");
    assert_eq!(rows[3]["config"], "lin");

    // The text table names the configurations side by side.
    let table = ok(&db, &args[..8]);
    assert!(
        table.lines().next().unwrap().starts_with("config"),
        "{table}"
    );
    assert_eq!(
        table.lines().filter(|l| l.starts_with("lin ")).count(),
        1,
        "{table}"
    );

    // Bad inputs are one clear line.
    let out = run(
        &db,
        &[
            "eval",
            "docs",
            "--queries",
            queries.to_str().unwrap(),
            "--qrels",
            qrels.to_str().unwrap(),
            "--set",
            "nprobe=many",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nprobe") && err.lines().count() == 1, "{err}");
}
