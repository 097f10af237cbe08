"""DuckDB: FTS extension (BM25), VSS extension (HNSW), and SQL over Parquet.

Extensions are loaded offline from the ``duckdb-extension-fts`` /
``duckdb-extension-vss`` wheels: ``SET autoinstall_known_extensions=false``,
``SET autoload_known_extensions=false``, then ``LOAD '<file in the package>'``.
``SET threads`` applies the thread count; each client thread gets its own
cursor.

FTS: ``PRAGMA create_fts_index('docs', 'id', 'body')`` with its defaults
(Porter stemmer, English stop words, lowercase, strip accents, letters only),
queried with ``match_bm25`` (``conjunctive := 1`` for AND); phrases are not
supported by the extension. Vectors: a ``FLOAT[d]`` table with an HNSW index
(``metric = 'cosine'``, default M and ef_construction), queried by
``ORDER BY array_cosine_distance(emb, [literal]::FLOAT[d]) LIMIT k`` (a bound
parameter is much slower), sweeping ``hnsw_ef_search``. The table lives in a
database file (``hnsw_enable_experimental_persistence``) so that the index has a
size: ``index_bytes`` is the growth of the file's used blocks (``PRAGMA
database_size``, 256 KiB blocks) from a CHECKPOINT after loading the table to
one after creating the index; the two checkpoints are not counted in
``build_seconds``. The HNSW index itself is held in memory either way.
SQL: a view over ``read_parquet(path)``.
"""

from __future__ import annotations

import glob
import os
import threading
import time

import duckdb
import numpy as np
import pyarrow as pa

from engines.base import Peer as Base
from engines.base import VectorVariant

EF_SEARCH = [10, 16, 32, 64, 128, 256, 512]


def extension_file(package: str) -> str | None:
    """Path of the ``.duckdb_extension`` file shipped inside a Python package, if installed."""
    try:
        mod = __import__(package)
    except ImportError:
        return None
    found = glob.glob(os.path.join(os.path.dirname(mod.__file__), "**", "*.duckdb_extension"), recursive=True)
    return found[0] if found else None


