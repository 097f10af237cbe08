//! Per-column statistics of a segment, computed at write time and kept in the
//! manifest so queries can skip segments before any GET.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute;
use arrow::datatypes::{self as dt, DataType};
use arrow::record_batch::RecordBatch;
use serde::{Deserialize, Serialize};

/// Longest string kept as a bound; a longer minimum is cut (a prefix is still a
/// lower bound), a longer maximum is dropped (a cut one would not be an upper bound).
const MAX_STRING_BOUND: usize = 64;

/// A column bound in a canonical, serialisable form. Dates and timestamps are
/// their raw integer values; the reader casts back to the column's type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatValue {
    Int(i64),
    UInt(u64),
    Float(f64),
    Bool(bool),
    Str(String),
}

impl StatValue {
    fn compare(&self, other: &StatValue) -> Option<Ordering> {
        match (self, other) {
            (StatValue::Int(a), StatValue::Int(b)) => Some(a.cmp(b)),
            (StatValue::UInt(a), StatValue::UInt(b)) => Some(a.cmp(b)),
            (StatValue::Float(a), StatValue::Float(b)) => a.partial_cmp(b),
            (StatValue::Bool(a), StatValue::Bool(b)) => Some(a.cmp(b)),
            (StatValue::Str(a), StatValue::Str(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// Statistics of one column of one segment. A missing bound on a column that
/// has values means "unknown" (unsupported type, NaN, long string): such a
/// bound never prunes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ColumnStats {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub min: Option<StatValue>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max: Option<StatValue>,
    pub null_count: u64,
    /// Number of non-null values.
    pub value_count: u64,
}

/// Statistics of a whole segment.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SegmentStats {
    pub rows: u64,
    pub columns: BTreeMap<String, ColumnStats>,
}

impl SegmentStats {
    /// Computes statistics over `batches` (which share one schema).
    pub fn compute(batches: &[RecordBatch]) -> SegmentStats {
        let mut stats = SegmentStats::default();
        for batch in batches {
            stats.rows += batch.num_rows() as u64;
            for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
                let entry = stats.columns.entry(field.name().clone()).or_default();
                entry.merge(&column_stats(column));
            }
        }
        stats
    }
}

impl ColumnStats {
    /// Widens `self` to cover `other` as well.
    pub fn merge(&mut self, other: &ColumnStats) {
        let (mine, theirs) = (self.value_count > 0, other.value_count > 0);
        self.min = merge_bound(
            mine,
            self.min.take(),
            theirs,
            other.min.clone(),
            Ordering::Less,
        );
        self.max = merge_bound(
            mine,
            self.max.take(),
            theirs,
            other.max.clone(),
            Ordering::Greater,
        );
        self.null_count += other.null_count;
        self.value_count += other.value_count;
    }
}

/// Merges two bounds; a side without values contributes nothing, a side with
/// values but no bound makes the result unknown.
fn merge_bound(
    a_has: bool,
    a: Option<StatValue>,
    b_has: bool,
    b: Option<StatValue>,
    keep: Ordering,
) -> Option<StatValue> {
    match (a_has, b_has) {
        (false, false) => None,
        (true, false) => a,
        (false, true) => b,
        (true, true) => match (a, b) {
            (Some(a), Some(b)) => match a.compare(&b) {
                Some(o) if o == keep || o == Ordering::Equal => Some(a),
                Some(_) => Some(b),
                None => None,
            },
            _ => None,
        },
    }
}

fn column_stats(column: &ArrayRef) -> ColumnStats {
    let null_count = column.null_count() as u64;
    let (min, max) = bounds(column).unwrap_or((None, None));
    ColumnStats {
        min,
        max,
        null_count,
        value_count: (column.len() as u64) - null_count,
    }
}

type Bounds = (Option<StatValue>, Option<StatValue>);

fn bounds(column: &ArrayRef) -> Option<Bounds> {
    macro_rules! prim {
        ($t:ty, $variant:ident, $conv:ty) => {{
            let a = column.as_primitive::<$t>();
            (
                compute::min(a).map(|v| StatValue::$variant(v as $conv)),
                compute::max(a).map(|v| StatValue::$variant(v as $conv)),
            )
        }};
    }
    let out = match column.data_type() {
        DataType::Int8 => prim!(dt::Int8Type, Int, i64),
        DataType::Int16 => prim!(dt::Int16Type, Int, i64),
        DataType::Int32 => prim!(dt::Int32Type, Int, i64),
        DataType::Int64 => prim!(dt::Int64Type, Int, i64),
        DataType::UInt8 => prim!(dt::UInt8Type, UInt, u64),
        DataType::UInt16 => prim!(dt::UInt16Type, UInt, u64),
        DataType::UInt32 => prim!(dt::UInt32Type, UInt, u64),
        DataType::UInt64 => prim!(dt::UInt64Type, UInt, u64),
        DataType::Date32 => prim!(dt::Date32Type, Int, i64),
        DataType::Date64 => prim!(dt::Date64Type, Int, i64),
        DataType::Timestamp(unit, _) => match unit {
            dt::TimeUnit::Second => prim!(dt::TimestampSecondType, Int, i64),
            dt::TimeUnit::Millisecond => prim!(dt::TimestampMillisecondType, Int, i64),
            dt::TimeUnit::Microsecond => prim!(dt::TimestampMicrosecondType, Int, i64),
            dt::TimeUnit::Nanosecond => prim!(dt::TimestampNanosecondType, Int, i64),
        },
        DataType::Float32 => float_bounds(prim!(dt::Float32Type, Float, f64)),
        DataType::Float64 => float_bounds(prim!(dt::Float64Type, Float, f64)),
        DataType::Boolean => {
            let a = column.as_boolean();
            (
                compute::min_boolean(a).map(StatValue::Bool),
                compute::max_boolean(a).map(StatValue::Bool),
            )
        }
        DataType::Utf8 => string_bounds(
            compute::min_string(column.as_string::<i32>()),
            compute::max_string(column.as_string::<i32>()),
        ),
        DataType::LargeUtf8 => string_bounds(
            compute::min_string(column.as_string::<i64>()),
            compute::max_string(column.as_string::<i64>()),
        ),
        _ => return None,
    };
    Some(out)
}

/// NaN is no usable bound: a bound of NaN would make every comparison false.
fn float_bounds((min, max): Bounds) -> Bounds {
    let ok = |v: &Option<StatValue>| !matches!(v, Some(StatValue::Float(f)) if f.is_nan());
    (
        if ok(&min) { min } else { None },
        if ok(&max) { max } else { None },
    )
}

fn string_bounds(min: Option<&str>, max: Option<&str>) -> Bounds {
    let min = min.map(|s| {
        let mut end = s.len().min(MAX_STRING_BOUND);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        StatValue::Str(s[..end].to_string())
    });
    let max = max
        .filter(|s| s.len() <= MAX_STRING_BOUND)
        .map(|s| StatValue::Str(s.to_string()));
    (min, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Float64Array, Int32Array, StringArray};
    use arrow::datatypes::{Field, Schema};
    use std::sync::Arc;

    #[test]
    fn stats_cover_all_batches() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("a", DataType::Int32, true),
            Field::new("s", DataType::Utf8, true),
            Field::new("f", DataType::Float64, true),
        ]));
        let b1 = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int32Array::from(vec![Some(5), None, Some(-3)])),
                Arc::new(StringArray::from(vec!["m", "b", "z"])),
                Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0])),
            ],
        )
        .unwrap();
        let b2 = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int32Array::from(vec![Some(9), None, None])),
                Arc::new(StringArray::from(vec![
                    "a".repeat(100),
                    "c".into(),
                    "y".into(),
                ])),
                Arc::new(Float64Array::from(vec![0.5, f64::NAN, 3.5])),
            ],
        )
        .unwrap();
        let s = SegmentStats::compute(&[b1, b2]);
        assert_eq!(s.rows, 6);
        let a = &s.columns["a"];
        assert_eq!(a.min, Some(StatValue::Int(-3)));
        assert_eq!(a.max, Some(StatValue::Int(9)));
        assert_eq!(a.null_count, 3);
        let st = &s.columns["s"];
        assert_eq!(st.min, Some(StatValue::Str("a".repeat(64))));
        assert_eq!(st.max, Some(StatValue::Str("z".into())));
        // The second batch holds a NaN: the max is unknown, never a wrong 3.0.
        let f = &s.columns["f"];
        assert_eq!(f.max, None);
        assert_eq!(f.value_count, 6);
    }
}
