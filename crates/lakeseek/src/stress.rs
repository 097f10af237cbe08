//! `lakeseek stress`: a randomized workload for crash and concurrency tests.
//!
//! One process runs appends (idempotent, through segments), WAL appends,
//! deletes, upserts, SQL updates, compactions and WAL folds on keys it owns
//! (`base + i`), and journals each operation to an acknowledgement log:
//! a `begin` line before the call and an `ack` line (fsync'd) after it
//! returns. A harness that kills the process at any moment can then say
//! exactly which writes were acknowledged and which one was in flight.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use arrow::array::{FixedSizeListArray, Float32Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use lakeseek::{CompactionPolicy, Database, Metric, TableError, TableOptions};
use serde::{Deserialize, Serialize};

/// One journaled operation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// `begin` or `ack`.
    pub phase: String,
    /// `append`, `wal`, `delete`, `upsert`, `update`, `optimize`, `fold`.
    pub op: String,
    pub keys: Vec<i64>,
    /// The value of `s` the keys hold afterwards (writes only).
    pub value: String,
}

/// The schema of the stress table: `k` (primary key), `s`, `v` (4-d).
pub fn schema() -> Schema {
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    Schema::new(vec![
        Field::new("k", DataType::Int64, false),
        Field::new("s", DataType::Utf8, true),
        Field::new("v", DataType::FixedSizeList(item, 4), true),
    ])
}

fn rows(keys: &[i64], value: &str) -> Result<RecordBatch> {
    let values: Vec<f32> = keys
        .iter()
        .flat_map(|&k| (0..4).map(move |j| (k % 1000) as f32 + j as f32))
        .collect();
    let v = FixedSizeListArray::new(
        Arc::new(Field::new("item", DataType::Float32, true)),
        4,
        Arc::new(Float32Array::from(values)),
        None,
    );
    Ok(RecordBatch::try_new(
        Arc::new(schema()),
        vec![
            Arc::new(Int64Array::from(keys.to_vec())),
            Arc::new(StringArray::from(vec![value; keys.len()])),
            Arc::new(v),
        ],
    )?)
}

/// xorshift64*: deterministic per seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

struct Journal(std::fs::File);
impl Journal {
    fn write(&mut self, entry: &Entry) -> Result<()> {
        let mut line = serde_json::to_vec(entry)?;
        line.push(b'\n');
        self.0.write_all(&line)?;
        self.0.sync_data()?;
        Ok(())
    }
}

/// Runs the workload until `ops` operations or `seconds` have passed.
pub async fn run(
    db: &Database,
    table: &str,
    base: i64,
    seed: u64,
    ops: u64,
    seconds: u64,
    journal: &Path,
) -> Result<()> {
    let handle = match db.open_table(table).await {
        Ok(t) => t,
        Err(_) => {
            let options = TableOptions::default()
                .with_text("s")
                .with_vector("v", 4, Metric::L2)
                .with_primary_key("k")
                .with_wal();
            match db.create_table(table, schema(), options).await {
                Ok(t) => t,
                // Another worker created it first.
                Err(_) => db.open_table(table).await?,
            }
        }
    };
    let mut journal = Journal(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(journal)
            .with_context(|| format!("cannot open journal {}", journal.display()))?,
    );
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    // Keys this process believes present (acknowledged state).
    let mut present: BTreeMap<i64, String> = BTreeMap::new();
    let mut next_key = base;
    let started = Instant::now();
    let policy = CompactionPolicy {
        small_rows: 200,
        target_rows: 5_000,
        ..Default::default()
    };
    for n in 0..ops {
        if started.elapsed() > Duration::from_secs(seconds) {
            break;
        }
        let value = format!("v{seed}x{n}");
        let pick = |rng: &mut Rng, present: &BTreeMap<i64, String>, count: u64| -> Vec<i64> {
            let keys: Vec<i64> = present.keys().copied().collect();
            let mut out: Vec<i64> = (0..count.min(keys.len() as u64))
                .map(|_| keys[rng.below(keys.len() as u64) as usize])
                .collect();
            out.sort_unstable();
            out.dedup();
            out
        };
        let roll = rng.below(100);
        let (op, keys) = match roll {
            0..=29 => {
                let count = 1 + rng.below(20) as i64;
                let keys: Vec<i64> = (next_key..next_key + count).collect();
                next_key += count;
                ("append", keys)
            }
            30..=54 => {
                let count = 1 + rng.below(5) as i64;
                let keys: Vec<i64> = (next_key..next_key + count).collect();
                next_key += count;
                ("wal", keys)
            }
            55..=69 => ("delete", pick(&mut rng, &present, 3)),
            70..=84 => {
                let mut keys = pick(&mut rng, &present, 3);
                keys.push(next_key);
                next_key += 1;
                ("upsert", keys)
            }
            85..=91 => ("update", pick(&mut rng, &present, 2)),
            92..=95 => ("optimize", Vec::new()),
            _ => ("fold", Vec::new()),
        };
        if matches!(op, "delete" | "update") && keys.is_empty() {
            continue;
        }
        let entry = |phase: &str| Entry {
            phase: phase.into(),
            op: op.into(),
            keys: keys.clone(),
            value: value.clone(),
        };
        journal.write(&entry("begin"))?;
        match op {
            "append" => {
                let mut w = handle.writer("append").with_batch_id(format!("{seed}-{n}"));
                w.write(&rows(&keys, &value)?).await?;
                w.finish().await?;
            }
            "wal" => {
                handle.wal_append(&rows(&keys, &value)?).await?;
            }
            "delete" => {
                let list: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                db.sql(&format!(
                    "DELETE FROM {table} WHERE k IN ({})",
                    list.join(",")
                ))
                .await?;
            }
            "upsert" => {
                handle.upsert(&rows(&keys, &value)?).await?;
            }
            "update" => {
                let list: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                db.sql(&format!(
                    "UPDATE {table} SET s = '{value}' WHERE k IN ({})",
                    list.join(",")
                ))
                .await?;
            }
            "optimize" => match handle.optimize(&policy).await {
                Ok(_) | Err(TableError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            },
            _ => {
                handle.fold_wal().await?;
            }
        }
        journal.write(&entry("ack"))?;
        match op {
            "delete" => keys.iter().for_each(|k| {
                present.remove(k);
            }),
            "append" | "wal" | "upsert" | "update" => keys.iter().for_each(|&k| {
                present.insert(k, value.clone());
            }),
            _ => {}
        }
    }
    Ok(())
}
