//! AVX-512 kernels (512-bit; the bit scan uses VPOPCNTDQ).
//!
//! Every public function here is a safe wrapper around a
//! `#[target_feature]` function. The wrappers are `pub(super)` and reached
//! only through the kernel table that `simd/mod.rs` hands out after
//! `is_x86_feature_detected!` confirmed `avx512f` and `avx512bw` (and
//! `avx512vpopcntdq` for the bit scan); that check is what makes each call
//! sound.
#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::{scalar, BLOCK_LANES, QUERY_BITS};

const F32_LANES: usize = 16;
const UNROLL: usize = 2 * F32_LANES;

#[target_feature(enable = "avx512f")]
fn load(chunk: &[f32]) -> __m512 {
    assert!(chunk.len() >= F32_LANES);
    // SAFETY: the assertion above guarantees 16 readable floats at the
    // pointer; `loadu` has no alignment requirement.
    unsafe { _mm512_loadu_ps(chunk.as_ptr()) }
}

/// The first `tail.len()` (< 16) floats of `tail`, zeros in the other lanes.
#[target_feature(enable = "avx512f")]
fn load_tail(tail: &[f32]) -> __m512 {
    assert!(tail.len() < F32_LANES);
    let mask: __mmask16 = (1u16 << tail.len()) - 1;
    // SAFETY: only the lanes set in `mask` are read, and those lie inside
    // `tail`; masked-off lanes are neither read nor fault.
    unsafe { _mm512_maskz_loadu_ps(mask, tail.as_ptr()) }
}

#[target_feature(enable = "avx512f")]
fn dot_impl(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let body = n - n % UNROLL;
    let mut acc0 = _mm512_setzero_ps();
    let mut acc1 = _mm512_setzero_ps();
    for (x, y) in a[..body]
        .chunks_exact(UNROLL)
        .zip(b[..body].chunks_exact(UNROLL))
    {
        acc0 = _mm512_fmadd_ps(load(x), load(y), acc0);
        acc1 = _mm512_fmadd_ps(load(&x[F32_LANES..]), load(&y[F32_LANES..]), acc1);
    }
    let mut at = body;
    if n - at >= F32_LANES {
        acc0 = _mm512_fmadd_ps(load(&a[at..n]), load(&b[at..n]), acc0);
        at += F32_LANES;
    }
    acc1 = _mm512_fmadd_ps(load_tail(&a[at..n]), load_tail(&b[at..n]), acc1);
    _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1))
}

#[target_feature(enable = "avx512f")]
fn l2_sq_impl(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let body = n - n % UNROLL;
    let mut acc0 = _mm512_setzero_ps();
    let mut acc1 = _mm512_setzero_ps();
    for (x, y) in a[..body]
        .chunks_exact(UNROLL)
        .zip(b[..body].chunks_exact(UNROLL))
    {
        let d0 = _mm512_sub_ps(load(x), load(y));
        let d1 = _mm512_sub_ps(load(&x[F32_LANES..]), load(&y[F32_LANES..]));
        acc0 = _mm512_fmadd_ps(d0, d0, acc0);
        acc1 = _mm512_fmadd_ps(d1, d1, acc1);
    }
    let mut at = body;
    if n - at >= F32_LANES {
        let d = _mm512_sub_ps(load(&a[at..n]), load(&b[at..n]));
        acc0 = _mm512_fmadd_ps(d, d, acc0);
        at += F32_LANES;
    }
    let d = _mm512_sub_ps(load_tail(&a[at..n]), load_tail(&b[at..n]));
    acc1 = _mm512_fmadd_ps(d, d, acc1);
    _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1))
}

