//! The benchmark inputs, read the way the Python peers read them
//! (`bench/peers/data.py`), so every engine on either side indexes the same
//! rows and answers the same queries.
//!
//! Every document or vector is identified by its row number, whatever the
//! source id; SciFact's own ids are mapped to row numbers only to score
//! against its judgments and ground truth. SciFact is read in place from
//! `$SCIFACT_DIR` or `<repo>/../shared/data/scifact`; the generated sets come
//! from `bench/datasets/*.py`, cached under `bench/work/data/` (or
//! `$LAKESEEK_BENCH_DATA`) and generated on first use.

pub mod generate;
pub mod parquet_file;
mod text;
mod vectors;

use std::path::PathBuf;

pub use text::{generated_text, generated_text_dir, scifact_text, Mode, Query, TextSet};
pub use vectors::{generated_vectors, scifact_vectors, VectorSet};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ has a parent")
        .to_path_buf()
}

/// Where SciFact is read from.
pub fn scifact_dir() -> PathBuf {
    std::env::var_os("SCIFACT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/data/scifact"))
}

/// Where generated datasets are cached.
pub fn data_root() -> PathBuf {
    std::env::var_os("LAKESEEK_BENCH_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("bench/work/data"))
}
