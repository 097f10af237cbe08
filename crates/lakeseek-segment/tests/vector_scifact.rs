//! Recall and single-thread speed on SciFact (5,183 × 384-d MiniLM
//! embeddings, 1,109 queries) against the shipped exact cosine top-100.
//!
//! Asserts recall only; throughput is printed. Run in release:
//! `cargo test --release -p lakeseek-segment --test vector_scifact -- --nocapture`.
//! The data directory is `$LAKESEEK_SCIFACT_DIR`, else `shared/data/scifact`
//! beside the workspace; `$LAKESEEK_SCIFACT_CLUSTERS` overrides the cluster
//! count.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use arrow::array::{Array, AsArray, FixedSizeListArray};
use arrow::datatypes::{DataType, Float32Type};
use arrow::record_batch::RecordBatch;
use bytes::Bytes;
use lakeseek_segment::vector::simd::Kernels;
use lakeseek_segment::vector::{
    exact_search, Metric, SearchParams, VectorIndexBuilder, VectorIndexReader, VectorModel,
};

const DIM: usize = 384;

fn data_dir() -> PathBuf {
    std::env::var_os("LAKESEEK_SCIFACT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/scifact")
        })
}

fn read(name: &str) -> RecordBatch {
    let path = data_dir().join(name);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
    arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap()
}

fn strings(batch: &RecordBatch, column: &str) -> Vec<String> {
    let col = arrow::compute::cast(batch.column_by_name(column).unwrap(), &DataType::Utf8).unwrap();
    col.as_string::<i32>()
        .iter()
        .map(|s| s.unwrap().to_owned())
        .collect()
}

fn embeddings(batch: &RecordBatch) -> Vec<f32> {
    let col = batch.column_by_name("emb").unwrap();
    let list = col.as_any().downcast_ref::<FixedSizeListArray>().unwrap();
    assert_eq!(list.value_length() as usize, DIM);
    assert_eq!(list.null_count(), 0);
    list.values()
        .as_primitive::<Float32Type>()
        .values()
        .to_vec()
}

struct SciFact {
    corpus: Vec<f32>,
    queries: Vec<f32>,
    /// Exact top-10 corpus rows per query.
    truth: Vec<Vec<u32>>,
}

fn load() -> SciFact {
    let corpus_batch = read("corpus.parquet");
    let row_of: HashMap<String, u32> = strings(&corpus_batch, "id")
        .into_iter()
        .enumerate()
        .map(|(i, id)| (id, i as u32))
        .collect();
    let query_batch = read("queries.parquet");
    let query_ids = strings(&query_batch, "id");
    let gt = read("vector_groundtruth_cosine_top100.parquet");
    let gt_ids = strings(&gt, "query_id");
    let lists = gt
        .column_by_name("neighbors")
        .unwrap()
        .as_list::<i32>()
        .clone();
    let mut truth_of: HashMap<String, Vec<u32>> = HashMap::new();
    for (i, qid) in gt_ids.into_iter().enumerate() {
        let ids = arrow::compute::cast(&lists.value(i), &DataType::Utf8).unwrap();
        let rows = ids
            .as_string::<i32>()
            .iter()
            .take(10)
            .map(|s| row_of[s.unwrap()])
            .collect();
        truth_of.insert(qid, rows);
    }
    SciFact {
        corpus: embeddings(&corpus_batch),
        queries: embeddings(&query_batch),
        truth: query_ids
            .iter()
            .map(|q| truth_of.remove(q).unwrap())
            .collect(),
    }
}

/// Nanoseconds this thread has spent on a CPU (Linux), so that throughput
/// is not skewed by other processes on a busy machine.
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

struct Measured {
    recall: f64,
    /// Queries per second of on-CPU time (wall time where unavailable).
    qps_cpu: f64,
    qps_wall: f64,
}

