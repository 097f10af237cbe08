//! `hybrid_search('table', 'text_columns', 'query', 'vector_column', [0.1, …], k)`:
//! full-text and vector search on the same snapshot and filters, fused.
//!
//! Options: `fusion => 'rrf'` (default, `rrf_k => 60`) or `'linear'` with
//! `weight => 0.7` (the text leg's share); `depth => 100` candidates per leg;
//! `k1`, `b` for BM25; `nprobe`, `refine`, `exact` for the vector leg. The
//! result has the table's columns, `_score` (fused, best first, ties by
//! `_id`), and each leg's `_text_rank`, `_text_score`, `_vector_rank`,
//! `_vector_distance` (null where the row was not in that leg).

use std::sync::Arc;

use arrow::array::{ArrayRef, Float32Array, UInt32Array};
use arrow::datatypes::{DataType, Field};
use async_trait::async_trait;
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{plan_err, Result};
use lakeseek_table::search::fusion::Fusion;
use lakeseek_table::search::hybrid::HybridSearch;
use lakeseek_table::{Snapshot, Table};
use roaring::RoaringBitmap;

use super::fts::parse_columns;
use super::provider::{Search, SearchProvider};
use super::rows::{hit_rows, HitRow};
use super::OpenTables;
use crate::error::to_df;

/// The `hybrid_search` table function.
#[derive(Debug)]
pub(crate) struct HybridSearchFunction {
    pub(crate) tables: OpenTables,
}

/// The library request, without filters (those arrive at scan time).
#[derive(Debug)]
struct Hybrid(HybridSearch<'static>);

const OPTIONS: &[&str] = &[
    "fusion", "weight", "rrf_k", "depth", "k1", "b", "nprobe", "refine", "exact",
];

impl TableFunctionImpl for HybridSearchFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let mut call = super::args::CallArgs::new("hybrid_search", args.session(), args.exprs())?;
        call.expect_count(
            "('table', 'text_columns', 'query', 'vector_column', [vector], k)",
            6,
            6,
        )?;
        let table = self.tables.get(&call.string(0, "table")?)?;
        let mut request = HybridSearch::new(
            &call.string(2, "query")?,
            &call.string(3, "vector_column")?,
            call.vector(4, "vector")?,
            call.count(5, "k")?,
        );
        request.text_columns = parse_columns(&call.string(1, "text_columns")?);
        request.fusion = fusion_option(&mut call)?;
        request.params = call.bm25_options()?;
        request.depth = call.option("depth")?;
        (request.nprobe, request.refine, request.exact) = call.vector_options()?;
        call.finish(OPTIONS)?;
        Ok(Arc::new(SearchProvider::new(
            table,
            Box::new(Hybrid(request)),
        )))
    }
}

/// `fusion => 'rrf' | 'linear'` with `rrf_k` or `weight`.
fn fusion_option(call: &mut super::args::CallArgs) -> Result<Fusion> {
    let kind: Option<String> = call.option("fusion")?;
    let weight: Option<f32> = call.option("weight")?;
    let rrf_k: Option<f32> = call.option("rrf_k")?;
    match kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("rrf") => {
            if weight.is_some() {
                return plan_err!("hybrid_search: weight => applies to fusion => 'linear'");
            }
            let k = rrf_k.unwrap_or(60.0);
            if !(k >= 0.0 && k.is_finite()) {
                return plan_err!("hybrid_search: rrf_k must be a non-negative number, got {k}");
            }
            Ok(Fusion::Rrf { k })
        }
        Some("linear") => {
            if rrf_k.is_some() {
                return plan_err!("hybrid_search: rrf_k => applies to fusion => 'rrf'");
            }
            let weight = weight.unwrap_or(0.5);
            if !(0.0..=1.0).contains(&weight) {
                return plan_err!("hybrid_search: weight must be in [0, 1], got {weight}");
            }
            Ok(Fusion::Linear { weight })
        }
        Some(other) => {
            plan_err!("hybrid_search: unknown fusion {other:?} (expected 'rrf' or 'linear')")
        }
    }
}

#[async_trait]
impl Search for Hybrid {
    fn extra_fields(&self) -> Vec<Field> {
        vec![
            Field::new("_score", DataType::Float32, false),
            Field::new("_text_rank", DataType::UInt32, true),
            Field::new("_text_score", DataType::Float32, true),
            Field::new("_vector_rank", DataType::UInt32, true),
            Field::new("_vector_distance", DataType::Float32, true),
        ]
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
            .hybrid_search(snapshot, &request)
            .await
            .map_err(to_df)?;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Float32Array::from_iter_values(hits.iter().map(|h| h.score))),
            Arc::new(UInt32Array::from_iter(
                hits.iter().map(|h| h.text.map(|t| t.0)),
            )),
            Arc::new(Float32Array::from_iter(
                hits.iter().map(|h| h.text.map(|t| t.1)),
            )),
            Arc::new(UInt32Array::from_iter(
                hits.iter().map(|h| h.vector.map(|v| v.0)),
            )),
            Arc::new(Float32Array::from_iter(
                hits.iter().map(|h| h.vector.map(|v| v.1)),
            )),
        ];
        Ok((hit_rows(hits.iter().map(|h| (h.segment, h.row))), columns))
    }
}
