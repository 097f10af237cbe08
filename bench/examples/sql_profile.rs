//! Where the time of one search through SQL goes: parse, plan (which runs the
//! search inside the table function's scan), execute. A profiling aid, not a
//! benchmark: `cargo run --release -p lakeseek-bench --example sql_profile --
//! DIR 'SQL' [REPS]` against a table kept by a bench run (`--keep`).

use std::time::{Duration, Instant};

use lakeseek::Database;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let dir = &args[1];
    let sql = std::fs::read_to_string(&args[2]).unwrap_or_else(|_| args[2].clone());
    let reps: usize = args.get(3).map_or(Ok(2000), |r| r.parse())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let db = Database::connect(dir).await?;
        db.sql(&sql).await?;
        let mut total = Duration::ZERO;
        let mut times = Vec::with_capacity(reps);
        for _ in 0..reps {
            let t = Instant::now();
            db.sql(&sql).await?;
            let e = t.elapsed();
            total += e;
            times.push(e);
        }
        times.sort();
        println!(
            "{} reps: mean {:?} p50 {:?} p99 {:?}",
            reps,
            total / reps as u32,
            times[reps / 2],
            times[reps * 99 / 100]
        );
        anyhow::Ok(())
    })
}
