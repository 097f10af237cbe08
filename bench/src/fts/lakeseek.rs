//! LakeSeek as an fts engine: a table with one text column `body` (the
//! `english` analyzer on English data, `standard` otherwise, matching
//! tantivy's `en_stem` and `default`), searched through the library
//! (`Table::text_search`) and through SQL (`fts(...)`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, UInt64Type};
use lakeseek::{Database, Snapshot, Table, TableOptions, TextColumn};
use lakeseek_table::search::text::TextSearch;
use serde_json::json;

use super::FtsEngine;
use crate::data::{Mode, TextSet};
use crate::lakeseek_setup as setup;
use crate::peer_record::Extras;

/// The writer's flush budget: tantivy's writer heap in `tantivy_rs`
/// (256 MiB), so both engines cut the corpus into segments of about the
/// same size from the same memory.
const FLUSH_BYTES: usize = 256 << 20;

pub struct LakeSeekFts {
    dir: PathBuf,
    runtime: tokio::runtime::Runtime,
    rayon_threads: usize,
    built: Option<Built>,
}

struct Built {
    table: Table,
    snapshot: Snapshot,
    db: Database,
    analyzer: &'static str,
}

impl LakeSeekFts {
    pub fn new(dir: &Path) -> anyhow::Result<Self> {
        Ok(LakeSeekFts {
            dir: dir.to_path_buf(),
            rayon_threads: setup::one_rayon_thread(),
            runtime: setup::runtime()?,
            built: None,
        })
    }

    fn built(&self) -> anyhow::Result<&Built> {
        self.built
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("search before build"))
    }
}

/// The query in LakeSeek's query language.
fn query_text(text: &str, mode: Mode) -> String {
    match mode {
        Mode::Or => text.to_string(),
        Mode::And => text.split_whitespace().collect::<Vec<_>>().join(" AND "),
        Mode::Phrase => format!("\"{text}\""),
    }
}

impl FtsEngine for LakeSeekFts {
    fn build(&mut self, set: &TextSet) -> anyhow::Result<()> {
        let analyzer = if set.english { "english" } else { "standard" };
        let schema = Schema::new(vec![Field::new("body", DataType::Utf8, false)]);
        let batch =
            RecordBatch::try_new(Arc::new(schema.clone()), vec![Arc::new(set.bodies.clone())])?;
        let options = TableOptions {
            text_columns: vec![TextColumn {
                column: "body".into(),
                analyzer: analyzer.into(),
            }],
            ..TableOptions::default()
        };
        let catalog = setup::catalog(&self.dir, FLUSH_BYTES)?;
        let (table, snapshot) = self.runtime.block_on(async {
            let table = catalog.create_table("t", schema, options).await?;
            let snapshot = setup::append(&table, &batch).await?;
            anyhow::Ok((table, snapshot))
        })?;
        let db = Database::from_catalog(catalog)?;
        self.built = Some(Built {
            table,
            snapshot,
            db,
            analyzer,
        });
        Ok(())
    }

    fn search(&self, text: &str, mode: Mode, k: usize) -> anyhow::Result<Vec<u64>> {
        let b = self.built()?;
        let request = TextSearch::new(&query_text(text, mode), k);
        let found = self
            .runtime
            .block_on(b.table.text_search(&b.snapshot, &request))?;
        Ok(found.hits.iter().map(|h| h.id).collect())
    }

    fn sql_search(&self, text: &str, mode: Mode, k: usize) -> Option<anyhow::Result<Vec<u64>>> {
        let b = self.built.as_ref()?;
        let sql = format!(
            "SELECT _id FROM fts('t', 'body', '{}', {k})",
            query_text(text, mode).replace('\'', "''")
        );
        Some((|| {
            let batches = self.runtime.block_on(b.db.sql(&sql))?;
            Ok(batches
                .iter()
                .flat_map(|b| b.column(0).as_primitive::<UInt64Type>().values().to_vec())
                .collect())
        })())
    }

    fn index_bytes(&self) -> Option<u64> {
        let b = self.built.as_ref()?;
        Some(setup::section_bytes(&b.snapshot, "text:body"))
    }

    fn extras(&self) -> Extras {
        let mut settings =
            json!({"bm25": "k1=1.2 b=0.75 (LakeSeek defaults), table-wide statistics"});
        if let Some(b) = &self.built {
            settings["analyzer"] = json!(b.analyzer);
            settings["table"] = setup::table_settings(&b.snapshot, FLUSH_BYTES);
        }
        let mut notes = setup::notes();
        notes.push(
            "index_bytes: the text:body sections of the segments (the Parquet data is not counted)"
                .into(),
        );
        notes.push(
            "query_types.*.sql: the same queries through Database::sql(SELECT _id FROM fts(...))"
                .into(),
        );
        Extras {
            notes,
            settings,
            threadpools: setup::threadpools(self.rayon_threads),
        }
    }
}
