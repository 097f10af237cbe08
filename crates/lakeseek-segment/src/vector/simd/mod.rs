//! Distance and bit-scan kernels, one file per instruction set.
//!
//! [`Kernels::best`] picks, once per process, the fastest table the CPU
//! supports: AVX-512 (with VPOPCNTDQ for the bit scan when present), AVX2 +
//! FMA + POPCNT, or the portable scalar code. [`Kernels::for_isa`] returns a
//! specific table when the CPU supports it, so tests can run every variant
//! against the scalar reference. Results of different tables agree up to
//! floating-point reassociation; the integer bit scan agrees exactly.

mod scalar;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;

use std::sync::OnceLock;

/// Binary codes are scanned in blocks of this many vectors, interleaved by
/// 64-bit word (see `VECTOR_FORMAT.md`).
pub const BLOCK_LANES: usize = 8;
/// Bits per component of the quantized query in the bit scan.
pub const QUERY_BITS: usize = 4;

/// An instruction-set family with its own kernel table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Isa {
    /// Portable Rust; always available.
    Scalar,
    /// AVX2, FMA and POPCNT (x86-64).
    Avx2,
    /// AVX-512F and AVX-512BW, plus AVX-512 VPOPCNTDQ for the bit scan
    /// when present (otherwise the AVX2 bit scan is used).
    Avx512,
}

impl Isa {
    /// Every family, slowest first.
    pub const ALL: [Isa; 3] = [Isa::Scalar, Isa::Avx2, Isa::Avx512];
}

type DotFn = fn(&[f32], &[f32]) -> f32;
type DotI8Fn = fn(&[f32], &[u8]) -> f32;
type BitScanFn = fn(&[u8], usize, &[u64], &mut [u32], &mut [u32]);
type BitPlanesFn = fn(&[u8], &mut [u64]);
type MinMaxFn = fn(&[f32]) -> (f32, f32);
type LevelsFn = fn(&[f32], f32, f32, u8, &mut [u8]) -> u32;
type FwhtFn = fn(&mut [f32]);

/// A table of kernels for one instruction set. Only obtainable through
/// [`Kernels::best`] and [`Kernels::for_isa`], which check the CPU first.
#[derive(Debug)]
pub struct Kernels {
    isa: Isa,
    dot: DotFn,
    l2_sq: DotFn,
    dot_i8: DotI8Fn,
    bit_scan: BitScanFn,
    bit_planes: BitPlanesFn,
    min_max: MinMaxFn,
    levels: LevelsFn,
    fwht: FwhtFn,
}

static SCALAR: Kernels = Kernels {
    isa: Isa::Scalar,
    dot: scalar::dot,
    l2_sq: scalar::l2_sq,
    dot_i8: scalar::dot_i8,
    bit_scan: scalar::bit_scan,
    bit_planes: scalar::bit_planes,
    min_max: scalar::min_max,
    levels: scalar::levels,
    fwht: scalar::fwht,
};

#[cfg(target_arch = "x86_64")]
static AVX2: Kernels = Kernels {
    isa: Isa::Avx2,
    dot: avx2::dot,
    l2_sq: avx2::l2_sq,
    dot_i8: avx2::dot_i8,
    bit_scan: avx2::bit_scan,
    bit_planes: avx2::bit_planes,
    min_max: avx2::min_max,
    levels: avx2::levels,
    fwht: avx2::fwht,
};

#[cfg(target_arch = "x86_64")]
static AVX512: Kernels = Kernels {
    isa: Isa::Avx512,
    dot: avx512::dot,
    l2_sq: avx512::l2_sq,
    dot_i8: avx512::dot_i8,
    bit_scan: avx512::bit_scan,
    bit_planes: avx512::bit_planes,
    min_max: avx512::min_max,
    levels: avx512::levels,
    fwht: avx512::fwht,
};

#[cfg(target_arch = "x86_64")]
static AVX512_NO_VPOPCNT: Kernels = Kernels {
    isa: Isa::Avx512,
    dot: avx512::dot,
    l2_sq: avx512::l2_sq,
    dot_i8: avx512::dot_i8,
    bit_scan: avx2::bit_scan,
    bit_planes: avx512::bit_planes,
    min_max: avx512::min_max,
    levels: avx512::levels,
    fwht: avx512::fwht,
};

/// What the CPU supports, detected once.
#[derive(Debug, Clone, Copy)]
struct Support {
    avx2: bool,
    avx512: bool,
    vpopcntdq: bool,
}

fn support() -> Support {
    static SUPPORT: OnceLock<Support> = OnceLock::new();
    *SUPPORT.get_or_init(detect)
}

