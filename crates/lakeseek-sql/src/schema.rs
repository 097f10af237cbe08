//! The DataFusion schema that lists a database's LakeSeek tables.
//!
//! `name@N` (quoted in SQL: `"docs@3"`) names version N of table `name`.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use datafusion::catalog::{SchemaProvider, TableProvider};
use datafusion::common::{exec_err, DataFusionError, Result};
use datafusion::execution::object_store::ObjectStoreUrl;
use lakeseek_table::{Catalog, TableError};

use crate::error::to_df;
use crate::provider::LakeSeekTableProvider;

/// Tables of one database, for DataFusion.
#[derive(Debug)]
pub(crate) struct LakeSeekSchema {
    catalog: Catalog,
    store_url: ObjectStoreUrl,
    /// Table names as last listed; DataFusion asks for them synchronously.
    names: RwLock<Vec<String>>,
}

impl LakeSeekSchema {
    pub(crate) fn new(catalog: Catalog, store_url: ObjectStoreUrl) -> Self {
        LakeSeekSchema {
            catalog,
            store_url,
            names: RwLock::new(Vec::new()),
        }
    }

    /// The table names as last listed.
    pub(crate) fn table_names_listed(&self) -> Vec<String> {
        self.names.read().expect("names lock").clone()
    }

    /// Re-lists the tables (called before each statement).
    pub(crate) async fn refresh_names(&self) -> Result<(), TableError> {
        let names = self.catalog.list_tables().await?;
        *self.names.write().expect("names lock") = names;
        Ok(())
    }
}

/// Splits `name@version`.
pub(crate) fn parse_table_ref(name: &str) -> Result<(&str, Option<u64>)> {
    match name.split_once('@') {
        None => Ok((name, None)),
        Some((table, version)) => match version.parse::<u64>() {
            Ok(v) => Ok((table, Some(v))),
            Err(_) => {
                exec_err!("bad version {version:?} in table reference {name:?}: expected name@N")
            }
        },
    }
}

#[async_trait]
impl SchemaProvider for LakeSeekSchema {
    fn table_names(&self) -> Vec<String> {
        self.names.read().expect("names lock").clone()
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>, DataFusionError> {
        let (table_name, version) = parse_table_ref(name)?;
        let table = match self.catalog.open_table(table_name).await {
            Ok(t) => t,
            Err(TableError::TableNotFound(_)) | Err(TableError::InvalidName { .. }) => {
                return Ok(None)
            }
            Err(e) => return Err(to_df(e)),
        };
        Ok(Some(Arc::new(LakeSeekTableProvider::new(
            table,
            version,
            self.store_url.clone(),
        ))))
    }

    fn table_exist(&self, name: &str) -> bool {
        let base = name.split('@').next().unwrap_or(name);
        self.names
            .read()
            .expect("names lock")
            .iter()
            .any(|n| n == base)
    }
}
