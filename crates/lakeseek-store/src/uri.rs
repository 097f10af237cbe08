//! Parsing of database URIs into a concrete object store.
//!
//! Accepted forms: `memory://[prefix]`, a plain path or `file://path`,
//! `s3://bucket/prefix`, `gs://bucket/prefix`, `az://container/prefix`
//! (also `abfs://`, `azure://`). Cloud credentials, region and endpoint come
//! from explicit options first, then the usual environment variables
//! (`AWS_*`, `GOOGLE_*`, `AZURE_*`).

use std::collections::HashMap;
use std::sync::Arc;

use object_store::path::Path;
use object_store::ObjectStore;
use url::Url;

use crate::error::{StoreError, StoreResult};

/// Applies string options to a cloud store builder; every builder has its own
/// typed config key, parsed from the option name.
macro_rules! with_options {
    ($builder:expr, $options:expr, $fail:expr) => {{
        let mut b = $builder;
        for (k, v) in $options {
            let key = k
                .to_ascii_lowercase()
                .parse()
                .map_err(|e| $fail(format!("option {k:?}: {e}")))?;
            b = b.with_config(key, v.clone());
        }
        b
    }};
}

/// A parsed storage location: which store, and the prefix inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageUri {
    /// The URI as the user gave it.
    pub original: String,
    /// `scheme://authority` of the store, e.g. `s3://bucket` or `file://`.
    pub base_url: String,
    /// The key prefix inside the store under which the database lives.
    pub prefix: Path,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Memory,
    Local(std::path::PathBuf),
    S3,
    Gcs,
    Azure,
}

impl StorageUri {
    /// Parses `uri`. A local directory is created if it does not exist.
    pub fn parse(uri: &str) -> StoreResult<Self> {
        let invalid = |reason: &str| StoreError::InvalidUri {
            uri: uri.to_string(),
            reason: reason.to_string(),
        };
        if let Some(rest) = uri.strip_prefix("memory://") {
            return Ok(StorageUri {
                original: uri.into(),
                base_url: "memory://lakeseek".into(),
                prefix: Path::from(rest.trim_matches('/')),
                kind: Kind::Memory,
            });
        }
        let local = if let Some(rest) = uri.strip_prefix("file://") {
            Some(rest.to_string())
        } else if !uri.contains("://") {
            Some(uri.to_string())
        } else {
            None
        };
        if let Some(dir) = local {
            if dir.is_empty() {
                return Err(invalid("empty path"));
            }
            std::fs::create_dir_all(&dir)
                .map_err(|e| invalid(&format!("cannot create directory: {e}")))?;
            let abs = std::fs::canonicalize(&dir)
                .map_err(|e| invalid(&format!("cannot resolve directory: {e}")))?;
            let prefix = Path::from_absolute_path(&abs)
                .map_err(|e| invalid(&format!("not a usable path: {e}")))?;
            return Ok(StorageUri {
                original: uri.into(),
                base_url: "file://".into(),
                prefix,
                kind: Kind::Local(abs),
            });
        }
        let url = Url::parse(uri).map_err(|e| invalid(&e.to_string()))?;
        let kind = match url.scheme() {
            "s3" | "s3a" => Kind::S3,
            "gs" | "gcs" => Kind::Gcs,
            "az" | "abfs" | "abfss" | "azure" => Kind::Azure,
            other => {
                return Err(invalid(&format!(
                    "unknown scheme {other:?}; use memory://, file://, s3://, gs:// or az://"
                )))
            }
        };
        let host = url
            .host_str()
            .ok_or_else(|| invalid("missing bucket name"))?;
        let prefix = Path::from(url.path().trim_matches('/'));
        Ok(StorageUri {
            original: uri.into(),
            base_url: format!("{}://{}", url.scheme(), host),
            prefix,
            kind,
        })
    }

    /// Builds the object store this URI names. `options` are store
    /// configuration keys (e.g. `aws_endpoint`, `aws_allow_http`,
    /// `aws_region`); unknown keys are an error.
    pub(crate) fn build(
        &self,
        options: &HashMap<String, String>,
    ) -> StoreResult<Arc<dyn ObjectStore>> {
        let fail = |reason: String| StoreError::InvalidUri {
            uri: self.original.clone(),
            reason,
        };
        let store: Arc<dyn ObjectStore> = match &self.kind {
            Kind::Memory => Arc::new(object_store::memory::InMemory::new()),
            Kind::Local(_) => Arc::new(object_store::local::LocalFileSystem::new()),
            Kind::S3 => {
                let b =
                    object_store::aws::AmazonS3Builder::from_env().with_url(self.base_url.clone());
                Arc::new(
                    with_options!(b, options, fail)
                        .build()
                        .map_err(|e| fail(e.to_string()))?,
                )
            }
            Kind::Gcs => {
                let b = object_store::gcp::GoogleCloudStorageBuilder::from_env()
                    .with_url(self.base_url.clone());
                Arc::new(
                    with_options!(b, options, fail)
                        .build()
                        .map_err(|e| fail(e.to_string()))?,
                )
            }
            Kind::Azure => {
                let b = object_store::azure::MicrosoftAzureBuilder::from_env()
                    .with_url(self.base_url.clone());
                Arc::new(
                    with_options!(b, options, fail)
                        .build()
                        .map_err(|e| fail(e.to_string()))?,
                )
            }
        };
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cloud_uris() {
        let u = StorageUri::parse("s3://bucket/some/prefix/").unwrap();
        assert_eq!(u.base_url, "s3://bucket");
        assert_eq!(u.prefix.as_ref(), "some/prefix");
        let u = StorageUri::parse("gs://b").unwrap();
        assert_eq!(u.base_url, "gs://b");
        assert_eq!(u.prefix.as_ref(), "");
        let u = StorageUri::parse("memory://x").unwrap();
        assert_eq!(u.base_url, "memory://lakeseek");
    }

    #[test]
    fn rejects_unknown_scheme() {
        let err = StorageUri::parse("ftp://host/x").unwrap_err();
        assert!(err.to_string().contains("unknown scheme"), "{err}");
    }

    #[test]
    fn local_paths_become_absolute_prefixes() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("db");
        let u = StorageUri::parse(sub.to_str().unwrap()).unwrap();
        assert!(sub.is_dir());
        assert_eq!(u.base_url, "file://");
        let expected = std::fs::canonicalize(&sub).unwrap();
        assert_eq!(
            format!("/{}", u.prefix.as_ref()),
            expected.to_str().unwrap()
        );
    }
}
