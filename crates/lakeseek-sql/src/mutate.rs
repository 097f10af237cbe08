//! `DELETE` and `UPDATE`: the predicate is resolved to `_id`s by an ordinary
//! query over the newest snapshot, then the table layer commits once
//! (deletion vectors, plus the rewritten rows for an update).
//!
//! An `UPDATE` whose rows were deleted or replaced by a concurrent commit
//! gets a conflict from the table layer and is re-run from the start on the
//! newer snapshot, so it never resurrects or doubles a row.

use std::sync::Arc;
use std::time::Duration;

use arrow::array::{ArrayRef, AsArray, RecordBatch, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema, UInt64Type};
use datafusion::sql::sqlparser::ast::{
    AssignmentTarget, Delete, Expr, FromTable, ObjectName, Statement, TableFactor, TableWithJoins,
    Update,
};
use lakeseek_table::{Table, TableError, ROW_ID};

use crate::database::Database;
use crate::error::SqlError;
use crate::schema::parse_table_ref;

/// Re-runs of an UPDATE that conflicted with concurrent writers.
const MAX_UPDATE_ATTEMPTS: u32 = 20;

/// A parsed mutation statement.
pub(crate) enum Mutation {
    Delete {
        table: String,
        selection: Option<Expr>,
    },
    Update {
        table: String,
        /// `(column, expression)` per assigned column.
        assignments: Vec<(String, Expr)>,
        selection: Option<Expr>,
    },
}

impl Mutation {
    /// The mutation `statement` is, if it is one LakeSeek runs itself.
    pub(crate) fn from_statement(statement: &Statement) -> Result<Option<Mutation>, SqlError> {
        match statement {
            Statement::Delete(delete) => Self::from_delete(delete).map(Some),
            Statement::Update(update) => Self::from_update(update).map(Some),
            _ => Ok(None),
        }
    }

    fn from_delete(delete: &Delete) -> Result<Mutation, SqlError> {
        if delete.using.is_some()
            || delete.returning.is_some()
            || delete.limit.is_some()
            || !delete.order_by.is_empty()
            || !delete.tables.is_empty()
        {
            return Err(SqlError::Unsupported(
                "DELETE supports only `DELETE FROM table [WHERE predicate]`".into(),
            ));
        }
        let from = match &delete.from {
            FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f) => f,
        };
        let [only] = from.as_slice() else {
            return Err(SqlError::Unsupported(
                "DELETE deletes from exactly one table".into(),
            ));
        };
        Ok(Mutation::Delete {
            table: single_table(only, "DELETE")?,
            selection: delete.selection.clone(),
        })
    }

    fn from_update(update: &Update) -> Result<Mutation, SqlError> {
        if update.from.is_some()
            || update.returning.is_some()
            || update.limit.is_some()
            || update.or.is_some()
            || !update.order_by.is_empty()
        {
            return Err(SqlError::Unsupported(
                "UPDATE supports only `UPDATE table SET column = expr, … [WHERE predicate]`".into(),
            ));
        }
        let mut assignments = Vec::new();
        for a in &update.assignments {
            let AssignmentTarget::ColumnName(name) = &a.target else {
                return Err(SqlError::Unsupported(
                    "UPDATE assigns single columns, not tuples".into(),
                ));
            };
            let column = last_ident(name)?;
            if column == ROW_ID {
                return Err(SqlError::Unsupported(format!(
                    "column {ROW_ID} is assigned by LakeSeek and cannot be updated"
                )));
            }
            if assignments.iter().any(|(c, _)| c == &column) {
                return Err(SqlError::Unsupported(format!(
                    "column {column:?} is assigned twice"
                )));
            }
            assignments.push((column, a.value.clone()));
        }
        Ok(Mutation::Update {
            table: single_table(&update.table, "UPDATE")?,
            assignments,
            selection: update.selection.clone(),
        })
    }
}

fn last_ident(name: &ObjectName) -> Result<String, SqlError> {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())
        .ok_or_else(|| SqlError::Unsupported(format!("unsupported name {name}")))
}

fn single_table(t: &TableWithJoins, what: &str) -> Result<String, SqlError> {
    if !t.joins.is_empty() {
        return Err(SqlError::Unsupported(format!(
            "{what} does not support joins"
        )));
    }
    match &t.relation {
        TableFactor::Table {
            name, alias: None, ..
        } => {
            let name = last_ident(name)?;
            let (table, version) = parse_table_ref(&name)?;
            if version.is_some() {
                return Err(SqlError::Unsupported(format!(
                    "{what} changes the newest version; `@version` names are read-only"
                )));
            }
            Ok(table.to_string())
        }
        _ => Err(SqlError::Unsupported(format!(
            "{what} takes a plain table name (no alias or subquery)"
        ))),
    }
}

