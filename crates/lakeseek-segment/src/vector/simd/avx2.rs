//! AVX2 + FMA kernels (256-bit), with hardware `popcnt` for the bit scan.
//!
//! Every public function here is a safe wrapper around a
//! `#[target_feature]` function. The wrappers are `pub(super)` and reached
//! only through the kernel table that `simd/mod.rs` hands out after
//! `is_x86_feature_detected!` confirmed `avx2`, `fma` and `popcnt`; that
//! check is what makes each call sound.
#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::{scalar, QUERY_BITS};

const F32_LANES: usize = 8;
const UNROLL: usize = 4 * F32_LANES;

/// Sum of the eight lanes.
#[target_feature(enable = "avx2,fma")]
fn hsum(v: __m256) -> f32 {
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ss(s, _mm_shuffle_ps::<1>(s, s));
    _mm_cvtss_f32(s)
}

#[target_feature(enable = "avx2,fma")]
fn load(chunk: &[f32]) -> __m256 {
    assert!(chunk.len() >= F32_LANES);
    // SAFETY: the assertion above guarantees 8 readable floats at the
    // pointer; `loadu` has no alignment requirement.
    unsafe { _mm256_loadu_ps(chunk.as_ptr()) }
}

#[target_feature(enable = "avx2,fma")]
fn dot_impl(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let body = n - n % UNROLL;
    let mut acc = [_mm256_setzero_ps(); 4];
    for (x, y) in a[..body]
        .chunks_exact(UNROLL)
        .zip(b[..body].chunks_exact(UNROLL))
    {
        for (u, acc_u) in acc.iter_mut().enumerate() {
            let at = u * F32_LANES;
            *acc_u = _mm256_fmadd_ps(load(&x[at..]), load(&y[at..]), *acc_u);
        }
    }
    let mut sum = hsum(_mm256_add_ps(
        _mm256_add_ps(acc[0], acc[1]),
        _mm256_add_ps(acc[2], acc[3]),
    ));
    sum += scalar::dot(&a[body..n], &b[body..n]);
    sum
}

#[target_feature(enable = "avx2,fma")]
fn l2_sq_impl(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let body = n - n % UNROLL;
    let mut acc = [_mm256_setzero_ps(); 4];
    for (x, y) in a[..body]
        .chunks_exact(UNROLL)
        .zip(b[..body].chunks_exact(UNROLL))
    {
        for (u, acc_u) in acc.iter_mut().enumerate() {
            let at = u * F32_LANES;
            let d = _mm256_sub_ps(load(&x[at..]), load(&y[at..]));
            *acc_u = _mm256_fmadd_ps(d, d, *acc_u);
        }
    }
    let mut sum = hsum(_mm256_add_ps(
        _mm256_add_ps(acc[0], acc[1]),
        _mm256_add_ps(acc[2], acc[3]),
    ));
    sum += scalar::l2_sq(&a[body..n], &b[body..n]);
    sum
}

#[target_feature(enable = "avx2,fma")]
fn dot_i8_impl(q: &[f32], codes: &[u8]) -> f32 {
    let n = q.len().min(codes.len());
    let body = n - n % (2 * F32_LANES);
    let mut acc = [_mm256_setzero_ps(); 2];
    for (x, c) in q[..body]
        .chunks_exact(2 * F32_LANES)
        .zip(codes[..body].chunks_exact(2 * F32_LANES))
    {
        // SAFETY: `c` holds exactly 16 bytes; the load reads all 16 of them
        // without alignment requirement.
        let bytes = unsafe { _mm_loadu_si128(c.as_ptr().cast()) };
        let lo = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes));
        let hi = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128::<8>(bytes)));
        acc[0] = _mm256_fmadd_ps(load(x), lo, acc[0]);
        acc[1] = _mm256_fmadd_ps(load(&x[F32_LANES..]), hi, acc[1]);
    }
    let mut sum = hsum(_mm256_add_ps(acc[0], acc[1]));
    sum += scalar::dot_i8(&q[body..n], &codes[body..n]);
    sum
}

#[target_feature(enable = "avx2,popcnt")]
fn bit_scan_impl(
    codes: &[u8],
    words: usize,
    planes: &[u64],
    ones: &mut [u32],
    weighted: &mut [u32],
) {
    // The portable loop, compiled here with the `popcnt` instruction.
    scalar::bit_scan(codes, words, planes, ones, weighted);
}

#[target_feature(enable = "avx2")]
fn bit_planes_impl(levels: &[u8], planes: &mut [u64]) {
    let words = levels.len() / 64;
    assert!(planes.len() >= QUERY_BITS * words);
    for (w, chunk) in levels.chunks_exact(64).enumerate() {
        // SAFETY: `chunk` holds exactly 64 bytes; each load reads 32 of
        // them without alignment requirement.
        let (lo, hi) = unsafe {
            (
                _mm256_loadu_si256(chunk.as_ptr().cast()),
                _mm256_loadu_si256(chunk[32..].as_ptr().cast()),
            )
        };
        for j in 0..QUERY_BITS {
            // Moves bit j of every byte to its top bit, which movemask
            // collects (the 16-bit shift never carries into a byte's top bit).
            let shift = _mm_cvtsi32_si128(7 - j as i32);
            let lo_bits = _mm256_movemask_epi8(_mm256_sll_epi16(lo, shift)) as u32;
            let hi_bits = _mm256_movemask_epi8(_mm256_sll_epi16(hi, shift)) as u32;
            planes[j * words + w] = u64::from(lo_bits) | (u64::from(hi_bits) << 32);
        }
    }
}

#[target_feature(enable = "avx2,fma")]
fn min_max_impl(q: &[f32]) -> (f32, f32) {
    // The portable loop, vectorized by the compiler for AVX2.
    scalar::min_max(q)
}

#[target_feature(enable = "avx2,fma")]
fn levels_impl(q: &[f32], lo: f32, inv: f32, max_level: u8, levels: &mut [u8]) -> u32 {
    scalar::levels(q, lo, inv, max_level, levels)
}

#[target_feature(enable = "avx2,fma")]
fn fwht_impl(x: &mut [f32]) {
    // The portable code, vectorized by the compiler for this target.
    scalar::fwht(x)
}

pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: reached only through the AVX2 kernel table, built after
    // avx2 and fma were detected (module docs).
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
    // SAFETY: as in `dot`; the table also requires popcnt.
    unsafe { bit_scan_impl(codes, words, planes, ones, weighted) }
}

pub(super) fn bit_planes(levels: &[u8], planes: &mut [u64]) {
    // SAFETY: as in `dot`.
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
