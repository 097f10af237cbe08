//! Printing query results as a table, CSV or JSON.

use anyhow::Result;
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
                writer.write(b)?;
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
