//! [`Store`]: a database root on an object store, with the operations the
//! table layer needs and nothing more.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

use crate::cache::RangeCache;
use crate::counting::{CountingObjectStore, IoCounters};
use crate::error::{StoreError, StoreResult};
use crate::faults::{FaultInjector, FaultSlot};
use crate::uri::StorageUri;

/// A database root on an object store. Paths given to its methods are
/// relative to the root (`"orders/_lakeseek/versions/…"`).
///
/// Cloning is cheap and shares the connection and the counters.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    uri: StorageUri,
    counters: Arc<IoCounters>,
    faults: Arc<FaultSlot>,
    cache: Arc<RangeCache>,
}

/// Default memory budget of the range cache.
pub const DEFAULT_CACHE_BYTES: usize = 1 << 30;

impl Store {
    /// Opens the store a URI names, with store options (see [`StorageUri`]).
    pub fn open(uri: &str, options: &HashMap<String, String>) -> StoreResult<Self> {
        let uri = StorageUri::parse(uri)?;
        let raw = uri.build(options)?;
        let counters = Arc::new(IoCounters::default());
        let faults = Arc::new(FaultSlot::default());
        let inner = Arc::new(CountingObjectStore::new(
            raw,
            counters.clone(),
            faults.clone(),
        ));
        Ok(Store {
            inner,
            uri,
            counters,
            faults,
            cache: Arc::new(RangeCache::new(DEFAULT_CACHE_BYTES)),
        })
    }

    /// Uses a range cache of `budget` bytes (shared by clones made after).
    pub fn with_cache_budget(mut self, budget: usize) -> Self {
        self.cache = Arc::new(RangeCache::new(budget));
        self
    }

    /// The range cache.
    pub fn cache(&self) -> &Arc<RangeCache> {
        &self.cache
    }

    /// Like [`Store::get_range`], served from the memory cache when possible.
    /// Only for immutable objects (segments).
    pub async fn get_range_cached(&self, path: &str, range: Range<u64>) -> StoreResult<Bytes> {
        if let Some(bytes) = self.cache.get(path, &range) {
            return Ok(bytes);
        }
        let bytes = self.get_range(path, range.clone()).await?;
        self.cache.insert(path, &range, bytes.clone());
        Ok(bytes)
    }

    /// Makes this store and every clone of it consult `injector` on each PUT,
    /// replacing any injector installed before. For tests; see
    /// [`FaultInjector`].
    pub fn inject_faults(&self, injector: Arc<FaultInjector>) {
        self.faults.set(Some(injector));
    }

    /// Removes the fault injector from this store and its clones.
    pub fn clear_faults(&self) {
        self.faults.set(None);
    }

    /// The parsed URI of the database root.
    pub fn uri(&self) -> &StorageUri {
        &self.uri
    }

    /// The counting object store, for engines (DataFusion) that read objects
    /// themselves. Its paths are absolute: use [`Store::absolute`].
    pub fn object_store(&self) -> Arc<dyn ObjectStore> {
        self.inner.clone()
    }

    /// The request counters shared by every clone of this store.
    pub fn counters(&self) -> &Arc<IoCounters> {
        &self.counters
    }

    /// The absolute object path of a root-relative path.
    pub fn absolute(&self, relative: &str) -> Path {
        let mut parts: Vec<String> = self
            .uri
            .prefix
            .parts()
            .map(|p| p.as_ref().to_string())
            .collect();
        parts.extend(
            relative
                .split('/')
                .filter(|p| !p.is_empty())
                .map(|p| p.to_string()),
        );
        Path::from_iter(parts)
    }

    fn relative(&self, absolute: &Path) -> String {
        let prefix = self.uri.prefix.as_ref();
        let full = absolute.as_ref();
        if prefix.is_empty() {
            full.to_string()
        } else {
            full.strip_prefix(prefix)
                .map(|s| s.trim_start_matches('/').to_string())
                .unwrap_or_else(|| full.to_string())
        }
    }

    /// Reads a whole object.
    pub async fn get(&self, path: &str) -> StoreResult<Bytes> {
        let abs = self.absolute(path);
        let result = self
            .inner
            .get(&abs)
            .await
            .map_err(|e| StoreError::classify(path, e))?;
        result
            .bytes()
            .await
            .map_err(|e| StoreError::classify(path, e))
    }

