//! Every SIMD kernel table agrees with the scalar reference.

use lakeseek_segment::vector::distance;
use lakeseek_segment::vector::simd::{Isa, Kernels, BLOCK_LANES, QUERY_BITS};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn floats(rng: &mut StdRng, n: usize, scale: f32) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-scale..scale)).collect()
}

/// The tables this CPU supports, scalar first.
fn tables() -> Vec<&'static Kernels> {
    Isa::ALL
        .iter()
        .filter_map(|&isa| Kernels::for_isa(isa))
        .collect()
}

fn close(found: f32, expected: f32, magnitude: f32) -> bool {
    (found - expected).abs() <= 1e-5 * magnitude + 1e-6
}

#[test]
fn best_table_is_available() {
    let best = Kernels::best();
    assert_eq!(
        Kernels::for_isa(best.isa()).map(|k| k.isa()),
        Some(best.isa())
    );
    println!(
        "kernels: {:?}; all supported: {:?}",
        best.isa(),
        tables().iter().map(|k| k.isa()).collect::<Vec<_>>()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn float_kernels_match_scalar(len in 0usize..1100, offset in 0usize..4, seed in any::<u64>(), scale in prop::sample::select(vec![1e-3f32, 1.0, 1e3])) {
        let mut rng = StdRng::seed_from_u64(seed);
        // An offset into a larger buffer exercises unaligned starts.
        let a_buf = floats(&mut rng, len + offset, scale);
        let b_buf = floats(&mut rng, len + offset, scale);
        let (a, b) = (&a_buf[offset..], &b_buf[offset..]);
        let scalar = Kernels::for_isa(Isa::Scalar).unwrap();
        let magnitude_dot: f32 = a.iter().zip(b).map(|(x, y)| (x * y).abs()).sum();
        let magnitude_l2: f32 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
        let exact_dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
        prop_assert!(close(scalar.dot(a, b), exact_dot as f32, magnitude_dot));
        for k in tables() {
            prop_assert!(close(k.dot(a, b), scalar.dot(a, b), magnitude_dot), "{:?} dot", k.isa());
            prop_assert!(close(k.l2_sq(a, b), scalar.l2_sq(a, b), magnitude_l2), "{:?} l2", k.isa());
        }
        prop_assert!(close(distance::dot(a, b), scalar.dot(a, b), magnitude_dot));
        prop_assert!(close(distance::l2_sq(a, b), scalar.l2_sq(a, b), magnitude_l2));
    }

    #[test]
    fn int8_kernels_match_scalar(len in 0usize..1100, offset in 0usize..4, seed in any::<u64>()) {
        let mut rng = StdRng::seed_from_u64(seed);
        let q_buf = floats(&mut rng, len + offset, 1.0);
        let c_buf: Vec<u8> = (0..len + offset).map(|_| rng.random()).collect();
        let (q, c) = (&q_buf[offset..], &c_buf[offset..]);
        let scalar = Kernels::for_isa(Isa::Scalar).unwrap();
        let magnitude: f32 = q.iter().zip(c).map(|(x, &y)| (x * f32::from(y as i8)).abs()).sum();
        let exact: f64 = q.iter().zip(c).map(|(x, &y)| f64::from(*x) * f64::from(y as i8)).sum();
        prop_assert!(close(scalar.dot_i8(q, c), exact as f32, magnitude));
        for k in tables() {
            prop_assert!(close(k.dot_i8(q, c), scalar.dot_i8(q, c), magnitude), "{:?}", k.isa());
        }
    }

    #[test]
    fn bit_scan_matches_scalar(words in 1usize..20, blocks in 0usize..6, seed in any::<u64>()) {
        let mut rng = StdRng::seed_from_u64(seed);
        let codes: Vec<u8> = (0..blocks * BLOCK_LANES * words * 8).map(|_| rng.random()).collect();
        let planes: Vec<u64> = (0..QUERY_BITS * words).map(|_| rng.random()).collect();
        let slots = blocks * BLOCK_LANES;
        // Independent reference straight from the documented layout.
        let word = |b: usize, w: usize, l: usize| {
            let at = ((b * words + w) * BLOCK_LANES + l) * 8;
            u64::from_le_bytes(codes[at..at + 8].try_into().unwrap())
        };
        let mut ones_ref = vec![0u32; slots];
        let mut weighted_ref = vec![0u32; slots];
        for s in 0..slots {
            for w in 0..words {
                let x = word(s / BLOCK_LANES, w, s % BLOCK_LANES);
                ones_ref[s] += x.count_ones();
                for j in 0..QUERY_BITS {
                    weighted_ref[s] += (x & planes[j * words + w]).count_ones() << j;
                }
            }
        }
        for k in tables() {
            let mut ones = vec![u32::MAX; slots];
            let mut weighted = vec![u32::MAX; slots];
            k.bit_scan(&codes, words, &planes, &mut ones, &mut weighted);
            prop_assert_eq!(&ones, &ones_ref, "{:?}", k.isa());
            prop_assert_eq!(&weighted, &weighted_ref, "{:?}", k.isa());
        }
    }
}

proptest! {
    #[test]
    fn fwht_matches_the_hadamard_matrix(log in 3u32..11, seed in any::<u64>()) {
        let n = 1usize << log;
        let mut rng = StdRng::seed_from_u64(seed);
        let x = floats(&mut rng, n, 1.0);
        // H[i][j] = (-1)^popcount(i & j).
        let want: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| if (i & j).count_ones().is_multiple_of(2) { f64::from(x[j]) } else { -f64::from(x[j]) }).sum())
            .collect();
        for k in tables() {
            let mut got = x.clone();
            k.fwht(&mut got);
            for (g, w) in got.iter().zip(&want) {
                prop_assert!((f64::from(*g) - w).abs() <= 1e-4 * n as f64, "{:?}", k.isa());
            }
        }
    }

    #[test]
    fn quantization_kernels_match_scalar(len in 0usize..1100, seed in any::<u64>(), scale in prop::sample::select(vec![1e-3f32, 1.0, 1e3])) {
        let mut rng = StdRng::seed_from_u64(seed);
        let q = floats(&mut rng, len, scale);
        let scalar = Kernels::for_isa(Isa::Scalar).unwrap();
        let (lo, hi) = scalar.min_max(&q);
        let want = q.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
        prop_assert_eq!((lo, hi), want);
        let inv = if hi > lo { 15.0 / (hi - lo) } else { 0.0 };
        let mut want_levels = vec![0u8; len];
        let want_sum = scalar.levels(&q, lo, inv, 15, &mut want_levels);
        prop_assert!(want_levels.iter().all(|&u| u <= 15));
        prop_assert_eq!(want_sum, want_levels.iter().map(|&u| u32::from(u)).sum::<u32>());
        for k in tables() {
            prop_assert_eq!(k.min_max(&q), (lo, hi), "{:?}", k.isa());
            let mut levels = vec![99u8; len];
            prop_assert_eq!(k.levels(&q, lo, inv, 15, &mut levels), want_sum, "{:?}", k.isa());
            prop_assert_eq!(&levels, &want_levels, "{:?}", k.isa());
        }
    }

    #[test]
    fn bit_planes_match_reference(words in 1usize..20, seed in any::<u64>()) {
        let mut rng = StdRng::seed_from_u64(seed);
        let levels: Vec<u8> = (0..64 * words).map(|_| rng.random_range(0..1u8 << QUERY_BITS)).collect();
        let mut want = vec![0u64; QUERY_BITS * words];
        for (i, &u) in levels.iter().enumerate() {
            for (j, plane) in want.chunks_exact_mut(words).enumerate() {
                plane[i / 64] |= u64::from((u >> j) & 1) << (i % 64);
            }
        }
        for k in tables() {
            let mut got = vec![u64::MAX; QUERY_BITS * words];
            k.bit_planes(&levels, &mut got);
            prop_assert_eq!(&got, &want, "{:?}", k.isa());
        }
    }
}

#[test]
fn distance_functions_follow_their_metric() {
    use lakeseek_segment::vector::Metric;
    let a = [3.0, 4.0];
    let b = [4.0, 3.0];
    assert_eq!(distance::l2_sq(&a, &b), 2.0);
    assert_eq!(distance::norm_sq(&a), 25.0);
    assert_eq!(distance::distance(Metric::Dot, &a, &b), -24.0);
    assert!((distance::cosine_distance(&a, &b) - (1.0 - 24.0 / 25.0)).abs() < 1e-6);
    assert_eq!(distance::cosine_distance(&a, &[0.0, 0.0]), 1.0);
}

#[test]
#[should_panic(expected = "different lengths")]
fn mismatched_lengths_panic() {
    distance::dot(&[1.0, 2.0], &[1.0]);
}
