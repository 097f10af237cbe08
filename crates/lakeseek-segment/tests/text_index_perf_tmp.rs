//! TEMPORARY measurement harness (deleted before hand-off).

use std::fs::File;

use arrow::array::{Array, AsArray};
use bytes::Bytes;
use lakeseek_segment::text::bm25::{idf, Bm25Params, CorpusStats, TermWeight};
use lakeseek_segment::text::index::{TextIndexBuilder, TextIndexOptions, TextIndexReader};
use lakeseek_segment::text::search::{top_k, Matcher};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn cpu_ns() -> u64 {
    // Wall clock; callers take the minimum over rounds.
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_nanos() as u64
}

fn strings(path: &str, col: &str) -> Vec<String> {
    let r = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut out = Vec::new();
    for b in r {
        let b = b.unwrap();
        let a = b.column_by_name(col).unwrap();
        let a = a.as_string::<i32>();
        for i in 0..a.len() {
            out.push(a.value(i).to_owned());
        }
    }
    out
}

fn ints(path: &str, col: &str) -> Vec<i64> {
    let r = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut out = Vec::new();
    for b in r {
        let b = b.unwrap();
        let a = b.column_by_name(col).unwrap();
        let a = a.as_primitive::<arrow::datatypes::Int64Type>();
        out.extend(a.values().iter().copied());
    }
    out
}