#[target_feature(enable = "avx512f")]
fn dot_i8_impl(q: &[f32], codes: &[u8]) -> f32 {
    let n = q.len().min(codes.len());
    let body = n - n % UNROLL;
    let mut acc0 = _mm512_setzero_ps();
    let mut acc1 = _mm512_setzero_ps();
    for (x, c) in q[..body]
        .chunks_exact(UNROLL)
        .zip(codes[..body].chunks_exact(UNROLL))
    {
        // SAFETY: `c` holds exactly 32 bytes; the two loads read bytes
        // 0..16 and 16..32 without alignment requirement.
        let (b0, b1) = unsafe {
            (
                _mm_loadu_si128(c.as_ptr().cast()),
                _mm_loadu_si128(c[F32_LANES..].as_ptr().cast()),
            )
        };
        let f0 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(b0));
        let f1 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(b1));
        acc0 = _mm512_fmadd_ps(load(x), f0, acc0);
        acc1 = _mm512_fmadd_ps(load(&x[F32_LANES..]), f1, acc1);
    }
    _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1)) + scalar::dot_i8(&q[body..n], &codes[body..n])
}

#[target_feature(enable = "avx512f,avx512vpopcntdq")]
fn bit_scan_impl(
    codes: &[u8],
    words: usize,
    planes: &[u64],
    ones: &mut [u32],
    weighted: &mut [u32],
) {
    debug_assert_eq!(BLOCK_LANES, 8);
    assert!(planes.len() >= QUERY_BITS * words);
    let block_bytes = words * BLOCK_LANES * 8;
    if block_bytes == 0 {
        return;
    }
    let blocks = codes.len() / block_bytes;
    assert!(ones.len() >= blocks * BLOCK_LANES && weighted.len() >= blocks * BLOCK_LANES);
    for (b, block) in codes.chunks_exact(block_bytes).enumerate() {
        let mut pc = _mm512_setzero_si512();
        let mut acc = [_mm512_setzero_si512(); QUERY_BITS];
        for (w, lanes) in block.chunks_exact(BLOCK_LANES * 8).enumerate() {
            // SAFETY: `lanes` holds exactly 64 bytes (one word of each of
            // the 8 lanes); `loadu` has no alignment requirement.
            let c = unsafe { _mm512_loadu_si512(lanes.as_ptr().cast()) };
            pc = _mm512_add_epi64(pc, _mm512_popcnt_epi64(c));
            for (j, acc_j) in acc.iter_mut().enumerate() {
                let p = _mm512_set1_epi64(planes[j * words + w] as i64);
                *acc_j = _mm512_add_epi64(*acc_j, _mm512_popcnt_epi64(_mm512_and_si512(c, p)));
            }
        }
        let sum = _mm512_add_epi64(
            _mm512_add_epi64(acc[0], _mm512_slli_epi64::<1>(acc[1])),
            _mm512_add_epi64(
                _mm512_slli_epi64::<2>(acc[2]),
                _mm512_slli_epi64::<3>(acc[3]),
            ),
        );
        let out = b * BLOCK_LANES..(b + 1) * BLOCK_LANES;
        let (ones, weighted) = (&mut ones[out.clone()], &mut weighted[out]);
        // SAFETY: both destinations are 8-element `u32` slices (32 bytes,
        // bounds checked by the indexing above); `storeu` has no alignment
        // requirement.
        unsafe {
            _mm256_storeu_si256(ones.as_mut_ptr().cast(), _mm512_cvtepi64_epi32(pc));
            _mm256_storeu_si256(weighted.as_mut_ptr().cast(), _mm512_cvtepi64_epi32(sum));
        }
    }
}

#[target_feature(enable = "avx512f,avx512bw")]
fn bit_planes_impl(levels: &[u8], planes: &mut [u64]) {
    let words = levels.len() / 64;
    assert!(planes.len() >= QUERY_BITS * words);
    for (w, chunk) in levels.chunks_exact(64).enumerate() {
        // SAFETY: `chunk` holds exactly 64 bytes; `loadu` has no alignment
        // requirement.
        let v = unsafe { _mm512_loadu_si512(chunk.as_ptr().cast()) };
        for j in 0..QUERY_BITS {
            planes[j * words + w] = _mm512_test_epi8_mask(v, _mm512_set1_epi8(1 << j));
        }
    }
}

