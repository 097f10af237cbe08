//! Portable kernels: the reference every instruction-set variant is tested
//! against, and the fallback on CPUs without AVX2.
//!
//! Sums use eight independent accumulators so the compiler can keep them in
//! vector registers; the order of additions therefore differs from a naive
//! loop, and callers compare against these results with a relative tolerance.

use super::{BLOCK_LANES, QUERY_BITS};

const ACC: usize = 8;

/// Inner product of two equally long slices.
pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0.0f32; ACC];
    let (a_body, a_tail) = a.split_at(a.len() - a.len() % ACC);
    let (b_body, b_tail) = b.split_at(a_body.len());
    for (x, y) in a_body.chunks_exact(ACC).zip(b_body.chunks_exact(ACC)) {
        for i in 0..ACC {
            acc[i] += x[i] * y[i];
        }
    }
    let mut sum: f32 = acc.iter().sum();
    for (x, y) in a_tail.iter().zip(b_tail) {
        sum += x * y;
    }
    sum
}

/// Squared euclidean distance of two equally long slices.
pub(super) fn l2_sq(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0.0f32; ACC];
    let (a_body, a_tail) = a.split_at(a.len() - a.len() % ACC);
    let (b_body, b_tail) = b.split_at(a_body.len());
    for (x, y) in a_body.chunks_exact(ACC).zip(b_body.chunks_exact(ACC)) {
        for i in 0..ACC {
            let d = x[i] - y[i];
            acc[i] += d * d;
        }
    }
    let mut sum: f32 = acc.iter().sum();
    for (x, y) in a_tail.iter().zip(b_tail) {
        let d = x - y;
        sum += d * d;
    }
    sum
}

/// Inner product of `q` with `codes` read as two's-complement `i8`.
pub(super) fn dot_i8(q: &[f32], codes: &[u8]) -> f32 {
    debug_assert_eq!(q.len(), codes.len());
    let mut acc = [0.0f32; ACC];
    let (q_body, q_tail) = q.split_at(q.len() - q.len() % ACC);
    let (c_body, c_tail) = codes.split_at(q_body.len());
    for (x, c) in q_body.chunks_exact(ACC).zip(c_body.chunks_exact(ACC)) {
        for i in 0..ACC {
            acc[i] += x[i] * f32::from(c[i] as i8);
        }
    }
    let mut sum: f32 = acc.iter().sum();
    for (x, c) in q_tail.iter().zip(c_tail) {
        sum += x * f32::from(*c as i8);
    }
    sum
}

/// Bit-plane scan of blocks of [`BLOCK_LANES`] binary codes.
///
/// `codes` holds whole blocks; in a block, word `w` of lane `l` is the
/// little-endian `u64` at byte `(w * BLOCK_LANES + l) * 8`. `planes` holds
/// [`QUERY_BITS`] planes of `words` words each. For every lane, writes the
/// popcount of the code to `ones` and `sum_j 2^j * popcount(code & plane_j)`
/// to `weighted`; both outputs hold `BLOCK_LANES` entries per block.
// Always inlined so the AVX2 table's copy is compiled with `popcnt`.
#[inline(always)]
pub(super) fn bit_scan(
    codes: &[u8],
    words: usize,
    planes: &[u64],
    ones: &mut [u32],
    weighted: &mut [u32],
) {
    let block_bytes = words * BLOCK_LANES * 8;
    debug_assert_eq!(planes.len(), words * QUERY_BITS);
    for (b, block) in codes.chunks_exact(block_bytes).enumerate() {
        let mut pc = [0u32; BLOCK_LANES];
        let mut acc = [0u32; BLOCK_LANES];
        for w in 0..words {
            for (l, (pc_l, acc_l)) in pc.iter_mut().zip(acc.iter_mut()).enumerate() {
                let at = (w * BLOCK_LANES + l) * 8;
                let word = u64::from_le_bytes(block[at..at + 8].try_into().expect("8 bytes"));
                *pc_l += word.count_ones();
                for j in 0..QUERY_BITS {
                    *acc_l += (word & planes[j * words + w]).count_ones() << j;
                }
            }
        }
        ones[b * BLOCK_LANES..(b + 1) * BLOCK_LANES].copy_from_slice(&pc);
        weighted[b * BLOCK_LANES..(b + 1) * BLOCK_LANES].copy_from_slice(&acc);
    }
}

