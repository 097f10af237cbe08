"""Synthetic full-text corpus with Zipfian term frequencies, and its query sets.

    python bench/datasets/text_corpus.py [--docs 1000000] [--seed 42] [--out-root DIR]

Writes (once; an existing complete directory is reused) to
``bench/work/data/text_d<docs>_s<seed>/``:

- ``docs.parquet``: ``id`` int64, ``body`` string. Each document has 50-150
  tokens (uniform) drawn i.i.d. from a Zipf(s=1.07) law over a 50,000-word
  vocabulary of pronounceable synthetic words (``words.py``).
- ``queries.parquet``: ``qid`` int64, ``text`` string, ``n_terms`` int64,
  ``band`` string, ``dfs`` list<int64>. 100 queries per (n_terms in 1,2,3) x
  (band in low, middle, high): the terms of a query are distinct words from one
  document-frequency band, df computed from the generated corpus
  (see ``band_limits``).
- ``phrases.parquet``: same columns plus ``doc_id``: 100 two-word and 100
  three-word phrases, each copied from consecutive tokens of a random document
  (``band`` is "phrase").
- ``meta.json``: the parameters and the df limits of each band.

Prints the directory path. Deterministic for a given (docs, seed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cache  # noqa: E402
from words import make_vocabulary  # noqa: E402

VOCAB = 50_000
ZIPF_S = 1.07
MIN_LEN, MAX_LEN = 50, 150
CHUNK = 50_000
QUERIES_PER_CELL = 100
PHRASES_PER_LENGTH = 100
VERSION = 1


def band_limits(n_docs: int) -> dict[str, tuple[int, int]]:
    """Inclusive document-frequency range of each band for a corpus of ``n_docs``.

    low: at least 2 documents and at most 0.05 % of them; middle: 0.2 %-1 %;
    high: at least 5 %.
    """
    return {
        "low": (2, max(2, int(n_docs * 0.0005))),
        "middle": (max(3, int(np.ceil(n_docs * 0.002))), max(3, int(n_docs * 0.01))),
        "high": (max(4, int(np.ceil(n_docs * 0.05))), n_docs),
    }


def zipf_cdf(vocab: int, s: float) -> np.ndarray:
    """Cumulative probabilities of ranks 1..vocab under p(r) proportional to r^-s."""
    p = np.arange(1, vocab + 1, dtype=np.float64) ** -s
    cdf = np.cumsum(p)
    return cdf / cdf[-1]


def _chunk_tokens(rng: np.random.Generator, n: int, cdf: np.ndarray):
    lengths = rng.integers(MIN_LEN, MAX_LEN + 1, size=n)
    tokens = np.searchsorted(cdf, rng.random(int(lengths.sum())), side="right").astype(np.int32)
    np.minimum(tokens, len(cdf) - 1, out=tokens)
    return lengths, tokens


def _bodies(vocab_arr: pa.Array, lengths: np.ndarray, tokens: np.ndarray) -> pa.Array:
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    words = vocab_arr.take(pa.array(tokens))
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), words), " ")


def _doc_freq_update(df: np.ndarray, lengths: np.ndarray, tokens: np.ndarray) -> None:
    doc = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    keys = np.sort(doc * len(df) + tokens)  # sort + diff: np.unique is far slower on numpy 2.4
    first = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    df += np.bincount(keys[first] % len(df), minlength=len(df))


def sample_queries(df: np.ndarray, words: list[str], n_docs: int, rng: np.random.Generator) -> list[dict]:
    """QUERIES_PER_CELL queries per (n_terms, band), terms distinct within a query."""
    rows = []
    for n_terms in (1, 2, 3):
        for band, (lo, hi) in band_limits(n_docs).items():
            pool = np.flatnonzero((df >= lo) & (df <= hi))
            if len(pool) < n_terms:
                continue
            for _ in range(QUERIES_PER_CELL):
                ids = rng.choice(pool, size=n_terms, replace=False)
                rows.append({"text": " ".join(words[i] for i in ids), "n_terms": n_terms,
                             "band": band, "dfs": [int(df[i]) for i in ids]})
    for qid, r in enumerate(rows):
        r["qid"] = qid
    return rows


def generate(out: Path, n_docs: int, seed: int) -> dict:
    """Writes the corpus and query sets into ``out``; returns the metadata."""
    words = make_vocabulary(VOCAB, seed)
    vocab_arr = pa.array(words, pa.string())
    cdf = zipf_cdf(VOCAB, ZIPF_S)
    qrng = np.random.default_rng([seed, 1 << 20])
    # Phrase sources are chosen up front and cut out as their chunk is generated.
    n_phr = min(2 * PHRASES_PER_LENGTH, n_docs)
    phrase_docs = qrng.choice(n_docs, size=n_phr, replace=False)
    phrase_len = np.array([2 + (i % 2) for i in range(n_phr)])
    phrase_pos = qrng.random(n_phr)
    phrases = []
    df = np.zeros(VOCAB, dtype=np.int64)
    n_tokens = 0
    schema = pa.schema([("id", pa.int64()), ("body", pa.string())])
    with pq.ParquetWriter(out / "docs.parquet", schema) as writer:
        for c, start in enumerate(range(0, n_docs, CHUNK)):
            n = min(CHUNK, n_docs - start)
            lengths, tokens = _chunk_tokens(np.random.default_rng([seed, c]), n, cdf)
            n_tokens += len(tokens)
            _doc_freq_update(df, lengths, tokens)
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
            for j in np.flatnonzero((phrase_docs >= start) & (phrase_docs < start + n)):
                d = int(phrase_docs[j]) - start
                t = int(phrase_len[j])
                pos = int(phrase_pos[j] * (lengths[d] - t + 1))
                ids = tokens[starts[d] + pos: starts[d] + pos + t]
                phrases.append({"text": " ".join(words[i] for i in ids), "n_terms": t, "band": "phrase",
                                "dfs": [int(x) for x in ids], "doc_id": int(phrase_docs[j])})
            table = pa.table({"id": pa.array(np.arange(start, start + n, dtype=np.int64)),
                              "body": _bodies(vocab_arr, lengths, tokens)}, schema=schema)
            writer.write_table(table, row_group_size=CHUNK)
    queries = sample_queries(df, words, n_docs, qrng)
    for p in phrases:  # dfs held word ids until df was complete
        p["dfs"] = [int(df[i]) for i in p["dfs"]]
    phrases.sort(key=lambda p: (p["n_terms"], p["doc_id"]))
    for qid, p in enumerate(phrases):
        p["qid"] = qid
    qcols = ["qid", "text", "n_terms", "band", "dfs"]
    pq.write_table(pa.Table.from_pylist(queries).select(qcols), out / "queries.parquet")
    pq.write_table(pa.Table.from_pylist(phrases).select(qcols + ["doc_id"]), out / "phrases.parquet")
    return {"kind": "text_corpus", "version": VERSION, "docs": n_docs, "seed": seed, "vocab": VOCAB,
            "zipf_s": ZIPF_S, "doc_len": [MIN_LEN, MAX_LEN], "tokens": n_tokens,
            "band_df_limits": band_limits(n_docs), "queries": len(queries), "phrases": len(phrases),
            "words_with_df": int((df > 0).sum())}


def ensure(n_docs: int = 1_000_000, seed: int = 42, root: Path | None = None) -> Path:
    """The dataset directory for ``(n_docs, seed)``, generated if missing."""
    return cache.ensure_dir(f"text_d{n_docs}_s{seed}", lambda out: generate(out, n_docs, seed), root, VERSION)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out-root", type=Path, default=None, help="default bench/work/data")
    a = ap.parse_args(argv)
    print(ensure(a.docs, a.seed, a.out_root))


if __name__ == "__main__":
    main()
