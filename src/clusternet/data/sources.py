"""Acquisition of the upstream files listed in ``config/sources.yaml``.

Each file is taken from a mirror directory (``acquire.mirror`` in config.yaml, overridden by
``$CLUSTERNET_MIRROR``; layout ``<owner>__<repo>/<path>``) or downloaded from its URL (pinned
to a commit), verified against its sha256 and size, and written to
``<paths.raw>/upstream/<owner>__<repo>/<path>``. A file whose hash does not match is never
left under its expected name. A file already present with the right hash is not copied again,
so a second run does nothing.
"""
from __future__ import annotations

import os
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from clusternet.config import MIRROR_ENV, Config
from clusternet.errors import ConfigError, DataError
from clusternet.io import atomic_path, sha256_bytes, sha256_file, write_json

RAW_SUBDIR = "upstream"
RECORD_NAME = "acquisition.json"


@dataclass(frozen=True)
class SourceFile:
    id: str
    repo: str
    commit: str
    path: str
    url: str
    sha256: str
    bytes: int
    licence: str
    description: str

    @property
    def relpath(self) -> Path:
        """Location relative to a mirror or to ``data/raw/upstream``."""
        owner, name = self.repo.split("/")
        return Path(f"{owner}__{name}") / self.path


def pinned_url(repo: str, commit: str, path: str) -> str:
    """``https://raw.githubusercontent.com/<owner>/<repo>/<commit>/<percent-encoded path>``."""
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{urllib.parse.quote(path)}"


def load_sources(config: Config) -> list[SourceFile]:
    """The validated manifest; ids must be unique and each URL must be the pinned URL."""
    section = config.section("sources")
    files = [SourceFile(**entry) for entry in section["files"]]
    where = config.section_file("sources")
    seen: set[str] = set()
    for i, f in enumerate(files):
        if f.id in seen:
            raise ConfigError(f"{where}: files[{i}].id {f.id!r} is used twice; ids must be unique")
        seen.add(f.id)
        expected = pinned_url(f.repo, f.commit, f.path)
        if f.url != expected:
            raise ConfigError(f"{where}: files[{i}].url for {f.id!r} is {f.url!r}; "
                              f"it must be the pinned URL {expected!r}")
    return files


def raw_dir(config: Config) -> Path:
    return config.path_of("raw") / RAW_SUBDIR


def raw_path(config: Config, source: SourceFile) -> Path:
    return raw_dir(config) / source.relpath


def source_by_id(config: Config) -> dict[str, SourceFile]:
    return {f.id: f for f in load_sources(config)}


def read_verified(config: Config, source: SourceFile) -> bytes:
    """The bytes of the acquired copy of ``source``, read once and checked against its sha256 and
    size pins in sources.yaml; a copy edited after acquisition is refused (the panel stage parses
    the bytes returned here, so what is checked is what is used)."""
    target = raw_path(config, source)
    if not target.is_file():
        raise DataError(f"{target}: upstream file is missing; run `clusternet acquire --config {config.path}`")
    data = target.read_bytes()
    actual = sha256_bytes(data)
    if actual != source.sha256 or len(data) != source.bytes:
        raise DataError(
            f"{target}: the acquired copy of {source.id} does not match its pin in "
            f"{config.section_file('sources')}:\n  expected sha256 {source.sha256} ({source.bytes} bytes)\n"
            f"  actual   sha256 {actual} ({len(data)} bytes)\n"
            f"The file was changed after acquisition. Delete it and re-run `clusternet acquire --config "
            f"{config.path}` to restore the pinned file; if the new content is intended, update sha256 and bytes "
            f"of {source.id} in sources.yaml.")
    return data


