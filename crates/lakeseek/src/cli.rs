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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
}
