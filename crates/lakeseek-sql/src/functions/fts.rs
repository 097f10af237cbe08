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
use lakeseek_segment::text::bm25::Bm25Params;
use lakeseek_table::search::text::TextSearch;
use lakeseek_table::{Snapshot, Table};
use roaring::RoaringBitmap;

use super::provider::{Search, SearchProvider};
use super::rows::HitRow;
use super::OpenTables;
use crate::error::to_df;

/// The `fts` table function.
#[derive(Debug)]
pub(crate) struct FtsFunction {
    pub(crate) tables: OpenTables,
}

#[derive(Debug)]
struct Fts {
    columns: Vec<String>,
    query: String,
    k: usize,
    params: Bm25Params,
}

impl TableFunctionImpl for FtsFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let mut call = super::args::CallArgs::new("fts", args.session(), args.exprs())?;
        call.expect_count("('table', 'columns', 'query', k)", 4, 4)?;
        let table = self.tables.get(&call.string(0, "table")?)?;
        let columns = parse_columns(&call.string(1, "columns")?);
        let query = call.string(2, "query")?;
        let k = call.count(3, "k")?;
        let defaults = Bm25Params::default();
        let params = Bm25Params {
            k1: call.option("k1")?.unwrap_or(defaults.k1),
            b: call.option("b")?.unwrap_or(defaults.b),
        };
        call.finish(&["k1", "b"])?;
        Ok(Arc::new(SearchProvider::new(
            table,
            Box::new(Fts {
                columns,
                query,
                k,
                params,
            }),
        )))
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
        let mut request = TextSearch::new(&self.query, self.k);
        request.columns = self.columns.clone();
        request.params = self.params;
        request.allowed = allowed;
        let results = table.text_search(snapshot, &request).await.map_err(to_df)?;
        let rows = results
            .hits
            .iter()
            .map(|h| HitRow {
                segment: h.segment,
                row: h.row,
            })
            .collect();
        let scores: ArrayRef = Arc::new(Float32Array::from_iter_values(
            results.hits.iter().map(|h| h.score),
        ));
        Ok((rows, vec![scores]))
    }
}
