//! The commit protocol: optimistic concurrency over conditional PUTs.
//!
//! A writer builds its actions against the snapshot it knows and tries to
//! create the next version object. If another writer created it first, the
//! writer reloads the newer commits, asks its `rebase` callback to rebuild the
//! actions on top of them (or to give up when they truly conflict), waits a
//! jittered backoff and tries again. A PUT whose reply was lost is recognised
//! on the next attempt by its transaction id, so it is never applied twice.

use std::future::Future;
use std::time::Duration;

use rand::Rng;

use crate::error::{TableError, TableResult};
use crate::log::Log;
use crate::manifest::{Action, Commit, Snapshot, MANIFEST_VERSION};

/// How persistently a writer retries lost races.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 200,
            base_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(250),
        }
    }
}

pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A random 128-bit id in hex, for transactions and file names.
pub(crate) fn random_id() -> String {
    let mut rng = rand::rng();
    format!("{:016x}{:016x}", rng.random::<u64>(), rng.random::<u64>())
}

/// Commits the actions `build` returns for the newest snapshot, retrying lost
/// races. `build` is called once per attempt with the snapshot the attempt
/// builds on; it returns the actions or an error that ends the commit.
pub(crate) async fn commit<F, Fut>(
    log: &Log,
    mut snapshot: Snapshot,
    operation: &str,
    policy: &RetryPolicy,
    mut build: F,
) -> TableResult<Snapshot>
where
    F: FnMut(Snapshot) -> Fut,
    Fut: Future<Output = TableResult<Vec<Action>>>,
{
    let txn = random_id();
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let actions = build(snapshot.clone()).await?;
        if actions.is_empty() {
            // Nothing to record (an empty append, a delete that matched
            // nothing, a batch id already committed): no new version.
            return Ok(snapshot);
        }
        let commit = Commit {
            format: MANIFEST_VERSION,
            version: snapshot.version + 1,
            timestamp_ms: now_ms(),
            operation: operation.to_string(),
            txn: txn.clone(),
            actions,
        };
        let mut next = snapshot.clone();
        next.apply(&commit, &log.version_path(commit.version))?;
        let outcome = log.try_write(&commit).await;
        match outcome {
            Ok(true) => {
                after_commit(log, &next).await;
                return Ok(next);
            }
            Ok(false) => {}
            // An error may hide a PUT that landed: look before retrying, and
            // before giving up.
            Err(e) if attempt >= policy.max_attempts => {
                if let Ok(Some(mine)) = find_own_commit(log, &snapshot, &txn).await {
                    after_commit(log, &mine).await;
                    return Ok(mine);
                }
                return Err(e);
            }
            Err(e) => tracing::warn!(error = %e, "commit attempt failed; checking and retrying"),
        }
        if let Some(mine) = find_own_commit(log, &snapshot, &txn).await? {
            after_commit(log, &mine).await;
            return Ok(mine);
        }
        if attempt >= policy.max_attempts {
            return Err(TableError::CommitFailed {
                table: log.name.clone(),
                attempts: attempt,
                reason: "lost every race for the next version".into(),
            });
        }
        tokio::time::sleep(backoff(policy, attempt)).await;
        snapshot = log.refresh(snapshot).await?;
    }
}

/// Looks for a commit with transaction id `txn` after `base`; returns the
/// snapshot at that commit if found.
async fn find_own_commit(log: &Log, base: &Snapshot, txn: &str) -> TableResult<Option<Snapshot>> {
    let mut snapshot = base.clone();
    let latest = log.refresh(base.clone()).await?;
    for v in base.version + 1..=latest.version {
        let commit = log.read_commit(v).await?;
        snapshot.apply(&commit, &log.version_path(v))?;
        if commit.txn == txn {
            return Ok(Some(snapshot));
        }
    }
    Ok(None)
}

/// Checkpoints at interval boundaries. Failure is harmless (readers fall back
/// to the previous checkpoint), so it is only logged.
async fn after_commit(log: &Log, snapshot: &Snapshot) {
    if log.checkpoint_interval > 0 && snapshot.version.is_multiple_of(log.checkpoint_interval) {
        if let Err(e) = log.write_checkpoint(snapshot).await {
            tracing::warn!(error = %e, version = snapshot.version, "checkpoint failed");
        }
    }
}

/// Full-jitter exponential backoff.
fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let exp = policy
        .base_delay
        .saturating_mul(1u32 << attempt.min(16))
        .min(policy.max_delay);
    let nanos = rand::rng().random_range(0..=exp.as_nanos().max(1) as u64);
    Duration::from_nanos(nanos)
}
