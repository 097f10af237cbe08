//! Writers in separate processes append to one table at once, on local disk
//! and on S3 (moto on loopback): every commit lands as its own version and
//! every row is present exactly once.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use lakeseek_testkit::MotoServer;

const WORKERS: usize = 4;
const APPENDS: usize = 50;

fn lakeseek(db: &str, options: &HashMap<String, String>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lakeseek"));
    cmd.arg("--db").arg(db);
    for (k, v) in options {
        cmd.arg("--store-option").arg(format!("{k}={v}"));
    }
    cmd
}

fn sql(db: &str, options: &HashMap<String, String>, statement: &str) -> String {
    let out = lakeseek(db, options)
        .args(["sql", "--format", "csv", "-c", statement])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{statement}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// One worker process: a shell loop running `lakeseek sql -c INSERT …`.
fn spawn_worker(db: &str, options: &HashMap<String, String>, worker: usize) -> Child {
    let bin = env!("CARGO_BIN_EXE_lakeseek");
    let mut opts = String::new();
    for (k, v) in options {
        opts.push_str(&format!(" --store-option '{k}={v}'"));
    }
    let script = format!(
        "set -e; for i in $(seq 0 {last}); do '{bin}' --db '{db}'{opts} sql -c \"INSERT INTO t VALUES ({worker}, $i, 'w{worker}-'||$i)\" >/dev/null; done",
        last = APPENDS - 1
    );
    Command::new("bash")
        .args(["-c", &script])
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn run_concurrent_appends(db: &str, options: &HashMap<String, String>) {
    // The table is created by importing one seed row (worker = -1).
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.csv");
    std::fs::write(&seed, "worker,i,label\n-1,-1,seed\n").unwrap();
    let out = lakeseek(db, options)
        .args(["import", "t", seed.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let workers: Vec<Child> = (0..WORKERS).map(|w| spawn_worker(db, options, w)).collect();
    for mut w in workers {
        assert!(w.wait().unwrap().success(), "a worker failed");
    }

    let total = WORKERS * APPENDS;
    let counts = sql(
        db,
        options,
        "SELECT count(*), count(DISTINCT worker * 1000 + i), count(DISTINCT _id) FROM t WHERE worker >= 0",
    );
    assert_eq!(
        counts.lines().nth(1).unwrap(),
        format!("{total},{total},{total}")
    );
    let per_worker = sql(db, options, "SELECT worker, count(*), min(i), max(i) FROM t WHERE worker >= 0 GROUP BY worker ORDER BY worker");
    let expected: Vec<String> = (0..WORKERS)
        .map(|w| format!("{w},{APPENDS},0,{}", APPENDS - 1))
        .collect();
    assert_eq!(per_worker.lines().skip(1).collect::<Vec<_>>(), expected);
    // Version 0 creates, version 1 is the seed import, then one version per append.
    let info = lakeseek(db, options).args(["info", "t"]).output().unwrap();
    let info = String::from_utf8(info.stdout).unwrap();
    assert!(info.contains(&format!("version   {}", total + 1)), "{info}");
}

#[test]
fn four_processes_append_concurrently_on_local_disk() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    std::fs::create_dir_all(&db).unwrap();
    run_concurrent_appends(db.to_str().unwrap(), &HashMap::new());
    assert!(
        Path::new(&db).join("t/_lakeseek/checkpoints").exists(),
        "200 commits passed a checkpoint"
    );
}

#[test]
fn four_processes_append_concurrently_on_s3() {
    let moto = MotoServer::start();
    run_concurrent_appends(&moto.uri("lake"), &moto.options());
}
