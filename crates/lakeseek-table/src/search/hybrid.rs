//! Hybrid search over a snapshot: a full-text leg and a vector leg on the
//! same snapshot with the same allowed rows, fused into one ranking.
//!
//! Each leg returns its own top `depth` (at least `k`, 100 by default) so
//! that a row ranked modestly by both legs can still rise to the top after
//! fusion; the fused list is then cut to `k`. A blank text query leaves the
//! vector leg to rank alone.

use roaring::RoaringBitmap;

use lakeseek_segment::text::bm25::Bm25Params;

use crate::error::{TableError, TableResult};
use crate::manifest::Snapshot;
use crate::search::fusion::{fuse, FusedHit, Fusion, LegHit};
use crate::search::text::TextSearch;
use crate::search::vector::VectorSearch;
use crate::table::Table;

/// Candidates taken from each leg when the request does not say.
pub const DEFAULT_LEG_DEPTH: usize = 100;

/// A hybrid search request.
#[derive(Debug, Clone)]
pub struct HybridSearch<'a> {
    /// Text columns for the query (empty: every text column).
    pub text_columns: Vec<String>,
    /// The full-text query, in LakeSeek's query language.
    pub query: String,
    /// The vector column and query vector.
    pub vector_column: String,
    pub vector: Vec<f32>,
    /// Rows to return.
    pub k: usize,
    /// Candidates per leg (`None`: max(k, 100)).
    pub depth: Option<usize>,
    pub fusion: Fusion,
    pub params: Bm25Params,
    pub nprobe: Option<usize>,
    pub refine: Option<usize>,
    pub exact: bool,
    /// Rows allowed per segment (`None` = all), applied to both legs.
    pub allowed: Option<&'a [RoaringBitmap]>,
}

impl<'a> HybridSearch<'a> {
    /// A request with default settings (RRF, k = 60).
    pub fn new(query: &str, vector_column: &str, vector: Vec<f32>, k: usize) -> Self {
        HybridSearch {
            text_columns: Vec::new(),
            query: query.into(),
            vector_column: vector_column.into(),
            vector,
            k,
            depth: None,
            fusion: Fusion::default(),
            params: Bm25Params::default(),
            nprobe: None,
            refine: None,
            exact: false,
            allowed: None,
        }
    }

    fn leg_depth(&self) -> usize {
        self.depth.unwrap_or(DEFAULT_LEG_DEPTH).max(self.k)
    }
}

impl Table {
    /// Runs a hybrid search over `snapshot`: best first by fused score, ties
    /// by `_id`.
    pub async fn hybrid_search(
        &self,
        snapshot: &Snapshot,
        request: &HybridSearch<'_>,
    ) -> TableResult<Vec<FusedHit>> {
        if let Fusion::Linear { weight } = request.fusion {
            if !(0.0..=1.0).contains(&weight) {
                return Err(TableError::InvalidQuery {
                    query: request.query.clone(),
                    position: None,
                    message: format!("fusion weight {weight} is outside [0, 1]"),
                });
            }
        }
        let depth = request.leg_depth();
        let mut text = TextSearch::new(&request.query, depth);
        text.columns = request.text_columns.clone();
        text.params = request.params;
        text.allowed = request.allowed;
        let mut vector = VectorSearch::new(&request.vector_column, request.vector.clone(), depth);
        vector.nprobe = request.nprobe;
        vector.refine = request.refine;
        vector.exact = request.exact;
        vector.allowed = request.allowed;
        // A blank text query leaves the vector leg to rank alone.
        let text_leg = async {
            if request.query.trim().is_empty() {
                Ok(Default::default())
            } else {
                self.text_search(snapshot, &text).await
            }
        };
        let (text_hits, vector_hits) =
            futures::try_join!(text_leg, self.vector_search(snapshot, &vector))?;
        let text_leg: Vec<LegHit> = text_hits
            .hits
            .iter()
            .map(|h| LegHit {
                segment: h.segment,
                row: h.row,
                id: h.id,
                value: h.score,
            })
            .collect();
        let vector_leg: Vec<LegHit> = vector_hits
            .iter()
            .map(|h| LegHit {
                segment: h.segment,
                row: h.row,
                id: h.id,
                value: h.distance,
            })
            .collect();
        Ok(fuse(&text_leg, &vector_leg, request.fusion, request.k))
    }
}
