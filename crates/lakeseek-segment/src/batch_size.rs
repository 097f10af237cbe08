//! How many bytes a batch's rows occupy: the measure behind flush budgets and
//! row-group sizes.
//!
//! `RecordBatch::get_array_memory_size` counts every buffer a batch points
//! into, whole: a 64k-row slice of a 1M-row batch is charged for all 1M rows.
//! A writer fed slices of one large batch (the common way to stream an
//! in-memory table) then flushed after every slice and wrote many small
//! segments. Here a slice is charged only for the bytes its rows use.

use arrow::array::Array;
use arrow::record_batch::RecordBatch;

/// Bytes of data the rows of `batch` use (values, offsets, validity),
/// counting only the sliced range of shared buffers.
pub fn batch_data_bytes(batch: &RecordBatch) -> usize {
    batch
        .columns()
        .iter()
        .map(|column| {
            let data = column.to_data();
            // Only fails for corrupt offsets, which validation rules out;
            // fall back to the whole-buffer count rather than undercount.
            data.get_slice_memory_size()
                .unwrap_or_else(|_| column.get_array_memory_size())
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    fn batch(rows: usize) -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("body", DataType::Utf8, false),
        ]);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(Int64Array::from_iter_values(0..rows as i64)),
                Arc::new(StringArray::from_iter_values(
                    (0..rows).map(|i| format!("document number {i} with some words")),
                )),
            ],
        )
        .unwrap()
    }

    #[test]
    fn a_slice_is_charged_for_its_rows_only() {
        let whole = batch(100_000);
        let total = batch_data_bytes(&whole);
        let tenth = batch_data_bytes(&whole.slice(50_000, 10_000));
        // The slice's strings are as long as the average; allow 20% either way.
        assert!(tenth * 10 > total * 8 / 10, "{tenth} vs {total}");
        assert!(tenth * 10 < total * 12 / 10, "{tenth} vs {total}");
        // The whole-buffer count charges a slice for everything.
        assert!(whole.slice(50_000, 10_000).get_array_memory_size() >= total);
    }

    #[test]
    fn an_unsliced_batch_counts_its_data() {
        let b = batch(1_000);
        let bytes = batch_data_bytes(&b);
        let strings: usize = (0..1_000)
            .map(|i| format!("document number {i} with some words").len())
            .sum();
        // i64 values + string values + offsets.
        assert!(bytes >= 8 * 1_000 + strings, "{bytes}");
        assert!(bytes <= 8 * 1_000 + strings + 4 * 1_001 + 64, "{bytes}");
    }
}
