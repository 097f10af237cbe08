//! What each subcommand does.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use indicatif::{ProgressBar, ProgressStyle};
use lakeseek::import::{self, Format};
use lakeseek::{Database, Metric, TableOptions, TextColumn, VectorColumn};

use crate::cli::{Cli, Command, EvalArgs, ImportArgs, OutputFormat};
use crate::maintenance;
use crate::output;

pub async fn run(cli: Cli) -> Result<()> {
    let options = parse_store_options(&cli.store_options)?;
    let db = Database::connect_with(&cli.db, &options)
        .await
        .with_context(|| format!("cannot open database {}", cli.db))?;
    match cli.command {
        Command::Import(args) => import_file(&db, &args).await,
        Command::Sql { command, format } => match command {
            Some(statement) => run_sql(&db, &statement, format).await,
            None => shell(&db, format).await,
        },
        Command::Tables => {
            for name in db.list_tables().await? {
                println!("{name}");
            }
            Ok(())
        }
        Command::Info { table } => info(&db, &table).await,
        Command::Eval(args) => eval(&db, &args).await,
        Command::Optimize {
            table,
            small_rows,
            target_rows,
        } => maintenance::optimize(&db, &table, small_rows, target_rows).await,
        Command::Vacuum {
            table,
            retention,
            dry_run,
        } => maintenance::vacuum(&db, &table, &retention, dry_run).await,
        Command::Check { table } => maintenance::check(&db, &table).await,
        Command::Stress {
            table,
            base,
            seed,
            ops,
            seconds,
            journal,
        } => crate::stress::run(&db, &table, base, seed, ops, seconds, &journal).await,
    }
}

async fn eval(db: &Database, args: &EvalArgs) -> Result<()> {
    use lakeseek::eval::{self, EvalConfig, EvalInput, QueryColumns};
    if args.format == OutputFormat::Csv {
        bail!("eval prints --format table or json");
    }
    let mut base = EvalConfig::default();
    base.set("modes", &args.modes.replace(',', "+"))?;
    for kv in &args.settings {
        base.set_all(kv)?;
    }
    let mut configs = vec![base.clone()];
    for spec in &args.compare {
        configs.push(EvalConfig::derive(&base, spec)?);
    }
    let columns = QueryColumns {
        id: args.query_id.clone(),
        text: args.query_text.clone(),
        vector: args.query_vector.clone(),
    };
    let input = EvalInput {
        queries: eval::read_queries(&args.queries, &columns)?,
        qrels: eval::read_qrels(&args.qrels)?,
        id_column: args.id_column.clone(),
    };
    let mut results = Vec::new();
    for config in &configs {
        results.extend(eval::evaluate(db.catalog(), &args.table, &input, config).await?);
    }
    match args.format {
        OutputFormat::Json => println!("{}", eval::report::json(&results)),
        OutputFormat::Table | OutputFormat::Csv => print!("{}", eval::report::table(&results)),
    }
    Ok(())
}

fn parse_store_options(raw: &[String]) -> Result<HashMap<String, String>> {
    raw.iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| anyhow!("store option {kv:?} is not KEY=VALUE"))
        })
        .collect()
}

async fn run_sql(db: &Database, statement: &str, format: OutputFormat) -> Result<()> {
    let batches = db.sql(statement).await?;
    output::print(&batches, format)
}

