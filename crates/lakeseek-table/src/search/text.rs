//! Full-text search over a snapshot.
//!
//! BM25 statistics are table-wide: document counts and lengths come from the
//! manifest, document frequencies are summed over every segment's dictionary,
//! so the same rows score identically however they are split into segments.
//! Each segment is searched with its best-so-far floor (the k-th score found
//! in earlier segments), segments visited in `_id` order so that "strictly
//! above the floor" keeps the `_id` tie order exact.

use std::collections::HashMap;
use std::sync::Arc;

use fst::automaton::{Automaton, Levenshtein, Str};
use lakeseek_segment::text::analyzer::{analyzer, Analyzer};
use lakeseek_segment::text::bm25::{idf, Bm25Params, CorpusStats, TermWeight};
use lakeseek_segment::text::index::{TermInfo, TextIndexError, TextIndexReader};
use lakeseek_segment::text::query::{parse, Query};
use lakeseek_segment::text::search::{
    count, select_expansions, top_k_above, Matcher, MAX_EXPANSIONS,
};
use roaring::RoaringBitmap;

use crate::error::{TableError, TableResult};
use crate::manifest::Snapshot;
use crate::table::Table;

/// A full-text search request.
#[derive(Debug, Clone)]
pub struct TextSearch<'a> {
    /// Default columns for query clauses that name none (`column:term` picks
    /// its own); empty means every text column of the table.
    pub columns: Vec<String>,
    /// The query, in LakeSeek's query language.
    pub query: String,
    /// How many rows to return.
    pub k: usize,
    /// BM25 parameters (defaults 1.2 / 0.75).
    pub params: Bm25Params,
    /// Rows allowed per segment of the snapshot (`None` = all).
    pub allowed: Option<&'a [RoaringBitmap]>,
    /// Also count every matching row (costs a pass over all matches).
    pub count: bool,
}

impl<'a> TextSearch<'a> {
    /// A search with default parameters.
    pub fn new(query: &str, k: usize) -> Self {
        TextSearch {
            columns: Vec::new(),
            query: query.into(),
            k,
            params: Bm25Params::default(),
            allowed: None,
            count: false,
        }
    }
}

/// One hit: where the row is, its `_id` and score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextHit {
    pub segment: usize,
    pub row: u32,
    pub id: u64,
    pub score: f32,
}

/// Hits best first (score descending, `_id` ascending) and, if asked, the
/// number of matching rows.
#[derive(Debug, Clone, Default)]
pub struct TextResults {
    pub hits: Vec<TextHit>,
    pub matches: Option<u64>,
}

/// One segment's readers, by column.
type SegmentReaders = HashMap<String, Arc<TextIndexReader>>;

