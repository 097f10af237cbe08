"""Deterministic vocabulary of pronounceable synthetic words.

The list is ordered shortest first (ties in generation order), so a Zipfian
sampler that maps rank 1 to index 0 gives frequent words short spellings, as
in natural language.

Words are 2-4 syllables of consonant(s) + vowel, inner syllables optionally
closed by a consonant, and the final syllable always open on ``a``, ``o`` or
``u``. That keeps them lowercase ASCII letters, never an English stop word or
query operator, and stable under English stemmers (Porter and Snowball strip
no suffix ending in a bare ``a``/``o``/``u``), so stemming and non-stemming
analyzers see the same terms.
"""

from __future__ import annotations

import numpy as np

ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
          "br", "dr", "gr", "kr", "pl", "pr", "st", "tr", "sk", "sl"]
VOWELS = ["a", "e", "i", "o", "u"]
FINAL_VOWELS = ["a", "o", "u"]
CODAS = ["", "", "", "n", "r", "l", "m"]


def make_vocabulary(size: int, seed: int) -> list[str]:
    """``size`` distinct words, the same for the same ``(size, seed)``."""
    rng = np.random.default_rng([seed, 0x5EED])
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < size:
        n = size - len(words)
        n_syl = rng.choice([2, 3, 4], p=[0.45, 0.4, 0.15], size=2 * n)
        onset = rng.integers(0, len(ONSETS), size=(2 * n, 4))
        vowel = rng.integers(0, len(VOWELS), size=(2 * n, 4))
        coda = rng.integers(0, len(CODAS), size=(2 * n, 4))
        final = rng.integers(0, len(FINAL_VOWELS), size=2 * n)
        for i in range(2 * n):
            k = int(n_syl[i])
            parts = [ONSETS[onset[i, j]] + VOWELS[vowel[i, j]] + CODAS[coda[i, j]] for j in range(k - 1)]
            parts.append(ONSETS[onset[i, k - 1]] + FINAL_VOWELS[final[i]])
            w = "".join(parts)
            if w not in seen:
                seen.add(w)
                words.append(w)
                if len(words) == size:
                    break
    return sorted(words, key=len)