#[cfg(target_arch = "x86_64")]
fn detect() -> Support {
    let avx2 = is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
        && is_x86_feature_detected!("popcnt");
    // The AVX-512 table falls back to AVX2 kernels, so it needs both.
    let avx512 =
        avx2 && is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512bw");
    let vpopcntdq = avx512 && is_x86_feature_detected!("avx512vpopcntdq");
    Support {
        avx2,
        avx512,
        vpopcntdq,
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> Support {
    Support {
        avx2: false,
        avx512: false,
        vpopcntdq: false,
    }
}

impl Kernels {
    /// The fastest table this CPU supports (detected once per process).
    pub fn best() -> &'static Kernels {
        static BEST: OnceLock<&'static Kernels> = OnceLock::new();
        BEST.get_or_init(|| {
            [Isa::Avx512, Isa::Avx2]
                .into_iter()
                .find_map(Kernels::for_isa)
                .unwrap_or(&SCALAR)
        })
    }

    /// The table for `isa`, or `None` when this CPU lacks the instructions.
    pub fn for_isa(isa: Isa) -> Option<&'static Kernels> {
        let s = support();
        match isa {
            Isa::Scalar => Some(&SCALAR),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 if s.avx2 => Some(&AVX2),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 if s.avx512 && s.vpopcntdq => Some(&AVX512),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 if s.avx512 => Some(&AVX512_NO_VPOPCNT),
            _ => None,
        }
    }

    /// The instruction set of this table.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// Inner product. Panics if the lengths differ.
    #[inline]
    pub fn dot(&self, a: &[f32], b: &[f32]) -> f32 {
        assert_eq!(a.len(), b.len(), "dot of vectors of different lengths");
        (self.dot)(a, b)
    }

    /// Squared euclidean distance. Panics if the lengths differ.
    #[inline]
    pub fn l2_sq(&self, a: &[f32], b: &[f32]) -> f32 {
        assert_eq!(a.len(), b.len(), "distance of vectors of different lengths");
        (self.l2_sq)(a, b)
    }

    /// Inner product of `q` with `codes` read as two's-complement `i8`.
    /// Panics if the lengths differ.
    #[inline]
    pub fn dot_i8(&self, q: &[f32], codes: &[u8]) -> f32 {
        assert_eq!(q.len(), codes.len(), "dot of vectors of different lengths");
        (self.dot_i8)(q, codes)
    }

    /// Bit-plane scan of whole blocks of binary codes.
    ///
    /// `codes` holds blocks of [`BLOCK_LANES`] codes of `words` 64-bit words
    /// each, interleaved by word: word `w` of lane `l` is the little-endian
    /// `u64` at byte `(w * BLOCK_LANES + l) * 8` of its block. `planes` holds
    /// [`QUERY_BITS`] bit planes of `words` words (plane `j` first at
    /// `j * words`). For each lane writes `popcount(code)` to `ones` and
    /// `sum_j 2^j * popcount(code & plane_j)` to `weighted`.
    ///
    /// Panics unless `codes` is a whole number of blocks, `planes` has
    /// `QUERY_BITS * words` words, and both outputs have `BLOCK_LANES`
    /// entries per block.
    #[inline]
    pub fn bit_scan(
        &self,
        codes: &[u8],
        words: usize,
        planes: &[u64],
        ones: &mut [u32],
        weighted: &mut [u32],
    ) {
        let block_bytes = words * BLOCK_LANES * 8;
        assert!(
            words > 0 && codes.len().is_multiple_of(block_bytes),
            "codes are not whole blocks"
        );
        let slots = codes.len() / block_bytes * BLOCK_LANES;
        assert_eq!(
            planes.len(),
            QUERY_BITS * words,
            "wrong number of plane words"
        );
        assert!(
            ones.len() == slots && weighted.len() == slots,
            "wrong output length"
        );
        (self.bit_scan)(codes, words, planes, ones, weighted)
    }

    /// Smallest and largest value (`(inf, -inf)` for an empty slice).
    #[inline]
    pub fn min_max(&self, q: &[f32]) -> (f32, f32) {
        (self.min_max)(q)
    }

    /// Writes `min(trunc((q_i - lo) * inv + 0.5), max_level)` to `levels`
    /// and returns their sum. Every table gives the same levels provided
    /// `(q_i - lo) * inv` lies in `[0, 2^31)` for every `i`. Panics if the
    /// lengths differ.
    #[inline]
    pub fn levels(&self, q: &[f32], lo: f32, inv: f32, max_level: u8, levels: &mut [u8]) -> u32 {
        assert_eq!(
            q.len(),
            levels.len(),
            "levels of a vector of another length"
        );
        (self.levels)(q, lo, inv, max_level, levels)
    }

    /// In-place unnormalized Walsh–Hadamard transform. Panics unless the
    /// length is a power of two of at least 8.
    #[inline]
    pub fn fwht(&self, x: &mut [f32]) {
        assert!(
            x.len() >= 8 && x.len().is_power_of_two(),
            "length is not a power of two >= 8"
        );
        (self.fwht)(x)
    }

    /// Splits query levels (one byte per component, values below
    /// `2^QUERY_BITS`, a multiple of 64 components) into [`QUERY_BITS`] bit
    /// planes: bit `i % 64` of word `j * words + i / 64` is bit `j` of
    /// `levels[i]`. Panics unless `planes` has `QUERY_BITS * levels.len() / 64`
    /// words.
    #[inline]
    pub fn bit_planes(&self, levels: &[u8], planes: &mut [u64]) {
        assert!(
            levels.len().is_multiple_of(64),
            "levels are not whole words"
        );
        assert_eq!(
            planes.len(),
            QUERY_BITS * levels.len() / 64,
            "wrong number of plane words"
        );
        (self.bit_planes)(levels, planes)
    }
}
