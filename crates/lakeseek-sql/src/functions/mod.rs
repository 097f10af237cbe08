//! LakeSeek's search table functions for SQL: `fts`, `vector_search`,
//! `hybrid_search`, the `snippet` scalar function, and the machinery they
//! share (argument parsing, pushed-down filters, result assembly).

mod args;
mod filter;
mod fts;
mod hybrid;
mod prepare;
mod provider;
mod rows;
mod snippet;
mod vector;
mod vector_literal;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use datafusion::catalog::TableFunctionImpl;
use datafusion::common::{plan_err, Result};
use datafusion::prelude::SessionContext;
use lakeseek_table::Table;

pub(crate) use prepare::prepare;
pub(crate) use vector_literal::quote_vector_literals;

/// Tables opened for the statements being planned: table functions are
/// called synchronously, so the tables they name are opened beforehand.
/// Handles are kept between statements (a search refreshes its table's
/// snapshot anyway, with one listing), so a repeated search does not pay for
/// opening the table again; a table no longer listed, dropped or created
/// through this database is forgotten.
#[derive(Debug, Clone, Default)]
pub(crate) struct OpenTables(Arc<RwLock<HashMap<String, Table>>>);

impl OpenTables {
    pub(crate) fn insert(&self, name: &str, table: Table) {
        self.0
            .write()
            .expect("open tables lock")
            .insert(name.to_string(), table);
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.0.read().expect("open tables lock").contains_key(name)
    }

    pub(crate) fn remove(&self, name: &str) {
        self.0.write().expect("open tables lock").remove(name);
    }

    /// Forgets tables that are no longer listed (dropped elsewhere).
    pub(crate) fn retain_listed(&self, listed: &[String]) {
        self.0
            .write()
            .expect("open tables lock")
            .retain(|name, _| listed.iter().any(|l| l == name));
    }

    pub(crate) fn get(&self, name: &str) -> Result<Table> {
        match self.0.read().expect("open tables lock").get(name) {
            Some(t) => Ok(t.clone()),
            None => plan_err!("table {name:?} does not exist (the first argument of a search function must be a table name literal)"),
        }
    }
}

/// Registers the search functions on a session, under their own names and
/// the internal names statements are planned with (see
/// [`prepare::FUNCTION_MARK`]).
pub(crate) fn register(ctx: &SessionContext, tables: &OpenTables) {
    ctx.register_udf(snippet::SnippetFunction::udf());
    let functions: [(&str, Arc<dyn TableFunctionImpl>); 3] = [
        (
            "fts",
            Arc::new(fts::FtsFunction {
                tables: tables.clone(),
            }),
        ),
        (
            "hybrid_search",
            Arc::new(hybrid::HybridSearchFunction {
                tables: tables.clone(),
            }),
        ),
        (
            "vector_search",
            Arc::new(vector::VectorSearchFunction {
                tables: tables.clone(),
            }),
        ),
    ];
    for (name, function) in functions {
        ctx.register_udtf(name, function.clone());
        ctx.register_udtf(&prepare::internal_name(name), function);
    }
}
