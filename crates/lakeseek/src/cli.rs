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
    Import {
        table: String,
        file: PathBuf,
        /// Full-text column (repeatable); with an analyzer as COL:ANALYZER.
        #[arg(long = "text", value_name = "COL[:ANALYZER]")]
        text: Vec<String>,
        /// Vector column (repeatable); metric cosine (default), l2 or dot.
        #[arg(long = "vector", value_name = "COL[:METRIC]")]
        vector: Vec<String>,
        /// Input format when the file name does not tell.
        #[arg(long)]
        format: Option<String>,
        /// Hide the progress bar.
        #[arg(long)]
        quiet: bool,
    },
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
