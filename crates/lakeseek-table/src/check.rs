//! Consistency check (`lakeseek check`): verifies the log, every segment of
//! the latest snapshot and the deletion vectors, and reports each problem
//! with the object it concerns instead of stopping at the first.

use arrow::array::AsArray;
use arrow::datatypes::UInt64Type;

use crate::error::{TableError, TableResult};
use crate::manifest::{SegmentEntry, Snapshot, ROW_ID};
use crate::table::Table;

/// One thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The object concerned (a version, a segment, a WAL object).
    pub object: String,
    pub detail: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.object, self.detail)
    }
}

/// The result of a check.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    pub version: u64,
    pub versions_checked: u64,
    pub segments_checked: usize,
    pub live_rows: u64,
    pub wal_objects: usize,
    pub problems: Vec<Problem>,
}

impl CheckReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Table {
    /// Checks the whole table. Errors only when the table cannot be read at
    /// all; everything else is a [`Problem`] in the report.
    pub async fn check(&self) -> TableResult<CheckReport> {
        let latest = self.refresh().await?;
        let mut report = CheckReport {
            version: latest.version,
            live_rows: latest.rows(),
            ..Default::default()
        };
        self.check_log(&latest, &mut report).await;
        for entry in &latest.segments {
            report.segments_checked += 1;
            if let Err(e) = self.check_segment(entry).await {
                report.problems.push(Problem {
                    object: self.segment_path(entry),
                    detail: error_chain(&e),
                });
            }
        }
        // Every WAL object decodes with the table's schema; none after the
        // fold point is missing (a gap would hide the ones after it).
        let mut expected = latest.wal_folded_through + 1;
        for (seq, path) in crate::wal::wal_objects(self).await? {
            if let Err(e) = crate::wal::read_wal_object(self, &path).await {
                report.problems.push(Problem {
                    object: path.clone(),
                    detail: error_chain(&e),
                });
            }
            if seq > latest.wal_folded_through {
                if seq != expected {
                    report.problems.push(Problem {
                        object: path,
                        detail: format!("WAL object {expected} is missing before it"),
                    });
                }
                expected = seq + 1;
            }
            report.wal_objects += 1;
        }
        Ok(report)
    }

    /// Replays every commit from version 0 and compares with the snapshot
    /// that checkpoints give.
    async fn check_log(&self, latest: &Snapshot, report: &mut CheckReport) {
        let mut replayed: Option<Snapshot> = None;
        for v in 0..=latest.version {
            let path = self.log.version_path(v);
            let commit = match self.log.read_commit(v).await {
                Ok(c) => c,
                Err(e) => {
                    report.problems.push(Problem {
                        object: path,
                        detail: error_chain(&e),
                    });
                    return;
                }
            };
            let step = match replayed.as_mut() {
                None => Snapshot::from_create(&commit, &path).map(|s| replayed = Some(s)),
                Some(s) => s.apply(&commit, &path),
            };
            if let Err(e) = step {
                report.problems.push(Problem {
                    object: path,
                    detail: error_chain(&e),
                });
                return;
            }
            report.versions_checked += 1;
        }
        if let Some(replayed) = replayed {
            if replayed.segments != latest.segments || replayed.next_row_id != latest.next_row_id {
                report.problems.push(Problem {
                    object: format!("{}/_lakeseek/checkpoints", self.name()),
                    detail: format!(
                        "replaying the log gives a different snapshot at version {} than the checkpoint does",
                        latest.version
                    ),
                });
            }
        }
    }

    async fn check_segment(&self, entry: &SegmentEntry) -> TableResult<()> {
        let corrupt = |detail: String| TableError::CorruptManifest {
            path: self.segment_path(entry),
            detail,
        };
        // Size, checksum, footer, row count (open_segment checks them).
        let reader = self.open_segment(entry).await?;
        if reader.rows() != entry.rows {
            return Err(corrupt(format!(
                "the segment has {} rows, the manifest records {}",
                reader.rows(),
                entry.rows
            )));
        }
        for section in &entry.sections {
            if !reader.footer().sections.contains(section) {
                return Err(corrupt(format!(
                    "section {:?} in the manifest does not match the segment footer",
                    section.name
                )));
            }
            self.read_section(entry, &section.name).await?;
        }
        if let Some(dv) = &entry.deleted {
            if dv.0.max().is_some_and(|r| r as u64 >= entry.rows) {
                return Err(corrupt(
                    "the deletion vector names rows past the end".into(),
                ));
            }
        }
        let ids = self.segment_columns(entry, &[ROW_ID.to_string()]).await?;
        let ids = ids.column(0).as_primitive::<UInt64Type>();
        let values = ids.values();
        let ascending = values.windows(2).all(|w| w[0] < w[1]);
        let bounds = values.first() == Some(&entry.id_min) && values.last() == Some(&entry.id_max);
        let dense_ok = entry.sparse_ids || entry.id_max - entry.id_min + 1 == entry.rows;
        if entry.rows > 0 && !(ascending && bounds && dense_ok) {
            return Err(corrupt(format!(
                "the _id column does not match the manifest's range {}..={} (ascending: {ascending})",
                entry.id_min, entry.id_max
            )));
        }
        Ok(())
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
