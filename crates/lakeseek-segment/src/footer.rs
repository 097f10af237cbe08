//! The segment footer: the JSON document stored under
//! [`SEGMENT_METADATA_KEY`] in the Parquet footer's key-value metadata.

use serde::{Deserialize, Serialize};

use crate::error::{SegmentError, SegmentResult};

/// Key of the Parquet key-value entry that marks a LakeSeek segment.
pub const SEGMENT_METADATA_KEY: &str = "lakeseek.segment";
/// Value of [`SegmentFooter::format`].
pub const FORMAT_ID: &str = "lakeseek-segment";
/// The newest format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Where one index section lies in the segment object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionEntry {
    /// Section name, e.g. `text:body` or `vector:emb`.
    pub name: String,
    /// Byte offset from the start of the object.
    pub offset: u64,
    /// Length in bytes.
    pub length: u64,
    /// CRC-32 (IEEE) of the section's bytes.
    pub crc32: u32,
}

/// The LakeSeek part of a segment's Parquet footer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentFooter {
    /// Always [`FORMAT_ID`].
    pub format: String,
    /// Format version the segment was written with.
    pub version: u32,
    /// Number of rows in the Parquet part.
    pub rows: u64,
    /// Index sections, in file order.
    pub sections: Vec<SectionEntry>,
}

impl SegmentFooter {
    /// Serialises the footer for the key-value entry.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("footer serialisation cannot fail")
    }

    /// Parses and validates a footer. `data_end` is the first byte of the
    /// Parquet footer: every section must lie before it.
    pub fn decode(text: &str, data_end: u64) -> SegmentResult<Self> {
        let footer: SegmentFooter = serde_json::from_str(text)
            .map_err(|e| SegmentError::corrupt("segment footer", e.to_string()))?;
        if footer.format != FORMAT_ID {
            return Err(SegmentError::NotASegment {
                reason: format!("format id is {:?}", footer.format),
            });
        }
        if footer.version == 0 || footer.version > FORMAT_VERSION {
            return Err(SegmentError::UnsupportedVersion {
                found: footer.version,
                supported: FORMAT_VERSION,
            });
        }
        for s in &footer.sections {
            let end = s.offset.checked_add(s.length).ok_or_else(|| {
                SegmentError::corrupt(format!("section {:?}", s.name), "offset + length overflows")
            })?;
            if end > data_end {
                return Err(SegmentError::corrupt(
                    format!("section {:?}", s.name),
                    format!(
                        "bytes {}..{end} run past the data region ending at {data_end}",
                        s.offset
                    ),
                ));
            }
        }
        Ok(footer)
    }

    /// The entry of section `name`.
    pub fn section(&self, name: &str) -> SegmentResult<&SectionEntry> {
        self.sections
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| SegmentError::NoSuchSection(name.into()))
    }
}
