//! `fts('table', 'columns', 'query', k)`: full-text search as a table.
//!
//! `columns` is one text column, several separated by commas, or `*` for
//! every text column; the query may also scope clauses itself (`title:x`).
//! Options: `k1 => 1.2`, `b => 0.75`. The result has the table's columns and
//! `_score`, best first (ties by `_id`).

use std::sync::Arc;

use arrow::array::{ArrayRef, Float32Array};
use arrow::datatypes::{DataType, Field};
use async_trait::async_trait;
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use lakeseek_table::search::text::TextSearch;
use lakeseek_table::{Snapshot, Table};
use roaring::RoaringBitmap;

use super::provider::{Search, SearchProvider};
use super::rows::{hit_rows, HitRow};
use super::OpenTables;
use crate::error::to_df;

/// The `fts` table function.
#[derive(Debug)]
pub(crate) struct FtsFunction {
    pub(crate) tables: OpenTables,
}

/// The library request, without filters (those arrive at scan time).
#[derive(Debug)]
struct Fts(TextSearch<'static>);

impl TableFunctionImpl for FtsFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let mut call = super::args::CallArgs::new("fts", args.session(), args.exprs())?;
        call.expect_count("('table', 'columns', 'query', k)", 4, 4)?;
        let table = self.tables.get(&call.string(0, "table")?)?;
        let mut request = TextSearch::new(&call.string(2, "query")?, call.count(3, "k")?);
        request.columns = parse_columns(&call.string(1, "columns")?);
        request.params = call.bm25_options()?;
        call.finish(&["k1", "b"])?;
        Ok(Arc::new(SearchProvider::new(table, Box::new(Fts(request)))))
    }
}

/// `'a, b'` → `[a, b]`; `'*'` or `''` → every text column.
pub(crate) fn parse_columns(text: &str) -> Vec<String> {
    if text.trim() == "*" {
        return Vec::new();
    }
    text.split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

#[async_trait]
impl Search for Fts {
    fn extra_fields(&self) -> Vec<Field> {
        vec![Field::new("_score", DataType::Float32, false)]
    }

    async fn run(
        &self,
        table: &Table,
        snapshot: &Snapshot,
        allowed: Option<&[RoaringBitmap]>,
    ) -> Result<(Vec<HitRow>, Vec<ArrayRef>)> {
        let mut request = self.0.clone();
        request.allowed = allowed;
        let results = table.text_search(snapshot, &request).await.map_err(to_df)?;
        let hits = &results.hits;
        let scores: ArrayRef =
            Arc::new(Float32Array::from_iter_values(hits.iter().map(|h| h.score)));
        Ok((
            hit_rows(hits.iter().map(|h| (h.segment, h.row))),
            vec![scores],
        ))
    }
}
