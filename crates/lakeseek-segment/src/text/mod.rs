//! The full-text section of a segment: analyzers, the query language, the
//! inverted index (FST term dictionary, block postings with block-max data and
//! positions, document lengths), BM25 and top-k evaluation.

pub mod analyzer;
pub mod bm25;
pub mod index;
pub mod query;
pub mod search;
pub mod snippet;
