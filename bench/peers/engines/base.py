"""What an engine adapter provides, and helpers shared by adapters.

Sections an adapter supports are listed in ``Peer.sections``; the harness
calls only those methods:

- fts: ``fts_build(ids, bodies, english, positions)``, then
  ``fts_search(text, mode, k) -> list[int]`` with mode in ``fts_modes``
  ("or", "and", "phrase").
- vector: ``vector_variants(n, dim) -> list[VectorVariant]``.
- sql: ``sql_open(parquet_path)`` (exposes it as table ``t``), then
  ``sql_run(sql) -> list[tuple]``.
- hybrid: ``hybrid_build(ids, bodies, embs, english)``, then
  ``hybrid_search(text, emb, k) -> list[int]``.

Search methods must be callable from several Python threads at once (the
throughput pass uses one client thread per configured thread).
"""

from __future__ import annotations

import importlib.metadata
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np


def dir_size(path: Path) -> int | None:
    """Total bytes of the files under ``path`` (a file's own size for a file); None if absent."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    if not path.exists():
        return None
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


@dataclass
class VectorVariant:
    """One index configuration and the search parameters to sweep on it."""
    name: str
    params: dict
    build: Callable[[np.ndarray], None]
    sweep: list[dict]
    search: Callable[[np.ndarray, int, dict], list]
    batch: Callable[[np.ndarray, int, dict], object] | None = None
    index_bytes: Callable[[], int | None] = lambda: None
    release: Callable[[], None] = lambda: None
    notes: list[str] = field(default_factory=list)
    extra_build_seconds: Callable[[], float] = lambda: 0.0  # work shared with an earlier variant
    untimed_build_seconds: Callable[[], float] = lambda: 0.0  # time in build spent only measuring the index


class Peer:
    """Base adapter: thread count, work directory, notes and settings for the JSON."""

    name = ""
    package = ""
    sections: set[str] = set()
    fts_modes: set[str] = set()

    def __init__(self, threads: int, workdir: Path):
        self.threads = threads
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.notes: list[str] = []
        self.settings: dict = {}
        self.index_dir: Path | None = None
        self.index_includes_data = False

    def version(self) -> str:
        return importlib.metadata.version(self.package)

    def index_bytes(self) -> int | None:
        return dir_size(self.index_dir) if self.index_dir is not None else None

    def close(self) -> None:
        pass


def env_threads() -> dict:
    """The thread-related environment variables as the process sees them."""
    keys = ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS",
            "TOKIO_WORKER_THREADS", "LANCE_CPU_THREADS"]
    return {k: os.environ.get(k) for k in keys}
