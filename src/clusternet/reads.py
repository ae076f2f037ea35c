"""What a stage has read: each input file is read once as bytes, hashed at that moment and
parsed from those bytes, so the sha256 a stage records in its provenance is the hash of what it
used, even when another process rewrites the file meanwhile.

:func:`read_input` records ``path -> sha256`` in a per-process ledger;
:func:`clusternet.provenance.input_hashes` takes the hashes from it and refuses to certify an
input whose file no longer has the hash it had when it was read (the input changed while the
stage ran: rerun it). ``clusternet`` resets the ledger at the start of every command.

:func:`results_lock` takes advisory locks (``fcntl.flock``): stages that write result documents
hold theirs exclusively, the stages that read them (hypotheses, report) hold them shared, so a
report never reads a set of documents that is being rewritten.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
from pathlib import Path
from collections.abc import Iterator

from clusternet.errors import DataError

_LEDGER: dict[str, str] = {}


def _key(path) -> str:
    return Path(path).as_posix()


def reset() -> None:
    """Forget every recorded read (start of a command)."""
    _LEDGER.clear()


def record(path, sha256: str) -> None:
    """Record the hash of bytes of ``path`` read by other means (e.g. verified raw files)."""
    _LEDGER[_key(path)] = sha256


def recorded(path) -> str | None:
    return _LEDGER.get(_key(path))


def read_input(path) -> bytes:
    """The bytes of ``path``, read once; their sha256 is recorded for provenance."""
    data = Path(path).read_bytes()
    _LEDGER[_key(path)] = hashlib.sha256(data).hexdigest()
    return data


def read_json_input(path):
    """JSON parsed from the recorded bytes of ``path`` (json.JSONDecodeError on bad JSON)."""
    return json.loads(read_input(path).decode("utf-8"))


def read_parquet_input(path, **kwargs):
    import pandas as pd

    return pd.read_parquet(io.BytesIO(read_input(path)), **kwargs)


def read_csv_input(path, **kwargs):
    import pandas as pd

    return pd.read_csv(io.BytesIO(read_input(path)), **kwargs)


def changed_since_read(path) -> tuple[str, str] | None:
    """(hash when read, hash now) if ``path`` was read and its bytes have changed since, else None."""
    before = recorded(path)
    if before is None:
        return None
    p = Path(path)
    now = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "(file absent)"
    return None if now == before else (before, now)


def refuse_changed(paths) -> None:
    """DataError if any of ``paths`` changed between reading it and now."""
    changed = [(p, c) for p in paths if (c := changed_since_read(p)) is not None]
    if changed:
        lines = [f"  {_key(p)}: sha256 {a[:16]}... when read, {b[:16]}... now" for p, (a, b) in changed]
        raise DataError(f"{len(changed)} input file(s) changed while this stage ran:\n" + "\n".join(lines)
                        + "\nAnother process is rewriting them (e.g. `clusternet models` running at the same "
                          "time); let it finish, then run this stage again.")


# The locks are taken on directories that no stage replaces (a lock on a file or directory that a
# stage swaps for a new one would lock nothing), so no lock file is left anywhere: the result
# documents of `models` (results/models, swapped whole) are guarded by results/ itself, those of
# `spatial-models` by results/spatial, the verdicts by results/hypotheses.
LOCK_DIRECTORIES = {"models": ".", "spatial-models": "spatial", "hypotheses": "hypotheses"}
RESULT_DOCUMENT_LOCKS = tuple(sorted(LOCK_DIRECTORIES))


def lock_directory(results_dir, name: str) -> Path:
    return Path(results_dir) / LOCK_DIRECTORIES[name]


@contextlib.contextmanager
def results_lock(results_dir, exclusive=(), shared=()) -> Iterator[None]:
    """Hold advisory locks (``fcntl.flock``) for the block: ``exclusive`` for the result documents
    a stage writes (names of :data:`LOCK_DIRECTORIES`), ``shared`` for those it reads. Taken in
    path order (no deadlock between stages); blocks until they are free."""
    import fcntl

    wanted = {lock_directory(results_dir, n): fcntl.LOCK_SH for n in shared}
    wanted.update({lock_directory(results_dir, n): fcntl.LOCK_EX for n in exclusive})
    fds = []
    try:
        for directory in sorted(wanted, key=lambda p: p.as_posix()):
            directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(directory, os.O_RDONLY)
            fds.append(fd)
            fcntl.flock(fd, wanted[directory])
        yield
    finally:
        for fd in reversed(fds):
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
