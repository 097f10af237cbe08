//! Encoding a segment from Arrow batches.

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use bytes::Bytes;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use crate::error::{SegmentError, SegmentResult};
use crate::footer::{SectionEntry, SegmentFooter, FORMAT_ID, FORMAT_VERSION, SEGMENT_METADATA_KEY};
use crate::stats::SegmentStats;

/// An index section to embed in the segment.
#[derive(Debug, Clone)]
pub struct Section {
    pub name: String,
    pub bytes: Bytes,
}

/// Knobs of segment encoding.
#[derive(Debug, Clone)]
pub struct SegmentWriteOptions {
    /// Target uncompressed bytes per row group: large enough for efficient
    /// scans, small enough that one range read fetches a useful unit.
    pub row_group_bytes: usize,
    /// zstd level for every column.
    pub zstd_level: i32,
}

impl Default for SegmentWriteOptions {
    fn default() -> Self {
        SegmentWriteOptions {
            row_group_bytes: 32 << 20,
            zstd_level: 1,
        }
    }
}

/// An encoded segment: the object's bytes and what the manifest records of it.
#[derive(Debug, Clone)]
pub struct EncodedSegment {
    pub bytes: Bytes,
    pub stats: SegmentStats,
    pub footer: SegmentFooter,
}

/// Encodes `batches` (all of `schema`) and `sections` into one segment object.
pub fn write_segment(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    sections: &[Section],
    options: &SegmentWriteOptions,
) -> SegmentResult<EncodedSegment> {
    for b in batches {
        if b.schema().fields() != schema.fields() {
            return Err(SegmentError::InvalidInput(
                "a batch's schema differs from the segment schema".into(),
            ));
        }
    }
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let bytes_in: usize = batches.iter().map(crate::batch_data_bytes).sum();
    let row_bytes = (bytes_in / rows.max(1)).max(1);
    let rows_per_group = (options.row_group_bytes / row_bytes).clamp(1024, 1 << 20);

    let zstd = ZstdLevel::try_new(options.zstd_level).map_err(|e| SegmentError::Parquet {
        context: "choosing the zstd level",
        source: e,
    })?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(zstd))
        .set_max_row_group_row_count(Some(rows_per_group))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_created_by(format!("lakeseek {}", env!("CARGO_PKG_VERSION")))
        .build();

    let mut writer = ArrowWriter::try_new(
        Vec::with_capacity(bytes_in / 2),
        Arc::clone(schema),
        Some(props),
    )
    .map_err(|e| parquet_err("opening the parquet writer", e))?;
    for batch in batches {
        writer
            .write(batch)
            .map_err(|e| parquet_err("writing rows", e))?;
    }
    writer
        .flush()
        .map_err(|e| parquet_err("flushing row groups", e))?;

    // Sections go after the last row group and before the footer, where no
    // Parquet reader looks.
    let mut entries = Vec::with_capacity(sections.len());
    for section in sections {
        let offset = writer.bytes_written() as u64;
        writer
            .write_all(&section.bytes)
            .map_err(|e| SegmentError::Parquet {
                context: "writing an index section",
                source: e.into(),
            })?;
        entries.push(SectionEntry {
            name: section.name.clone(),
            offset,
            length: section.bytes.len() as u64,
            crc32: crc32fast::hash(&section.bytes),
        });
    }
    let footer = SegmentFooter {
        format: FORMAT_ID.into(),
        version: FORMAT_VERSION,
        rows: rows as u64,
        sections: entries,
    };
    writer.append_key_value_metadata(KeyValue::new(
        SEGMENT_METADATA_KEY.to_string(),
        footer.encode(),
    ));
    let buffer = writer
        .into_inner()
        .map_err(|e| parquet_err("closing the parquet writer", e))?;
    Ok(EncodedSegment {
        bytes: Bytes::from(buffer),
        stats: SegmentStats::compute(batches),
        footer,
    })
}

fn parquet_err(context: &'static str, source: parquet::errors::ParquetError) -> SegmentError {
    SegmentError::Parquet { context, source }
}
