//! Runs the queries of a generated vector set against a table kept by
//! `lakeseek-bench vector --keep`, many times, for a profiler to watch. A
//! profiling aid, not a benchmark: `cargo run --release -p lakeseek-bench
//! --example vector_profile -- TABLE_DIR QUERIES.parquet NPROBE [ROUNDS]`.

use std::time::Instant;

use arrow::array::{Array, AsArray};
use arrow::datatypes::Float32Type;
use lakeseek::Database;
use lakeseek_table::search::vector::VectorSearch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, file) = (&args[1], &args[2]);
    let nprobe: usize = args[3].parse()?;
    let rounds: usize = args.get(4).map_or(Ok(5), |r| r.parse())?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(file)?)?.build()?;
    let mut queries: Vec<Vec<f32>> = Vec::new();
    for batch in reader {
        let batch = batch?;
        let list = batch
            .column_by_name("emb")
            .ok_or_else(|| anyhow::anyhow!("no emb column"))?
            .as_fixed_size_list();
        let dim = list.value_length() as usize;
        let values = list.values().as_primitive::<Float32Type>().values();
        for i in 0..list.len() {
            let start = (list.offset() + i) * dim;
            queries.push(values[start..start + dim].to_vec());
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
                let mut request = VectorSearch::new("emb", q.clone(), 10);
                request.nprobe = Some(nprobe);
                let t = Instant::now();
                table.vector_search(&snapshot, &request).await?;
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
