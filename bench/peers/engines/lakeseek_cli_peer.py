"""LakeSeek through its CLI, for the ingest section: ``lakeseek import`` in a subprocess.

The binary is ``$LAKESEEK_BIN`` or the release build under
``$CARGO_TARGET_DIR`` (default ``target``). ``import`` reads the Parquet
file, builds the text (and vector) indexes and returns once its one commit
is written. Threads: the CLI's tokio and rayon pools follow
``TOKIO_WORKER_THREADS`` / ``RAYON_NUM_THREADS``, which run_peer.py sets.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from engines.base import Peer as Base

REPO = Path(__file__).resolve().parents[3]


def binary() -> Path:
    if os.environ.get("LAKESEEK_BIN"):
        return Path(os.environ["LAKESEEK_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    if not target.is_absolute():
        target = REPO / target
    return target / "release" / "lakeseek"


class Peer(Base):
    name = "lakeseek"
    package = "lakeseek"
    sections = {"ingest"}

    def __init__(self, threads, workdir):
        super().__init__(threads, workdir)
        self.bin = binary()
        if not self.bin.exists():
            raise FileNotFoundError(f"{self.bin}: build it with bench/run (cargo build --release -p lakeseek)")

    def version(self) -> str:
        out = subprocess.run([str(self.bin), "--version"], capture_output=True, text=True, check=True)
        return out.stdout.strip().split()[-1]

    def ingest(self, path: Path, with_emb: bool, english: bool) -> None:
        self.index_dir = self.workdir / "db"
        self.index_includes_data = True
        cmd = [str(self.bin), "--db", str(self.index_dir), "import", "t", str(path),
               "--text", "body:" + ("english" if english else "standard"), "--quiet"]
        if with_emb:
            cmd += ["--vector", "emb:cosine"]
        subprocess.run(cmd, check=True)
        self.settings["command"] = " ".join(cmd)
        self.notes.append("lakeseek import in a subprocess (process start and exit included); the local store "
                          "renames files into place without fsync")
        self.notes.append("index_bytes is the whole database directory (Parquet data with embedded indexes)")