def _verified_copy(data_source, source: SourceFile, target: Path, origin: str) -> None:
    """Write ``data_source`` (a path or a bytes-producing callable) to ``target`` atomically,
    checking sha256 and size before the file gets its final name."""
    with atomic_path(target) as tmp:
        if isinstance(data_source, Path):
            shutil.copyfile(data_source, tmp)
        else:
            tmp.write_bytes(data_source())
        actual = sha256_file(tmp)
        if actual != source.sha256:
            raise DataError(
                f"sha256 mismatch for {source.id} ({source.relpath.as_posix()}) from {origin}:\n"
                f"  expected {source.sha256}\n  actual   {actual}\n"
                f"The file was not written to {target}. Check that the mirror holds the file of "
                f"commit {source.commit}, or update sources.yaml if the pin was changed on purpose."
            )
        size = tmp.stat().st_size
        if size != source.bytes:
            raise DataError(f"size mismatch for {source.id} from {origin}: expected {source.bytes} bytes, "
                            f"got {size}; the file was not written to {target}")


def _download(url: str, timeout: float, retries: int) -> bytes:
    last: Exception | None = None
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (pinned https URL)
                return response.read()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            last = exc
            if attempt < retries:
                time.sleep(min(2 ** attempt, 10))
    raise OSError(f"{url}: {last}")


def acquire(config: Config, download: bool = True) -> dict:
    """Make every source file present and verified under ``data/raw/upstream``.

    Writes the acquisition record ``data/raw/upstream/acquisition.json`` (id, path, sha256,
    bytes, URL and licence of every verified file) and returns, per file id, where it came
    from: ``present`` (already verified), ``mirror`` or ``download``.
    """
    files = load_sources(config)
    mirror = config.mirror
    if mirror is not None and not mirror.is_dir():
        origin_key = f"${MIRROR_ENV}" if os.environ.get(MIRROR_ENV) else f"acquire.mirror in {config.path}"
        raise DataError(f"the mirror directory {mirror} (set by {origin_key}) does not exist; "
                        f"point it at a directory laid out as <owner>__<repo>/<path>")
    settings = config.main.get("acquire", {})
    timeout = float(settings.get("timeout_seconds", 60))
    retries = int(settings.get("retries", 3))
    missing: list[tuple[SourceFile, str]]
    record, missing, origins = [], [], {}
    for f in files:
        target = raw_path(config, f)
        origin = None
        if target.exists() and target.stat().st_size == f.bytes and sha256_file(target) == f.sha256:
            origin = "present"
        elif mirror is not None and (mirror / f.relpath).is_file():
            _verified_copy(mirror / f.relpath, f, target, f"mirror {mirror / f.relpath}")
            origin = "mirror"
        elif download and not missing:
            try:
                payload = _download(f.url, timeout, retries)
            except OSError as exc:
                missing.append((f, str(exc)))
                continue
            _verified_copy(lambda payload=payload: payload, f, target, f.url)
            origin = "download"
        else:
            # After one download has failed with all its retries the others are not tried
            # (offline, each would wait through its retries), but they are all listed.
            why = "not tried after an earlier download failed" if download else "downloads are disabled"
            missing.append((f, f"not in the mirror; {why}"))
            continue
        origins[f.id] = origin
        record.append({"id": f.id, "path": f.relpath.as_posix(), "sha256": f.sha256, "bytes": f.bytes,
                       "url": f.url, "licence": f.licence})
    if missing:
        lines = [f"  {f.id}: {f.relpath.as_posix()}\n    url: {f.url}\n    reason: {why}" for f, why in missing]
        raise DataError(
            f"{len(missing)} upstream file(s) could not be acquired:\n" + "\n".join(lines)
            + f"\nWithout internet access, supply a mirror: set {MIRROR_ENV}=/path/to/upstream "
              f"(or acquire.mirror in {config.path}) to a directory laid out as <owner>__<repo>/<path>, "
              f"e.g. {MIRROR_ENV}=../shared/data/upstream"
        )
    # The record lists what was verified, not where it came from or when, so that a rerun
    # (files already present) gives identical bytes.
    write_json(raw_dir(config) / RECORD_NAME, {"files": sorted(record, key=lambda r: r["id"])})
    return origins
