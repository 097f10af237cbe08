//! Garbage collection (`vacuum`): delete segment files that no retained
//! snapshot references.
//!
//! A snapshot is retained if it was current at some moment within the
//! retention period: every version committed after the cutoff, and the one
//! that was newest at the cutoff. A file is deleted only if none of those
//! reference it *and* it was written before the cutoff, so the files of a
//! transaction still in flight (uploaded, not yet committed) are never
//! touched as long as transactions finish within the retention period.

use std::collections::HashSet;
use std::time::Duration;

use crate::commit::now_ms;
use crate::error::TableResult;
use crate::manifest::Action;
use crate::table::Table;

/// Default retention: a day of time travel, and a day for any write to
/// commit its uploaded files.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(24 * 3600);

/// What a vacuum did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VacuumReport {
    /// Oldest version still readable by time travel after the vacuum.
    pub oldest_retained_version: u64,
    pub files_deleted: Vec<String>,
    pub bytes_deleted: u64,
    pub files_kept: usize,
}

impl Table {
    /// Deletes unreferenced segment files older than `retention`. With
    /// `dry_run`, only reports what it would delete.
    pub async fn vacuum(&self, retention: Duration, dry_run: bool) -> TableResult<VacuumReport> {
        let latest = self.refresh().await?;
        let cutoff = now_ms().saturating_sub(retention.as_millis() as u64);
        // The newest version at the cutoff: walk back from the latest.
        let mut oldest = latest.version;
        while oldest > 0 {
            let commit = self.log.read_commit(oldest).await?;
            if commit.timestamp_ms <= cutoff {
                break;
            }
            oldest -= 1;
        }
        let mut referenced: HashSet<String> = HashSet::new();
        let base = self.log.load_version(oldest).await?;
        referenced.extend(base.segments.iter().map(|s| s.path.clone()));
        for v in oldest + 1..=latest.version {
            for action in self.log.read_commit(v).await?.actions {
                if let Action::AddSegment(e) = action {
                    referenced.insert(e.path);
                }
            }
        }
        let prefix = self.log.table_path("data/");
        let mut report = VacuumReport {
            oldest_retained_version: oldest,
            ..Default::default()
        };
        for (path, meta) in self.store().list(&prefix).await? {
            let relative = path
                .strip_prefix(&self.log.table_path(""))
                .unwrap_or(&path)
                .to_string();
            let written_ms = meta.last_modified.timestamp_millis().max(0) as u64;
            if referenced.contains(&relative) || written_ms > cutoff {
                report.files_kept += 1;
                continue;
            }
            if !dry_run {
                self.store().delete(&path).await?;
            }
            report.bytes_deleted += meta.size;
            report.files_deleted.push(relative);
        }
        // Folded WAL objects: their rows are in segments of every retained
        // version once the fold is older than the cutoff.
        for (seq, path) in crate::wal::wal_objects(self).await? {
            if seq > base.wal_folded_through {
                continue;
            }
            if !dry_run {
                self.store().delete(&path).await?;
            }
            report.files_deleted.push(
                path.strip_prefix(&self.log.table_path(""))
                    .unwrap_or(&path)
                    .to_string(),
            );
        }
        Ok(report)
    }
}
