//! The IVF-RaBitQ section on synthetic data: agreement with exact search,
//! filters, summaries, byte round trips, and corrupt bytes as errors.

use bytes::Bytes;
use lakeseek_segment::vector::{
    exact_search, nearest_clusters, Metric, SearchParams, VectorError, VectorIndexBuilder,
    VectorIndexReader, VectorModel,
};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use roaring::RoaringBitmap;

/// `n` points around 16 random centres, with a common offset so the data
/// is not centred at the origin.
fn clustered(seed: u64, n: usize, dim: usize) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let offset: Vec<f32> = (0..dim).map(|_| rng.random_range(-3.0..3.0)).collect();
    let centres: Vec<Vec<f32>> = (0..16)
        .map(|_| (0..dim).map(|_| rng.random_range(-1.0..1.0)).collect())
        .collect();
    let mut out = Vec::with_capacity(n * dim);
    for _ in 0..n {
        let c = &centres[rng.random_range(0..centres.len())];
        out.extend(
            c.iter()
                .zip(&offset)
                .map(|(x, o)| x + o + rng.random_range(-0.5..0.5)),
        );
    }
    out
}

fn recall(got: &[(u32, f32)], want: &[(u32, f32)]) -> f64 {
    let hits = got
        .iter()
        .filter(|g| want.iter().any(|w| w.0 == g.0))
        .count();
    hits as f64 / want.len().max(1) as f64
}

struct Fixture {
    dim: usize,
    data: Vec<f32>,
    queries: Vec<f32>,
    model: VectorModel,
    reader: VectorIndexReader,
}

fn fixture(metric: Metric, n: usize, dim: usize) -> Fixture {
    // Queries come from the same distribution as the data, but are not in it.
    let mut data = clustered(1, n + 50, dim);
    let queries = data.split_off(n * dim);
    let model =
        VectorModel::train(metric, dim, &data, VectorModel::default_clusters(n), 7).unwrap();
    let section = VectorIndexBuilder::build_section(&model, &data, dim).unwrap();
    let reader = VectorIndexReader::open(Bytes::from(section)).unwrap();
    Fixture {
        dim,
        data,
        queries,
        model,
        reader,
    }
}

#[test]
fn approximate_search_agrees_with_exact_search() {
    for metric in [Metric::L2, Metric::Cosine, Metric::Dot] {
        // 100 is not a multiple of 64: padding is exercised.
        let f = fixture(metric, 3000, 100);
        let (mut total, mut exhaustive) = (0.0, 0.0);
        for q in f.queries.chunks_exact(f.dim) {
            let want = exact_search(metric, q, &f.data, f.dim, 10, None).unwrap();
            let got = f
                .reader
                .search(
                    q,
                    &SearchParams {
                        nprobe: 20,
                        ..Default::default()
                    },
                    None,
                )
                .unwrap();
            assert_eq!(got.len(), 10);
            assert!(got.windows(2).all(|w| (w[0].1, w[0].0) <= (w[1].1, w[1].0)));
            total += recall(&got, &want);
            // Probing everything with exact rerank is (almost always) exact
            // search: only the error bounds' rare misses differ.
            let all = SearchParams {
                nprobe: usize::MAX,
                refine: 1000,
                exact_rerank: Some(&f.data),
                ..Default::default()
            };
            let exact = f.reader.search(q, &all, None).unwrap();
            exhaustive += recall(&exact, &want);
            for (row, dist) in exact {
                let x = &f.data[row as usize * f.dim..][..f.dim];
                let d = lakeseek_segment::vector::distance::distance(metric, q, x);
                assert!((dist - d).abs() <= 1e-6 * (1.0 + d.abs()));
            }
        }
        let (recall, exhaustive) = (total / 50.0, exhaustive / 50.0);
        println!("{metric:?}: recall@10 {recall:.3}, exhaustive with exact rerank {exhaustive:.3}");
        assert!(recall >= 0.9, "{metric:?}: recall {recall}");
        assert!(
            exhaustive >= 0.99,
            "{metric:?}: exhaustive recall {exhaustive}"
        );
    }
}

