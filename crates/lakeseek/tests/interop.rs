//! Segments are plain Parquet: pyarrow reads every user column of a segment,
//! the vector column included, with the values LakeSeek was given.

use std::process::Command;
use std::sync::Arc;

use arrow::array::{FixedSizeListArray, Float32Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use lakeseek::{Catalog, Metric, TableOptions};

#[tokio::test]
async fn pyarrow_reads_every_column_of_a_segment() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::connect(dir.path().to_str().unwrap(), &Default::default()).unwrap();
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    let schema = Schema::new(vec![
        Field::new("k", DataType::Int64, false),
        Field::new("body", DataType::Utf8, true),
        Field::new("emb", DataType::FixedSizeList(item.clone(), 4), true),
    ]);
    let options = TableOptions::default()
        .with_text("body")
        .with_vector("emb", 4, Metric::Cosine);
    let table = catalog
        .create_table("docs", schema.clone(), options)
        .await
        .unwrap();
    let n = 1000;
    let batch = RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(Int64Array::from_iter_values(0..n)),
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| format!("doc number {i}")),
            )),
            Arc::new(FixedSizeListArray::new(
                item,
                4,
                Arc::new(Float32Array::from_iter_values(
                    (0..n * 4).map(|i| i as f32 / 4.0),
                )),
                None,
            )),
        ],
    )
    .unwrap();
    let snapshot = table.append(&batch).await.unwrap();
    let segment = &snapshot.segments[0];
    let path = dir.path().join("docs").join(&segment.path);

    let script = r#"
import json, sys
import pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
emb = t.column("emb").to_pylist()
print(json.dumps({
    "columns": t.column_names,
    "rows": t.num_rows,
    "ids": sorted(t.column("_id").to_pylist()) == list(range(t.num_rows)),
    "k_sum": sum(t.column("k").to_pylist()),
    "body_500": t.column("body").to_pylist()[500],
    "emb_999": emb[999],
    "emb_type": str(t.schema.field("emb").type),
}))
"#;
    let out = Command::new("python3")
        .args(["-c", script, path.to_str().unwrap()])
        .output()
        .expect("python3 (run the README test command to install pyarrow)");
    assert!(
        out.status.success(),
        "pyarrow failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["columns"], serde_json::json!(["_id", "k", "body", "emb"]));
    assert_eq!(v["rows"], 1000);
    assert_eq!(v["ids"], true);
    assert_eq!(v["k_sum"], (0..1000).sum::<i64>());
    assert_eq!(v["body_500"], "doc number 500");
    assert_eq!(
        v["emb_999"],
        serde_json::json!([999.0, 999.25, 999.5, 999.75])
    );
    assert!(
        v["emb_type"]
            .as_str()
            .unwrap()
            .starts_with("fixed_size_list<item: float>[4]"),
        "{v}"
    );
}