impl Table {
    /// Runs a full-text search over `snapshot`.
    pub async fn text_search(
        &self,
        snapshot: &Snapshot,
        request: &TextSearch<'_>,
    ) -> TableResult<TextResults> {
        let query = parse(&request.query).map_err(|e| TableError::InvalidQuery {
            query: request.query.clone(),
            position: Some(e.position),
            message: format!("{}\n{}", e.kind, e.caret(&request.query)),
        })?;
        let meta = &snapshot.metadata;
        let defaults: Vec<String> = if request.columns.is_empty() {
            meta.options
                .text_columns
                .iter()
                .map(|t| t.column.clone())
                .collect()
        } else {
            request.columns.clone()
        };
        let mut analyzers: HashMap<String, Arc<dyn Analyzer>> = HashMap::new();
        for t in &meta.options.text_columns {
            let a = analyzer(&t.analyzer).map_err(|e| TableError::InvalidOptions(e.to_string()))?;
            analyzers.insert(t.column.clone(), a);
        }
        let mut used: Vec<String> = Vec::new();
        collect_fields(&query, &defaults, &mut used);
        for c in defaults.iter().chain(&used) {
            if !analyzers.contains_key(c) {
                return Err(TableError::InvalidQuery {
                    query: request.query.clone(),
                    position: None,
                    message: format!("{c:?} is not a text column of table {}", meta.name),
                });
            }
        }
        // Deleted rows are never results: they join the filter.
        let live = snapshot.searchable_rows(request.allowed);
        let allowed = live.as_deref();
        if let Query::MatchAll { .. } = query {
            return self.match_all(snapshot, request, allowed).await;
        }

        // Open every segment's readers for the columns the query touches.
        let mut readers: Vec<SegmentReaders> = (0..snapshot.segments.len())
            .map(|_| HashMap::new())
            .collect();
        for column in &used {
            let opened = self.text_readers(snapshot, column).await?;
            for ((entry, reader), by_column) in
                snapshot.segments.iter().zip(opened).zip(&mut readers)
            {
                let reader = reader.ok_or_else(|| TableError::CorruptManifest {
                    path: self.segment_path(entry),
                    detail: format!("segment has no text section for column {column:?}"),
                })?;
                by_column.insert(column.clone(), reader);
            }
        }
        let corpus: HashMap<String, CorpusStats> = used
            .iter()
            .map(|c| {
                let mut stats = CorpusStats::default();
                for e in &snapshot.segments {
                    if let Some(t) = e.text.get(c) {
                        stats.num_docs += t.docs;
                        stats.total_tokens += t.tokens;
                    }
                }
                (c.clone(), stats)
            })
            .collect();
        let plan = Planner {
            defaults: &defaults,
            analyzers: &analyzers,
            readers: &readers,
            corpus: &corpus,
            params: request.params,
        }
        .plan(&query, 1.0)
        .map_err(|e| self.index_error(snapshot, e))?;

        let mut order: Vec<usize> = (0..snapshot.segments.len()).collect();
        order.sort_by_key(|&i| snapshot.segments[i].id_min);
        let mut best: Vec<TextHit> = Vec::new();
        let mut matches = 0u64;
        for &s in &order {
            let entry = &snapshot.segments[s];
            let filter = allowed.map(|a| &a[s]);
            if filter.is_some_and(|f| f.is_empty()) {
                continue;
            }
            let floor = if best.len() >= request.k {
                best[request.k - 1].score
            } else {
                f32::NEG_INFINITY
            };
            let matcher = plan
                .matcher(s, &readers[s])
                .map_err(|e| self.index_error(snapshot, e))?;
            if request.count {
                matches +=
                    count(matcher.clone(), filter).map_err(|e| self.index_error(snapshot, e))?;
            }
            let top = top_k_above(matcher, request.k, filter, floor)
                .map_err(|e| self.index_error(snapshot, e))?;
            let ids = self.segment_ids(entry).await?;
            best.extend(top.hits.iter().map(|h| TextHit {
                segment: s,
                row: h.doc,
                id: ids.id(h.doc),
                score: h.score,
            }));
            best.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
            best.truncate(request.k);
        }
        Ok(TextResults {
            hits: best,
            matches: request.count.then_some(matches),
        })
    }

    fn index_error(&self, snapshot: &Snapshot, source: TextIndexError) -> TableError {
        TableError::TextIndex {
            path: format!("{} (version {})", snapshot.metadata.name, snapshot.version),
            source,
        }
    }
}

impl Table {
    /// `*`: every allowed row, in `_id` order, all with score 1 × boost.
    async fn match_all(
        &self,
        snapshot: &Snapshot,
        request: &TextSearch<'_>,
        allowed: Option<&[RoaringBitmap]>,
    ) -> TableResult<TextResults> {
        let score = match parse(&request.query) {
            Ok(q) => q.boost(),
            Err(_) => 1.0,
        };
        let mut order: Vec<usize> = (0..snapshot.segments.len()).collect();
        order.sort_by_key(|&i| snapshot.segments[i].id_min);
        let mut hits = Vec::new();
        let mut matches = 0u64;
        for s in order {
            let entry = &snapshot.segments[s];
            let ids = self.segment_ids(entry).await?;
            let rows: Box<dyn Iterator<Item = u32> + Send> = match allowed {
                Some(a) => Box::new(a[s].iter()),
                None => Box::new(0..entry.rows as u32),
            };
            for row in rows {
                matches += 1;
                if hits.len() < request.k {
                    hits.push(TextHit {
                        segment: s,
                        row,
                        id: ids.id(row),
                        score,
                    });
                }
            }
        }
        Ok(TextResults {
            hits,
            matches: request.count.then_some(matches),
        })
    }
}