#[target_feature(enable = "avx512f")]
fn min_max_impl(q: &[f32]) -> (f32, f32) {
    let mut lo = _mm512_set1_ps(f32::INFINITY);
    let mut hi = _mm512_set1_ps(f32::NEG_INFINITY);
    let body = q.len() - q.len() % F32_LANES;
    for chunk in q[..body].chunks_exact(F32_LANES) {
        let v = load(chunk);
        lo = _mm512_min_ps(lo, v);
        hi = _mm512_max_ps(hi, v);
    }
    let (lo, hi) = (_mm512_reduce_min_ps(lo), _mm512_reduce_max_ps(hi));
    q[body..]
        .iter()
        .fold((lo, hi), |(l, h), &v| (l.min(v), h.max(v)))
}

#[target_feature(enable = "avx512f")]
fn levels_impl(q: &[f32], lo: f32, inv: f32, max_level: u8, levels: &mut [u8]) -> u32 {
    let n = q.len().min(levels.len());
    let body = n - n % F32_LANES;
    let (vlo, vinv, half) = (_mm512_set1_ps(lo), _mm512_set1_ps(inv), _mm512_set1_ps(0.5));
    let vmax = _mm512_set1_epi32(i32::from(max_level));
    let mut sum = _mm512_setzero_si512();
    for (chunk, out) in q[..body]
        .chunks_exact(F32_LANES)
        .zip(levels[..body].chunks_exact_mut(F32_LANES))
    {
        let t = _mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(load(chunk), vlo), vinv), half);
        // Truncation; values are >= 0 here, as in the scalar `as u32`.
        let u = _mm512_min_epi32(
            _mm512_max_epi32(_mm512_cvttps_epi32(t), _mm512_setzero_si512()),
            vmax,
        );
        sum = _mm512_add_epi32(sum, u);
        // SAFETY: `out` holds exactly 16 bytes, the width of the store;
        // `storeu` has no alignment requirement.
        unsafe { _mm_storeu_si128(out.as_mut_ptr().cast(), _mm512_cvtepi32_epi8(u)) };
    }
    _mm512_reduce_add_epi32(sum) as u32
        + scalar::levels(&q[body..n], lo, inv, max_level, &mut levels[body..n])
}

#[target_feature(enable = "avx512f")]
fn fwht_impl(x: &mut [f32]) {
    // The portable code, vectorized by the compiler for this target.
    scalar::fwht(x)
}

pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: reached only through the AVX-512 kernel table, built after
    // avx512f was detected (module docs).
    unsafe { dot_impl(a, b) }
}

pub(super) fn l2_sq(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: as in `dot`.
    unsafe { l2_sq_impl(a, b) }
}

pub(super) fn dot_i8(q: &[f32], codes: &[u8]) -> f32 {
    // SAFETY: as in `dot`.
    unsafe { dot_i8_impl(q, codes) }
}

pub(super) fn bit_scan(
    codes: &[u8],
    words: usize,
    planes: &[u64],
    ones: &mut [u32],
    weighted: &mut [u32],
) {
    // SAFETY: reached only through a kernel table built after avx512f and
    // avx512vpopcntdq were detected (module docs).
    unsafe { bit_scan_impl(codes, words, planes, ones, weighted) }
}

pub(super) fn bit_planes(levels: &[u8], planes: &mut [u64]) {
    // SAFETY: reached only through a kernel table built after avx512f and
    // avx512bw were detected (module docs).
    unsafe { bit_planes_impl(levels, planes) }
}

pub(super) fn min_max(q: &[f32]) -> (f32, f32) {
    // SAFETY: as in `dot`.
    unsafe { min_max_impl(q) }
}

pub(super) fn levels(q: &[f32], lo: f32, inv: f32, max_level: u8, levels: &mut [u8]) -> u32 {
    // SAFETY: as in `dot`.
    unsafe { levels_impl(q, lo, inv, max_level, levels) }
}

pub(super) fn fwht(x: &mut [f32]) {
    // SAFETY: as in `dot`.
    unsafe { fwht_impl(x) }
}