#[test]
fn probing_the_models_ranked_clusters_equals_probing_by_nprobe() {
    for metric in [Metric::L2, Metric::Cosine, Metric::Dot] {
        let f = fixture(metric, 3000, 48);
        for q in f.queries.chunks_exact(f.dim).take(20) {
            let distances = f.model.centroid_distances(q).unwrap();
            for n in [1, 5, 20] {
                let ranked = nearest_clusters(&distances, n);
                assert_eq!(ranked.len(), n);
                let by_nprobe = SearchParams {
                    nprobe: n,
                    ..Default::default()
                };
                let by_list = SearchParams {
                    clusters: Some(&ranked),
                    ..Default::default()
                };
                let want = f.reader.search(q, &by_nprobe, None).unwrap();
                let got = f.reader.search(q, &by_list, None).unwrap();
                assert_eq!(got, want, "{metric:?} n={n}");
            }
        }
        // Ids the segment does not hold and repeats are skipped; an empty
        // list probes nothing.
        let q = &f.queries[..f.dim];
        let ranked = nearest_clusters(&f.model.centroid_distances(q).unwrap(), 3);
        let padded: Vec<u32> = [u32::MAX - 1]
            .iter()
            .chain(&ranked)
            .chain(&ranked)
            .copied()
            .collect();
        let plain = SearchParams {
            clusters: Some(&ranked),
            ..Default::default()
        };
        let noisy = SearchParams {
            clusters: Some(&padded),
            ..Default::default()
        };
        assert_eq!(
            f.reader.search(q, &noisy, None).unwrap(),
            f.reader.search(q, &plain, None).unwrap()
        );
        let none = SearchParams {
            clusters: Some(&[]),
            ..Default::default()
        };
        assert!(f.reader.search(q, &none, None).unwrap().is_empty());
    }
}

#[test]
fn int8_distances_are_close_to_exact() {
    let f = fixture(Metric::L2, 2000, 64);
    let q = &f.queries[..f.dim];
    let got = f
        .reader
        .search(
            q,
            &SearchParams {
                nprobe: 100,
                ..Default::default()
            },
            None,
        )
        .unwrap();
    for (row, dist) in got {
        let x = &f.data[row as usize * f.dim..][..f.dim];
        let exact: f32 = q.iter().zip(x).map(|(a, b)| (a - b) * (a - b)).sum();
        assert!(
            (dist - exact).abs() <= 1e-2 * exact.max(1.0),
            "{dist} vs {exact}"
        );
    }
}

#[test]
fn filter_is_respected() {
    let f = fixture(Metric::L2, 2000, 32);
    let filter: RoaringBitmap = (0..2000u32).filter(|r| r.is_multiple_of(7)).collect();
    for q in f.queries.chunks_exact(f.dim).take(10) {
        let got = f
            .reader
            .search(
                q,
                &SearchParams {
                    nprobe: 1000,
                    refine: 100,
                    ..Default::default()
                },
                Some(&filter),
            )
            .unwrap();
        let want = exact_search(Metric::L2, q, &f.data, f.dim, 10, Some(&filter)).unwrap();
        assert!(got.iter().all(|h| h.0.is_multiple_of(7)));
        assert!(recall(&got, &want) >= 0.9);
    }
    let empty = RoaringBitmap::new();
    assert!(f
        .reader
        .search(&f.queries[..f.dim], &SearchParams::default(), Some(&empty))
        .unwrap()
        .is_empty());
}

#[test]
fn row_ids_and_summary() {
    let dim = 16;
    let data = clustered(3, 500, dim);
    let model = VectorModel::train(Metric::L2, dim, &data, 8, 1).unwrap();
    let ids: Vec<u32> = (0..500).map(|i| 1_000_000 + 3 * i).collect();
    let built = VectorIndexBuilder::build(&model, &data, dim, Some(&ids)).unwrap();
    let reader = VectorIndexReader::open(Bytes::from(built.section.clone())).unwrap();
    assert_eq!(reader.summary(), built.summary);
    let s = &built.summary;
    assert_eq!(
        (s.rows, s.dim, s.metric, s.model_fingerprint),
        (500, 16, Metric::L2, model.fingerprint())
    );
    assert_eq!(s.clusters.iter().map(|c| c.rows).sum::<u32>(), 500);
    assert!(s.clusters.windows(2).all(|w| w[0].cluster < w[1].cluster));
    // Every row is found, under its own id.
    let q = &data[..dim];
    let hits = reader
        .search(
            q,
            &SearchParams {
                k: 500,
                nprobe: 8,
                refine: 1,
                exact_rerank: None,
                clusters: None,
            },
            None,
        )
        .unwrap();
    assert_eq!(hits[0].0, 1_000_000);
    let mut found: Vec<u32> = hits.iter().map(|h| h.0).collect();
    found.sort_unstable();
    assert_eq!(found, ids);
    let json = serde_json::to_string(s).unwrap();
    assert_eq!(
        serde_json::from_str::<lakeseek_segment::vector::VectorSegmentSummary>(&json).unwrap(),
        *s
    );
}