/// The fields a query touches: its own `column:` scopes and the defaults.
fn collect_fields(query: &Query, defaults: &[String], out: &mut Vec<String>) {
    let mut add = |c: &str| {
        if !out.iter().any(|o| o == c) {
            out.push(c.to_string());
        }
    };
    match query {
        Query::Bool {
            must,
            should,
            must_not,
            ..
        } => {
            for q in must.iter().chain(should).chain(must_not) {
                collect_fields(q, defaults, out);
            }
        }
        Query::MatchAll { .. } => {}
        leaf => match leaf.field() {
            Some(f) => add(f),
            None => defaults.iter().for_each(|d| add(d)),
        },
    }
}

/// A query resolved against table-wide statistics, ready to compile per
/// segment.
enum Plan {
    Empty,
    Term {
        column: String,
        term: String,
        weight: TermWeight,
        /// The term in each segment, when the planner looked it up already
        /// (for its document frequency): the segments need not look again.
        infos: Option<Vec<Option<TermInfo>>>,
    },
    Phrase {
        column: String,
        terms: Vec<(String, u32)>,
        slop: u32,
        weight: TermWeight,
    },
    Or(Vec<Plan>),
    Bool {
        must: Vec<Plan>,
        should: Vec<Plan>,
        must_not: Vec<Plan>,
    },
}

struct Planner<'p> {
    defaults: &'p [String],
    analyzers: &'p HashMap<String, Arc<dyn Analyzer>>,
    readers: &'p [SegmentReaders],
    corpus: &'p HashMap<String, CorpusStats>,
    params: Bm25Params,
}

impl Planner<'_> {
    fn columns(&self, field: Option<&str>) -> Vec<String> {
        match field {
            Some(f) => vec![f.to_string()],
            None => self.defaults.to_vec(),
        }
    }

    /// The term's table-wide document frequency and its entry in each
    /// segment.
    fn lookup(
        &self,
        column: &str,
        term: &str,
    ) -> Result<(u64, Vec<Option<TermInfo>>), TextIndexError> {
        let mut df = 0u64;
        let mut infos = Vec::with_capacity(self.readers.len());
        for r in self.readers {
            let info = r[column].term(term)?;
            if let Some(info) = &info {
                df += u64::from(info.doc_freq());
            }
            infos.push(info);
        }
        Ok((df, infos))
    }

    fn doc_freq(&self, column: &str, term: &str) -> Result<u64, TextIndexError> {
        Ok(self.lookup(column, term)?.0)
    }

    /// Expansions of a prefix or fuzzy term, chosen table-wide so every
    /// segment expands to the same terms.
    fn expand<A: Automaton + Clone>(
        &self,
        column: &str,
        aut: A,
        boost: f32,
    ) -> Result<Plan, TextIndexError> {
        let mut freq: HashMap<String, u64> = HashMap::new();
        for r in self.readers {
            for item in r[column].terms_matching(aut.clone()) {
                let (term, info) = item?;
                *freq.entry(term).or_default() += u64::from(info.doc_freq());
            }
        }
        let chosen = select_expansions(freq, MAX_EXPANSIONS);
        let corpus = &self.corpus[column];
        Ok(Plan::Or(
            chosen
                .into_iter()
                .map(|(term, df)| Plan::Term {
                    column: column.to_string(),
                    weight: TermWeight::new(self.params, corpus, df, boost),
                    term,
                    infos: None,
                })
                .collect(),
        ))
    }

    fn plan(&self, query: &Query, outer_boost: f32) -> Result<Plan, TextIndexError> {
        let boost = outer_boost * query.boost();
        Ok(match query {
            Query::Term { field, text, .. } => {
                let mut per_column = Vec::new();
                for column in self.columns(field.as_deref()) {
                    let tokens = self.analyzers[&column].analyze(text);
                    let mut terms = Vec::new();
                    for t in tokens {
                        let (df, infos) = self.lookup(&column, &t.term)?;
                        let weight = TermWeight::new(self.params, &self.corpus[&column], df, boost);
                        terms.push(Plan::Term {
                            column: column.clone(),
                            term: t.term,
                            weight,
                            infos: Some(infos),
                        });
                    }
                    per_column.push(one_or_many(terms));
                }
                one_or_many(per_column)
            }
            Query::Phrase {
                field, text, slop, ..
            } => {
                let mut per_column = Vec::new();
                for column in self.columns(field.as_deref()) {
                    let tokens = self.analyzers[&column].analyze(text);
                    if tokens.is_empty() {
                        continue;
                    }
                    let mut sum_idf = 0.0f32;
                    let corpus = &self.corpus[&column];
                    for t in &tokens {
                        sum_idf += idf(corpus.num_docs, self.doc_freq(&column, &t.term)?);
                    }
                    let weight = TermWeight::from_idf(self.params, corpus, sum_idf, boost);
                    let terms = tokens.into_iter().map(|t| (t.term, t.position)).collect();
                    per_column.push(Plan::Phrase {
                        column,
                        terms,
                        slop: *slop,
                        weight,
                    });
                }
                one_or_many(per_column)
            }
            Query::Prefix { field, prefix, .. } => {
                let mut per_column = Vec::new();
                for column in self.columns(field.as_deref()) {
                    let normal = self.analyzers[&column].normalize(prefix);
                    per_column.push(self.expand(
                        &column,
                        Str::new(&normal).starts_with(),
                        boost,
                    )?);
                }
                one_or_many(per_column)
            }
            Query::Fuzzy {
                field,
                text,
                distance,
                ..
            } => {
                let mut per_column = Vec::new();
                for column in self.columns(field.as_deref()) {
                    let normal = self.analyzers[&column].normalize(text);
                    let aut = Levenshtein::new(&normal, u32::from(*distance))
                        .map_err(|_| TextIndexError::InvalidQuery("fuzzy term too long"))?;
                    per_column.push(self.expand(&column, &aut, boost)?);
                }
                one_or_many(per_column)
            }
            Query::Bool {
                must,
                should,
                must_not,
                ..
            } => {
                let plan_all = |qs: &[Query]| -> Result<Vec<Plan>, TextIndexError> {
                    qs.iter().map(|q| self.plan(q, boost)).collect()
                };
                // A clause that analyzed to nothing (only stop words) is dropped.
                let keep = |ps: Vec<Plan>| {
                    ps.into_iter()
                        .filter(|p| !matches!(p, Plan::Empty))
                        .collect::<Vec<_>>()
                };
                Plan::Bool {
                    must: keep(plan_all(must)?),
                    should: keep(plan_all(should)?),
                    must_not: keep(plan_all(must_not)?),
                }
            }
            Query::MatchAll { .. } => {
                return Err(TextIndexError::InvalidQuery(
                    "'*' can only be the whole query",
                ));
            }
        })
    }
}

