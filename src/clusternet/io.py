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
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import numpy as np


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- temporaries
# Temporary files and staging directories carry the name of the stage that makes them
# (``.<name>.<stage>~<random>.tmp<suffix>``, ``.<name>.<stage>~<random>.staging``), so that a
# stage can remove its own leftovers from an interrupted run when it starts
# (``clean_stale_temporaries``) without touching the in-flight files of another stage running
# in parallel. ``set_stage`` is called once by the CLI; library use outside a stage gets "lib".
_STAGE = "lib"
_STAGE_OK = re.compile(r"^[A-Za-z0-9_-]+$")


def set_stage(name: str) -> None:
    """Tag this process's temporaries with the stage (CLI sub-command) ``name``."""
    global _STAGE
    if not _STAGE_OK.match(name):
        raise ValueError(f"stage name {name!r}: letters, digits, '_' and '-' only")
    _STAGE = name


def _stale_pattern(stage: str) -> re.Pattern:
    # tempfile's random part: 8 characters from [a-z0-9_]
    return re.compile(rf"^\..+\.{re.escape(stage)}~[a-z0-9_]{{8}}\.(tmp|staging|old)")


def current_umask() -> int:
    """The process umask (read from /proc on Linux; elsewhere set-and-restore)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def apply_umask(path: str | os.PathLike, directory: bool = False) -> None:
    """Give a file (0666) or directory (0777) made by tempfile (0600/0700, private) the
    permissions an ordinary ``open``/``mkdir`` would give it under the process umask."""
    os.chmod(path, (0o777 if directory else 0o666) & ~current_umask())


def staging_directory(target: str | os.PathLike, kind: str = "staging") -> Path:
    """A new empty directory next to ``target`` (hidden, tagged with the stage, process-umask
    permissions) to build ``target`` in and then swap into place; ``kind`` is ``staging`` or
    ``old`` (where the previous ``target`` is parked during the swap)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{_STAGE}~", suffix=f".{kind}", dir=target.parent))
    apply_umask(tmp, directory=True)
    return tmp


def clean_stale_temporaries(roots, stage: str | None = None) -> list[Path]:
    """Remove the temporary files and staging directories that ``stage`` (default: this
    process's stage) left under ``roots`` when it was interrupted; return what was removed.
    Only names made by ``atomic_path``/``staging_directory`` with that stage's tag match."""
    pattern = _stale_pattern(stage or _STAGE)
    removed = []
    for root in roots:
        root = Path(root)
        if not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            for name in list(dirnames):
                if pattern.match(name):
                    shutil.rmtree(Path(dirpath) / name, ignore_errors=True)
                    removed.append(Path(dirpath) / name)
                    dirnames.remove(name)
            for name in filenames:
                if pattern.match(name):
                    with contextlib.suppress(FileNotFoundError):
                        (Path(dirpath) / name).unlink()
                        removed.append(Path(dirpath) / name)
    return sorted(removed)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success move it into place.

    On any exception the temporary file is removed and ``path`` is untouched.
    The temporary name keeps the suffix so that writers that infer the format
    from the extension (pandas, matplotlib) still work. The file gets the process
    umask's permissions before the move (mkstemp makes it 0600, which would survive
    the rename and hide the output from co-authors).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.{_STAGE}~", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.exists():
            apply_umask(tmp_path, directory=tmp_path.is_dir())
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a fresh temporary directory next to ``path`` that replaces ``path`` whole on success.

    The old directory is moved aside and removed only after the new one is in place; on any
    exception the temporary directory is removed and ``path`` is untouched (no stale or partial
    outputs). The directory gets the mode ``mkdir`` would give it (mkdtemp makes it 0700).
    """
    target = Path(path)
    tmp = staging_directory(target)  # tagged with the stage, so an interrupted run's copy is cleaned
    try:
        yield tmp
        old = None
        if target.exists():
            old = staging_directory(target, "old")
            os.replace(target, old / target.name)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
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


def write_csv(df, path: str | os.PathLike) -> None:
    """A data frame as CSV (no index, LF line ends, floats at 10 significant digits: stable bytes)."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, lineterminator="\n", float_format="%.10g")


def write_parquet(df, path: str | os.PathLike) -> None:
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False)


def write_json(path: str | os.PathLike, obj: Any) -> None:
    write_text(path, dumps_json(obj))


def read_region_year_table(path: str | os.PathLike, what: str):
    """A processed region-year table (panel, indices, network nodes), sorted by
    (region_code, year); a clear error when it is missing or lacks the ids."""

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