/// Splits query levels (`0..2^QUERY_BITS`, one byte per component, a
/// multiple of 64 components) into [`QUERY_BITS`] bit planes: bit `i % 64`
/// of word `j * words + i / 64` is bit `j` of `levels[i]`.
pub(super) fn bit_planes(levels: &[u8], planes: &mut [u64]) {
    const LOW_BITS: u64 = 0x0101_0101_0101_0101;
    // Gathers the low bit of each of the 8 bytes into the top byte.
    const GATHER: u64 = 0x0102_0408_1020_4080;
    let words = levels.len() / 64;
    debug_assert_eq!(planes.len(), QUERY_BITS * words);
    for (w, chunk) in levels.chunks_exact(64).enumerate() {
        for j in 0..QUERY_BITS {
            let mut word = 0u64;
            for (b, bytes) in chunk.chunks_exact(8).enumerate() {
                let x = u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
                let bits = ((x >> j) & LOW_BITS).wrapping_mul(GATHER) >> 56;
                word |= bits << (8 * b);
            }
            planes[j * words + w] = word;
        }
    }
}

/// Smallest and largest value of `q` (`(inf, -inf)` when empty).
#[inline(always)]
pub(super) fn min_max(q: &[f32]) -> (f32, f32) {
    const LANES: usize = 16;
    let mut lo = [f32::INFINITY; LANES];
    let mut hi = [f32::NEG_INFINITY; LANES];
    let body = q.len() - q.len() % LANES;
    for chunk in q[..body].chunks_exact(LANES) {
        for i in 0..LANES {
            lo[i] = if chunk[i] < lo[i] { chunk[i] } else { lo[i] };
            hi[i] = if chunk[i] > hi[i] { chunk[i] } else { hi[i] };
        }
    }
    let lo = lo
        .iter()
        .chain(&q[body..])
        .fold(f32::INFINITY, |a, &b| a.min(b));
    let hi = hi
        .iter()
        .chain(&q[body..])
        .fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    (lo, hi)
}

/// Writes `min(trunc((q_i - lo) * inv + 0.5), max_level)` to `levels` and
/// returns their sum. Every table computes the same levels (a subtraction,
/// a multiplication and an addition, each rounded, then truncation) as long
/// as `(q_i - lo) * inv` lies in `[0, 2^31)`.
#[inline(always)]
pub(super) fn levels(q: &[f32], lo: f32, inv: f32, max_level: u8, levels: &mut [u8]) -> u32 {
    let mut sum = 0u32;
    for (u, &v) in levels.iter_mut().zip(q) {
        let t = (v - lo) * inv + 0.5;
        *u = (t as u32).min(u32::from(max_level)) as u8;
        sum += u32::from(*u);
    }
    sum
}

/// In-place unnormalized Walsh–Hadamard transform; `x.len()` is a power of
/// two of at least 8.
#[inline(always)]
pub(super) fn fwht(x: &mut [f32]) {
    // The first three levels inside each group of 8, in registers.
    for c in x.chunks_exact_mut(8) {
        let mut v = [c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]];
        for half in [1, 2, 4] {
            let mut out = [0.0f32; 8];
            for i in 0..8 {
                out[i] = if i & half == 0 {
                    v[i] + v[i + half]
                } else {
                    v[i - half] - v[i]
                };
            }
            v = out;
        }
        c.copy_from_slice(&v);
    }
    let mut half = 8;
    while half < x.len() {
        for pair in x.chunks_exact_mut(2 * half) {
            let (a, b) = pair.split_at_mut(half);
            for (u, v) in a.iter_mut().zip(b.iter_mut()) {
                let (s, d) = (*u + *v, *u - *v);
                *u = s;
                *v = d;
            }
        }
        half *= 2;
    }
}