fn one_or_many(mut plans: Vec<Plan>) -> Plan {
    plans.retain(|p| !matches!(p, Plan::Empty));
    match plans.len() {
        0 => Plan::Empty,
        1 => plans.pop().expect("one plan"),
        _ => Plan::Or(plans),
    }
}

impl Plan {
    /// The matcher of segment `segment`, whose readers are `readers`.
    fn matcher<'r>(
        &self,
        segment: usize,
        readers: &'r SegmentReaders,
    ) -> Result<Matcher<'r>, TextIndexError> {
        Ok(match self {
            Plan::Empty => Matcher::Empty,
            Plan::Term {
                column,
                term,
                weight,
                infos,
            } => match infos.as_ref().and_then(|i| i.get(segment)) {
                Some(Some(info)) => Matcher::term_info(&readers[column], *info, *weight),
                Some(None) => Matcher::Empty,
                None => Matcher::term(&readers[column], term, *weight)?,
            },
            Plan::Phrase {
                column,
                terms,
                slop,
                weight,
            } => {
                let refs: Vec<(&str, u32)> = terms.iter().map(|(t, p)| (t.as_str(), *p)).collect();
                Matcher::phrase(&readers[column], &refs, *slop, *weight)?
            }
            Plan::Or(ps) => Matcher::Or(
                ps.iter()
                    .map(|p| p.matcher(segment, readers))
                    .collect::<Result<_, _>>()?,
            ),
            Plan::Bool {
                must,
                should,
                must_not,
            } => {
                let all = |ps: &[Plan]| {
                    ps.iter()
                        .map(|p| p.matcher(segment, readers))
                        .collect::<Result<Vec<_>, _>>()
                };
                Matcher::Bool {
                    must: all(must)?,
                    should: all(should)?,
                    must_not: all(must_not)?,
                }
            }
        })
    }
}
