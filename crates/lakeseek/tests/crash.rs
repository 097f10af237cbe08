//! Crash and concurrency harness. `lakeseek stress` processes append
//! (through segments and the WAL), delete, upsert, update, compact and fold,
//! journaling each operation before and after it runs. The harness kills
//! them with SIGKILL at random moments (100 times on local disk, 30 on a
//! moto S3 server), then opens the table afresh and requires: `lakeseek
//! check` passes, every acknowledged write is present exactly once, and the
//! one operation in flight is either wholly visible or not at all. A second
//! test runs four processes at once for three minutes and requires every
//! acknowledged write of each to be there at the end.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use arrow::array::AsArray;
use arrow::datatypes::Int64Type;
use lakeseek::Database;
use lakeseek_testkit::MotoServer;
use serde_json::Value;

type State = BTreeMap<i64, String>;

fn lakeseek(db: &str, options: &HashMap<String, String>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lakeseek"));
    cmd.arg("--db").arg(db);
    for (k, v) in options {
        cmd.arg("--store-option").arg(format!("{k}={v}"));
    }
    cmd
}

fn spawn_stress(
    db: &str,
    options: &HashMap<String, String>,
    base: i64,
    seed: u64,
    seconds: u64,
    journal: &Path,
) -> Child {
    lakeseek(db, options)
        .args(["stress", "t", "--base", &base.to_string()])
        .args([
            "--seed",
            &seed.to_string(),
            "--seconds",
            &seconds.to_string(),
        ])
        .arg("--journal")
        .arg(journal)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Applies one journaled operation to a state.
fn apply(state: &mut State, entry: &Value) {
    let keys: Vec<i64> = entry["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_i64().unwrap())
        .collect();
    let value = entry["value"].as_str().unwrap().to_string();
    match entry["op"].as_str().unwrap() {
        "append" | "wal" | "upsert" => {
            for k in keys {
                state.insert(k, value.clone());
            }
        }
        "update" => {
            for k in keys {
                if let Some(v) = state.get_mut(&k) {
                    *v = value.clone();
                }
            }
        }
        "delete" => {
            for k in keys {
                state.remove(&k);
            }
        }
        _ => {}
    }
}

/// The state after every acknowledged operation of a journal, and the
/// operation in flight when the process died (if any).
fn replay(journal: &Path, mut state: State) -> (State, Option<Value>) {
    let text = std::fs::read_to_string(journal).unwrap_or_default();
    let mut in_flight: Option<Value> = None;
    for line in text.lines() {
        // A torn last line is an operation that never began for us.
        let Ok(entry) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        match entry["phase"].as_str().unwrap() {
            "begin" => in_flight = Some(entry),
            _ => {
                apply(&mut state, &entry);
                in_flight = None;
            }
        }
    }
    (state, in_flight)
}

/// Every `(k, s)` the table holds, failing on a key held twice.
async fn actual(db: &str, options: &HashMap<String, String>) -> Option<State> {
    let database = Database::connect_with(db, options).await.unwrap();
    if !database
        .list_tables()
        .await
        .unwrap()
        .contains(&"t".to_string())
    {
        return None;
    }
    let batches = database.sql("SELECT k, s FROM t").await.unwrap();
    let mut state = State::new();
    for b in &batches {
        let k = b.column(0).as_primitive::<Int64Type>();
        let s = arrow::compute::cast(b.column(1), &arrow::datatypes::DataType::Utf8).unwrap();
        let s = s.as_string::<i32>();
        for i in 0..b.num_rows() {
            let previous = state.insert(k.value(i), s.value(i).to_string());
            assert!(previous.is_none(), "key {} is present twice", k.value(i));
        }
    }
    Some(state)
}

fn check(db: &str, options: &HashMap<String, String>) {
    let out = lakeseek(db, options).args(["check", "t"]).output().unwrap();
    assert!(
        out.status.success(),
        "lakeseek check failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn differences(a: &State, b: &State) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in a {
        match b.get(k) {
            None => out.push(format!("{k} missing")),
            Some(w) if w != v => out.push(format!("{k}: {w} instead of {v}")),
            _ => {}
        }
    }
    for k in b.keys().filter(|k| !a.contains_key(k)) {
        out.push(format!("{k} unexpected"));
    }
    out.truncate(10);
    out
}

async fn crash_iterations(db: &str, options: &HashMap<String, String>, iterations: u64) {
    let journals = tempfile::tempdir().unwrap();
    let mut settled = State::new();
    let mut rng = 0x5eed_u64;
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for it in 0..iterations {
        let journal = journals.path().join(format!("{it}.jsonl"));
        let base = (it as i64 + 1) * 1_000_000;
        let mut child = spawn_stress(db, options, base, it + 1, 3600, &journal);
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_millis(100 + rng % 900));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "iteration {it}: the worker ended before the kill"
        );

        let (acked, in_flight) = replay(&journal, settled.clone());
        let Some(found) = actual(db, options).await else {
            assert!(acked.is_empty(), "iteration {it}: the table vanished");
            continue;
        };
        check(db, options);
        let op = in_flight
            .as_ref()
            .map(|e| e["op"].as_str().unwrap().to_string())
            .unwrap_or_else(|| "none".into());
        if found == acked {
            *outcomes.entry(format!("{op} not applied")).or_default() += 1;
        } else {
            let mut after = acked.clone();
            if let Some(e) = &in_flight {
                apply(&mut after, e);
            }
            assert!(
                found == after,
                "iteration {it} (killed during {op}): neither the acknowledged state nor it plus the operation in flight; vs acknowledged: {:?}",
                differences(&acked, &found)
            );
            *outcomes.entry(format!("{op} applied")).or_default() += 1;
        }
        settled = found;
    }
    eprintln!("crash outcomes: {outcomes:?}; {} keys live", settled.len());
    assert!(
        settled.len() > 100,
        "the workers did too little to test anything"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_on_local_disk() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db").to_str().unwrap().to_string();
    crash_iterations(&db, &HashMap::new(), 100).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_on_s3() {
    let server = MotoServer::start();
    crash_iterations(&server.uri("crash"), &server.options(), 30).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_for_minutes_lose_nothing() {
    let seconds: u64 = std::env::var("LAKESEEK_STRESS_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(180);
    // Kept when the test fails (removed at the end otherwise), so that the
    // manifests, WAL and journals of a failing run can be read afterwards.
    let dir = tempfile::Builder::new()
        .prefix("lakeseek-stress-")
        .tempdir()
        .unwrap()
        .keep();
    println!("stress database and journals: {}", dir.display());
    let db = dir.join("db").to_str().unwrap().to_string();
    let options = HashMap::new();
    let workers: Vec<(Child, std::path::PathBuf)> = (0..4)
        .map(|w| {
            let journal = dir.join(format!("w{w}.jsonl"));
            let child = spawn_stress(
                &db,
                &options,
                (w + 1) * 10_000_000,
                1000 + w as u64,
                seconds,
                &journal,
            );
            (child, journal)
        })
        .collect();
    let mut expected = State::new();
    for (child, journal) in workers {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a worker failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (state, in_flight) = replay(&journal, State::new());
        assert!(in_flight.is_none(), "a worker exited mid-operation");
        expected.extend(state);
    }
    let found = actual(&db, &options).await.unwrap();
    assert!(
        found == expected,
        "acknowledged writes differ: {:?}",
        differences(&expected, &found)
    );
    check(&db, &options);
    assert!(
        expected.len() > 1000,
        "only {} keys written",
        expected.len()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
