//! Command-line flags.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// LakeSeek: SQL, full-text and vector search over Parquet on object storage.
#[derive(Debug, Parser)]
#[command(name = "lakeseek", version, about)]
pub struct Cli {
    /// Database location: a directory, file://, memory://, s3://bucket/prefix, gs://, az://.
    #[arg(
        long,
        global = true,
        default_value = "./lakeseek-data",
        env = "LAKESEEK_DB"
    )]
    pub db: String,
    /// Store option KEY=VALUE (e.g. aws_endpoint=http://127.0.0.1:9000); repeatable.
    #[arg(long = "store-option", global = true, value_name = "KEY=VALUE")]
    pub store_options: Vec<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import a Parquet, CSV or JSON Lines file into a table (created if missing), in one commit.
    Import(ImportArgs),
    /// Run SQL: one statement with -c, or an interactive shell.
    Sql {
        /// The statement to run.
        #[arg(short = 'c', long = "command")]
        command: Option<String>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// List tables.
    Tables,
    /// Show a table's versions, segments, rows and bytes.
    Info { table: String },
    /// Measure search relevance against judged queries: nDCG@10, recall@10,
    /// recall@100, MRR@10 and latency per mode (text, vector, hybrid).
    Eval(EvalArgs),
    /// Compact a table: merge small segments, rewrite segments with many
    /// deleted rows, retrain a vector model the table has outgrown and
    /// re-encode segments built with an older one (row ids are unchanged).
    Optimize {
        table: String,
        /// Segments with fewer live rows are merged with their neighbours.
        #[arg(long, default_value_t = 100_000)]
        small_rows: u64,
        /// Merged segments stop growing past this many rows.
        #[arg(long, default_value_t = 1_000_000)]
        target_rows: u64,
    },
    /// Delete segment files no retained version references.
    Vacuum {
        table: String,
        /// Keep every version current within this period, and every file
        /// younger than it (e.g. 24h, 30m, 0s).
        #[arg(long, default_value = "24h")]
        retention: String,
        /// Only list what would be deleted.
        #[arg(long)]
        dry_run: bool,
    },
    /// Verify a table: the log, every segment's checksum and layout, deletion
    /// vectors. Exits with status 1 if anything is wrong.
    Check { table: String },
    /// Run a randomized write workload journaled to a file (for crash and
    /// concurrency testing).
    #[command(hide = true)]
    Stress {
        table: String,
        /// First key this process owns.
        #[arg(long)]
        base: i64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = u64::MAX)]
        ops: u64,
        #[arg(long, default_value_t = 3600)]
        seconds: u64,
        /// Journal: one JSON line per operation begun and acknowledged.
        #[arg(long)]
        journal: PathBuf,
    },
}

/// Flags of `lakeseek import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    pub table: String,
    pub file: PathBuf,
    /// Full-text column (repeatable); with an analyzer as COL:ANALYZER.
    #[arg(long = "text", value_name = "COL[:ANALYZER]")]
    pub text: Vec<String>,
    /// Vector column (repeatable); metric cosine (default), l2 or dot.
    #[arg(long = "vector", value_name = "COL[:METRIC]")]
    pub vector: Vec<String>,
    /// Primary key column, declared when the table is created (enables --upsert).
    #[arg(long)]
    pub primary_key: Option<String>,
    /// Create the table with a write-ahead log: later small appends (INSERT)
    /// cost one PUT and are folded into segments in the background.
    #[arg(long)]
    pub wal: bool,
    /// Replace rows whose primary key exists, append the others.
    #[arg(long)]
    pub upsert: bool,
    /// Idempotency key: re-running an import with an id already committed does nothing.
    #[arg(long)]
    pub batch_id: Option<String>,
    /// Input format when the file name does not tell.
    #[arg(long)]
    pub format: Option<String>,
    /// Hide the progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Flags of `lakeseek eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    pub table: String,
    /// Queries: Parquet or JSON Lines with an id, a text and optionally a vector.
    #[arg(long)]
    pub queries: PathBuf,
    /// Relevance judgments: BEIR TSV (query-id, corpus-id, score) or TREC qrels.
    #[arg(long)]
    pub qrels: PathBuf,
    /// Table column holding the document ids the judgments name.
    #[arg(long, default_value = "id")]
    pub id_column: String,
    /// Query id field of the queries file.
    #[arg(long, default_value = "id")]
    pub query_id: String,
    /// Query text field of the queries file.
    #[arg(long, default_value = "text")]
    pub query_text: String,
    /// Query vector field (default: the file's only list column).
    #[arg(long)]
    pub query_vector: Option<String>,
    /// Modes to run, comma-separated: text, vector, hybrid.
    #[arg(long, default_value = "text,vector,hybrid")]
    pub modes: String,
    /// A setting for every configuration, KEY=VALUE (repeatable): text=COL+COL,
    /// vector=COL, k1, b, nprobe, refine, exact, fusion=rrf|linear, weight,
    /// rrf_k, depth, table.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub settings: Vec<String>,
    /// Another configuration to run beside the default, as [NAME:]KEY=VALUE,...
    /// (repeatable), e.g. --compare 'tuned: k1=0.9,b=0.4'.
    #[arg(long = "compare", value_name = "[NAME:]SETTINGS")]
    pub compare: Vec<String>,
    /// Output: an aligned table or JSON.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
}
