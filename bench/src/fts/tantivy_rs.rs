//! The `tantivy` crate as an fts engine, set up as the Python peer
//! `tantivy_py` sets it up: one text field `body` with positions, the
//! `en_stem` tokenizer on English data and `default` otherwise, BM25 with
//! tantivy's defaults, one indexing thread, the default merge policy, one
//! commit; queries through tantivy's query parser (OR by default,
//! conjunction by default for AND, a quoted string for phrases), searched
//! on one thread (the index's default executor).
//!
//! Row ids come from a fast `u64` field rather than the document store, the
//! idiomatic way to get an id per hit in Rust.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::json;
use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::query::QueryParser;
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST};
use tantivy::{Index, IndexWriter, Searcher, TantivyDocument};

use super::FtsEngine;
use crate::data::{Mode, TextSet};
use crate::peer_record::Extras;

/// The writer's memory budget, as the Python peer's.
const HEAP_BYTES: usize = 256 << 20;

/// `0.27.0` from tantivy's version string ("tantivy v0.27.0, index_format v7").
pub fn version() -> String {
    let full = tantivy::version_string();
    full.split(|c: char| c == ',' || c.is_whitespace())
        .find_map(|w| w.strip_prefix('v'))
        .unwrap_or(full)
        .to_string()
}

pub struct TantivyFts {
    dir: PathBuf,
    built: Option<Built>,
}

struct Built {
    searcher: Searcher,
    or_parser: QueryParser,
    and_parser: QueryParser,
    /// The `id` fast field of each segment, by segment ordinal.
    ids: Vec<Column<u64>>,
    tokenizer: &'static str,
}

impl TantivyFts {
    pub fn new(dir: &Path) -> anyhow::Result<Self> {
        Ok(TantivyFts {
            dir: dir.to_path_buf(),
            built: None,
        })
    }
}

impl FtsEngine for TantivyFts {
    fn build(&mut self, set: &TextSet) -> anyhow::Result<()> {
        let tokenizer = if set.english { "en_stem" } else { "default" };
        let mut sb = Schema::builder();
        let id = sb.add_u64_field("id", FAST);
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let body = sb.add_text_field(
            "body",
            TextOptions::default().set_indexing_options(indexing),
        );
        std::fs::create_dir_all(&self.dir)?;
        let index = Index::create_in_dir(&self.dir, sb.build())?;
        let mut writer: IndexWriter = index.writer_with_num_threads(1, HEAP_BYTES)?;
        for (i, text) in set.bodies.iter().enumerate() {
            let mut doc = TantivyDocument::default();
            doc.add_u64(id, i as u64);
            doc.add_text(body, text.unwrap_or(""));
            writer.add_document(doc)?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        let reader = index.reader()?;
        reader.reload()?;
        let searcher = reader.searcher();
        let ids = searcher
            .segment_readers()
            .iter()
            .map(|s| s.fast_fields().u64("id"))
            .collect::<Result<Vec<_>, _>>()?;
        let mut and_parser = parser(&index, body);
        and_parser.set_conjunction_by_default();
        self.built = Some(Built {
            searcher,
            or_parser: parser(&index, body),
            and_parser,
            ids,
            tokenizer,
        });
        Ok(())
    }

    fn search(&self, text: &str, mode: Mode, k: usize) -> anyhow::Result<Vec<u64>> {
        let b = self.built.as_ref().context("search before build")?;
        let query = match mode {
            Mode::Or => b.or_parser.parse_query(text),
            Mode::And => b.and_parser.parse_query(text),
            Mode::Phrase => b.or_parser.parse_query(&format!("\"{text}\"")),
        }?;
        let top = b
            .searcher
            .search(&*query, &TopDocs::with_limit(k).order_by_score())?;
        top.iter()
            .map(|(_, addr)| {
                b.ids[addr.segment_ord as usize]
                    .first(addr.doc_id)
                    .context("a document without an id")
            })
            .collect()
    }

    fn index_bytes(&self) -> Option<u64> {
        dir_bytes(&self.dir).ok()
    }

    fn extras(&self) -> Extras {
        let mut settings = json!({
            "writer_heap_bytes": HEAP_BYTES,
            "bm25": "k1=1.2 b=0.75 (tantivy)",
        });
        if let Some(b) = &self.built {
            settings["tokenizer"] = json!(b.tokenizer);
            settings["segments"] = json!(b.searcher.segment_readers().len());
        }
        Extras {
            notes: vec![
                "IndexWriter with 1 indexing thread; build time includes commit (fsync) and \
                 waiting for merges, which tantivy runs on its own merge thread"
                    .into(),
                "search on the index's default single-thread executor; ids from a u64 fast field"
                    .into(),
                "index_bytes: the index directory (no stored fields)".into(),
            ],
            settings,
            threadpools: vec![json!({"internal_api": "tantivy", "prefix": "indexing",
                                     "num_threads": 1})],
        }
    }
}

fn parser(index: &Index, body: Field) -> QueryParser {
    QueryParser::for_index(index, vec![body])
}

/// Total bytes of the files under `dir`.
fn dir_bytes(dir: &Path) -> std::io::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_bytes(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}
