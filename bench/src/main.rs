//! `lakeseek-bench`: LakeSeek's benchmarks. Each subcommand is one section and
//! writes a JSON and a markdown result under `bench/results/<date>/`, with the
//! machine described. Run them all with `bench/run all`.

mod commit_cost;
mod import_memory;
mod machine;
mod report;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "lakeseek-bench")]
struct Args {
    /// Where results go (default bench/results/<today>).
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    #[command(subcommand)]
    section: Section,
}

#[derive(Debug, Subcommand)]
enum Section {
    /// Cost of commit number N against commit number 10 as a table's log grows.
    CommitCost {
        /// Commits to make.
        #[arg(long, default_value_t = 1000)]
        commits: u64,
    },
    /// Peak memory of importing a large generated CSV with the release CLI.
    ImportMemory {
        /// CSV size to generate, in GB (10^9 bytes).
        #[arg(long, default_value_t = 5.0)]
        gigabytes: f64,
        /// Work directory for the CSV and the database (kept out of git).
        #[arg(long, default_value = "bench/work")]
        work: std::path::PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let out = args.out.unwrap_or_else(report::default_dir);
    std::fs::create_dir_all(&out)?;
    let runtime = tokio::runtime::Runtime::new()?;
    match args.section {
        Section::CommitCost { commits } => runtime.block_on(commit_cost::run(commits, &out)),
        Section::ImportMemory { gigabytes, work } => import_memory::run(gigabytes, &work, &out),
    }
}
