//! Object storage access for LakeSeek.
//!
//! This crate owns every byte LakeSeek moves to and from storage. It knows
//! nothing of Arrow or of the table format above it.
//!
//! # Contract
//! - **Write-once objects.** Data files and manifest versions are written once
//!   and never changed; only advisory hints (such as `_last_checkpoint`) are
//!   overwritten.
//! - **Atomic conditional create.** [`Store::put_if_absent`] either creates the
//!   object whole or fails with [`StoreError::Conflict`] when it already
//!   exists. The commit protocol in `lakeseek-table` is built on this alone.
//! - **Durability.** An object is durable once a put returns `Ok`; readers in
//!   any process see it from then on.
//!
//! Errors fall into four classes a caller can act on: [`StoreError::NotFound`],
//! [`StoreError::Conflict`], [`StoreError::Transient`] (retry may help) and
//! [`StoreError::Permanent`].

mod cache;
mod counting;
mod error;
mod faults;
mod store;
mod uri;

pub use cache::{CacheStats, LruCache, RangeCache};
pub use counting::{IoCounters, IoSnapshot};
pub use error::{StoreError, StoreResult};
pub use faults::{FaultInjector, PutFault};
pub use object_store::path::Path as ObjectPath;
pub use object_store::ObjectMeta;
pub use store::Store;
pub use uri::StorageUri;
