//! Runs one query type of the generated text corpus against a table kept by
//! `lakeseek-bench fts --keep`, many times, for a profiler to watch. A
//! profiling aid, not a benchmark (the bench harness is): it lives here, not
//! in `bench/`, so that rebuilding it after a change to the search code
//! compiles no SQL layer.
//!
//! ```text
//! cargo run --release -p lakeseek-table --example text_profile -- \
//!     DB_DIR QUERIES.parquet term|or|and|phrase [ROUNDS] [BAND]
//! ```
//!
//! `DB_DIR` is the `lakeseek-fts-generated` folder the bench kept (table
//! `t`); `QUERIES.parquet` the corpus's `queries.parquet` (or
//! `phrases.parquet`). Prints p50 and p99 per document-frequency band.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use arrow::array::{AsArray, Int64Array};
use lakeseek_table::search::text::TextSearch;
use lakeseek_table::Catalog;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        return Err(
            "usage: text_profile DB_DIR QUERIES.parquet term|or|and|phrase [ROUNDS] [BAND]".into(),
        );
    }
    let (dir, file, mode) = (&args[1], &args[2], args[3].as_str());
    let rounds: usize = args.get(4).map_or(Ok(20), |r| r.parse())?;
    let only_band = args.get(5);
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(file)?)?.build()?;
    let mut queries: Vec<(String, String)> = Vec::new();
    for batch in reader {
        let batch = batch?;
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .ok_or(format!("no column {name}"))
        };
        let text = column("text")?.as_string::<i32>().clone();
        let band = column("band")?.as_string::<i32>().clone();
        let terms = column("n_terms")?
            .as_any()
            .downcast_ref::<Int64Array>()
            .ok_or("n_terms is not int64")?
            .clone();
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
            if only_band.is_some_and(|b| b != band.value(i)) {
                continue;
            }
            queries.push((band.value(i).to_string(), q));
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let catalog = Catalog::connect(dir, &HashMap::new())?;
        let table = catalog.open_table("t").await?;
        let snapshot = table.snapshot();
        println!(
            "{} segments, {} queries",
            snapshot.segments.len(),
            queries.len()
        );
        let mut times: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
        let mut per_query: Vec<Vec<Duration>> = vec![Vec::new(); queries.len()];
        for round in 0..rounds {
            for (i, (band, q)) in queries.iter().enumerate() {
                let t = Instant::now();
                table
                    .text_search(&snapshot, &TextSearch::new(q, 10))
                    .await?;
                if round > 0 {
                    times.entry(band).or_default().push(t.elapsed());
                    times.entry("all").or_default().push(t.elapsed());
                    per_query[i].push(t.elapsed());
                }
            }
        }
        // PER_QUERY=1: each query's median, slowest last.
        if std::env::var_os("PER_QUERY").is_some() {
            let mut medians: Vec<(Duration, &str)> = per_query
                .iter_mut()
                .zip(&queries)
                .filter(|(t, _)| !t.is_empty())
                .map(|(t, (_, q))| {
                    t.sort();
                    (t[t.len() / 2], q.as_str())
                })
                .collect();
            medians.sort();
            for (t, q) in medians {
                println!("{t:>10.1?}  {q}");
            }
        }
        for (band, mut t) in times {
            t.sort();
            println!(
                "{band:>7}: p50 {:>9.1?} p99 {:>9.1?}",
                t[t.len() / 2],
                t[t.len() * 99 / 100]
            );
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}
