//! Manifest statistics as DataFusion statistics, for pruning segments at plan
//! time before any GET.

use std::sync::Arc;

use arrow::datatypes::{DataType, Schema};
use datafusion::common::stats::Precision;
use datafusion::common::{ColumnStatistics, ScalarValue, Statistics};
use lakeseek_segment::StatValue;
use lakeseek_table::{SegmentEntry, ROW_ID};

/// Statistics of one segment over the physical schema (`_id` first).
pub(crate) fn segment_statistics(entry: &SegmentEntry, schema: &Schema) -> Arc<Statistics> {
    let mut stats =
        Statistics::new_unknown(schema).with_num_rows(Precision::Exact(entry.rows as usize));
    stats.column_statistics = schema
        .fields()
        .iter()
        .map(|field| {
            if field.name() == ROW_ID {
                return ColumnStatistics::new_unknown()
                    .with_null_count(Precision::Exact(0))
                    .with_min_value(Precision::Exact(ScalarValue::UInt64(Some(entry.id_min))))
                    .with_max_value(Precision::Exact(ScalarValue::UInt64(Some(entry.id_max))));
            }
            let Some(col) = entry.columns.get(field.name()) else {
                return ColumnStatistics::new_unknown();
            };
            let bound =
                |v: &Option<StatValue>| match v.as_ref().and_then(|v| scalar(v, field.data_type()))
                {
                    Some(s) => Precision::Exact(s),
                    None => Precision::Absent,
                };
            ColumnStatistics::new_unknown()
                .with_null_count(Precision::Exact(col.null_count as usize))
                .with_min_value(bound(&col.min))
                .with_max_value(bound(&col.max))
        })
        .collect();
    Arc::new(stats)
}

/// A stored bound as a scalar of the column's type; `None` when it cannot be
/// represented exactly (then it prunes nothing).
fn scalar(value: &StatValue, data_type: &DataType) -> Option<ScalarValue> {
    let raw = match value {
        StatValue::Int(i) => ScalarValue::Int64(Some(*i)),
        StatValue::UInt(u) => ScalarValue::UInt64(Some(*u)),
        StatValue::Float(f) => ScalarValue::Float64(Some(*f)),
        StatValue::Bool(b) => ScalarValue::Boolean(Some(*b)),
        StatValue::Str(s) => ScalarValue::Utf8(Some(s.clone())),
    };
    let typed = match (data_type, &raw) {
        (DataType::Date32, ScalarValue::Int64(Some(i))) => {
            ScalarValue::Date32(Some(i32::try_from(*i).ok()?))
        }
        (DataType::Date64, ScalarValue::Int64(Some(i))) => ScalarValue::Date64(Some(*i)),
        (DataType::Timestamp(unit, tz), ScalarValue::Int64(Some(i))) => {
            use arrow::datatypes::TimeUnit::*;
            let v = Some(*i);
            match unit {
                Second => ScalarValue::TimestampSecond(v, tz.clone()),
                Millisecond => ScalarValue::TimestampMillisecond(v, tz.clone()),
                Microsecond => ScalarValue::TimestampMicrosecond(v, tz.clone()),
                Nanosecond => ScalarValue::TimestampNanosecond(v, tz.clone()),
            }
        }
        _ => raw.cast_to(data_type).ok()?,
    };
    (typed.data_type() == *data_type).then_some(typed)
}
