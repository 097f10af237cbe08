//! Commit cost as the log grows: the time of one append commit (one small
//! segment and one version object) at commit 10 and at commit N, on local
//! disk. Each point is the median of the 21 commits around it, so a single
//! checkpoint write or a hiccup does not decide it.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use lakeseek::{Catalog, TableOptions};
use serde_json::json;

use crate::{machine, report};

const WINDOW: u64 = 10;

pub async fn run(commits: u64, out: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        commits >= 10 + 2 * WINDOW,
        "need at least {} commits",
        10 + 2 * WINDOW
    );
    let dir = tempfile_dir()?;
    let catalog = Catalog::connect(dir.to_str().unwrap(), &Default::default())?;
    let schema = Schema::new(vec![
        Field::new("k", DataType::Int64, false),
        Field::new("s", DataType::Utf8, true),
    ]);
    let table = catalog
        .create_table("log", schema.clone(), TableOptions::default())
        .await?;
    let schema = Arc::new(schema);
    let mut times = Vec::with_capacity(commits as usize);
    for i in 0..commits as i64 {
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from(vec![i])),
                Arc::new(StringArray::from(vec![format!("row {i}")])),
            ],
        )?;
        let start = Instant::now();
        table.append(&batch).await?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    // Opening the table (cold) at the end, for the record.
    let start = Instant::now();
    let reopened = catalog.open_table("log").await?;
    let open_ms = start.elapsed().as_secs_f64() * 1e3;
    anyhow::ensure!(reopened.snapshot().version == commits, "lost commits");

    let around = |n: u64| {
        let lo = n.saturating_sub(WINDOW).max(1) as usize;
        let hi = ((n + WINDOW) as usize).min(times.len());
        let mut w: Vec<f64> = times[lo - 1..hi].to_vec();
        report::median(&mut w)
    };
    let at_10 = around(10);
    let at_n = around(commits - WINDOW);
    let ratio = at_n / at_10;
    let data = json!({
        "machine": machine::describe(),
        "store": "local disk",
        "commits": commits,
        "commit_ms_median_around_10": at_10,
        "commit_ms_median_around_n": at_n,
        "n": commits - WINDOW,
        "ratio": ratio,
        "open_ms_after_all_commits": open_ms,
        "all_commit_ms": times,
    });
    let md = format!(
        "# Commit cost\n\nLocal disk, {commits} single-row append commits on one table ({cpu}, {cores} cores).\n\n\
         | point | median commit time (21 commits around it) |\n|---|---|\n\
         | commit 10 | {at_10:.2} ms |\n| commit {n} | {at_n:.2} ms |\n\n\
         Ratio: **{ratio:.2}×** (target ≤ 2×). Opening the table after all commits: {open_ms:.1} ms.\n",
        n = commits - WINDOW,
        cpu = data["machine"]["cpu"].as_str().unwrap_or("?"),
        cores = data["machine"]["cores"],
    );
    report::write(out, "commit_cost", &data, &md)?;
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("lakeseek-commit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
