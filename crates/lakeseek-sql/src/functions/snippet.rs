//! `snippet(column, 'query' [, 'analyzer'])`: the best fragment of a text
//! value for a full-text query, matches marked `<b>…</b>`.
//!
//! A scalar function sees values, not the column they came from, so it
//! cannot look up the column's analyzer: it uses `english` (the default for
//! text columns) unless given another name. The query is the same language
//! as `fts`; a malformed one is an error with its position.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use arrow::datatypes::DataType;
use datafusion::common::{exec_err, plan_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use lakeseek_segment::text::analyzer::analyzer;
use lakeseek_segment::text::query::parse;
use lakeseek_segment::text::snippet::{snippet, SnippetOptions};

/// The `snippet` scalar function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct SnippetFunction {
    signature: Signature,
}

impl SnippetFunction {
    pub(crate) fn udf() -> ScalarUDF {
        ScalarUDF::new_from_impl(SnippetFunction {
            signature: Signature::one_of(
                vec![TypeSignature::String(2), TypeSignature::String(3)],
                Volatility::Immutable,
            ),
        })
    }
}

/// A constant string argument.
fn literal(value: &ColumnarValue, what: &str) -> Result<String> {
    match value {
        ColumnarValue::Scalar(
            ScalarValue::Utf8(Some(s))
            | ScalarValue::LargeUtf8(Some(s))
            | ScalarValue::Utf8View(Some(s)),
        ) => Ok(s.clone()),
        _ => plan_err!("snippet: the {what} must be a string literal"),
    }
}

impl ScalarUDFImpl for SnippetFunction {
    fn name(&self) -> &str {
        "snippet"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let query_text = literal(&args.args[1], "query")?;
        let analyzer_name = match args.args.get(2) {
            Some(a) => literal(a, "analyzer name")?,
            None => "english".to_string(),
        };
        let analyzer = match analyzer(&analyzer_name) {
            Ok(a) => a,
            Err(e) => return exec_err!("snippet: {e}"),
        };
        let query = match parse(&query_text) {
            Ok(q) => q,
            Err(e) => {
                return exec_err!(
                    "snippet: invalid query: {} at position {}\n{}",
                    e.kind,
                    e.position,
                    e.caret(&query_text)
                )
            }
        };
        let options = SnippetOptions::default();
        let texts = args.args[0].to_array(args.number_rows)?;
        let texts: ArrayRef = arrow::compute::cast(&texts, &DataType::Utf8)?;
        let texts = texts.as_string::<i32>();
        let mut out = StringBuilder::with_capacity(texts.len(), texts.len() * 64);
        for i in 0..texts.len() {
            if texts.is_null(i) {
                out.append_null();
            } else {
                out.append_value(snippet(analyzer.as_ref(), texts.value(i), &query, &options));
            }
        }
        let result: ArrayRef = Arc::new(out.finish());
        Ok(match &args.args[0] {
            ColumnarValue::Scalar(_) => {
                ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?)
            }
            ColumnarValue::Array(_) => ColumnarValue::Array(result),
        })
    }
}
