//! `vector_search('table', 'column', [0.1, …], k)`: nearest neighbours as a
//! table, with the table's columns and `_distance` (smaller is closer),
//! closest first (ties by `_id`). Options: `nprobe => 24`, `refine => 10`,
//! `exact => true`.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float32Array};
use arrow::datatypes::{DataType, Field};
use async_trait::async_trait;
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use lakeseek_table::search::vector::VectorSearch;
use lakeseek_table::{Snapshot, Table};
use roaring::RoaringBitmap;

use super::provider::{Search, SearchProvider};
use super::rows::{hit_rows, HitRow};
use super::OpenTables;
use crate::error::to_df;

/// The `vector_search` table function.
#[derive(Debug)]
pub(crate) struct VectorSearchFunction {
    pub(crate) tables: OpenTables,
}

/// The library request, without filters (those arrive at scan time).
#[derive(Debug)]
struct Knn(VectorSearch<'static>);

impl TableFunctionImpl for VectorSearchFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let mut call = super::args::CallArgs::new("vector_search", args.session(), args.exprs())?;
        call.expect_count("('table', 'column', [vector], k)", 4, 4)?;
        let table = self.tables.get(&call.string(0, "table")?)?;
        let mut request = VectorSearch::new(
            &call.string(1, "column")?,
            call.vector(2, "vector")?,
            call.count(3, "k")?,
        );
        (request.nprobe, request.refine, request.exact) = call.vector_options()?;
        call.finish(&["nprobe", "refine", "exact"])?;
        Ok(Arc::new(SearchProvider::new(table, Box::new(Knn(request)))))
    }
}

#[async_trait]
impl Search for Knn {
    fn extra_fields(&self) -> Vec<Field> {
        vec![Field::new("_distance", DataType::Float32, false)]
    }

    async fn run(
        &self,
        table: &Table,
        snapshot: &Snapshot,
        allowed: Option<&[RoaringBitmap]>,
    ) -> Result<(Vec<HitRow>, Vec<ArrayRef>)> {
        let mut request = self.0.clone();
        request.allowed = allowed;
        let hits = table
            .vector_search(snapshot, &request)
            .await
            .map_err(to_df)?;
        let distances: ArrayRef = Arc::new(Float32Array::from_iter_values(
            hits.iter().map(|h| h.distance),
        ));
        Ok((
            hit_rows(hits.iter().map(|h| (h.segment, h.row))),
            vec![distances],
        ))
    }
}
