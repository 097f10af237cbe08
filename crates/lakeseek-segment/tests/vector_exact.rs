//! `exact_search` against a brute-force reference: order, ties, filters, errors.

use lakeseek_segment::vector::{exact_search, Metric, VectorError};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use roaring::RoaringBitmap;

/// Reference distances in f64, sorted by (distance, row).
fn brute_force(
    metric: Metric,
    q: &[f32],
    data: &[f32],
    dim: usize,
    allowed: impl Fn(u32) -> bool,
) -> Vec<(u32, f64)> {
    let dot = |a: &[f32], b: &[f32]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| f64::from(*x) * f64::from(*y))
            .sum::<f64>()
    };
    let mut all: Vec<(u32, f64)> = data
        .chunks_exact(dim)
        .enumerate()
        .filter(|(i, _)| allowed(*i as u32))
        .map(|(i, x)| {
            let d = match metric {
                Metric::L2 => q
                    .iter()
                    .zip(x)
                    .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
                    .sum(),
                Metric::Dot => -dot(q, x),
                Metric::Cosine => {
                    let denom = (dot(q, q) * dot(x, x)).sqrt();
                    if denom > 0.0 {
                        1.0 - dot(q, x) / denom
                    } else {
                        1.0
                    }
                }
            };
            // -0.0 and 0.0 are one distance (ties go by row id).
            (i as u32, d + 0.0)
        })
        .collect();
    all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    all
}

fn random_data(seed: u64, n: usize, dim: usize) -> (Vec<f32>, Vec<f32>) {
    let mut rng = StdRng::seed_from_u64(seed);
    // Few distinct values so exact ties are common.
    let data = (0..n * dim)
        .map(|_| rng.random_range(-2i8..=2) as f32)
        .collect();
    let q = (0..dim)
        .map(|_| rng.random_range(-2i8..=2) as f32)
        .collect();
    (data, q)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn matches_brute_force(seed in any::<u64>(), n in 0usize..300, dim in 1usize..20, k in 0usize..40,
                           metric in prop::sample::select(vec![Metric::L2, Metric::Dot, Metric::Cosine]),
                           filtered in any::<bool>()) {
        let (data, q) = random_data(seed, n, dim);
        let filter: RoaringBitmap = (0..n as u32 + 10).filter(|r| r % 3 != 1).collect();
        let got = exact_search(metric, &q, &data, dim, k, filtered.then_some(&filter)).unwrap();
        let want = brute_force(metric, &q, &data, dim, |r| !filtered || filter.contains(r));
        prop_assert_eq!(got.len(), k.min(want.len()));
        for (g, w) in got.iter().zip(&want) {
            // Small integer data: every metric but cosine is exact in f32, so
            // rows match one for one (ties broken by row id).
            if metric != Metric::Cosine {
                prop_assert_eq!(g.0, w.0);
            }
            prop_assert!((f64::from(g.1) - w.1).abs() <= 1e-5 * (1.0 + w.1.abs()), "{:?} vs {:?}", g, w);
        }
    }
}

#[test]
fn ties_are_broken_by_row_id() {
    let data = [1.0, 0.0, 5.0, 5.0, 1.0, 0.0, 1.0, 0.0];
    let got = exact_search(Metric::L2, &[1.0, 0.0], &data, 2, 3, None).unwrap();
    assert_eq!(got, vec![(0, 0.0), (2, 0.0), (3, 0.0)]);
    let got = exact_search(Metric::L2, &[1.0, 0.0], &data, 2, 2, None).unwrap();
    assert_eq!(got, vec![(0, 0.0), (2, 0.0)]);
}

#[test]
fn filter_is_respected() {
    let data: Vec<f32> = (0..100).map(|i| i as f32).collect();
    let filter: RoaringBitmap = [5u32, 50, 77, 1000].into_iter().collect();
    let got = exact_search(Metric::L2, &[49.0], &data, 1, 10, Some(&filter)).unwrap();
    assert_eq!(got, vec![(50, 1.0), (77, 784.0), (5, 1936.0)]);
    let empty = RoaringBitmap::new();
    assert!(
        exact_search(Metric::L2, &[49.0], &data, 1, 10, Some(&empty))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    let data = [1.0, 2.0, 3.0, 4.0];
    assert_eq!(
        exact_search(Metric::L2, &[1.0], &data, 2, 1, None),
        Err(VectorError::DimensionMismatch {
            what: "query",
            expected: 2,
            found: 1
        })
    );
    assert!(matches!(
        exact_search(Metric::L2, &[1.0, f32::NAN], &data, 2, 1, None),
        Err(VectorError::NonFinite {
            what: "query",
            row: 0,
            component: 1
        })
    ));
    assert!(matches!(
        exact_search(
            Metric::Cosine,
            &[1.0, 1.0],
            &[1.0, 2.0, f32::INFINITY, 0.0],
            2,
            1,
            None
        ),
        Err(VectorError::NonFinite {
            what: "vectors",
            row: 1,
            component: 0
        })
    ));
    assert!(matches!(
        exact_search(Metric::Dot, &[1.0, 1.0], &data[..3], 2, 1, None),
        Err(VectorError::RaggedVectors { .. })
    ));
    assert_eq!(
        exact_search(Metric::Dot, &[], &[], 0, 1, None),
        Err(VectorError::ZeroDimension)
    );
    assert!(exact_search(Metric::Dot, &[1.0, 1.0], &[], 2, 5, None)
        .unwrap()
        .is_empty());
}
