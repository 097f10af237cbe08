//! Turning table-function argument expressions into typed values.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Schema};
use datafusion::catalog::Session;
use datafusion::common::{plan_err, DFSchema, Result, ScalarValue};
use datafusion::logical_expr::{ColumnarValue, Expr};

use lakeseek_segment::text::bm25::Bm25Params;

use super::prepare::{NAMED_ARG, OPTION_MARK, VECTOR_MARK};

/// Positional arguments and `name => value` options of one call.
pub(crate) struct CallArgs<'a> {
    function: &'static str,
    session: &'a dyn Session,
    positional: Vec<&'a Expr>,
    options: BTreeMap<String, String>,
}

impl<'a> CallArgs<'a> {
    pub(crate) fn new(
        function: &'static str,
        session: &'a dyn Session,
        exprs: &'a [Expr],
    ) -> Result<Self> {
        let mut positional = Vec::new();
        let mut options = BTreeMap::new();
        for e in exprs {
            match e {
                Expr::Literal(ScalarValue::Utf8(Some(s)), _)
                    if s.starts_with(OPTION_MARK) && s.contains(NAMED_ARG) =>
                {
                    let (k, v) = s[OPTION_MARK.len_utf8()..]
                        .split_once(NAMED_ARG)
                        .expect("contains the separator");
                    if options
                        .insert(k.trim().to_ascii_lowercase(), v.trim().to_string())
                        .is_some()
                    {
                        return plan_err!("{function}: option {k} given twice");
                    }
                }
                _ if !options.is_empty() => {
                    return plan_err!("{function}: positional argument after a named option");
                }
                _ => positional.push(e),
            }
        }
        Ok(CallArgs {
            function,
            session,
            positional,
            options,
        })
    }

    pub(crate) fn expect_count(&self, usage: &str, min: usize, max: usize) -> Result<()> {
        let n = self.positional.len();
        if n < min || n > max {
            return plan_err!("{} takes {usage}; got {n} argument(s)", self.function);
        }
        Ok(())
    }

    fn value(&self, index: usize) -> Result<ScalarValue> {
        let expr = self.positional[index].clone();
        let physical = self
            .session
            .create_physical_expr(expr, &DFSchema::empty())?;
        let batch = RecordBatch::new_empty(Arc::new(Schema::empty()));
        let batch = RecordBatch::try_new_with_options(
            batch.schema(),
            vec![],
            &arrow::array::RecordBatchOptions::new().with_row_count(Some(1)),
        )?;
        match physical.evaluate(&batch)? {
            ColumnarValue::Scalar(s) => Ok(s),
            ColumnarValue::Array(a) => ScalarValue::try_from_array(&a, 0),
        }
    }

    pub(crate) fn string(&self, index: usize, what: &str) -> Result<String> {
        match self.value(index)? {
            ScalarValue::Utf8(Some(s))
            | ScalarValue::LargeUtf8(Some(s))
            | ScalarValue::Utf8View(Some(s)) => Ok(s),
            other => plan_err!(
                "{}: argument {} ({what}) must be a string, not {other}",
                self.function,
                index + 1
            ),
        }
    }

    pub(crate) fn count(&self, index: usize, what: &str) -> Result<usize> {
        let v = self.value(index)?;
        let n = match v.cast_to(&DataType::Int64) {
            Ok(ScalarValue::Int64(Some(n))) if n > 0 => n,
            _ => {
                return plan_err!(
                    "{}: argument {} ({what}) must be a positive integer, not {v}",
                    self.function,
                    index + 1
                )
            }
        };
        Ok(n as usize)
    }

    /// A vector literal such as `[0.1, 0.2]`.
    pub(crate) fn vector(&self, index: usize, what: &str) -> Result<Vec<f32>> {
        if let Some(Expr::Literal(ScalarValue::Utf8(Some(s)), _)) = self.positional.get(index) {
            if let Some(numbers) = s.strip_prefix(VECTOR_MARK) {
                return numbers
                    .split(',')
                    .filter(|n| !n.is_empty())
                    .map(|n| n.trim().parse::<f32>())
                    .collect::<std::result::Result<Vec<f32>, _>>()
                    .or_else(|_| {
                        plan_err!(
                            "{}: argument {} ({what}) must contain numbers",
                            self.function,
                            index + 1
                        )
                    });
            }
        }
        let v = self.value(index)?;
        let array = match &v {
            ScalarValue::List(a) => a.value(0),
            ScalarValue::LargeList(a) => a.value(0),
            ScalarValue::FixedSizeList(a) => a.value(0),
            other => {
                return plan_err!(
                "{}: argument {} ({what}) must be an array of numbers like [0.1, 0.2], not {other}",
                self.function,
                index + 1
            )
            }
        };
        let floats = arrow::compute::cast(&array, &DataType::Float32).or_else(|_| {
            plan_err!(
                "{}: argument {} ({what}) must contain numbers",
                self.function,
                index + 1
            )
        })?;
        let floats = floats.as_primitive::<arrow::datatypes::Float32Type>();
        if floats.null_count() > 0 {
            return plan_err!(
                "{}: argument {} ({what}) contains NULL",
                self.function,
                index + 1
            );
        }
        Ok(floats.values().to_vec())
    }

    /// The BM25 options `k1 => …`, `b => …` over the defaults.
    pub(crate) fn bm25_options(&mut self) -> Result<Bm25Params> {
        let defaults = Bm25Params::default();
        Ok(Bm25Params {
            k1: self.option("k1")?.unwrap_or(defaults.k1),
            b: self.option("b")?.unwrap_or(defaults.b),
        })
    }

    /// The vector options `nprobe => …`, `refine => …`, `exact => …`.
    pub(crate) fn vector_options(&mut self) -> Result<(Option<usize>, Option<usize>, bool)> {
        Ok((
            self.option("nprobe")?,
            self.option("refine")?,
            self.option("exact")?.unwrap_or(false),
        ))
    }

    /// Takes option `name`, parsed; absent options give `None`.
    pub(crate) fn option<T: std::str::FromStr>(&mut self, name: &str) -> Result<Option<T>> {
        match self.options.remove(name) {
            None => Ok(None),
            Some(raw) => match raw.parse::<T>() {
                Ok(v) => Ok(Some(v)),
                Err(_) => plan_err!("{}: option {name} has a bad value {raw:?}", self.function),
            },
        }
    }

    /// Fails if options remain that no one took.
    pub(crate) fn finish(self, known: &[&str]) -> Result<()> {
        if let Some(k) = self.options.keys().next() {
            return plan_err!(
                "{}: unknown option {k:?}; known options: {}",
                self.function,
                known.join(", ")
            );
        }
        Ok(())
    }
}