#[test]
#[ignore]
fn perf() {
    let root =
        std::env::var("DATA").unwrap_or("/work/main/bench/work/data/text_d200000_s42".into());
    let section = std::env::var("SECTION").unwrap_or_default();
    let cache = "/tmp/lsidx.bin";
    let cached = section != "build" && section != "" && std::path::Path::new(cache).exists();
    let bodies = if cached {
        Vec::new()
    } else {
        strings(&format!("{root}/docs.parquet"), "body")
    };
    let tokens: usize = bodies.iter().map(|b| b.split(' ').count()).sum();
    let mut reader =
        cached.then(|| TextIndexReader::open(Bytes::from(std::fs::read(cache).unwrap())).unwrap());
    for positions in [true, false] {
        if cached || (section != "" && section != "build" && !positions) {
            continue;
        }
        let reps = if section == "build" { 3 } else { 1 };
        let c = cpu_ns();
        let mut bytes = Vec::new();
        let mut add = 0;
        for _ in 0..reps {
            let c0 = cpu_ns();
            let mut b = TextIndexBuilder::new(TextIndexOptions { positions });
            for body in &bodies {
                b.add_document(body.split(' ').enumerate().map(|(p, t)| (t, p as u32)));
            }
            add += cpu_ns() - c0;
            bytes = b.finish();
        }
        let el = (cpu_ns() - c) as f64 / reps as f64;
        eprintln!(
            "positions={positions} docs={} tokens={tokens} build cpu={:.2}s (add {:.2}s; {:.0} ns/token) size={} ({:.3} B/token)",
            bodies.len(),
            el / 1e9,
            add as f64 / reps as f64 / 1e9,
            el / tokens as f64,
            bytes.len(),
            bytes.len() as f64 / tokens as f64
        );
        if positions {
            std::fs::write(cache, &bytes).unwrap();
            reader = Some(TextIndexReader::open(Bytes::from(bytes)).unwrap());
        }
    }
    if section == "build" || section == "none" {
        return;
    }
    let reader = reader.unwrap();
    let n = reader.num_docs() as usize;
    let corpus = CorpusStats {
        num_docs: n as u64,
        total_tokens: reader.total_tokens(),
    };
    let params = Bm25Params::default();
    let w = |t: &str| {
        TermWeight::new(
            params,
            &corpus,
            u64::from(reader.term(t).unwrap().map_or(0, |i| i.doc_freq())),
            1.0,
        )
    };
    let q_text = strings(&format!("{root}/queries.parquet"), "text");
    let q_band = strings(&format!("{root}/queries.parquet"), "band");
    let q_n = ints(&format!("{root}/queries.parquet"), "n_terms");
    for band in ["low", "middle", "high"] {
        for nterms in 1..=3i64 {
            for op in ["or", "and"] {
                if nterms == 1 && op == "and" {
                    continue;
                }
                let name = format!("{band}{nterms}{op}");
                if !section.is_empty() && section != name && section != "queries" {
                    continue;
                }
                let qs: Vec<&String> = (0..q_text.len())
                    .filter(|&i| q_band[i] == band && q_n[i] == nterms)
                    .map(|i| &q_text[i])
                    .collect();
                let build = |q: &String| {
                    let ms: Vec<Matcher> = q
                        .split(' ')
                        .map(|t| Matcher::term(&reader, t, w(t)).unwrap())
                        .collect();
                    if op == "or" {
                        Matcher::Or(ms)
                    } else {
                        Matcher::And(ms)
                    }
                };
                let reps = if section == name {
                    std::env::var("REPS").map_or(20, |r| r.parse().unwrap())
                } else {
                    3
                };
                let mut scored = 0;
                let mut best = f64::MAX;
                for _ in 0..if section == name { 1 } else { 5 } {
                    let c = cpu_ns();
                    for _ in 0..reps {
                        for q in &qs {
                            scored += top_k(build(q), 10, None).unwrap().docs_scored;
                        }
                    }
                    best = best.min((cpu_ns() - c) as f64 / (reps * qs.len()) as f64);
                }
                let el = best;
                let reps = if section == name { reps } else { reps * 5 };
                let dbg: Vec<u64> = lakeseek_segment::text::search::DBG
                    .iter()
                    .map(|a| {
                        a.swap(0, std::sync::atomic::Ordering::Relaxed) / (reps * qs.len()) as u64
                    })
                    .collect();
                eprintln!(
                    "   iterations {} block-pruned {} candidates {}",
                    dbg[0], dbg[1], dbg[2]
                );
                eprintln!(
                    "{band:>6} {nterms} {op:>3}: {:>9.1} us/query (cpu)  scored/query {}",
                    el / 1e3,
                    scored / (reps * qs.len()) as u64
                );
            }
        }
    }
    if !section.is_empty() && !section.starts_with("phrase") && section != "queries" {
        return;
    }
    let p_text = strings(&format!("{root}/phrases.parquet"), "text");
    for plen in [2usize, 3] {
        let qs: Vec<&String> = p_text
            .iter()
            .filter(|t| t.split(' ').count() == plen)
            .collect();
        for slop in [0u32, 2] {
            let name = format!("phrase{plen}s{slop}");
            if section.starts_with("phrase") && section != name {
                continue;
            }
            let reps = if section == name {
                std::env::var("REPS").map_or(3, |r| r.parse().unwrap())
            } else {
                1
            };
            let mut scored = 0;
            let mut best = f64::MAX;
            for _ in 0..if section == name { 1 } else { 5 } {
                let c = cpu_ns();
                for _ in 0..reps {
                    for q in &qs {
                        let terms: Vec<(&str, u32)> = q
                            .split(' ')
                            .enumerate()
                            .map(|(i, t)| (t, i as u32))
                            .collect();
                        let sum: f32 = terms
                            .iter()
                            .map(|(t, _)| {
                                idf(
                                    n as u64,
                                    u64::from(reader.term(t).unwrap().map_or(0, |i| i.doc_freq())),
                                )
                            })
                            .sum();
                        let m = Matcher::phrase(
                            &reader,
                            &terms,
                            slop,
                            TermWeight::from_idf(params, &corpus, sum, 1.0),
                        )
                        .unwrap();
                        scored += top_k(m, 10, None).unwrap().docs_scored;
                    }
                }
                best = best.min((cpu_ns() - c) as f64 / (reps * qs.len()) as f64);
            }
            let el = best;
            let reps = if section == name { reps } else { 5 };
            eprintln!(
                "phrase {plen} slop {slop}: {:>9.1} us/query (cpu) scored/query {}",
                el / 1e3,
                scored / (reps * qs.len()) as u64
            );
        }
    }
}
