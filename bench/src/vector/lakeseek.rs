//! LakeSeek as a vector engine: a table with an `emb` vector column (cosine),
//! built by one streaming append, searched through the library
//! (`Table::vector_search`) with explicit `nprobe` and `refine`, or exactly.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Field, Schema, UInt64Type};
use lakeseek::{Database, Metric, Snapshot, Table, TableOptions};
use lakeseek_segment::vector::VectorIndexReader;
use lakeseek_table::search::vector::VectorSearch;
use serde_json::{json, Value};

use crate::data::VectorSet;
use crate::lakeseek_setup as setup;
use crate::peer_record::Extras;

const SECTION: &str = "vector:emb";

/// One search setting.
#[derive(Debug, Clone, Copy)]
pub enum Probe {
    /// The index with these knobs (`None` = LakeSeek's default).
    Index {
        nprobe: usize,
        refine: Option<usize>,
    },
    /// Every segment scanned exactly.
    Exact,
}

pub struct LakeSeekVectors {
    dir: PathBuf,
    runtime: tokio::runtime::Runtime,
    rayon_threads: usize,
    built: Option<(Table, Snapshot)>,
    db: Option<Database>,
}

impl LakeSeekVectors {
    pub fn new(dir: &Path) -> anyhow::Result<Self> {
        Ok(LakeSeekVectors {
            dir: dir.to_path_buf(),
            rayon_threads: setup::one_rayon_thread(),
            runtime: setup::runtime()?,
            built: None,
            db: None,
        })
    }

    /// Creates the table, appends every base vector (row number = `_id`) and
    /// compacts once, as a background optimize would: when the table has
    /// outgrown the model its first flush trained, that retrains it for the
    /// table's size and re-encodes the segments (a no-op otherwise).
    pub fn build(&mut self, set: &VectorSet) -> anyhow::Result<()> {
        let field = Field::new("emb", set.base.data_type().clone(), true);
        let schema = Schema::new(vec![field]);
        let batch =
            RecordBatch::try_new(Arc::new(schema.clone()), vec![Arc::new(set.base.clone())])?;
        let options = TableOptions::default().with_vector("emb", set.dim, Metric::Cosine);
        let catalog = setup::catalog(&self.dir, setup::default_flush_bytes())?;
        self.db = Some(Database::from_catalog(catalog.clone())?);
        self.built = Some(self.runtime.block_on(async {
            let table = catalog.create_table("t", schema, options).await?;
            setup::append(&table, &batch).await?;
            table
                .optimize(&lakeseek_table::CompactionPolicy::default())
                .await?;
            let snapshot = table.snapshot();
            anyhow::Ok((table, snapshot))
        })?);
        Ok(())
    }

    /// The `_id`s of the `k` nearest rows to `query`.
    pub fn search(&self, query: &[f32], k: usize, probe: Probe) -> anyhow::Result<Vec<u64>> {
        let (table, snapshot) = self
            .built
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("search before build"))?;
        let mut request = VectorSearch::new("emb", query.to_vec(), k);
        match probe {
            Probe::Index { nprobe, refine } => {
                request.nprobe = Some(nprobe);
                request.refine = refine;
            }
            Probe::Exact => request.exact = true,
        }
        let hits = self
            .runtime
            .block_on(table.vector_search(snapshot, &request))?;
        Ok(hits.iter().map(|h| h.id).collect())
    }

    /// The `_id`s of the `k` nearest rows through SQL
    /// (`SELECT _id FROM vector_search(...)`), default settings.
    pub fn sql_search(&self, query: &[f32], k: usize) -> anyhow::Result<Vec<u64>> {
        let db = self
            .db
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("search before build"))?;
        let vector: Vec<String> = query.iter().map(|x| format!("{x:?}")).collect();
        let sql = format!(
            "SELECT _id FROM vector_search('t', 'emb', [{}], {k})",
            vector.join(",")
        );
        let batches = self.runtime.block_on(db.sql(&sql))?;
        Ok(batches
            .iter()
            .flat_map(|b| b.column(0).as_primitive::<UInt64Type>().values().to_vec())
            .collect())
    }

    /// Bytes of the vector sections (IVF, 1-bit codes, int8 rerank copy).
    pub fn index_bytes(&self) -> Option<u64> {
        let (_, snapshot) = self.built.as_ref()?;
        Some(setup::section_bytes(snapshot, SECTION))
    }

    /// Per segment: rows and the clusters of its index (0 = no index: the
    /// segment is searched exactly).
    pub fn segments(&self) -> anyhow::Result<Vec<Value>> {
        let Some((table, snapshot)) = &self.built else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for entry in &snapshot.segments {
            let bytes = self.runtime.block_on(table.read_section(entry, SECTION))?;
            let clusters = match bytes {
                Some(b) => VectorIndexReader::open(b)?.num_clusters(),
                None => 0,
            };
            out.push(json!({"rows": entry.rows, "clusters": clusters}));
        }
        Ok(out)
    }

    pub fn extras(&self) -> Extras {
        let mut settings = json!({
            "metric": "cosine",
            "default_nprobe": lakeseek_segment::vector::DEFAULT_NPROBE,
            "default_refine": lakeseek_segment::vector::DEFAULT_REFINE,
        });
        if let Some((_, snapshot)) = &self.built {
            settings["table"] = setup::table_settings(snapshot, setup::default_flush_bytes());
        }
        let mut notes = setup::notes();
        notes.push(
            "index_bytes: the vector:emb sections (IVF centroids, RaBitQ 1-bit codes, int8 rerank \
             copy); the float32 Parquet column is not counted"
                .into(),
        );
        notes.push(
            "each query goes through Table::vector_search: opening the cached section, probing, \
             reranking, merging segments"
                .into(),
        );
        Extras {
            notes,
            settings,
            threadpools: setup::threadpools(self.rayon_threads),
        }
    }
}
