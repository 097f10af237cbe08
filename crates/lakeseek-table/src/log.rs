//! The commit log on storage: where versions and checkpoints live, and how a
//! snapshot is loaded from them.
//!
//! Layout under the table directory:
//! ```text
//! _lakeseek/versions/{v/100:016}/{v:020}.json  one Commit per version, created with put_if_absent
//! _lakeseek/checkpoints/{v:020}.json           the whole Snapshot at v, every `checkpoint_interval` versions
//! _lakeseek/_last_checkpoint                   advisory hint: {"version": v} of a recent checkpoint
//! data/{uuid}.parquet                          segments
//! ```
//! Versions are grouped in folders of [`VERSIONS_PER_FOLDER`] so that finding
//! the versions after `v` lists one short folder (rarely two), whatever the
//! store: S3 and GCS push a listing offset down, but a local directory or a
//! plain HTTP store cannot, and a flat folder made every commit's refresh cost
//! grow with the table's age. Opening reads the hint, one checkpoint, and the
//! folders after it, so its cost does not grow with the number of commits.

use futures::future::try_join_all;
use lakeseek_store::{Store, StoreError};
use serde::{Deserialize, Serialize};

use crate::error::{TableError, TableResult};
use crate::manifest::{self, Commit, Snapshot};

/// Versions between checkpoints.
pub const DEFAULT_CHECKPOINT_INTERVAL: u64 = 100;

/// Versions per folder of the log. Fixed by the format (unlike the checkpoint
/// interval, which each writer may choose): every reader must agree on where
/// version `v` lives.
pub const VERSIONS_PER_FOLDER: u64 = 100;

/// Root-relative path of version `v` of table `table`.
pub fn version_object_path(table: &str, v: u64) -> String {
    format!(
        "{table}/_lakeseek/versions/{:016}/{v:020}.json",
        v / VERSIONS_PER_FOLDER
    )
}

#[derive(Debug, Serialize, Deserialize)]
struct CheckpointHint {
    version: u64,
}

/// The log of one table.
#[derive(Debug, Clone)]
pub(crate) struct Log {
    pub(crate) store: Store,
    pub(crate) name: String,
    pub(crate) checkpoint_interval: u64,
}

impl Log {
    pub(crate) fn new(store: Store, name: &str) -> Self {
        Log {
            store,
            name: name.to_string(),
            checkpoint_interval: DEFAULT_CHECKPOINT_INTERVAL,
        }
    }

    fn versions_folder(&self, folder: u64) -> String {
        format!("{}/_lakeseek/versions/{folder:016}/", self.name)
    }

    pub(crate) fn version_path(&self, v: u64) -> String {
        version_object_path(&self.name, v)
    }

    fn checkpoint_path(&self, v: u64) -> String {
        format!("{}/_lakeseek/checkpoints/{v:020}.json", self.name)
    }

    fn hint_path(&self) -> String {
        format!("{}/_lakeseek/_last_checkpoint", self.name)
    }

    /// Root-relative path of a file in the table directory.
    pub(crate) fn table_path(&self, relative: &str) -> String {
        format!("{}/{relative}", self.name)
    }

    pub(crate) async fn read_commit(&self, v: u64) -> TableResult<Commit> {
        let path = self.version_path(v);
        let bytes = self.store.get(&path).await?;
        let commit = manifest::decode_commit(&bytes, &path)?;
        if commit.version != v {
            return Err(TableError::CorruptManifest {
                path,
                detail: format!("holds version {}", commit.version),
            });
        }
        Ok(commit)
    }

