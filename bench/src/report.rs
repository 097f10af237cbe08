//! Writing results: `<section>.json` and `<section>.md` side by side.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// `bench/results/<YYYY-MM-DD>` relative to the workspace root.
pub fn default_dir() -> PathBuf {
    let today = std::process::Command::new("date")
        .arg("+%F")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "undated".into());
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("results")
        .join(today)
}

/// Writes `name.json` (the data) and `name.md` (the summary) into `dir`.
pub fn write(dir: &Path, name: &str, data: &Value, markdown: &str) -> anyhow::Result<()> {
    std::fs::write(
        dir.join(format!("{name}.json")),
        serde_json::to_string_pretty(data)? + "\n",
    )?;
    std::fs::write(dir.join(format!("{name}.md")), markdown)?;
    println!("{markdown}");
    Ok(())
}

/// The median of `values` (which it sorts).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}
