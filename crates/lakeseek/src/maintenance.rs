//! `optimize`, `vacuum` and `check`: table maintenance from the command line.

use std::time::Duration;

use anyhow::{bail, Result};
use lakeseek::{CompactionPolicy, Database};

pub async fn optimize(db: &Database, name: &str, small_rows: u64, target_rows: u64) -> Result<()> {
    let table = db.open_table(name).await?;
    let policy = CompactionPolicy {
        small_rows,
        target_rows,
        ..Default::default()
    };
    let r = table.optimize(&policy).await?;
    if r.segments_removed == 0 {
        println!("{name}: nothing to compact (version {})", r.version);
    } else {
        println!(
            "{name}: {} segments rewritten as {} ({} rows kept, {} deleted rows purged); table version {}",
            r.segments_removed, r.segments_added, r.rows_rewritten, r.rows_purged, r.version
        );
    }
    Ok(())
}

/// Parses `90s`, `30m`, `24h`, `7d` or a number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| anyhow::anyhow!("bad duration {text:?}: use e.g. 90s, 30m, 24h, 7d"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => bail!("bad duration unit in {text:?}: use s, m, h or d"),
    };
    Ok(Duration::from_secs(secs))
}

pub async fn vacuum(db: &Database, name: &str, retention: &str, dry_run: bool) -> Result<()> {
    let retention = parse_duration(retention)?;
    let table = db.open_table(name).await?;
    let r = table.vacuum(retention, dry_run).await?;
    let verb = if dry_run { "would delete" } else { "deleted" };
    for f in &r.files_deleted {
        println!("{verb} {f}");
    }
    println!(
        "{name}: {verb} {} files ({} bytes), kept {}; versions from {} stay readable",
        r.files_deleted.len(),
        r.bytes_deleted,
        r.files_kept,
        r.oldest_retained_version
    );
    Ok(())
}

pub async fn check(db: &Database, name: &str) -> Result<()> {
    let table = db.open_table(name).await?;
    let r = table.check().await?;
    for p in &r.problems {
        println!("PROBLEM {p}");
    }
    println!(
        "{name}: version {}, {} versions and {} segments checked, {} live rows: {}",
        r.version,
        r.versions_checked,
        r.segments_checked,
        r.live_rows,
        if r.ok() {
            "ok".to_string()
        } else {
            format!("{} problem(s)", r.problems.len())
        }
    );
    if !r.ok() {
        std::process::exit(1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("24h").unwrap(), Duration::from_secs(86_400));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_duration("3w").is_err());
        assert!(parse_duration("h").is_err());
    }
}
