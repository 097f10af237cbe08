//! Printing query results as a table, CSV or JSON.

use anyhow::Result;
use arrow::array::Array;
use arrow::record_batch::RecordBatch;

use crate::cli::OutputFormat;

pub fn print(batches: &[RecordBatch], format: OutputFormat) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Table => {
            if batches.iter().all(|b| b.num_rows() == 0)
                && batches.first().is_none_or(|b| b.num_columns() == 0)
            {
                println!("(no rows)");
            } else {
                println!("{}", arrow::util::pretty::pretty_format_batches(batches)?);
            }
        }
        OutputFormat::Csv => {
            let mut writer = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut out);
            for b in batches {
                writer.write(&flatten_nested(b)?)?;
            }
        }
        OutputFormat::Json => {
            let mut writer = arrow::json::LineDelimitedWriter::new(&mut out);
            for b in batches {
                writer.write(b)?;
            }
            writer.finish()?;
        }
    }
    Ok(())
}

/// CSV has no nested values: lists and structs are written as their display
/// text, e.g. `[0.1, 0.2]`.
fn flatten_nested(batch: &RecordBatch) -> Result<RecordBatch> {
    use arrow::array::{ArrayRef, StringArray};
    use arrow::datatypes::{Field, Schema};
    use arrow::util::display::{ArrayFormatter, FormatOptions};
    use std::sync::Arc;
    if !batch
        .schema()
        .fields()
        .iter()
        .any(|f| f.data_type().is_nested())
    {
        return Ok(batch.clone());
    }
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if field.data_type().is_nested() {
            let fmt = ArrayFormatter::try_new(column.as_ref(), &FormatOptions::default())?;
            let text: StringArray = (0..column.len())
                .map(|i| column.is_valid(i).then(|| fmt.value(i).to_string()))
                .collect();
            fields.push(Field::new(
                field.name(),
                arrow::datatypes::DataType::Utf8,
                true,
            ));
            columns.push(Arc::new(text));
        } else {
            fields.push(field.as_ref().clone());
            columns.push(column.clone());
        }
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}