#[test]
fn summary_bounds_never_exceed_a_true_distance() {
    use lakeseek_segment::vector::distance;
    let dim = 16;
    let data = clustered(8, 600, dim);
    for metric in [Metric::L2, Metric::Cosine, Metric::Dot] {
        let model = VectorModel::train(metric, dim, &data, 8, 1).unwrap();
        let summary = VectorIndexBuilder::build(&model, &data, dim, None)
            .unwrap()
            .summary;
        let bound_of = |cluster: usize| {
            summary
                .clusters
                .iter()
                .find(|c| c.cluster as usize == cluster)
                .unwrap()
        };
        for q in clustered(9, 5, dim).chunks_exact(dim) {
            let query_norm = distance::norm_sq(q).sqrt();
            let to_centroid = model.centroid_distances(q).unwrap();
            for x in data.chunks_exact(dim) {
                // The row's cluster, found as the builder finds it.
                let mut unit = x.to_vec();
                if metric == Metric::Cosine {
                    let n = distance::norm_sq(x).sqrt();
                    unit.iter_mut().for_each(|v| *v /= n);
                }
                let cluster = model
                    .centroids()
                    .chunks_exact(dim)
                    .map(|c| distance::l2_sq(&unit, c))
                    .enumerate()
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .unwrap()
                    .0;
                let bound = bound_of(cluster).lower_bound(metric, to_centroid[cluster], query_norm);
                let truth = distance::distance(metric, q, x);
                assert!(
                    bound <= truth + 1e-4 * (1.0 + truth.abs()),
                    "{metric:?}: {bound} > {truth}"
                );
            }
        }
    }
}

#[test]
fn model_round_trips_and_rejects_corruption() {
    let f = fixture(Metric::Cosine, 1000, 48);
    let bytes = f.model.to_bytes();
    let back = VectorModel::from_bytes(&bytes).unwrap();
    assert_eq!(back, f.model);
    assert_eq!(back.fingerprint(), f.model.fingerprint());
    for len in 0..bytes.len() {
        assert!(VectorModel::from_bytes(&bytes[..len]).is_err());
    }
    for at in (0..bytes.len()).step_by(7) {
        let mut bad = bytes.clone();
        bad[at] ^= 0x10;
        assert!(VectorModel::from_bytes(&bad).is_err(), "flip at {at}");
    }
}

#[test]
fn same_seed_same_model() {
    let data = clustered(4, 800, 24);
    let a = VectorModel::train(Metric::L2, 24, &data, 10, 99).unwrap();
    let b = VectorModel::train(Metric::L2, 24, &data, 10, 99).unwrap();
    assert_eq!(a.to_bytes(), b.to_bytes());
    assert_eq!(a.num_clusters(), 10);
}

