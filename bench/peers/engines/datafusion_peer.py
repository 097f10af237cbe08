"""Apache DataFusion (the ``datafusion`` Python bindings): SQL over Parquet.

``SessionContext`` with ``target_partitions`` = the thread count, the Parquet
file registered as table ``t`` (``register_parquet``), each query collected
to Arrow and converted to rows.
"""

from __future__ import annotations

import os

from datafusion import SessionConfig, SessionContext

from engines.base import Peer as Base


class Peer(Base):
    name = "datafusion"
    package = "datafusion"
    sections = {"sql"}

    def sql_open(self, path) -> None:
        self.ctx = SessionContext(SessionConfig().with_target_partitions(self.threads))
        self.ctx.register_parquet("t", str(path))
        self.settings = {"target_partitions": self.threads,
                         "tokio_worker_threads_env": os.environ.get("TOKIO_WORKER_THREADS")}
        self.notes.append("threads sets target_partitions (the plan's parallelism); the tokio runtime's worker "
                          "count comes from TOKIO_WORKER_THREADS, set before import")

    def sql_run(self, sql: str) -> list[tuple]:
        t = self.ctx.sql(sql).to_arrow_table()
        return [tuple(r.values()) for r in t.to_pylist()]