async fn shell(db: &Database, format: OutputFormat) -> Result<()> {
    let mut editor = rustyline::DefaultEditor::new()?;
    let history =
        std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".lakeseek_history"));
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    println!(
        "LakeSeek SQL shell on {}. End statements with ';'. Ctrl-D quits.",
        db.catalog().store().uri().original
    );
    let mut pending = String::new();
    loop {
        let prompt = if pending.is_empty() {
            "lakeseek> "
        } else {
            "      ..> "
        };
        match editor.readline(prompt) {
            Ok(line) => {
                pending.push_str(&line);
                pending.push('\n');
                if !pending.trim_end().ends_with(';') {
                    continue;
                }
                let statement = std::mem::take(&mut pending);
                let _ = editor.add_history_entry(statement.trim());
                let started = Instant::now();
                match db.sql(statement.trim().trim_end_matches(';')).await {
                    Ok(batches) => {
                        output::print(&batches, format)?;
                        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
                        println!("{rows} row(s) in {:.3}s", started.elapsed().as_secs_f64());
                    }
                    Err(e) => eprintln!("error: {e}"),
                }
            }
            Err(rustyline::error::ReadlineError::Interrupted) => pending.clear(),
            Err(rustyline::error::ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(h) = &history {
        let _ = editor.save_history(h);
    }
    Ok(())
}

async fn info(db: &Database, name: &str) -> Result<()> {
    let table = db.open_table(name).await?;
    let snapshot = table.refresh().await?;
    let meta = &snapshot.metadata;
    println!("table     {}", meta.name);
    println!("version   {}", snapshot.version);
    println!("segments  {}", snapshot.segments.len());
    println!("rows      {}", snapshot.rows());
    println!("bytes     {}", snapshot.bytes());
    println!("columns");
    for f in meta.schema.fields() {
        let mut role = String::new();
        if let Some(t) = meta
            .options
            .text_columns
            .iter()
            .find(|t| &t.column == f.name())
        {
            role = format!("  [text, analyzer {}]", t.analyzer);
        }
        if let Some(v) = meta
            .options
            .vector_columns
            .iter()
            .find(|v| &v.column == f.name())
        {
            role = format!("  [vector, dimension {}, {:?}]", v.dimension, v.metric);
        }
        println!(
            "  {:<24} {}{}{}",
            f.name(),
            f.data_type(),
            if f.is_nullable() { "" } else { " not null" },
            role
        );
    }
    Ok(())
}

async fn import_file(db: &Database, args: &ImportArgs) -> Result<()> {
    let name = args.table.as_str();
    let file = args.file.as_path();
    let (text, vector, quiet) = (&args.text, &args.vector, args.quiet);
    let format = match args.format.as_deref() {
        Some(f) => Format::parse(f)
            .ok_or_else(|| anyhow!("unknown format {f:?}: use parquet, csv or jsonl"))?,
        None => Format::from_path(file)
            .ok_or_else(|| import::ImportError::UnknownFormat(file.display().to_string()))?,
    };
    let mut source = import::open(file, format)?;
    let mut first: Option<RecordBatch> = None;

    // Vector columns: dimension from the type, or from the first row.
    let mut vectors: Vec<VectorColumn> = Vec::new();
    for spec in vector {
        let (column, metric) = match spec.split_once(':') {
            Some((c, m)) => (c, m.parse::<Metric>()?),
            None => (spec.as_str(), Metric::Cosine),
        };
        let dimension = match import::declared_dimension(&source.schema, column)? {
            Some(d) => d,
            None => {
                if first.is_none() {
                    first = source.batches.next().transpose()?;
                }
                first_dimension(first.as_ref(), column)?
            }
        };
        vectors.push(VectorColumn {
            column: column.into(),
            dimension,
            metric,
        });
    }
    let texts: Vec<TextColumn> = text
        .iter()
        .map(|spec| match spec.split_once(':') {
            Some((c, a)) => TextColumn {
                column: c.into(),
                analyzer: a.into(),
            },
            None => TextColumn {
                column: spec.clone(),
                analyzer: "english".into(),
            },
        })
        .collect();

    let fields: Vec<Field> = source
        .schema
        .fields()
        .iter()
        .map(|f| match vectors.iter().find(|v| &v.column == f.name()) {
            Some(v) => Field::new(
                f.name(),
                DataType::FixedSizeList(
                    Arc::new(Field::new("item", DataType::Float32, true)),
                    v.dimension as i32,
                ),
                f.is_nullable(),
            ),
            // A primary key never holds nulls.
            None if args.primary_key.as_deref() == Some(f.name().as_str()) => {
                f.as_ref().clone().with_nullable(false)
            }
            None => f.as_ref().clone(),
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));

    let table = if db.catalog().table_exists(name).await? {
        if !texts.is_empty() || !vectors.is_empty() || args.primary_key.is_some() {
            eprintln!(
                "note: table {name} exists; --text/--vector/--primary-key apply only when creating a table"
            );
        }
        db.open_table(name).await?
    } else {
        let options = TableOptions {
            text_columns: texts,
            vector_columns: vectors.clone(),
            primary_key: args.primary_key.clone(),
            wal: args.wal,
        };
        db.create_table(name, (*schema).clone(), options).await?
    };

    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        match source.total_rows {
            Some(total) => ProgressBar::new(total),
            None => ProgressBar::new_spinner(),
        }
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bar:30} {human_pos} rows  {per_sec}  {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let batches = first
        .into_iter()
        .map(Ok)
        .chain(std::iter::from_fn(|| source.batches.next()));
    let outcome = if args.upsert {
        // An upsert resolves every key at once: the file is read whole.
        let mut all = Vec::new();
        for batch in batches {
            let batch = convert_vectors(batch?, &vectors, &schema)?;
            bar.inc(batch.num_rows() as u64);
            all.push(batch);
        }
        let all = arrow::compute::concat_batches(&schema, &all)?;
        bar.set_message("committing");
        table
            .upsert_with_batch_id(&all, args.batch_id.as_deref())
            .await
            .context("upsert failed; nothing was committed")?
    } else {
        let mut writer = table.writer("import");
        if let Some(id) = &args.batch_id {
            writer = writer.with_batch_id(id.clone());
        }
        for batch in batches {
            let batch = convert_vectors(batch?, &vectors, &schema)?;
            writer.write(&batch).await?;
            bar.inc(batch.num_rows() as u64);
        }
        bar.set_message("committing");
        writer
            .finish()
            .await
            .context("import failed; nothing was committed")?
    };
    bar.finish_and_clear();
    let snapshot = &outcome.snapshot;
    if !outcome.applied {
        println!(
            "batch {} was already committed; nothing imported (table version {})",
            args.batch_id.as_deref().unwrap_or_default(),
            snapshot.version
        );
        return Ok(());
    }
    let rows = outcome.rows_added;
    let secs = started.elapsed().as_secs_f64();
    let replaced = if args.upsert {
        format!(" ({} replaced)", outcome.rows_deleted)
    } else {
        String::new()
    };
    println!(
        "imported {rows} rows{replaced} into {name} in {secs:.2}s ({:.0} rows/s); table version {}, {} segments, {} rows",
        rows as f64 / secs.max(1e-9),
        snapshot.version,
        snapshot.segments.len(),
        snapshot.rows()
    );
    Ok(())
}

fn first_dimension(batch: Option<&RecordBatch>, column: &str) -> Result<usize> {
    use arrow::array::{Array, AsArray};
    let batch = batch
        .ok_or_else(|| anyhow!("cannot infer the dimension of {column:?} from an empty file"))?;
    let array = batch
        .column_by_name(column)
        .ok_or_else(|| anyhow!("vector column {column:?} is not in the input"))?;
    let row = (0..array.len())
        .find(|&i| array.is_valid(i))
        .ok_or_else(|| anyhow!("vector column {column:?} has no value in the first batch"))?;
    let len = match array.data_type() {
        DataType::List(_) => array.as_list::<i32>().value_length(row) as usize,
        DataType::LargeList(_) => array.as_list::<i64>().value_length(row) as usize,
        other => bail!("vector column {column:?} must be a list of numbers, not {other}"),
    };
    if len == 0 {
        bail!("vector column {column:?} has an empty first vector");
    }
    Ok(len)
}

fn convert_vectors(
    batch: RecordBatch,
    vectors: &[VectorColumn],
    schema: &Arc<Schema>,
) -> Result<RecordBatch> {
    if vectors.is_empty() {
        return Ok(batch);
    }
    let mut columns = batch.columns().to_vec();
    for v in vectors {
        let i = batch.schema().index_of(&v.column)?;
        columns[i] = import::to_vector_column(&v.column, &columns[i], v.dimension)?;
    }
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}
