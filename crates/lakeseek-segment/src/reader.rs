//! Decoding a segment held in memory.

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use bytes::Bytes;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;

use crate::error::{SegmentError, SegmentResult};
use crate::footer::{SegmentFooter, SEGMENT_METADATA_KEY};

/// Length of the Parquet tail: a 4-byte metadata length and the `PAR1` magic.
const PARQUET_TAIL: usize = 8;

/// An opened segment: the Parquet metadata and the LakeSeek footer, checked.
#[derive(Debug, Clone)]
pub struct SegmentReader {
    bytes: Bytes,
    metadata: ArrowReaderMetadata,
    footer: SegmentFooter,
}

impl SegmentReader {
    /// Opens a segment from its whole object.
    pub fn open(bytes: Bytes) -> SegmentResult<Self> {
        let data_end = data_end(&bytes)?;
        // parquet/arrow-ipc can panic on some corrupt footers (the embedded
        // Arrow schema is decoded without full validation); a reader must
        // turn that into an error, so the decoder runs behind catch_unwind.
        let metadata = guard("parquet footer", || {
            ArrowReaderMetadata::load(&bytes, Default::default())
        })?
        .map_err(|e| SegmentError::Parquet {
            context: "reading the parquet footer",
            source: e,
        })?;
        let kv = metadata
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .and_then(|kvs| kvs.iter().find(|kv| kv.key == SEGMENT_METADATA_KEY))
            .and_then(|kv| kv.value.clone())
            .ok_or_else(|| SegmentError::NotASegment {
                reason: format!("the parquet footer has no {SEGMENT_METADATA_KEY:?} entry"),
            })?;
        let footer = SegmentFooter::decode(&kv, data_end)?;
        let parquet_rows = metadata.metadata().file_metadata().num_rows();
        if parquet_rows < 0 || parquet_rows as u64 != footer.rows {
            return Err(SegmentError::corrupt(
                "row count",
                format!(
                    "footer says {} rows, parquet says {parquet_rows}",
                    footer.rows
                ),
            ));
        }
        Ok(SegmentReader {
            bytes,
            metadata,
            footer,
        })
    }

    /// The LakeSeek footer.
    pub fn footer(&self) -> &SegmentFooter {
        &self.footer
    }

    /// The Arrow schema of the rows.
    pub fn schema(&self) -> SchemaRef {
        self.metadata.schema().clone()
    }

    /// Number of rows.
    pub fn rows(&self) -> u64 {
        self.footer.rows
    }

    /// Decodes the rows, all columns or those at `projection` (indices into
    /// [`SegmentReader::schema`]).
    pub fn read(&self, projection: Option<&[usize]>) -> SegmentResult<Vec<RecordBatch>> {
        let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(
            self.bytes.clone(),
            self.metadata.clone(),
        );
        if let Some(cols) = projection {
            let width = self.metadata.schema().fields().len();
            if let Some(bad) = cols.iter().find(|&&c| c >= width) {
                return Err(SegmentError::InvalidInput(format!(
                    "column index {bad} out of range for {width} columns"
                )));
            }
            let mask = ProjectionMask::roots(
                self.metadata.metadata().file_metadata().schema_descr(),
                cols.iter().copied(),
            );
            builder = builder.with_projection(mask);
        }
        let reader = builder.build().map_err(|e| SegmentError::Parquet {
            context: "starting to decode rows",
            source: e,
        })?;
        let batches =
            guard("row data", || reader.collect::<Result<Vec<_>, _>>())?.map_err(|e| {
                SegmentError::Arrow {
                    context: "decoding rows",
                    source: e,
                }
            })?;
        let decoded: usize = batches.iter().map(|b| b.num_rows()).sum();
        if decoded as u64 != self.footer.rows {
            return Err(SegmentError::corrupt(
                "row data",
                format!("decoded {decoded} rows, footer says {}", self.footer.rows),
            ));
        }
        Ok(batches)
    }

    /// The bytes of section `name`, checksum verified.
    pub fn section(&self, name: &str) -> SegmentResult<Bytes> {
        let entry = self.footer.section(name)?;
        // `decode` checked the range lies inside the data region.
        let bytes = self
            .bytes
            .slice(entry.offset as usize..(entry.offset + entry.length) as usize);
        let found = crc32fast::hash(&bytes);
        if found != entry.crc32 {
            return Err(SegmentError::ChecksumMismatch {
                section: name.into(),
                expected: entry.crc32,
                found,
            });
        }
        Ok(bytes)
    }
}

/// Runs a third-party decoder, turning a panic on corrupt input into
/// [`SegmentError::Corrupt`].
fn guard<T>(what: &str, decode: impl FnOnce() -> T) -> SegmentResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode))
        .map_err(|_| SegmentError::corrupt(what, "the decoder rejected corrupt bytes"))
}

/// The offset where the Parquet footer starts, validated against the object.
fn data_end(bytes: &[u8]) -> SegmentResult<u64> {
    let len = bytes.len();
    if len < 4 + PARQUET_TAIL || &bytes[..4] != b"PAR1" || &bytes[len - 4..] != b"PAR1" {
        return Err(SegmentError::NotASegment {
            reason: format!("{len} bytes without parquet magic at both ends"),
        });
    }
    let meta_len =
        u32::from_le_bytes(bytes[len - 8..len - 4].try_into().expect("4 bytes")) as usize;
    let footer_start = len
        .checked_sub(PARQUET_TAIL + meta_len)
        .filter(|&s| s >= 4)
        .ok_or_else(|| {
            SegmentError::corrupt(
                "parquet footer",
                format!("length {meta_len} exceeds the object ({len} bytes)"),
            )
        })?;
    Ok(footer_start as u64)
}
