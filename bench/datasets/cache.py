"""Where generated datasets live and how they are cached.

Every generated dataset is a directory under ``bench/work/data/`` (git-ignored)
whose name encodes its parameters. A directory is written under a temporary
name and renamed into place only when complete, so a present directory is a
complete one and generators regenerate only what is missing.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Callable

BENCH_DIR = Path(__file__).resolve().parent.parent
DATA_ROOT = Path(os.environ.get("LAKESEEK_BENCH_DATA", BENCH_DIR / "work" / "data"))


def ensure_dir(name: str, build: Callable[[Path], dict], root: Path | None = None,
               version: int | None = None) -> Path:
    """Returns ``root/name``, first calling ``build(tmp_dir)`` if it is missing.

    ``build`` writes the dataset's files into ``tmp_dir`` and returns metadata,
    saved as ``meta.json`` next to them. A directory whose ``meta.json`` has
    another ``version`` than the generator's is regenerated.
    """
    root = Path(root) if root is not None else DATA_ROOT
    final = root / name
    if (final / "meta.json").exists() and (version is None or read_meta(final).get("version") == version):
        return final
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    meta = build(tmp)
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    return final


def read_meta(path: Path) -> dict:
    """The ``meta.json`` of a dataset directory."""
    return json.loads((Path(path) / "meta.json").read_text())
