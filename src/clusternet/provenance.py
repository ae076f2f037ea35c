"""Provenance stamped on every result document, table and figure: code version,
config hash and the sha256 of every input file. No timestamps, so that two runs
on the same inputs give byte-identical outputs."""
from __future__ import annotations

import os
import subprocess
from functools import lru_cache
from pathlib import Path

from clusternet import __version__, reads
from clusternet.io import sha256_file


def code_version() -> str:
    """Package version plus the git commit when run from a checkout.

    ``CLUSTERNET_CODE_VERSION`` overrides it (useful when a run happens outside
    git, e.g. from an sdist)."""
    return os.environ.get("CLUSTERNET_CODE_VERSION") or _git_code_version()


@lru_cache(maxsize=1)
def _git_code_version() -> str:
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return __version__
    return f"{__version__}+g{commit}" if commit else __version__


def input_hashes(paths) -> dict[str, str]:
    """sha256 per input path (as given, POSIX separators), sorted by path.

    For a file the stage read through :mod:`clusternet.reads` the hash is that of the bytes it
    read (recorded when it read them), and a file that has changed since is refused
    (:func:`clusternet.reads.refuse_changed`): the document would certify an input it did not
    use. Other files are hashed now."""
    paths = sorted(map(str, paths))
    reads.refuse_changed(paths)
    return {Path(p).as_posix(): reads.recorded(p) or sha256_file(p) for p in paths}


def provenance(inputs=(), config=None, sections=None) -> dict:
    out = {"code_version": code_version(), "inputs": input_hashes(inputs)}
    if config is not None:
        out["config_sha256"] = config.sha256(sections)
    return out


def config_keys_sha256(config, keys: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """{section: sha256 of the canonical JSON of only ``keys`` of that section}: the provenance of a
    stage that reads a few keys of another stage's section (e.g. ``models.merge_tables``), so that
    editing the rest of that section leaves its outputs' bytes alone (issue 14). A section the
    config does not list is recorded with the hash of null values."""
    import hashlib
    import json

    out = {}
    for name, wanted in keys.items():
        data = config.section(name) if name in config.main.get("sections", {}) else {}
        blob = json.dumps({k: data.get(k) for k in wanted}, sort_keys=True, ensure_ascii=False, default=str)
        out[name] = hashlib.sha256(blob.encode()).hexdigest()
    return out
