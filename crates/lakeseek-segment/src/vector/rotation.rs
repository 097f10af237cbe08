//! A fast random orthogonal rotation built from Walsh–Hadamard transforms.
//!
//! Vectors are zero-padded to `padded` components (a multiple of 64, the
//! code word size). One round flips the sign of a random subset of
//! components, then applies the normalized Walsh–Hadamard transform to the
//! leading `h` components and again to the trailing `h`, where `h` is the
//! largest power of two not above `padded` (so the two blocks cover every
//! component and overlap when `padded` is not a power of two). Every step is
//! orthogonal, so the whole is; several rounds spread each input component
//! over all outputs, which is what RaBitQ's estimator needs. Applying it
//! costs `O(padded log padded)` per vector, and the model stores only the
//! sign bits.

use rand::Rng;

use super::simd::Kernels;

/// Rounds used by newly trained models.
pub(crate) const ROUNDS: usize = 4;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rotation {
    padded: usize,
    rounds: usize,
    /// `rounds` sign masks of `padded / 64` words; bit set = negate.
    signs: Vec<u64>,
    /// The same masks as factors of +1 or -1, `padded` per round.
    flips: Vec<f32>,
}

/// The padded dimension for `dim`: the next multiple of 64.
pub(crate) fn padded_dim(dim: usize) -> usize {
    dim.div_ceil(64).max(1) * 64
}

impl Rotation {
    pub fn random(padded: usize, rng: &mut impl Rng) -> Self {
        debug_assert!(padded > 0 && padded.is_multiple_of(64));
        let signs = (0..ROUNDS * padded / 64).map(|_| rng.random()).collect();
        Self::from_parts(padded, ROUNDS, signs)
    }

    /// Rebuilds a rotation from stored parts; `signs` must hold
    /// `rounds * padded / 64` words (checked by the decoder).
    pub fn from_parts(padded: usize, rounds: usize, signs: Vec<u64>) -> Self {
        debug_assert_eq!(signs.len(), rounds * padded / 64);
        let flips = signs
            .iter()
            .flat_map(|&mask| (0..64).map(move |i| if (mask >> i) & 1 == 1 { -1.0 } else { 1.0 }))
            .collect();
        Rotation {
            padded,
            rounds,
            signs,
            flips,
        }
    }

    pub fn padded(&self) -> usize {
        self.padded
    }

    pub fn rounds(&self) -> usize {
        self.rounds
    }

    pub fn signs(&self) -> &[u64] {
        &self.signs
    }

    /// Rotates `x` (at most `padded` components, zero-padded) into `out`
    /// (`padded` components).
    pub fn rotate_into(&self, x: &[f32], out: &mut [f32]) {
        assert!(x.len() <= self.padded && out.len() == self.padded);
        out[..x.len()].copy_from_slice(x);
        out[x.len()..].fill(0.0);
        self.apply(out);
    }

    /// Rotates a `padded`-component vector in place.
    pub fn apply(&self, x: &mut [f32]) {
        assert_eq!(x.len(), self.padded);
        let kern = Kernels::best();
        let h = 1usize << (usize::BITS - 1 - self.padded.leading_zeros());
        let scale = 1.0 / (h as f32).sqrt();
        for flips in self.flips.chunks_exact(self.padded) {
            x.iter_mut().zip(flips).for_each(|(v, f)| *v *= f);
            kern.fwht(&mut x[..h]);
            x[..h].iter_mut().for_each(|v| *v *= scale);
            if h < self.padded {
                let tail = &mut x[self.padded - h..];
                kern.fwht(tail);
                tail.iter_mut().for_each(|v| *v *= scale);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn preserves_norms_and_inner_products() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for padded in [64, 128, 192, 384, 448, 1024] {
            let rot = Rotation::random(padded, &mut rng);
            let a: Vec<f32> = (0..padded).map(|_| rng.random_range(-1.0..1.0)).collect();
            let b: Vec<f32> = (0..padded).map(|_| rng.random_range(-1.0..1.0)).collect();
            let (mut ra, mut rb) = (a.clone(), b.clone());
            rot.apply(&mut ra);
            rot.apply(&mut rb);
            let dot = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>();
            assert!(
                (dot(&a, &b) - dot(&ra, &rb)).abs() < 1e-3,
                "padded {padded}"
            );
            assert!((dot(&a, &a) - dot(&ra, &ra)).abs() < 1e-3 * dot(&a, &a));
        }
    }
}
