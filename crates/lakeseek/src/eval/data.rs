//! Evaluation inputs: a queries file (Parquet or JSON Lines with an id, a
//! text and optionally a vector per query) and relevance judgments (BEIR
//! `query-id corpus-id score` TSV with a header, or TREC `qid 0 docid rel`).

use std::collections::HashMap;
use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float32Type, Float64Type};

use super::metrics::Judgments;
use super::EvalError;
use crate::import::{self, Format};

/// One evaluation query.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalQuery {
    pub id: String,
    pub text: String,
    pub vector: Option<Vec<f32>>,
}

/// Column names to read from the queries file.
#[derive(Debug, Clone)]
pub struct QueryColumns {
    pub id: String,
    pub text: String,
    /// The vector column; `None` picks the only list column, if any.
    pub vector: Option<String>,
}

impl Default for QueryColumns {
    fn default() -> Self {
        QueryColumns {
            id: "id".into(),
            text: "text".into(),
            vector: None,
        }
    }
}

/// Reads every query of `path`.
pub fn read_queries(path: &Path, columns: &QueryColumns) -> Result<Vec<EvalQuery>, EvalError> {
    let format = Format::from_path(path).ok_or_else(|| {
        EvalError::Input(format!("{}: use a .parquet or .jsonl file", path.display()))
    })?;
    if format == Format::Csv {
        return Err(EvalError::Input(format!(
            "{}: queries must be Parquet or JSON Lines",
            path.display()
        )));
    }
    let source = import::open(path, format)?;
    let schema = source.schema.clone();
    let column = |name: &str| {
        schema
            .index_of(name)
            .map_err(|_| EvalError::Input(format!("{}: no column {name:?}", path.display())))
    };
    let id_col = column(&columns.id)?;
    let text_col = column(&columns.text)?;
    let vector_col = match &columns.vector {
        Some(v) => Some(column(v)?),
        None => {
            let lists: Vec<usize> = schema
                .fields()
                .iter()
                .enumerate()
                .filter(|(_, f)| {
                    matches!(
                        f.data_type(),
                        DataType::FixedSizeList(..) | DataType::List(_) | DataType::LargeList(_)
                    )
                })
                .map(|(i, _)| i)
                .collect();
            (lists.len() == 1).then(|| lists[0])
        }
    };
    let mut out = Vec::new();
    for batch in source.batches {
        let batch = batch?;
        let ids = arrow::compute::cast(batch.column(id_col), &DataType::Utf8)?;
        let texts = arrow::compute::cast(batch.column(text_col), &DataType::Utf8)?;
        let (ids, texts) = (ids.as_string::<i32>(), texts.as_string::<i32>());
        for row in 0..batch.num_rows() {
            if ids.is_null(row) {
                return Err(EvalError::Input(format!(
                    "{}: query {} has no id",
                    path.display(),
                    out.len()
                )));
            }
            let vector = match vector_col {
                Some(c) => read_vector(&batch, c, row, path)?,
                None => None,
            };
            out.push(EvalQuery {
                id: ids.value(row).to_string(),
                text: if texts.is_null(row) {
                    String::new()
                } else {
                    texts.value(row).to_string()
                },
                vector,
            });
        }
    }
    Ok(out)
}

fn read_vector(
    batch: &RecordBatch,
    column: usize,
    row: usize,
    path: &Path,
) -> Result<Option<Vec<f32>>, EvalError> {
    let array = batch.column(column);
    if array.is_null(row) {
        return Ok(None);
    }
    let values = match array.data_type() {
        DataType::FixedSizeList(..) => array.as_fixed_size_list().value(row),
        DataType::List(_) => array.as_list::<i32>().value(row),
        DataType::LargeList(_) => array.as_list::<i64>().value(row),
        other => {
            return Err(EvalError::Input(format!(
                "{}: the vector column is {other}, not a list of numbers",
                path.display()
            )))
        }
    };
    let floats = match values.data_type() {
        DataType::Float32 => values.as_primitive::<Float32Type>().values().to_vec(),
        DataType::Float64 => values
            .as_primitive::<Float64Type>()
            .values()
            .iter()
            .map(|&v| v as f32)
            .collect(),
        _ => {
            let cast = arrow::compute::cast(&values, &DataType::Float32)?;
            cast.as_primitive::<Float32Type>().values().to_vec()
        }
    };
    Ok(Some(floats))
}

/// Reads relevance judgments: query id → (document id → grade).
pub fn read_qrels(path: &Path) -> Result<HashMap<String, Judgments>, EvalError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| EvalError::Input(format!("cannot read {}: {e}", path.display())))?;
    parse_qrels(&text)
        .map_err(|(line, detail)| EvalError::Input(format!("{}:{line}: {detail}", path.display())))
}

/// Parses BEIR TSV (`query-id corpus-id score`, header optional) or TREC
/// (`qid iteration docid rel`) judgments; errors carry a 1-based line.
pub fn parse_qrels(text: &str) -> Result<HashMap<String, Judgments>, (usize, String)> {
    let mut out: HashMap<String, Judgments> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let (query, doc, grade) = match fields.as_slice() {
            [q, d, g] => (q, d, g),
            [q, _, d, g] => (q, d, g),
            _ => {
                return Err((
                    i + 1,
                    format!(
                        "expected 3 (BEIR) or 4 (TREC) fields, found {}",
                        fields.len()
                    ),
                ))
            }
        };
        let grade: i32 = match grade.parse() {
            Ok(g) => g,
            // A header line names its fields.
            Err(_) if i == 0 => continue,
            Err(_) => return Err((i + 1, format!("grade {grade:?} is not an integer"))),
        };
        out.entry(query.to_string())
            .or_default()
            .insert(doc.to_string(), grade);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beir_and_trec_judgments() {
        let beir = "query-id\tcorpus-id\tscore\n1\td1\t1\n1\td2\t2\n\n2\td1\t0\n";
        let q = parse_qrels(beir).unwrap();
        assert_eq!(q["1"]["d2"], 2);
        assert_eq!(q["2"]["d1"], 0);
        assert_eq!(q.len(), 2);
        let trec = "7 0 docA 1\n7 0 docB 0\n";
        assert_eq!(parse_qrels(trec).unwrap()["7"]["docA"], 1);
        assert_eq!(parse_qrels("1 d1\n").unwrap_err().0, 1);
        assert_eq!(parse_qrels("1 d1 1\n2 d2 x\n").unwrap_err().0, 2);
    }
}