    /// Reads one byte range of an object. A range past the end is
    /// [`StoreError::OutOfRange`], never a short read.
    pub async fn get_range(&self, path: &str, range: Range<u64>) -> StoreResult<Bytes> {
        let abs = self.absolute(path);
        let bytes = match self.inner.get_range(&abs, range.clone()).await {
            Ok(bytes) => bytes,
            Err(e) => {
                let err = StoreError::classify(path, e);
                if matches!(err, StoreError::NotFound { .. }) {
                    return Err(err);
                }
                // A range starting at or past the end fails in a
                // store-specific way (a generic error in memory and on local
                // disk, HTTP 416 on S3): ask the size to tell it apart.
                return match self.head(path).await {
                    Ok(meta) if range.end > meta.size => Err(StoreError::OutOfRange {
                        path: path.into(),
                        start: range.start,
                        end: range.end,
                        len: meta.size,
                    }),
                    _ => Err(err),
                };
            }
        };
        if bytes.len() as u64 != range.end - range.start {
            // A short read stops at the end of the object.
            return Err(StoreError::OutOfRange {
                path: path.into(),
                start: range.start,
                end: range.end,
                len: range.start + bytes.len() as u64,
            });
        }
        Ok(bytes)
    }

    /// Size and metadata of an object.
    pub async fn head(&self, path: &str) -> StoreResult<ObjectMeta> {
        self.inner
            .head(&self.absolute(path))
            .await
            .map_err(|e| StoreError::classify(path, e))
    }

    /// Writes an object, replacing any existing one.
    pub async fn put(&self, path: &str, bytes: Bytes) -> StoreResult<()> {
        self.inner
            .put(&self.absolute(path), PutPayload::from(bytes))
            .await
            .map_err(|e| StoreError::classify(path, e))?;
        Ok(())
    }

    /// Creates an object only if none exists at `path`; otherwise
    /// [`StoreError::Conflict`]. Atomic on every supported store.
    pub async fn put_if_absent(&self, path: &str, bytes: Bytes) -> StoreResult<()> {
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        self.inner
            .put_opts(&self.absolute(path), PutPayload::from(bytes), opts)
            .await
            .map_err(|e| StoreError::classify(path, e))?;
        Ok(())
    }

    /// Deletes an object; deleting a missing object is not an error.
    pub async fn delete(&self, path: &str) -> StoreResult<()> {
        match self.inner.delete(&self.absolute(path)).await {
            Ok(()) => Ok(()),
            Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(StoreError::classify(path, e)),
        }
    }

    /// Lists every object under `prefix` (recursively), root-relative paths,
    /// sorted by path.
    pub async fn list(&self, prefix: &str) -> StoreResult<Vec<(String, ObjectMeta)>> {
        let abs = self.absolute(prefix);
        let mut metas: Vec<ObjectMeta> = self
            .inner
            .list(Some(&abs))
            .try_collect()
            .await
            .map_err(|e| StoreError::classify(prefix, e))?;
        metas.sort_by(|a, b| a.location.cmp(&b.location));
        Ok(metas
            .into_iter()
            .map(|m| (self.relative(&m.location), m))
            .collect())
    }

    /// Lists objects under `prefix` whose path sorts after `offset` (both
    /// root-relative). Stores that support it (S3, GCS) push the offset down,
    /// so this costs one request however long the prefix is.
    pub async fn list_after(&self, prefix: &str, offset: &str) -> StoreResult<Vec<String>> {
        let abs = self.absolute(prefix);
        let off = self.absolute(offset);
        let mut metas: Vec<ObjectMeta> = self
            .inner
            .list_with_offset(Some(&abs), &off)
            .try_collect()
            .await
            .map_err(|e| StoreError::classify(prefix, e))?;
        metas.sort_by(|a, b| a.location.cmp(&b.location));
        Ok(metas.iter().map(|m| self.relative(&m.location)).collect())
    }

    /// The immediate child "directories" of `prefix` (root-relative names).
    pub async fn list_dirs(&self, prefix: &str) -> StoreResult<Vec<String>> {
        let abs = self.absolute(prefix);
        let result = self
            .inner
            .list_with_delimiter(
                if prefix.is_empty() && self.uri.prefix.as_ref().is_empty() {
                    None
                } else {
                    Some(&abs)
                },
            )
            .await
            .map_err(|e| StoreError::classify(prefix, e))?;
        let mut dirs: Vec<String> = result
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(|s| s.to_string()))
            .collect();
        dirs.sort();
        Ok(dirs)
    }

    /// Deletes every object under `prefix`.
    pub async fn delete_prefix(&self, prefix: &str) -> StoreResult<usize> {
        let objects = self.list(prefix).await?;
        for (path, _) in &objects {
            self.delete(path).await?;
        }
        Ok(objects.len())
    }
}
