//! Table options: which columns are full-text and vector columns.
//!
//! The declarations are stored in the table's metadata at creation; the
//! indexes that use them are built by the segment writer.

use arrow::datatypes::{DataType, Schema};
use serde::{Deserialize, Serialize};

use crate::error::{TableError, TableResult};

/// Distance metric of a vector column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    #[default]
    Cosine,
    L2,
    Dot,
}

impl std::str::FromStr for Metric {
    type Err = TableError;
    fn from_str(s: &str) -> TableResult<Self> {
        match s.to_ascii_lowercase().as_str() {
            "cosine" => Ok(Metric::Cosine),
            "l2" | "euclidean" => Ok(Metric::L2),
            "dot" | "ip" | "inner_product" => Ok(Metric::Dot),
            other => Err(TableError::InvalidOptions(format!(
                "unknown metric {other:?}; use cosine, l2 or dot"
            ))),
        }
    }
}

/// A full-text column declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextColumn {
    pub column: String,
    /// Analyzer name, `english` by default.
    pub analyzer: String,
}

/// A vector column declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VectorColumn {
    pub column: String,
    pub dimension: usize,
    pub metric: Metric,
}

/// Options given at table creation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TableOptions {
    #[serde(default)]
    pub text_columns: Vec<TextColumn>,
    #[serde(default)]
    pub vector_columns: Vec<VectorColumn>,
    /// The column whose values identify a row for upserts (non-nullable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<String>,
    /// Small appends go to a write-ahead log (one PUT each, grouped), folded
    /// into segments in the background.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wal: bool,
}

/// Analyzer names accepted today; the full-text issue adds the rest.
const KNOWN_ANALYZERS: &[&str] = &["english", "standard", "keyword", "ngram"];

impl TableOptions {
    /// Declares a full-text column with the default English analyzer.
    pub fn with_text(mut self, column: &str) -> Self {
        self.text_columns.push(TextColumn {
            column: column.into(),
            analyzer: "english".into(),
        });
        self
    }

    /// Declares a vector column; the dimension is checked against the schema.
    pub fn with_vector(mut self, column: &str, dimension: usize, metric: Metric) -> Self {
        self.vector_columns.push(VectorColumn {
            column: column.into(),
            dimension,
            metric,
        });
        self
    }

    /// Sends appends through the write-ahead log.
    pub fn with_wal(mut self) -> Self {
        self.wal = true;
        self
    }

    /// Declares the primary key column used by upserts.
    pub fn with_primary_key(mut self, column: &str) -> Self {
        self.primary_key = Some(column.into());
        self
    }

    /// Checks the declarations against the table's schema.
    pub fn validate(&self, schema: &Schema) -> TableResult<()> {
        if let Some(key) = &self.primary_key {
            let field = schema
                .field_with_name(key)
                .map_err(|_| TableError::Schema {
                    column: key.clone(),
                    detail: "declared as the primary key but not in the schema".into(),
                })?;
            if field.is_nullable() {
                return Err(TableError::Schema {
                    column: key.clone(),
                    detail: "a primary key column must not be nullable".into(),
                });
            }
            if matches!(
                field.data_type(),
                DataType::FixedSizeList(..) | DataType::List(_) | DataType::Struct(_)
            ) {
                return Err(TableError::Schema {
                    column: key.clone(),
                    detail: format!("{} cannot be a primary key", field.data_type()),
                });
            }
        }
        let mut seen = std::collections::HashSet::new();
        for t in &self.text_columns {
            if !seen.insert(("text", t.column.as_str())) {
                return Err(TableError::InvalidOptions(format!(
                    "text column {:?} declared twice",
                    t.column
                )));
            }
            let field = schema
                .field_with_name(&t.column)
                .map_err(|_| TableError::Schema {
                    column: t.column.clone(),
                    detail: "declared as a text column but not in the schema".into(),
                })?;
            if !matches!(
                field.data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ) {
                return Err(TableError::Schema {
                    column: t.column.clone(),
                    detail: format!("a text column must be a string, not {}", field.data_type()),
                });
            }
            if !KNOWN_ANALYZERS.contains(&t.analyzer.as_str()) {
                return Err(TableError::InvalidOptions(format!(
                    "unknown analyzer {:?} for column {:?}; known: {}",
                    t.analyzer,
                    t.column,
                    KNOWN_ANALYZERS.join(", ")
                )));
            }
        }
        for v in &self.vector_columns {
            if !seen.insert(("vector", v.column.as_str())) {
                return Err(TableError::InvalidOptions(format!(
                    "vector column {:?} declared twice",
                    v.column
                )));
            }
            let field = schema
                .field_with_name(&v.column)
                .map_err(|_| TableError::Schema {
                    column: v.column.clone(),
                    detail: "declared as a vector column but not in the schema".into(),
                })?;
            match field.data_type() {
                DataType::FixedSizeList(item, n) if item.data_type() == &DataType::Float32 => {
                    if *n as usize != v.dimension {
                        return Err(TableError::VectorDimension {
                            column: v.column.clone(),
                            expected: v.dimension,
                            found: *n as usize,
                        });
                    }
                }
                other => {
                    return Err(TableError::Schema {
                        column: v.column.clone(),
                        detail: format!(
                            "a vector column must be FixedSizeList<Float32>, not {other}"
                        ),
                    })
                }
            }
            if v.dimension == 0 {
                return Err(TableError::InvalidOptions(format!(
                    "vector column {:?} has dimension 0",
                    v.column
                )));
            }
        }
        Ok(())
    }
}
