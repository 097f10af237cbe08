//! Deletion vectors: the rows of one segment that are deleted.
//!
//! A segment is immutable, so a delete records the segment's row numbers in a
//! roaring bitmap instead of rewriting the object. The manifest carries the
//! bitmaps inline (portable roaring serialisation, base64 in the JSON): a
//! commit holds only the rows it newly deletes, a snapshot the union. Keeping
//! them inline costs no GET when a table is opened; compaction rewrites
//! segments with many deleted rows, which bounds their size.

use std::borrow::Cow;

use base64::Engine;
use roaring::RoaringBitmap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::manifest::Snapshot;

/// Deleted row numbers of one segment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeletionVector(pub RoaringBitmap);

impl Serialize for DeletionVector {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut bytes = Vec::with_capacity(self.0.serialized_size());
        self.0
            .serialize_into(&mut bytes)
            .map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }
}

impl<'de> Deserialize<'de> for DeletionVector {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("deletion vector: {e}")))?;
        // Validating deserialisation: a corrupt bitmap is an error, not a panic.
        let bitmap = RoaringBitmap::deserialize_from(&bytes[..])
            .map_err(|e| serde::de::Error::custom(format!("deletion vector: {e}")))?;
        Ok(DeletionVector(bitmap))
    }
}

impl Snapshot {
    /// Whether any segment of the snapshot has deleted rows.
    pub fn has_deletes(&self) -> bool {
        self.segments.iter().any(|s| s.deleted.is_some())
    }

    /// The rows a search may return per segment: `allowed` (a filter, or all
    /// rows) minus each segment's deleted rows. Borrows `allowed` unchanged
    /// when nothing is deleted.
    pub fn searchable_rows<'a>(
        &self,
        allowed: Option<&'a [RoaringBitmap]>,
    ) -> Option<Cow<'a, [RoaringBitmap]>> {
        if !self.has_deletes() {
            return allowed.map(Cow::Borrowed);
        }
        let masks = self
            .segments
            .iter()
            .enumerate()
            .map(|(s, entry)| {
                let mut rows = match allowed {
                    Some(a) => a[s].clone(),
                    None => {
                        let mut all = RoaringBitmap::new();
                        all.insert_range(0..entry.rows.min(u32::MAX as u64) as u32);
                        all
                    }
                };
                if let Some(dv) = &entry.deleted {
                    rows -= &dv.0;
                }
                rows
            })
            .collect();
        Some(Cow::Owned(masks))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn deletion_vectors_round_trip_through_json(rows in proptest::collection::vec(0u32..200_000, 0..500)) {
            let dv = DeletionVector(rows.into_iter().collect());
            let json = serde_json::to_string(&dv).unwrap();
            let back: DeletionVector = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, dv);
        }

        #[test]
        fn corrupt_deletion_vectors_are_errors(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let text = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let json = serde_json::to_string(&text).unwrap();
            // Either a valid bitmap or an error; never a panic.
            let _ = serde_json::from_str::<DeletionVector>(&json);
        }
    }

    #[test]
    fn bad_base64_is_an_error() {
        assert!(serde_json::from_str::<DeletionVector>("\"not base64!\"").is_err());
    }
}