/// Mean recall@10 and single-thread throughput over all queries, best of `runs`.
fn measure(
    reader: &VectorIndexReader,
    data: &SciFact,
    params: &SearchParams<'_>,
    runs: usize,
) -> Measured {
    let mut results = Vec::new();
    let (mut best_cpu, mut best_wall) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..runs {
        let (start, cpu_start) = (Instant::now(), thread_cpu_ns());
        results = data
            .queries
            .chunks_exact(DIM)
            .map(|q| reader.search(q, params, None).unwrap())
            .collect::<Vec<_>>();
        let wall = start.elapsed().as_secs_f64();
        let cpu = match (cpu_start, thread_cpu_ns()) {
            (Some(a), Some(b)) if b > a => (b - a) as f64 * 1e-9,
            _ => wall,
        };
        best_cpu = best_cpu.min(cpu);
        best_wall = best_wall.min(wall);
    }
    let recall = results
        .iter()
        .zip(&data.truth)
        .map(|(got, want)| got.iter().filter(|h| want.contains(&h.0)).count() as f64 / 10.0)
        .sum::<f64>()
        / data.truth.len() as f64;
    let queries = data.truth.len() as f64;
    Measured {
        recall,
        qps_cpu: queries / best_cpu,
        qps_wall: queries / best_wall,
    }
}

#[test]
fn scifact_recall_and_speed() {
    let data = load();
    let n = data.corpus.len() / DIM;
    assert_eq!((n, data.truth.len()), (5183, 1109));

    // Sanity: exact search reproduces the ground truth.
    let exact_recall = data
        .queries
        .chunks_exact(DIM)
        .zip(&data.truth)
        .take(100)
        .map(|(q, want)| {
            let got = exact_search(Metric::Cosine, q, &data.corpus, DIM, 10, None).unwrap();
            got.iter().filter(|h| want.contains(&h.0)).count() as f64 / 10.0
        })
        .sum::<f64>()
        / 100.0;
    assert!(exact_recall >= 0.99, "exact search recall {exact_recall}");

    let clusters = std::env::var("LAKESEEK_SCIFACT_CLUSTERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| VectorModel::default_clusters(n));
    let start = Instant::now();
    let model = VectorModel::train(Metric::Cosine, DIM, &data.corpus, clusters, 42).unwrap();
    let trained = start.elapsed();
    let start = Instant::now();
    let section = VectorIndexBuilder::build_section(&model, &data.corpus, DIM).unwrap();
    let built = start.elapsed();
    let reader = VectorIndexReader::open(Bytes::from(section.clone())).unwrap();
    println!(
        "SciFact: {n} rows, {clusters} clusters; train {:.0} ms, build {:.0} ms; section {} bytes ({:.0} per row), model {} bytes",
        trained.as_secs_f64() * 1e3,
        built.as_secs_f64() * 1e3,
        section.len(),
        section.len() as f64 / n as f64,
        model.to_bytes().len()
    );

    println!("kernels: {:?}", Kernels::best().isa());
    println!("nprobe refine  rerank     recall@10  QPS(cpu)  QPS(wall)");
    let defaults = SearchParams::default();
    let mut rows = vec![(defaults.nprobe, defaults.refine, false)];
    // Debug builds check recall at two points; release builds sweep.
    if cfg!(debug_assertions) {
        rows.push((48, 10, true));
    } else {
        for nprobe in [8, 16, 24, 32, 48] {
            for refine in [2, 5, 10, 20] {
                rows.push((nprobe, refine, false));
            }
        }
        rows.extend([(24, 10, true), (48, 10, true)]);
    }
    let runs = if cfg!(debug_assertions) { 1 } else { 3 };
    let mut best_recall: f64 = 0.0;
    let mut default_recall = 0.0;
    for (i, &(nprobe, refine, exact)) in rows.iter().enumerate() {
        let params = SearchParams {
            nprobe,
            refine,
            exact_rerank: exact.then_some(&data.corpus[..]),
            ..Default::default()
        };
        let m = measure(&reader, &data, &params, runs);
        if i == 0 {
            default_recall = m.recall;
        }
        best_recall = best_recall.max(m.recall);
        println!(
            "{nprobe:>6} {refine:>6}  {:<9}  {:>9.4} {:>9.0} {:>10.0}{}",
            if exact { "exact" } else { "int8" },
            m.recall,
            m.qps_cpu,
            m.qps_wall,
            if i == 0 { "  (defaults)" } else { "" }
        );
    }
    assert!(default_recall >= 0.95, "default recall {default_recall}");
    assert!(best_recall >= 0.99, "best recall {best_recall}");
}
