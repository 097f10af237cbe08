//! Peak memory of a large import: generates a CSV of the requested size
//! (deterministic), imports it with the release `lakeseek` binary under
//! `/usr/bin/time -v`, and records the peak resident set size and the rate.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;

use serde_json::json;

use crate::{machine, report};

const WORDS: &[&str] = &[
    "lake", "search", "vector", "segment", "parquet", "object", "storage", "query", "index",
    "token", "river", "stone", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "north",
    "south", "cloud", "bucket", "commit", "snapshot", "manifest", "reader", "writer", "engine",
    "score", "rank", "fusion", "hybrid",
];

/// Writes about `bytes` bytes of CSV rows to `path`; returns the row count.
fn generate(path: &Path, bytes: u64) -> anyhow::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(out, "id,category,price,body")?;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut written = 0u64;
    let mut rows = 0u64;
    let mut line = String::with_capacity(512);
    while written < bytes {
        line.clear();
        let words = 8 + (next() % 40) as usize;
        line.push_str(&format!(
            "{rows},cat{},{}.{:02},",
            next() % 50,
            next() % 1000,
            next() % 100
        ));
        for w in 0..words {
            if w > 0 {
                line.push(' ');
            }
            line.push_str(WORDS[(next() % WORDS.len() as u64) as usize]);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        written += line.len() as u64;
        rows += 1;
    }
    out.flush()?;
    Ok(rows)
}

pub fn run(gigabytes: f64, work: &Path, out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(work)?;
    let csv = work.join(format!("import-{gigabytes}gb.csv"));
    let bytes = (gigabytes * 1e9) as u64;
    let rows = if csv.exists() && std::fs::metadata(&csv)?.len() >= bytes {
        // Reuse a cached file; count its data lines.
        let text_rows = Command::new("wc").arg("-l").arg(&csv).output()?;
        String::from_utf8(text_rows.stdout)?
            .split_whitespace()
            .next()
            .unwrap_or("1")
            .parse::<u64>()?
            - 1
    } else {
        println!("generating {gigabytes} GB of CSV at {}", csv.display());
        generate(&csv, bytes)?
    };
    let file_bytes = std::fs::metadata(&csv)?.len();
    let exe = std::env::current_exe()?;
    let lakeseek = exe.with_file_name("lakeseek");
    anyhow::ensure!(
        lakeseek.exists(),
        "build the release CLI first: cargo build --release -p lakeseek"
    );
    let db = work.join("import-db");
    let _ = std::fs::remove_dir_all(&db);
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(&lakeseek)
        .arg("--db")
        .arg(&db)
        .args(["import", "big"])
        .arg(&csv)
        .arg("--quiet")
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    anyhow::ensure!(output.status.success(), "import failed: {stderr}");
    let field = |name: &str| {
        stderr
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .and_then(|l| l.rsplit(": ").next())
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let peak_kib: u64 = field("Maximum resident set size").parse().unwrap_or(0);
    let wall = field("Elapsed (wall clock) time");
    let seconds = parse_wall(&wall);
    let peak_mib = peak_kib as f64 / 1024.0;
    let data = json!({
        "machine": machine::describe(),
        "csv_bytes": file_bytes,
        "rows": rows,
        "peak_rss_mib": peak_mib,
        "wall_seconds": seconds,
        "rows_per_second": rows as f64 / seconds,
        "mb_per_second": file_bytes as f64 / 1e6 / seconds,
        "cli_output": String::from_utf8_lossy(&output.stdout).trim(),
    });
    let md = format!(
        "# Import memory\n\n`lakeseek import` of a generated {:.2} GB CSV ({rows} rows) on local disk, measured with `/usr/bin/time -v` ({}, {} cores).\n\n\
         | peak RSS | wall time | rows/s | MB/s |\n|---|---|---|---|\n| {peak_mib:.0} MiB | {seconds:.1} s | {:.0} | {:.1} |\n\n\
         Target: peak under 1 GiB (1024 MiB).\n",
        file_bytes as f64 / 1e9,
        data["machine"]["cpu"].as_str().unwrap_or("?"),
        data["machine"]["cores"],
        rows as f64 / seconds,
        file_bytes as f64 / 1e6 / seconds,
    );
    report::write(out, "import_memory", &data, &md)?;
    std::fs::remove_dir_all(&db).ok();
    Ok(())
}

/// `h:mm:ss` or `m:ss.ss` to seconds.
fn parse_wall(text: &str) -> f64 {
    text.split(':').fold(0.0, |acc, part| {
        acc * 60.0 + part.parse::<f64>().unwrap_or(0.0)
    })
}
