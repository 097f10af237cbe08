"""One adapter module per peer engine; ``load(name)`` imports it or says why it can't.

An adapter module defines ``Peer`` (a subclass of ``base.Peer``). Importing it
imports the engine's Python package, so a missing or broken package surfaces
here as ``Unavailable`` with the import error, and the harness reports the
engine as unavailable instead of crashing.
"""

from __future__ import annotations

import importlib

ENGINES = {
    "tantivy_py": "tantivy_py_peer",
    "lancedb": "lancedb_peer",
    "infino": "infino_peer",
    "duckdb": "duckdb_peer",
    "faiss": "faiss_peer",
    "hnswlib": "hnswlib_peer",
    "usearch": "usearch_peer",
    "datafusion": "datafusion_peer",
    "lakeseek": "lakeseek_cli_peer",
}


class Unavailable(Exception):
    """The engine's package cannot be imported here."""


def load(name: str):
    """The ``Peer`` class of engine ``name``; raises ``Unavailable`` if it can't be imported."""
    try:
        mod = importlib.import_module(f"engines.{ENGINES[name]}")
    except Exception as e:  # ImportError, or a binary that fails to load
        raise Unavailable(f"{type(e).__name__}: {e}") from e
    return mod.Peer
