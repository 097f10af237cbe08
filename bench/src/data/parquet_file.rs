//! Reading a whole Parquet file (or some of its columns) into one batch, and
//! pulling typed columns out of it with errors that name the file.

use std::path::Path;

use anyhow::Context;
use arrow::array::{Array, AsArray, FixedSizeListArray, RecordBatch, StringArray};
use arrow::datatypes::{Float32Type, Int64Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;

/// The named columns of `path` (all when `columns` is empty), as one batch.
pub fn read(path: &Path, columns: &[&str]) -> anyhow::Result<RecordBatch> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("reading {}", path.display()))?;
    if !columns.is_empty() {
        let schema = builder.parquet_schema();
        let mut roots = Vec::new();
        for name in columns {
            let index = (0..schema.root_schema().get_fields().len())
                .find(|&i| schema.root_schema().get_fields()[i].name() == *name)
                .with_context(|| format!("{} has no column {name:?}", path.display()))?;
            roots.push(index);
        }
        let mask = ProjectionMask::roots(schema, roots);
        builder = builder.with_projection(mask);
    }
    let reader = builder.with_batch_size(65_536).build()?;
    let batches = reader.collect::<Result<Vec<_>, _>>()?;
    let schema = reader_schema(&batches, path)?;
    Ok(arrow::compute::concat_batches(&schema, &batches)?)
}

fn reader_schema(
    batches: &[RecordBatch],
    path: &Path,
) -> anyhow::Result<arrow::datatypes::SchemaRef> {
    batches
        .first()
        .map(|b| b.schema())
        .with_context(|| format!("{} has no rows", path.display()))
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> anyhow::Result<&'a dyn Array> {
    batch
        .column_by_name(name)
        .map(|c| c.as_ref())
        .with_context(|| format!("no column {name:?}"))
}

/// A string column, nulls as empty strings.
pub fn strings(batch: &RecordBatch, name: &str) -> anyhow::Result<Vec<String>> {
    let col = column(batch, name)?
        .as_string_opt::<i32>()
        .with_context(|| format!("column {name:?} is not a string column"))?;
    Ok(col.iter().map(|v| v.unwrap_or("").to_string()).collect())
}

/// A string column as an Arrow array.
pub fn string_array(batch: &RecordBatch, name: &str) -> anyhow::Result<StringArray> {
    Ok(column(batch, name)?
        .as_string_opt::<i32>()
        .with_context(|| format!("column {name:?} is not a string column"))?
        .clone())
}

/// An int64 column (nulls are an error).
pub fn int64s(batch: &RecordBatch, name: &str) -> anyhow::Result<Vec<i64>> {
    let col = column(batch, name)?
        .as_primitive_opt::<Int64Type>()
        .with_context(|| format!("column {name:?} is not an int64 column"))?;
    anyhow::ensure!(col.null_count() == 0, "column {name:?} has nulls");
    Ok(col.values().to_vec())
}

/// A FixedSizeList<Float32> column.
pub fn vectors(batch: &RecordBatch, name: &str) -> anyhow::Result<FixedSizeListArray> {
    let col = column(batch, name)?
        .as_fixed_size_list_opt()
        .with_context(|| format!("column {name:?} is not a fixed-size list"))?;
    anyhow::ensure!(
        col.values().as_primitive_opt::<Float32Type>().is_some(),
        "column {name:?} is not a list of float32"
    );
    Ok(col.clone())
}

/// The rows of a FixedSizeList<Float32> column as vectors.
pub fn vector_rows(list: &FixedSizeListArray) -> Vec<Vec<f32>> {
    (0..list.len())
        .map(|i| {
            list.value(i)
                .as_primitive::<Float32Type>()
                .values()
                .to_vec()
        })
        .collect()
}
