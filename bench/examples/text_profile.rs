//! Runs one query type of the generated text corpus against a table kept by
//! `lakeseek-bench fts --keep`, many times, for a profiler to watch. A
//! profiling aid, not a benchmark: `cargo run --release -p lakeseek-bench
//! --example text_profile -- TABLE_DIR QUERIES.parquet term|or|and|phrase [ROUNDS]`.

use std::time::Instant;

use arrow::array::{AsArray, Int64Array};
use lakeseek::Database;
use lakeseek_table::search::text::TextSearch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, file, mode) = (&args[1], &args[2], args[3].as_str());
    let rounds: usize = args.get(4).map_or(Ok(20), |r| r.parse())?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(file)?)?.build()?;
    let mut queries = Vec::new();
    for batch in reader {
        let batch = batch?;
        let text = batch.column_by_name("text").unwrap().as_string::<i32>();
        let terms = batch
            .column_by_name("n_terms")
            .unwrap()
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap();
        for i in 0..batch.num_rows() {
            let t = text.value(i);
            let one = terms.value(i) == 1;
            let q = match mode {
                "term" if one => t.to_string(),
                "or" if !one => t.to_string(),
                "and" if !one => t.split_whitespace().collect::<Vec<_>>().join(" AND "),
                "phrase" => format!("\"{t}\""),
                _ => continue,
            };
            queries.push(q);
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let db = Database::connect(dir).await?;
        let table = db.open_table("t").await?;
        let snapshot = table.snapshot();
        println!(
            "{} segments, {} queries",
            snapshot.segments.len(),
            queries.len()
        );
        let mut times = Vec::new();
        for round in 0..rounds {
            for q in &queries {
                let t = Instant::now();
                table
                    .text_search(&snapshot, &TextSearch::new(q, 10))
                    .await?;
                if round > 0 {
                    times.push(t.elapsed());
                }
            }
        }
        times.sort();
        println!(
            "p50 {:?} p99 {:?}",
            times[times.len() / 2],
            times[times.len() * 99 / 100]
        );
        anyhow::Ok(())
    })
}