class Peer(Base):
    name = "duckdb"
    package = "duckdb"
    sections = {"fts", "vector", "sql", "ingest"}
    fts_modes = {"or", "and"}

    def __init__(self, threads, workdir):
        super().__init__(threads, workdir)
        self._local = threading.local()
        self.con = None

    def _connect(self, path: str) -> None:
        self.con = duckdb.connect(path)
        self.con.execute("SET autoinstall_known_extensions=false")
        self.con.execute("SET autoload_known_extensions=false")
        self.con.execute(f"SET threads={int(self.threads)}")
        self.settings["threads_setting"] = self.con.execute("SELECT current_setting('threads')").fetchone()[0]

    def _load(self, package: str) -> None:
        path = extension_file(package)
        if path is None:
            raise RuntimeError(f"{package} is not installed: no .duckdb_extension file to load")
        self.con.execute(f"LOAD '{path}'")
        self.settings.setdefault("extensions", {})[package] = path

    def _cursor(self):
        cur = getattr(self._local, "cur", None)
        if cur is None:
            cur = self._local.cur = self.con.cursor()
        return cur

    # -- full text
    def fts_build(self, ids, bodies, english: bool, positions: bool) -> None:
        self.index_dir = self.workdir / "fts.duckdb"
        self.index_includes_data = True
        self._connect(str(self.index_dir))
        self._load("duckdb_extension_fts")
        src = pa.table({"id": pa.array(ids), "body": bodies})
        self.con.register("src", src)
        self.con.execute("CREATE TABLE docs AS SELECT id, body FROM src")
        self.con.unregister("src")
        self.con.execute("PRAGMA create_fts_index('docs', 'id', 'body')")
        self.con.execute("CHECKPOINT")
        self.settings["fts"] = "create_fts_index defaults: stemmer porter, stopwords english, lower, strip_accents"
        self.notes.append("phrase queries: not supported by the fts extension")
        self.notes.append("index_bytes is the database file (table + FTS index tables)")

    def fts_search(self, text: str, mode: str, k: int) -> list[int]:
        conj = 1 if mode == "and" else 0
        rows = self._cursor().execute(
            "SELECT id FROM (SELECT id, fts_main_docs.match_bm25(id, ?, conjunctive := ?) AS s FROM docs) "
            "WHERE s IS NOT NULL ORDER BY s DESC LIMIT ?", [text, conj, k]).fetchall()
        return [r[0] for r in rows]

    # -- vectors
    def vector_variants(self, n: int, dim: int) -> list[VectorVariant]:
        def sql(q, k):
            # A literal, as in the VSS docs: binding the vector as a parameter is ~8x slower in duckdb-python.
            vec = ",".join(f"{x:.9g}" for x in q.tolist())
            return f"SELECT id FROM vecs ORDER BY array_cosine_distance(emb, [{vec}]::FLOAT[{dim}]) LIMIT {int(k)}"

        size: dict = {}

        def used_bytes() -> int:
            """Bytes of the database file's used blocks, after a checkpoint (whose time is not build time)."""
            t0 = time.perf_counter()
            self.con.execute("CHECKPOINT")
            cols = self.con.execute("PRAGMA database_size")
            row = dict(zip([d[0] for d in cols.description], cols.fetchone()))
            size["untimed_seconds"] = size.get("untimed_seconds", 0.0) + time.perf_counter() - t0
            size["block_size"] = int(row["block_size"])
            return int(row["used_blocks"]) * int(row["block_size"])

        def build(base):
            db = self.workdir / "vectors.duckdb"
            for f in (db, db.with_name(db.name + ".wal")):
                f.unlink(missing_ok=True)
            self._connect(str(db))
            self._load("duckdb_extension_vss")
            self.con.execute("SET hnsw_enable_experimental_persistence = true")
            src = pa.table({"id": pa.array(np.arange(len(base))),
                            "emb": pa.FixedSizeListArray.from_arrays(pa.array(np.ascontiguousarray(base).ravel()),
                                                                     dim)})
            self.con.register("src", src)
            self.con.execute(f"CREATE TABLE vecs AS SELECT id, emb::FLOAT[{dim}] AS emb FROM src")
            self.con.unregister("src")
            size["before"], size["file_before"] = used_bytes(), db.stat().st_size
            self.con.execute("CREATE INDEX vecs_hnsw ON vecs USING HNSW (emb) WITH (metric = 'cosine')")
            size["after"], size["file_after"] = used_bytes(), db.stat().st_size
            info = self.con.execute("SELECT approx_memory_usage FROM pragma_hnsw_index_info() "
                                    "WHERE index_name = 'vecs_hnsw'").fetchone()
            self.settings["vector_index_size"] = {
                "db_used_bytes_before_index": size["before"], "db_used_bytes_after_index": size["after"],
                "db_file_bytes_before_index": size["file_before"], "db_file_bytes_after_index": size["file_after"],
                "block_size": size["block_size"], "checkpoint_seconds_not_counted": size["untimed_seconds"],
                "hnsw_approx_memory_usage": info[0] if info else None}
            plan = self.con.execute("EXPLAIN " + sql(base[0], 10)).fetchall()
            self.settings["uses_hnsw_index_scan"] = "HNSW_INDEX_SCAN" in str(plan)
            self._ef = None

        def search(q, k, sp):
            cur = self._cursor()
            if getattr(self._local, "ef", None) != sp["ef_search"]:
                cur.execute(f"SET hnsw_ef_search = {int(sp['ef_search'])}")
                self._local.ef = sp["ef_search"]
            return [r[0] for r in cur.execute(sql(q, k)).fetchall()]

        def release():
            self.con.close()
            self._local = threading.local()

        self.notes.append("vector index_bytes: growth of the database file's used blocks (PRAGMA database_size, "
                          "256 KiB blocks) from a CHECKPOINT after loading the FLOAT[d] table to one after CREATE "
                          "INDEX ... USING HNSW, with hnsw_enable_experimental_persistence: the serialized HNSW "
                          "index (graph and its own copy of the vectors), not the table; the checkpoints are not "
                          "in build_seconds; settings.vector_index_size has the numbers")
        return [VectorVariant("HNSW", {"metric": "cosine", "M": "default (16)", "ef_construction": "default (128)"},
                              build, [{"ef_search": e} for e in EF_SEARCH], search, index_bytes=lambda: (
                                  size["after"] - size["before"] if "after" in size else None),
                              release=release, untimed_build_seconds=lambda: size.get("untimed_seconds", 0.0),
                              notes=["a database file with hnsw_enable_experimental_persistence; index_bytes is "
                                     "the growth of its used blocks when the index is created (see the run's notes)"])]

    # -- SQL
    def sql_open(self, path) -> None:
        self._connect(":memory:")
        self.con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet('{path}')")

    def sql_run(self, sql: str) -> list[tuple]:
        return self._cursor().execute(sql).fetchall()
