//! Importing files into a table: Parquet, CSV and JSON Lines, streamed in
//! bounded memory, in one transaction.

use std::fs::File;
use std::io::{BufReader, Seek};
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, FixedSizeListArray, Float32Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// Rows per batch read from the source.
const BATCH_ROWS: usize = 8192;
/// Rows read to infer a CSV or JSON schema.
const INFER_ROWS: usize = 10_000;

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    #[error("cannot read {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot decode {path}")]
    Arrow {
        path: String,
        #[source]
        source: arrow::error::ArrowError,
    },
    #[error("cannot decode {path}")]
    Parquet {
        path: String,
        #[source]
        source: parquet::errors::ParquetError,
    },
    #[error("unknown file format of {0}: use .parquet, .csv, .jsonl or --format")]
    UnknownFormat(String),
    #[error("column {column:?}: {detail}")]
    Column { column: String, detail: String },
}

/// Input file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Csv,
    JsonLines,
}

impl Format {
    /// Guesses the format from a file name.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "parquet" | "pq" => Some(Format::Parquet),
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" | "json" => Some(Format::JsonLines),
            _ => None,
        }
    }

    /// Parses a `--format` value.
    pub fn parse(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "parquet" => Some(Format::Parquet),
            "csv" => Some(Format::Csv),
            "json" | "jsonl" | "ndjson" => Some(Format::JsonLines),
            _ => None,
        }
    }
}

/// A source of batches with a known schema.
pub struct Source {
    pub schema: SchemaRef,
    pub batches: Box<dyn Iterator<Item = Result<RecordBatch, ImportError>> + Send>,
    /// Total rows when the format knows it up front (Parquet).
    pub total_rows: Option<u64>,
    /// Size of the file in bytes.
    pub file_bytes: u64,
}

/// Opens `path` as a stream of batches.
pub fn open(path: &Path, format: Format) -> Result<Source, ImportError> {
    let name = path.display().to_string();
    let io = |source| ImportError::Io {
        path: name.clone(),
        source,
    };
    let arrow_err = |source| ImportError::Arrow {
        path: name.clone(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let file_bytes = file.metadata().map_err(io)?.len();
    match format {
        Format::Parquet => {
            let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|source| {
                ImportError::Parquet {
                    path: name.clone(),
                    source,
                }
            })?;
            let total = builder.metadata().file_metadata().num_rows().max(0) as u64;
            let schema = builder.schema().clone();
            let reader = builder
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|source| ImportError::Parquet {
                    path: name.clone(),
                    source,
                })?;
            let n = name.clone();
            Ok(Source {
                schema,
                batches: Box::new(reader.map(move |r| {
                    r.map_err(|source| ImportError::Arrow {
                        path: n.clone(),
                        source,
                    })
                })),
                total_rows: Some(total),
                file_bytes,
            })
        }
        Format::Csv => {
            let mut reader = BufReader::new(file);
            let format = arrow::csv::reader::Format::default().with_header(true);
            let (schema, _) = format
                .infer_schema(&mut reader, Some(INFER_ROWS))
                .map_err(arrow_err)?;
            reader.rewind().map_err(io)?;
            let schema = Arc::new(schema);
            let csv = arrow::csv::ReaderBuilder::new(schema.clone())
                .with_header(true)
                .with_batch_size(BATCH_ROWS)
                .build(reader)
                .map_err(arrow_err)?;
            let n = name.clone();
            Ok(Source {
                schema,
                batches: Box::new(csv.map(move |r| {
                    r.map_err(|source| ImportError::Arrow {
                        path: n.clone(),
                        source,
                    })
                })),
                total_rows: None,
                file_bytes,
            })
        }
        Format::JsonLines => {
            let mut reader = BufReader::new(file);
            let (schema, _) = arrow::json::reader::infer_json_schema(&mut reader, Some(INFER_ROWS))
                .map_err(arrow_err)?;
            reader.rewind().map_err(io)?;
            let schema = Arc::new(schema);
            let json = arrow::json::ReaderBuilder::new(schema.clone())
                .with_batch_size(BATCH_ROWS)
                .build(reader)
                .map_err(arrow_err)?;
            let n = name.clone();
            Ok(Source {
                schema,
                batches: Box::new(json.map(move |r| {
                    r.map_err(|source| ImportError::Arrow {
                        path: n.clone(),
                        source,
                    })
                })),
                total_rows: None,
                file_bytes,
            })
        }
    }
}

/// The dimension of a vector column as the source types it: the size of a
/// fixed-size list, or `None` for a variable list (known only from the data).
pub fn declared_dimension(schema: &Schema, column: &str) -> Result<Option<usize>, ImportError> {
    let field = schema
        .field_with_name(column)
        .map_err(|_| ImportError::Column {
            column: column.into(),
            detail: "not in the input".into(),
        })?;
    match field.data_type() {
        DataType::FixedSizeList(_, n) => Ok(Some(*n as usize)),
        DataType::List(_) | DataType::LargeList(_) => Ok(None),
        other => Err(ImportError::Column {
            column: column.into(),
            detail: format!("a vector column must be a list of numbers, not {other}"),
        }),
    }
}

/// Converts a list column of numbers to `FixedSizeList<Float32, dim>`,
/// checking every row has `dim` values.
pub fn to_vector_column(
    column: &str,
    array: &ArrayRef,
    dim: usize,
) -> Result<ArrayRef, ImportError> {
    let bad = |detail: String| ImportError::Column {
        column: column.into(),
        detail,
    };
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    if let DataType::FixedSizeList(f, n) = array.data_type() {
        if *n as usize != dim {
            return Err(bad(format!("has dimension {n}, expected {dim}")));
        }
        if f.data_type() == &DataType::Float32 {
            let list = array.as_fixed_size_list();
            return Ok(Arc::new(FixedSizeListArray::new(
                item,
                dim as i32,
                list.values().clone(),
                list.nulls().cloned(),
            )));
        }
    }
    let (offsets, values): (Vec<usize>, ArrayRef) = match array.data_type() {
        DataType::List(_) => {
            let l = array.as_list::<i32>();
            (
                l.value_offsets().iter().map(|&o| o as usize).collect(),
                l.values().clone(),
            )
        }
        DataType::LargeList(_) => {
            let l = array.as_list::<i64>();
            (
                l.value_offsets().iter().map(|&o| o as usize).collect(),
                l.values().clone(),
            )
        }
        DataType::FixedSizeList(_, n) => {
            let l = array.as_fixed_size_list();
            (
                (0..=l.len()).map(|i| i * *n as usize).collect(),
                l.values().clone(),
            )
        }
        other => {
            return Err(bad(format!(
                "a vector column must be a list of numbers, not {other}"
            )))
        }
    };
    let floats = arrow::compute::cast(&values, &DataType::Float32)
        .map_err(|e| bad(format!("values are not numbers: {e}")))?;
    let floats = floats.as_primitive::<arrow::datatypes::Float32Type>();
    let mut out: Vec<f32> = Vec::with_capacity(array.len() * dim);
    for row in 0..array.len() {
        let (start, end) = (offsets[row], offsets[row + 1]);
        if array.is_null(row) {
            out.extend(std::iter::repeat_n(0.0, dim));
            continue;
        }
        if end - start != dim {
            return Err(bad(format!(
                "row {row} has {} values, expected {dim}",
                end - start
            )));
        }
        out.extend((start..end).map(|i| floats.value(i)));
    }
    Ok(Arc::new(FixedSizeListArray::new(
        item,
        dim as i32,
        Arc::new(Float32Array::from(out)),
        array.nulls().cloned(),
    )))
}