    /// Writes version `commit.version` if no one has; `Ok(false)` if lost.
    pub(crate) async fn try_write(&self, commit: &Commit) -> TableResult<bool> {
        match self
            .store
            .put_if_absent(&self.version_path(commit.version), manifest::encode(commit))
            .await
        {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The latest checkpointed snapshot, or version 0.
    async fn load_base(&self) -> TableResult<Snapshot> {
        let hinted = match self.store.get(&self.hint_path()).await {
            Ok(bytes) => manifest::decode::<CheckpointHint>(&bytes, &self.hint_path())
                .ok()
                .map(|h| h.version),
            Err(StoreError::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        if let Some(v) = hinted {
            match self.read_checkpoint(v).await {
                // A hint naming no checkpoint is stale; ignore it.
                Err(TableError::Store(StoreError::NotFound { .. })) => {}
                other => return other,
            }
        }
        // The hint is advisory: without it, the checkpoints folder (one
        // entry per interval) names the newest.
        match self.checkpoints().await?.last().copied() {
            Some(v) => self.read_checkpoint(v).await,
            None => self.load_version_zero().await,
        }
    }

    async fn load_version_zero(&self) -> TableResult<Snapshot> {
        let path = self.version_path(0);
        let commit = match self.read_commit(0).await {
            Err(TableError::Store(StoreError::NotFound { .. })) => {
                return Err(TableError::TableNotFound(self.name.clone()))
            }
            other => other?,
        };
        Snapshot::from_create(&commit, &path)
    }

    async fn read_checkpoint(&self, v: u64) -> TableResult<Snapshot> {
        let path = self.checkpoint_path(v);
        let snapshot: Snapshot = manifest::decode(&self.store.get(&path).await?, &path)?;
        if snapshot.version != v {
            return Err(TableError::CorruptManifest {
                path,
                detail: format!("holds version {}", snapshot.version),
            });
        }
        Ok(snapshot)
    }

    async fn checkpoints(&self) -> TableResult<Vec<u64>> {
        let dir = format!("{}/_lakeseek/checkpoints/", self.name);
        let mut versions: Vec<u64> = self
            .store
            .list(&dir)
            .await?
            .iter()
            .filter_map(|(p, _)| parse_version(p))
            .collect();
        versions.sort_unstable();
        Ok(versions)
    }

    /// The latest snapshot.
    pub(crate) async fn load_latest(&self) -> TableResult<Snapshot> {
        let base = self.load_base().await?;
        self.refresh(base).await
    }

    /// Applies every commit newer than `snapshot`.
    ///
    /// Lists the folder holding the next version; only when that folder is
    /// complete can a later one exist, so the next is listed too, and so on.
    pub(crate) async fn refresh(&self, mut snapshot: Snapshot) -> TableResult<Snapshot> {
        let mut folder = (snapshot.version + 1) / VERSIONS_PER_FOLDER;
        loop {
            let newer = self
                .store
                .list_after(
                    &self.versions_folder(folder),
                    &self.version_path(snapshot.version),
                )
                .await?;
            let mut versions: Vec<u64> = newer
                .iter()
                .filter_map(|p| parse_version(p))
                .filter(|&v| v > snapshot.version)
                .collect();
            versions.sort_unstable();
            let commits = try_join_all(versions.iter().map(|&v| self.read_commit(v))).await?;
            for (v, commit) in versions.iter().zip(&commits) {
                snapshot.apply(commit, &self.version_path(*v))?;
            }
            let folder_end = (folder + 1) * VERSIONS_PER_FOLDER - 1;
            if snapshot.version < folder_end {
                return Ok(snapshot);
            }
            folder += 1;
        }
    }

    /// The snapshot at exactly version `v`.
    pub(crate) async fn load_version(&self, v: u64) -> TableResult<Snapshot> {
        let base = match self
            .checkpoints()
            .await?
            .into_iter()
            .rev()
            .find(|&c| c <= v)
        {
            Some(c) => self.read_checkpoint(c).await?,
            None => self.load_version_zero().await?,
        };
        let mut snapshot = base;
        let commits = try_join_all((snapshot.version + 1..=v).map(|i| self.read_commit(i))).await;
        let commits = match commits {
            Ok(c) => c,
            Err(TableError::Store(StoreError::NotFound { .. })) => {
                let latest = self.load_latest().await?.version;
                return Err(TableError::VersionNotFound {
                    table: self.name.clone(),
                    version: v,
                    latest,
                });
            }
            Err(e) => return Err(e),
        };
        for commit in &commits {
            snapshot.apply(commit, &self.version_path(commit.version))?;
        }
        Ok(snapshot)
    }

    /// Writes a checkpoint of `snapshot` and points the hint at it. Both are
    /// idempotent: any writer may redo them.
    pub(crate) async fn write_checkpoint(&self, snapshot: &Snapshot) -> TableResult<()> {
        self.store
            .put(
                &self.checkpoint_path(snapshot.version),
                manifest::encode(snapshot),
            )
            .await?;
        let hint = CheckpointHint {
            version: snapshot.version,
        };
        self.store
            .put(&self.hint_path(), manifest::encode(&hint))
            .await?;
        Ok(())
    }
}

/// The version number in a `…/{v:020}.json` path.
fn parse_version(path: &str) -> Option<u64> {
    let file = path.rsplit('/').next()?;
    let stem = file.strip_suffix(".json")?;
    if stem.len() != 20 {
        return None;
    }
    stem.parse().ok()
}
