//! `lakeseek-bench`: LakeSeek's benchmarks. Each subcommand is one section.
//!
//! - `commit-cost`, `import-memory`: LakeSeek alone; a JSON and a markdown
//!   result under `bench/results/<date>/`, with the machine described.
//! - `fts`, `vector`: LakeSeek (and the `tantivy` crate, with the `tantivy`
//!   feature) measured as the Python peers in `bench/peers/` measure theirs,
//!   one JSON per engine in the peers' schema under
//!   `bench/results/<date>/peers/`, so `bench/peers/summarize.py` and
//!   `plot_vectors.py` compare everything together.
//!
//! - `sql`: LakeSeek SQL over the Parquet file the peers' sql section reads
//!   (peers' schema, `peers/lakeseek-sql-<dataset>-t1.json`).
//! - `storage`: GETs and bytes per cold query against an S3 endpoint
//!   (`storage.{json,md}`).
//!
//! Run them all, with the Python peers and the report, with `bench/run all`.

mod commit_cost;
mod data;
mod fts;
mod import_memory;
mod lakeseek_setup;
mod machine;
mod metrics;
mod peer_record;
mod report;
mod sql;
mod storage;
mod timing;
mod vector;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "lakeseek-bench")]
struct Args {
    /// Where results go (default bench/results/<today>, and its peers/
    /// folder for fts and vector).
    #[arg(long, global = true)]
    out: Option<PathBuf>,
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
        work: PathBuf,
    },
    /// BM25 full text: build rate, index size, top-10 latency per query type,
    /// and SciFact relevance, for LakeSeek and the tantivy crate.
    Fts {
        #[command(flatten)]
        common: Common,
        /// Documents of the generated corpus.
        #[arg(long, default_value_t = 1_000_000)]
        docs: usize,
        /// Engines to run (default: every engine built in).
        #[arg(long = "engine", value_delimiter = ',')]
        engines: Vec<String>,
    },
    /// Vector search: build rate, index bytes per vector, recall@10 against
    /// QPS over an nprobe sweep per refine setting, for LakeSeek.
    Vector {
        #[command(flatten)]
        common: Common,
        /// Vectors of the generated set.
        #[arg(long, default_value_t = 1_000_000)]
        n: usize,
        /// Dimension of the generated set.
        #[arg(long, default_value_t = 384)]
        dim: usize,
        /// Planted clusters of the generated set.
        #[arg(long, default_value_t = 1000)]
        clusters: usize,
        /// Queries of the generated set.
        #[arg(long, default_value_t = 1000)]
        vector_queries: usize,
        /// Clusters of the table's model probed, swept upwards.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "2,4,8,12,16,24,32,48,64,96"
        )]
        nprobes: Vec<usize>,
        /// Rerank factors, one sweep each ("default" = LakeSeek's).
        #[arg(long, value_delimiter = ',', default_value = "default,40")]
        refines: Vec<String>,
    },
    /// SQL (scan, filter, group-by, top-k) over the Parquet file the peers'
    /// sql section reads, imported into a LakeSeek table.
    Sql {
        /// `scifact` or `generated`.
        #[arg(long, default_value = "scifact")]
        dataset: String,
        /// Documents of the generated corpus.
        #[arg(long, default_value_t = 1_000_000)]
        docs: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Timed repetitions of each query (after one warm-up).
        #[arg(long, default_value_t = 5)]
        reps: usize,
        /// Where the table is built (removed afterwards unless --keep).
        #[arg(long)]
        workdir: Option<PathBuf>,
        #[arg(long)]
        keep: bool,
    },
    /// GETs, bytes and LISTs per cold query on an S3 endpoint (SciFact).
    Storage {
        /// S3 endpoint, e.g. http://127.0.0.1:5000 (`bench/run storage` starts moto).
        #[arg(long)]
        endpoint: String,
        /// An existing bucket.
        #[arg(long, default_value = "lakeseek-bench")]
        bucket: String,
        #[arg(long, default_value = "storage")]
        prefix: String,
        /// Queries measured per query type.
        #[arg(long, default_value_t = 20)]
        queries: usize,
    },
}

/// Options shared by the fts and vector sections (the peers' flags).
#[derive(Debug, clap::Args)]
struct Common {
    /// `scifact` (read in place) or `generated` (bench/datasets, cached).
    #[arg(long, default_value = "scifact")]
    dataset: String,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Untimed queries before each timed pass.
    #[arg(long, default_value_t = 50)]
    warmup: usize,
    /// Queries per query set, evenly spread (default: all).
    #[arg(long)]
    max_queries: Option<usize>,
    /// Where indexes are built (removed afterwards unless --keep).
    #[arg(long)]
    workdir: Option<PathBuf>,
    /// Keep the built indexes.
    #[arg(long)]
    keep: bool,
}

impl Common {
    fn workdir(&self) -> PathBuf {
        self.workdir
            .clone()
            .unwrap_or_else(|| data::repo_root().join("bench/work/engines"))
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let peers_out = || {
        args.out
            .clone()
            .unwrap_or_else(|| report::default_dir().join("peers"))
    };
    let out = args.out.clone().unwrap_or_else(report::default_dir);
    match &args.section {
        Section::CommitCost { commits } => {
            std::fs::create_dir_all(&out)?;
            tokio::runtime::Runtime::new()?.block_on(commit_cost::run(*commits, &out))
        }
        Section::ImportMemory { gigabytes, work } => {
            std::fs::create_dir_all(&out)?;
            import_memory::run(*gigabytes, work, &out)
        }
        Section::Fts {
            common,
            docs,
            engines,
        } => {
            let engines: Vec<String> = if engines.is_empty() {
                fts::engine_names().into_iter().map(String::from).collect()
            } else {
                engines.clone()
            };
            let workdir = common.workdir();
            let opts = fts::Options {
                engines: &engines,
                dataset: &common.dataset,
                docs: *docs,
                seed: common.seed,
                warmup: common.warmup,
                max_queries: common.max_queries,
                workdir: &workdir,
                keep: common.keep,
            };
            fts::run(&opts, &peers_out())
        }
        Section::Vector {
            common,
            n,
            dim,
            clusters,
            vector_queries,
            nprobes,
            refines,
        } => {
            let refines = refines
                .iter()
                .map(|r| match r.as_str() {
                    "default" => Ok(None),
                    v => v
                        .parse()
                        .map(Some)
                        .map_err(|_| anyhow::anyhow!("--refines: {v:?} is not a number")),
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let workdir = common.workdir();
            let opts = vector::Options {
                dataset: &common.dataset,
                n: *n,
                dim: *dim,
                clusters: *clusters,
                vector_queries: *vector_queries,
                seed: common.seed,
                warmup: common.warmup,
                max_queries: common.max_queries,
                nprobes,
                refines: &refines,
                workdir: &workdir,
                keep: common.keep,
            };
            vector::run(&opts, &peers_out())
        }
        Section::Sql {
            dataset,
            docs,
            seed,
            reps,
            workdir,
            keep,
        } => {
            let workdir = workdir
                .clone()
                .unwrap_or_else(|| data::repo_root().join("bench/work/engines"));
            let opts = sql::Options {
                dataset,
                docs: *docs,
                seed: *seed,
                reps: *reps,
                workdir: &workdir,
                keep: *keep,
            };
            sql::run(&opts, &peers_out())
        }
        Section::Storage {
            endpoint,
            bucket,
            prefix,
            queries,
        } => {
            let opts = storage::Options {
                endpoint,
                bucket,
                prefix,
                queries: *queries,
            };
            storage::run(&opts, &out)
        }
    }
}