/// A one-row result: how many rows the statement changed.
fn count_batch(rows: u64) -> Result<Vec<RecordBatch>, SqlError> {
    let schema = Arc::new(Schema::new(vec![Field::new(
        "count",
        DataType::UInt64,
        false,
    )]));
    let array: ArrayRef = Arc::new(UInt64Array::from(vec![rows]));
    Ok(vec![RecordBatch::try_new(schema, vec![array])
        .map_err(datafusion::error::DataFusionError::from)?])
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn where_clause(selection: &Option<Expr>) -> String {
    selection
        .as_ref()
        .map(|e| format!(" WHERE {e}"))
        .unwrap_or_default()
}

/// The `_id` column of query results.
fn collect_ids(batches: &[RecordBatch]) -> Vec<u64> {
    batches
        .iter()
        .flat_map(|b| b.column(0).as_primitive::<UInt64Type>().values().to_vec())
        .collect()
}

impl Database {
    /// Runs a DELETE or UPDATE; returns the number of rows changed.
    pub(crate) async fn run_mutation(&self, m: Mutation) -> Result<Vec<RecordBatch>, SqlError> {
        match m {
            Mutation::Delete { table, selection } => {
                let handle = self.catalog().open_table(&table).await?;
                // The predicate must see WAL rows as segment rows.
                handle.fold_wal().await?;
                let ids = collect_ids(
                    &self
                        .query(&format!(
                            "SELECT {} FROM {}{}",
                            quote(ROW_ID),
                            quote(&table),
                            where_clause(&selection)
                        ))
                        .await?,
                );
                let outcome = handle.delete_ids(&ids).await?;
                count_batch(outcome.rows_deleted)
            }
            Mutation::Update {
                table,
                assignments,
                selection,
            } => {
                let handle = self.catalog().open_table(&table).await?;
                handle.fold_wal().await?;
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    match self
                        .update_once(&handle, &table, &assignments, &selection)
                        .await
                    {
                        Err(e)
                            if attempt < MAX_UPDATE_ATTEMPTS
                                && matches!(e.table_error(), Some(TableError::Conflict { .. })) =>
                        {
                            tokio::time::sleep(Duration::from_millis(
                                (1u64 << attempt.min(7)) + rand_ms(),
                            ))
                            .await;
                        }
                        other => return other,
                    }
                }
            }
        }
    }

    async fn update_once(
        &self,
        handle: &Table,
        table: &str,
        assignments: &[(String, Expr)],
        selection: &Option<Expr>,
    ) -> Result<Vec<RecordBatch>, SqlError> {
        let schema = handle.schema();
        for (column, _) in assignments {
            if schema.field_with_name(column).is_err() {
                return Err(SqlError::Table(TableError::Schema {
                    column: column.clone(),
                    detail: format!("UPDATE assigns a column that table {table} does not have"),
                }));
            }
        }
        let mut select = vec![quote(ROW_ID)];
        for field in schema.fields() {
            let value = match assignments.iter().find(|(c, _)| c == field.name()) {
                Some((_, expr)) => format!("({expr})"),
                None => quote(field.name()),
            };
            select.push(format!("{value} AS {}", quote(field.name())));
        }
        let batches = self
            .query(&format!(
                "SELECT {} FROM {}{}",
                select.join(", "),
                quote(table),
                where_clause(selection)
            ))
            .await?;
        let ids = collect_ids(&batches);
        if ids.is_empty() {
            return count_batch(0);
        }
        // New values take the column's type (`SET price = price * 1.1` on
        // an integer column); the writer then checks nullability as usual.
        let mut rows = Vec::with_capacity(batches.len());
        for b in &batches {
            let mut columns = Vec::with_capacity(schema.fields().len());
            for (i, field) in schema.fields().iter().enumerate() {
                let array = b.column(i + 1);
                columns.push(if array.data_type() == field.data_type() {
                    array.clone()
                } else {
                    arrow::compute::cast(array, field.data_type()).map_err(|e| {
                        SqlError::Table(TableError::Schema {
                            column: field.name().clone(),
                            detail: format!(
                                "UPDATE value of type {} does not fit {}: {e}",
                                array.data_type(),
                                field.data_type()
                            ),
                        })
                    })?
                });
            }
            let fields: Vec<Field> = schema
                .fields()
                .iter()
                .zip(&columns)
                .map(|(f, c)| Field::new(f.name(), c.data_type().clone(), true))
                .collect();
            rows.push(
                RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
                    .map_err(datafusion::error::DataFusionError::from)?,
            );
        }
        let outcome = handle.replace(&ids, &rows, "update").await?;
        count_batch(outcome.rows_deleted)
    }
}

fn rand_ms() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    // Jitter without a random number generator dependency in this crate.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| (d.subsec_nanos() % 16) as u64)
        .unwrap_or(0)
}
