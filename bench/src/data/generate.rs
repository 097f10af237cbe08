//! Generated datasets: found in the cache, or made by the Python generators
//! in `bench/datasets/` (the single source of the data, shared with the
//! peers). A cached directory is complete once its `meta.json` exists: the
//! generators write under a temporary name and rename at the end.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use serde_json::Value;

use super::{data_root, repo_root};

/// `data_root()/name`, running `bench/datasets/<script>` with `args` first
/// if the directory is not there yet.
pub fn ensure(name: &str, script: &str, args: &[String]) -> anyhow::Result<PathBuf> {
    let dir = data_root().join(name);
    if dir.join("meta.json").exists() {
        return Ok(dir);
    }
    let python = python();
    eprintln!("generating {} with {script} (once; cached)", dir.display());
    let status = Command::new(&python)
        .arg(repo_root().join("bench/datasets").join(script))
        .args(args)
        .arg("--out-root")
        .arg(data_root())
        .status()
        .with_context(|| format!("running {}", python.display()))?;
    anyhow::ensure!(status.success(), "{script} failed ({status})");
    anyhow::ensure!(
        dir.join("meta.json").exists(),
        "{script} did not produce {}",
        dir.display()
    );
    Ok(dir)
}

/// The peers' virtualenv Python if it has been set up (it has numpy and
/// pyarrow), else `python3`.
fn python() -> PathBuf {
    let venv = repo_root().join("bench/work/venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

/// A dataset directory's `meta.json`, with its path added as the peers do.
pub fn meta(dir: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(dir.join("meta.json"))
        .with_context(|| format!("reading {}/meta.json", dir.display()))?;
    let mut meta: serde_json::Map<String, Value> = serde_json::from_str(&text)?;
    let mut out = serde_json::Map::new();
    out.insert("path".into(), Value::String(dir.display().to_string()));
    out.append(&mut meta);
    Ok(Value::Object(out))
}
