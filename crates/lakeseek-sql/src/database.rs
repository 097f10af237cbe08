//! [`Database`]: the library's front door — tables and SQL over one root.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::datatypes::Schema;
use arrow::record_batch::RecordBatch;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::execution::SessionState;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{Ident, ObjectName, Statement, TableObject};
use lakeseek_table::{Catalog, Table, TableOptions, ROW_ID};

use crate::error::SqlError;
use crate::functions::{self, OpenTables};
use crate::mutate::Mutation;
use crate::schema::{parse_table_ref, LakeSeekSchema};

/// A LakeSeek database: a root on object storage, its tables, and SQL.
#[derive(Clone)]
pub struct Database {
    catalog: Catalog,
    ctx: SessionContext,
    schema: Arc<LakeSeekSchema>,
    open_tables: OpenTables,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("uri", &self.catalog.store().uri().original)
            .finish()
    }
}

impl Database {
    /// Connects to `uri`: `memory://`, a path or `file://path`,
    /// `s3://bucket/prefix`, `gs://…`, `az://…`. Cloud settings come from the
    /// environment (`AWS_*`, …).
    pub async fn connect(uri: &str) -> Result<Self, SqlError> {
        Self::connect_with(uri, &HashMap::new()).await
    }

    /// Connects with explicit store options (e.g. `aws_endpoint`).
    pub async fn connect_with(
        uri: &str,
        options: &HashMap<String, String>,
    ) -> Result<Self, SqlError> {
        Self::from_catalog(Catalog::connect(uri, options)?)
    }

    /// Wraps an existing catalog.
    pub fn from_catalog(catalog: Catalog) -> Result<Self, SqlError> {
        let store = catalog.store().clone();
        let url = ObjectStoreUrl::parse(&store.uri().base_url)?;
        let config = SessionConfig::new()
            .with_information_schema(true)
            .with_default_catalog_and_schema("lakeseek", "public");
        let ctx = SessionContext::new_with_config(config);
        ctx.register_object_store(url.as_ref(), store.object_store());
        let schema = Arc::new(LakeSeekSchema::new(catalog.clone(), url));
        let lakeseek = Arc::new(datafusion::catalog::MemoryCatalogProvider::new());
        use datafusion::catalog::CatalogProvider;
        lakeseek.register_schema("public", schema.clone())?;
        ctx.register_catalog("lakeseek", lakeseek);
        let open_tables = OpenTables::default();
        functions::register(&ctx, &open_tables);
        Ok(Database {
            catalog,
            ctx,
            schema,
            open_tables,
        })
    }

    /// The table catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The DataFusion session, for registering functions or other tables.
    pub fn session(&self) -> &SessionContext {
        &self.ctx
    }

    /// Creates a table.
    pub async fn create_table(
        &self,
        name: &str,
        schema: Schema,
        options: TableOptions,
    ) -> Result<Table, SqlError> {
        self.open_tables.remove(name);
        Ok(self.catalog.create_table(name, schema, options).await?)
    }

    /// Opens a table.
    pub async fn open_table(&self, name: &str) -> Result<Table, SqlError> {
        Ok(self.catalog.open_table(name).await?)
    }

    /// Names of all tables.
    pub async fn list_tables(&self) -> Result<Vec<String>, SqlError> {
        Ok(self.catalog.list_tables().await?)
    }

    /// Drops a table and its files.
    pub async fn drop_table(&self, name: &str) -> Result<(), SqlError> {
        self.open_tables.remove(name);
        Ok(self.catalog.drop_table(name).await?)
    }

    /// Runs one SQL statement and returns its result. `DELETE` and `UPDATE`
    /// return one row with the number of rows changed.
    pub async fn sql(&self, text: &str) -> Result<Vec<RecordBatch>, SqlError> {
        let text = &*functions::quote_vector_literals(text);
        let (state, statement) = self.parse(text)?;
        if let DfStatement::Statement(inner) = &statement {
            if let Some(mutation) = Mutation::from_statement(inner)? {
                return self.run_mutation(mutation).await;
            }
        }
        self.run_statement(&state, statement, text).await
    }

    /// Runs a query (no mutation statements).
    pub(crate) async fn query(&self, text: &str) -> Result<Vec<RecordBatch>, SqlError> {
        let text = &*functions::quote_vector_literals(text);
        let (state, statement) = self.parse(text)?;
        self.run_statement(&state, statement, text).await
    }

    /// One snapshot of the session state (cloning it copies every function
    /// registry, so a statement takes one) and `text` parsed with it.
    fn parse(&self, text: &str) -> Result<(SessionState, DfStatement), SqlError> {
        let state = self.ctx.state();
        let statement = state.sql_to_statement(text, &datafusion::config::Dialect::Generic)?;
        Ok((state, statement))
    }

    async fn run_statement(
        &self,
        state: &SessionState,
        mut statement: DfStatement,
        text: &str,
    ) -> Result<Vec<RecordBatch>, SqlError> {
        if needs_table_names(&statement, text) {
            self.schema.refresh_names().await?;
            self.open_tables
                .retain_listed(&self.schema.table_names_listed());
        }
        self.complete_insert_columns(&mut statement).await?;
        if let DfStatement::Statement(inner) = &mut statement {
            for name in functions::prepare(inner.as_mut()) {
                if !self.open_tables.contains(&name) {
                    let table = self.catalog.open_table(&name).await?;
                    self.open_tables.insert(&name, table);
                }
            }
        }
        let plan = state.statement_to_plan(statement).await?;
        let frame = self.ctx.execute_logical_plan(plan).await?;
        Ok(frame.collect().await?)
    }

    /// `INSERT INTO t VALUES …` without a column list means the user's
    /// columns: `_id` is assigned by LakeSeek and never given by the user.
    async fn complete_insert_columns(&self, statement: &mut DfStatement) -> Result<(), SqlError> {
        let DfStatement::Statement(inner) = statement else {
            return Ok(());
        };
        let Statement::Insert(insert) = inner.as_mut() else {
            return Ok(());
        };
        let TableObject::TableName(name) = &insert.table else {
            return Ok(());
        };
        let Some(last) = name.0.last().and_then(|p| p.as_ident()) else {
            return Ok(());
        };
        let (table_name, _) = parse_table_ref(&last.value)?;
        if !self.catalog.table_exists(table_name).await? {
            return Ok(());
        }
        if insert
            .columns
            .iter()
            .any(|c| c.to_string().trim_matches('"') == ROW_ID)
        {
            return Err(SqlError::Unsupported(format!(
                "column {ROW_ID} is assigned by LakeSeek and cannot be inserted"
            )));
        }
        if insert.columns.is_empty() {
            let table = self.catalog.open_table(table_name).await?;
            insert.columns = table
                .schema()
                .fields()
                .iter()
                .map(|f| ObjectName::from(vec![Ident::with_quote('"', f.name())]))
                .collect();
        }
        Ok(())
    }
}

/// Whether planning `statement` consults the list of table names (what
/// `SHOW TABLES`, `information_schema` and DDL see). Queries and inserts
/// resolve each table they name by opening it, so they skip the listing — a
/// round trip per table on object storage — that every statement used to pay.
fn needs_table_names(statement: &DfStatement, text: &str) -> bool {
    let resolves_by_name = matches!(
        statement,
        DfStatement::Statement(s) if matches!(s.as_ref(), Statement::Query(_) | Statement::Insert(_))
    );
    !resolves_by_name || text.to_ascii_lowercase().contains("information_schema")
}
