//! Checking incoming batches against a table's schema before anything is
//! written, so a bad batch is a typed error naming the column and nothing
//! partial becomes visible.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Float32Type, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;

use crate::error::{TableError, TableResult};
use crate::options::TableOptions;

/// Returns `batch` with the table's column order and field definitions, or
/// the first problem found.
pub(crate) fn conform(
    batch: &RecordBatch,
    schema: &SchemaRef,
    options: &TableOptions,
) -> TableResult<RecordBatch> {
    let incoming = batch.schema();
    for field in incoming.fields() {
        if schema.field_with_name(field.name()).is_err() {
            return Err(TableError::Schema {
                column: field.name().clone(),
                detail: "not a column of the table".into(),
            });
        }
    }
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let name = field.name();
        let index = incoming.index_of(name).map_err(|_| TableError::Schema {
            column: name.clone(),
            detail: "missing from the data".into(),
        })?;
        let column = batch.column(index);
        let column = match_type(name, column, field.data_type(), options)?;
        if !field.is_nullable() && column.null_count() > 0 {
            return Err(TableError::NullInNonNullable {
                column: name.clone(),
                nulls: column.null_count(),
            });
        }
        if options.vector_columns.iter().any(|v| &v.column == name) {
            check_finite(name, &column)?;
        }
        columns.push(column);
    }
    RecordBatch::try_new(Arc::clone(schema), columns).map_err(|source| TableError::Arrow {
        context: "assembling a conformed batch",
        source,
    })
}

/// A NaN or infinite component makes every distance to its vector
/// meaningless (and poisons k-means), so it is refused at write time.
fn check_finite(name: &str, column: &ArrayRef) -> TableResult<()> {
    let Some(list) = column.as_fixed_size_list_opt() else {
        return Ok(());
    };
    let Some(values) = list.values().as_primitive_opt::<Float32Type>() else {
        return Ok(());
    };
    let dim = list.value_length().max(1) as usize;
    for (i, v) in values.values().iter().enumerate() {
        let row = i / dim;
        if !v.is_finite() && list.is_valid(row) {
            return Err(TableError::Schema {
                column: name.into(),
                detail: format!(
                    "row {row} of the batch has a non-finite component {v} at index {}",
                    i % dim
                ),
            });
        }
    }
    Ok(())
}

fn match_type(
    name: &str,
    column: &ArrayRef,
    want: &DataType,
    options: &TableOptions,
) -> TableResult<ArrayRef> {
    let have = column.data_type();
    if have == want {
        return Ok(column.clone());
    }
    if let Some(v) = options.vector_columns.iter().find(|v| v.column == name) {
        if let DataType::FixedSizeList(_, n) = have {
            if *n as usize != v.dimension {
                return Err(TableError::VectorDimension {
                    column: name.into(),
                    expected: v.dimension,
                    found: *n as usize,
                });
            }
        }
    }
    if lossless(have, want) {
        return arrow::compute::cast(column, want).map_err(|source| TableError::Arrow {
            context: "casting a column to the table type",
            source,
        });
    }
    Err(TableError::Schema {
        column: name.into(),
        detail: format!("the table has type {want}, the data has {have}"),
    })
}

/// Casts that never lose information: string encodings, list field naming or
/// nullability, and widening integers and floats.
fn lossless(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    let string = |t: &DataType| matches!(t, Utf8 | LargeUtf8 | Utf8View);
    match (from, to) {
        (a, b) if string(a) && string(b) => true,
        (FixedSizeList(fa, na), FixedSizeList(fb, nb)) => {
            na == nb && fa.data_type() == fb.data_type()
        }
        (List(fa), List(fb)) | (LargeList(fa), LargeList(fb)) => fa.data_type() == fb.data_type(),
        (Int8, Int16 | Int32 | Int64) | (Int16, Int32 | Int64) | (Int32, Int64) => true,
        (UInt8, UInt16 | UInt32 | UInt64) | (UInt16, UInt32 | UInt64) | (UInt32, UInt64) => true,
        (Float16, Float32 | Float64) | (Float32, Float64) => true,
        _ => false,
    }
}

/// The schema a table is created with, checked for names LakeSeek reserves.
pub(crate) fn check_user_schema(schema: &Schema) -> TableResult<()> {
    if schema.fields().is_empty() {
        return Err(TableError::Schema {
            column: String::new(),
            detail: "a table needs at least one column".into(),
        });
    }
    let mut seen = std::collections::HashSet::new();
    for f in schema.fields() {
        if f.name() == crate::manifest::ROW_ID {
            return Err(TableError::Schema {
                column: f.name().clone(),
                detail: "the name _id is reserved for the row id".into(),
            });
        }
        if !seen.insert(f.name().to_ascii_lowercase()) {
            return Err(TableError::Schema {
                column: f.name().clone(),
                detail: "duplicate column name".into(),
            });
        }
    }
    Ok(())
}