#[test]
fn bad_input_is_a_typed_error() {
    let data = clustered(5, 300, 8);
    assert!(matches!(
        VectorModel::train(Metric::L2, 8, &[], 4, 0),
        Err(VectorError::Empty { .. })
    ));
    assert!(matches!(
        VectorModel::train(Metric::L2, 0, &[], 4, 0),
        Err(VectorError::ZeroDimension)
    ));
    assert!(matches!(
        VectorModel::train(Metric::L2, 8, &data, 0, 0),
        Err(VectorError::InvalidParameter {
            name: "num_clusters",
            ..
        })
    ));
    let mut nan = data.clone();
    nan[8 * 17 + 3] = f32::NAN;
    assert_eq!(
        VectorModel::train(Metric::L2, 8, &nan, 4, 0),
        Err(VectorError::NonFinite {
            what: "training sample",
            row: 17,
            component: 3
        })
    );
    // More clusters than rows: clamped.
    assert_eq!(
        VectorModel::train(Metric::L2, 8, &data[..8 * 3], 10, 0)
            .unwrap()
            .num_clusters(),
        3
    );

    let model = VectorModel::train(Metric::L2, 8, &data, 4, 0).unwrap();
    assert!(matches!(
        VectorIndexBuilder::build_section(&model, &data, 7),
        Err(VectorError::DimensionMismatch {
            what: "vectors",
            ..
        })
    ));
    assert!(matches!(
        VectorIndexBuilder::build_section(&model, &nan, 8),
        Err(VectorError::NonFinite {
            what: "vectors",
            row: 17,
            component: 3
        })
    ));
    assert!(matches!(
        VectorIndexBuilder::build_section(&model, &data[..5], 8),
        Err(VectorError::RaggedVectors { .. })
    ));

    let reader = VectorIndexReader::open(
        VectorIndexBuilder::build_section(&model, &data, 8)
            .unwrap()
            .into(),
    )
    .unwrap();
    let q = &data[..8];
    assert!(matches!(
        reader.search(&q[..7], &SearchParams::default(), None),
        Err(VectorError::DimensionMismatch { what: "query", .. })
    ));
    assert!(matches!(
        reader.search(&[f32::INFINITY; 8], &SearchParams::default(), None),
        Err(VectorError::NonFinite { what: "query", .. })
    ));
    assert!(matches!(
        reader.search(
            q,
            &SearchParams {
                nprobe: 0,
                ..Default::default()
            },
            None
        ),
        Err(VectorError::InvalidParameter { name: "nprobe", .. })
    ));
    assert!(matches!(
        reader.search(
            q,
            &SearchParams {
                refine: 0,
                ..Default::default()
            },
            None
        ),
        Err(VectorError::InvalidParameter { name: "refine", .. })
    ));
    assert!(reader
        .search(
            q,
            &SearchParams {
                k: 0,
                ..Default::default()
            },
            None
        )
        .unwrap()
        .is_empty());
    let short = &data[..8 * 10];
    assert!(matches!(
        reader.search(
            q,
            &SearchParams {
                exact_rerank: Some(short),
                ..Default::default()
            },
            None
        ),
        Err(VectorError::RowOutOfRange { .. })
    ));

    // An empty segment is a valid, empty section.
    let empty = VectorIndexReader::open(
        VectorIndexBuilder::build_section(&model, &[], 8)
            .unwrap()
            .into(),
    )
    .unwrap();
    assert_eq!((empty.rows(), empty.num_clusters()), (0, 0));
    assert!(empty
        .search(q, &SearchParams::default(), None)
        .unwrap()
        .is_empty());
}

/// A small Dot-metric section (70-d: padding) and its vectors, built once.
fn small_section() -> &'static (Vec<u8>, Vec<f32>) {
    static SECTION: std::sync::OnceLock<(Vec<u8>, Vec<f32>)> = std::sync::OnceLock::new();
    SECTION.get_or_init(|| {
        let dim = 70;
        let data = clustered(6, 200, dim);
        let model = VectorModel::train(Metric::Dot, dim, &data, 6, 3).unwrap();
        (
            VectorIndexBuilder::build_section(&model, &data, dim).unwrap(),
            data,
        )
    })
}

#[test]
fn every_truncation_is_an_error() {
    let (section, _) = small_section();
    for len in 0..section.len() {
        let err = VectorIndexReader::open(Bytes::copy_from_slice(&section[..len])).unwrap_err();
        assert!(matches!(err, VectorError::Corrupt { .. }), "{len}: {err}");
    }
    let mut longer = section.clone();
    longer.push(0);
    assert!(VectorIndexReader::open(Bytes::from(longer)).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Corrupt bytes either fail to open or open into something that
    /// searches without panicking.
    #[test]
    fn corruption_never_panics(flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..6),
                               cut in any::<prop::sample::Index>(), truncate in any::<bool>()) {
        let (section, data) = small_section();
        let mut bytes = section.clone();
        for (at, x) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= x;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        if let Ok(reader) = VectorIndexReader::open(Bytes::from(bytes)) {
            for q in data.chunks_exact(70).take(3) {
                let _ = reader.search(q, &SearchParams { k: 20, nprobe: 100, ..Default::default() }, None);
                let _ = reader.search(q, &SearchParams { exact_rerank: Some(data), ..Default::default() }, None);
            }
            let _ = reader.summary();
        }
    }
}
