//! Request and byte counters, and an `ObjectStore` wrapper that keeps them.
//!
//! Every read LakeSeek makes goes through [`CountingObjectStore`], including
//! the reads DataFusion's Parquet scan makes, so GETs and bytes per query are
//! measured at one place.

use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result,
};

use crate::faults::{injected_error, FaultSlot, PutFault};

/// Shared counters of storage requests.
#[derive(Debug, Default)]
pub struct IoCounters {
    gets: AtomicU64,
    bytes_read: AtomicU64,
    puts: AtomicU64,
    bytes_written: AtomicU64,
    lists: AtomicU64,
}

/// A point-in-time copy of [`IoCounters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IoSnapshot {
    pub gets: u64,
    pub bytes_read: u64,
    pub puts: u64,
    pub bytes_written: u64,
    pub lists: u64,
}

impl IoCounters {
    pub fn snapshot(&self) -> IoSnapshot {
        IoSnapshot {
            gets: self.gets.load(Ordering::Relaxed),
            bytes_read: self.bytes_read.load(Ordering::Relaxed),
            puts: self.puts.load(Ordering::Relaxed),
            bytes_written: self.bytes_written.load(Ordering::Relaxed),
            lists: self.lists.load(Ordering::Relaxed),
        }
    }

    fn get(&self, bytes: u64) {
        self.gets.fetch_add(1, Ordering::Relaxed);
        self.bytes_read.fetch_add(bytes, Ordering::Relaxed);
    }

    fn put(&self, bytes: u64) {
        self.puts.fetch_add(1, Ordering::Relaxed);
        self.bytes_written.fetch_add(bytes, Ordering::Relaxed);
    }

    fn list(&self) {
        self.lists.fetch_add(1, Ordering::Relaxed);
    }
}

impl IoSnapshot {
    /// The requests made between `earlier` and `self`.
    pub fn since(&self, earlier: &IoSnapshot) -> IoSnapshot {
        IoSnapshot {
            gets: self.gets - earlier.gets,
            bytes_read: self.bytes_read - earlier.bytes_read,
            puts: self.puts - earlier.puts,
            bytes_written: self.bytes_written - earlier.bytes_written,
            lists: self.lists - earlier.lists,
        }
    }
}

/// Delegates to an inner store and counts what passes through. PUTs also
/// consult the store's fault injector, if a test installed one.
#[derive(Debug)]
pub(crate) struct CountingObjectStore {
    inner: Arc<dyn ObjectStore>,
    counters: Arc<IoCounters>,
    faults: Arc<FaultSlot>,
}

impl CountingObjectStore {
    pub(crate) fn new(
        inner: Arc<dyn ObjectStore>,
        counters: Arc<IoCounters>,
        faults: Arc<FaultSlot>,
    ) -> Self {
        Self {
            inner,
            counters,
            faults,
        }
    }
}

impl fmt::Display for CountingObjectStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Counting({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for CountingObjectStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        let fault = self.faults.on_put(location);
        if fault == Some(PutFault::FailBeforeWrite) {
            return Err(injected_error(location, PutFault::FailBeforeWrite));
        }
        if let Some(PutFault::DelayMs(ms)) = fault {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        self.counters.put(payload.content_length() as u64);
        let result = self.inner.put_opts(location, payload, opts).await?;
        if fault == Some(PutFault::LoseReply) {
            return Err(injected_error(location, PutFault::LoseReply));
        }
        Ok(result)
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.counters.put(0);
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let head = options.head;
        let result = self.inner.get_opts(location, options).await?;
        // A HEAD is a request, but its reply has no body.
        self.counters.get(if head {
            0
        } else {
            result.range.end - result.range.start
        });
        Ok(result)
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        let parts = self.inner.get_ranges(location, ranges).await?;
        for part in &parts {
            self.counters.get(part.len() as u64);
        }
        Ok(parts)
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.counters.list();
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.counters.list();
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.counters.list();
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        self.inner.rename_opts(from, to, options).await
    }
}
