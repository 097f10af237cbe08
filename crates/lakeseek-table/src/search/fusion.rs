//! Fusing a full-text ranking and a vector ranking into one.
//!
//! Reciprocal-rank fusion (the default) scores a row `Σ 1 / (k + rank)` over
//! the legs it appears in (ranks from 1, `k` = 60). Linear fusion scales each
//! leg's scores to [0, 1] by min-max over the leg's candidates (vector
//! distances inverted so larger is better) and scores
//! `weight · text + (1 − weight) · vector`, a missing leg counting 0.
//! Equal fused scores are ordered by `_id`, so results are deterministic.

use std::collections::HashMap;

/// One ranked candidate of a leg: where it is and its leg score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LegHit {
    pub segment: usize,
    pub row: u32,
    pub id: u64,
    /// BM25 score (text leg, larger is better) or distance (vector leg,
    /// smaller is better).
    pub value: f32,
}

/// How to combine the legs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fusion {
    /// Reciprocal-rank fusion with constant `k`.
    Rrf { k: f32 },
    /// `weight · text + (1 − weight) · vector` over min-max normalised scores.
    Linear { weight: f32 },
}

impl Default for Fusion {
    fn default() -> Self {
        Fusion::Rrf { k: 60.0 }
    }
}

/// A fused result row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FusedHit {
    pub segment: usize,
    pub row: u32,
    pub id: u64,
    pub score: f32,
    /// 1-based rank and score in the text leg, if the row was there.
    pub text: Option<(u32, f32)>,
    /// 1-based rank and distance in the vector leg, if the row was there.
    pub vector: Option<(u32, f32)>,
}

/// Fuses two legs (each in rank order) and keeps the best `k`.
pub fn fuse(text: &[LegHit], vector: &[LegHit], fusion: Fusion, k: usize) -> Vec<FusedHit> {
    let mut rows: HashMap<u64, FusedHit> = HashMap::new();
    let norm_text = normaliser(text, false);
    let norm_vector = normaliser(vector, true);
    for (leg, hits) in [(0usize, text), (1usize, vector)] {
        for (i, h) in hits.iter().enumerate() {
            let rank = i as u32 + 1;
            let entry = rows.entry(h.id).or_insert(FusedHit {
                segment: h.segment,
                row: h.row,
                id: h.id,
                score: 0.0,
                text: None,
                vector: None,
            });
            let contribution = match fusion {
                Fusion::Rrf { k } => 1.0 / (k + rank as f32),
                Fusion::Linear { weight } => {
                    if leg == 0 {
                        weight * norm_text(h.value)
                    } else {
                        (1.0 - weight) * norm_vector(h.value)
                    }
                }
            };
            entry.score += contribution;
            if leg == 0 {
                entry.text = Some((rank, h.value));
            } else {
                entry.vector = Some((rank, h.value));
            }
        }
    }
    let mut fused: Vec<FusedHit> = rows.into_values().collect();
    fused.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    fused.truncate(k);
    fused
}

/// Min-max scaling to [0, 1]; `invert` for distances. A leg whose values are
/// all equal maps them to 1.
fn normaliser(hits: &[LegHit], invert: bool) -> impl Fn(f32) -> f32 {
    let min = hits.iter().map(|h| h.value).fold(f32::INFINITY, f32::min);
    let max = hits
        .iter()
        .map(|h| h.value)
        .fold(f32::NEG_INFINITY, f32::max);
    move |v: f32| {
        let span = max - min;
        // Also catches a NaN span.
        if span.is_nan() || span <= 0.0 {
            return 1.0;
        }
        let x = (v - min) / span;
        if invert {
            1.0 - x
        } else {
            x
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(id: u64, value: f32) -> LegHit {
        LegHit {
            segment: 0,
            row: id as u32,
            id,
            value,
        }
    }

    #[test]
    fn rrf_matches_hand_computation() {
        let text = [hit(1, 9.0), hit(2, 5.0), hit(3, 1.0)];
        let vector = [hit(3, 0.1), hit(1, 0.2)];
        let fused = fuse(&text, &vector, Fusion::default(), 10);
        // id 1: 1/61 + 1/62; id 3: 1/63 + 1/61; id 2: 1/62.
        let s1 = 1.0 / 61.0 + 1.0 / 62.0;
        let s3 = 1.0 / 63.0 + 1.0 / 61.0;
        assert_eq!(
            fused.iter().map(|h| h.id).collect::<Vec<_>>(),
            vec![1, 3, 2]
        );
        assert!((fused[0].score - s1).abs() < 1e-7);
        assert!((fused[1].score - s3).abs() < 1e-7);
        assert_eq!(fused[0].text, Some((1, 9.0)));
        assert_eq!(fused[0].vector, Some((2, 0.2)));
        assert_eq!(fused[2].vector, None);
    }

    #[test]
    fn linear_uses_normalised_scores_and_weight() {
        let text = [hit(1, 10.0), hit(2, 0.0)];
        let vector = [hit(2, 0.0), hit(1, 1.0)];
        // text: 1→1, 2→0; vector (inverted): 2→1, 1→0.
        let fused = fuse(&text, &vector, Fusion::Linear { weight: 0.7 }, 10);
        assert_eq!(fused[0].id, 1);
        assert!((fused[0].score - 0.7).abs() < 1e-6);
        assert!((fused[1].score - 0.3).abs() < 1e-6);
    }

    #[test]
    fn ties_are_ordered_by_id_and_k_truncates() {
        let text = [hit(5, 1.0)];
        let vector = [hit(4, 1.0)];
        let fused = fuse(&text, &vector, Fusion::default(), 1);
        assert_eq!(fused.len(), 1);
        assert_eq!(fused[0].id, 4, "equal RRF scores: smaller id first");
    }
}
