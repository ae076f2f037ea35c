"""File helpers shared by every stage.

Outputs appear whole or not at all: everything is written to a temporary file in
the target directory and moved into place with ``os.replace`` (atomic on POSIX).
JSON is written deterministically (sorted keys, fixed indentation, no NaN) so that
two runs on the same inputs give byte-identical documents.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success move it into place.

    On any exception the temporary file is removed and ``path`` is untouched.
    The temporary name keeps the suffix so that writers that infer the format
    from the extension (pandas, matplotlib) still work.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | os.PathLike, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def to_jsonable(obj: Any) -> Any:
    """Convert numpy/pandas scalars and containers to plain JSON types.

    Non-finite floats become ``None`` (JSON null): a missing statistic is shown
    as missing, never as a silent NaN string.
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, Path):
        return obj.as_posix()
    return obj


def dumps_json(obj: Any) -> str:
    return json.dumps(to_jsonable(obj), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(path: str | os.PathLike, obj: Any) -> None:
    write_text(path, dumps_json(obj))


def read_region_year_table(path: str | os.PathLike, what: str):
    """A processed region-year table (panel, indices, network nodes), sorted by
    (region_code, year); a clear error when it is missing or lacks the ids."""
    import pandas as pd

    from clusternet.errors import DataError

    path = Path(path)
    if not path.exists():
        raise DataError(f"{path} does not exist; run the stage that makes the {what} first")
    from clusternet.reads import read_parquet_input

    df = read_parquet_input(path)  # hashed as read, for provenance
    for c in ("region_code", "year"):
        if c not in df.columns:
            raise DataError(f"{path}: column {c!r} is missing")
    return df.sort_values(["region_code", "year"]).reset_index(drop=True)


def read_json(path: str | os.PathLike) -> Any:
    """JSON from ``path``, read once as bytes and hashed (:mod:`clusternet.reads`) for provenance."""
    from clusternet.reads import read_json_input

    return read_json_input(path)
