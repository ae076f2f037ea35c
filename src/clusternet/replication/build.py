"""``clusternet package OUT``: the replication package of the current configuration and results.

Layout of ``OUT/`` (and of the top directory of ``OUT.zip`` / ``OUT.tar.gz``)::

    README.md                 Social Science Data Editors' template README
    CITATION.cff, data-citations.bib, LICENSE
    package.json              package id, code commit, sources, list of tables and figures, programs
    tables-and-figures.csv    the list of tables and figures (also in README.md)
    expected/outputs.json     sha256 and size of every pipeline output (results/, data/processed/)
    code/                     the code at its exact version (incl. requirements.lock and config/)
    data/download-manifest.csv  every upstream file: URL, commit, sha256, licence, redistributed?
    data/upstream/            the upstream files whose licence allows redistribution (mirror layout)
    results/                  the run's results (the report at results/report/index.html)

Everything is derived from files, never from the clock, so two builds give byte-identical
archives (``clusternet.replication.archive``).
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

from clusternet.data.sources import load_sources, raw_path
from clusternet.errors import ConfigError, DataError
from clusternet.io import read_json, sha256_file, write_bytes, write_json, write_text
from clusternet.replication import archive, catalogue, citation, readme
from clusternet.package_identity import package_identity
from clusternet.replication.settings import load_package_settings, package_settings_path, publishers_by_repo

FORMATS = ("zip", "tar.gz")
OUTPUT_DIRS = ("results", "data/processed")  # what the pipeline writes and verify compares
# Code copied when the project is not a git checkout (e.g. a copy of the workflow).
FALLBACK_CODE = ("Snakefile", "dvc.yaml", "config", "workflow", "profiles", "environment.yml", "src",
                 "pyproject.toml", "requirements.lock", "LICENSE", "Makefile", "README.md", "CITATION.cff",
                 "data-citations.bib", "docs", "tests", "benchmarks", "resources", ".gitignore",
                 "params.yaml")  # issue 14: DVC parameters (read by both runners)
# DVC's own control files stay out of the package: the package directory is itself an output of
# the dvc `package` stage, and DVC refuses an output directory that holds a .dvcignore or .dvc/
# (the package replicates through Snakemake; `dvc init` recreates them for DVC users).
NOT_PACKAGED = (".dvcignore", ".dvc/")
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".hypothesis", ".snakemake", ".venv", ".git"}
LOCK = "requirements.lock"
SYSTEM_DEPS = "workflow/scripts/system-deps.sh"


def output_hashes(root: Path) -> dict[str, dict]:
    """{path: {sha256, bytes}} of every pipeline output under OUTPUT_DIRS (hidden files,
    .gitkeep and Snakemake's directory timestamps excluded)."""
    out = {}
    for top in OUTPUT_DIRS:
        base = Path(root) / top
        for p in sorted(base.rglob("*"), key=lambda q: q.as_posix()):
            rel = p.relative_to(root)
            if not p.is_file() or p.name in (".gitkeep", ".snakemake_timestamp") \
                    or any(part.startswith(".") for part in rel.parts):
                continue
            out[rel.as_posix()] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}
    return out


def _git(root: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def code_files(root: Path) -> tuple[list[str], dict]:
    """(relative paths of the code files, {"commit", "dirty", "how"}).

    In a git checkout: the files tracked by git, as they are in the working tree, with the HEAD
    commit and the tracked files that differ from it (``dirty``). Otherwise the FALLBACK_CODE
    entries that exist, without a commit."""
    root = Path(root).resolve()
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is not None and Path(top.strip()).resolve() == root:
        listed = _git(root, "ls-files", "-z") or ""
        files = sorted(f for f in listed.split("\0") if f and (root / f).is_file() and not (root / f).is_symlink()
                       and not f.startswith(NOT_PACKAGED))
        commit = (_git(root, "rev-parse", "HEAD") or "").strip() or None
        status = _git(root, "status", "--porcelain", "--untracked-files=no") or ""
        dirty = sorted(line[3:] for line in status.splitlines() if line.strip())
        return files, {"commit": commit, "dirty": dirty, "how": "files tracked by git (working tree)"}
    files = []
    for name in FALLBACK_CODE:
        p = root / name
        if p.is_file():
            files.append(name)
        elif p.is_dir():
            files += [q.relative_to(root).as_posix() for q in p.rglob("*")
                      if q.is_file() and not q.is_symlink() and not (SKIP_PARTS & set(q.relative_to(root).parts))
                      and q.suffix != ".pyc"]
    return sorted(files), {"commit": None, "dirty": [], "how": "copy of the project files (not a git checkout)"}


def lock_packages(root: Path) -> list[tuple[str, str]]:
    path = Path(root) / LOCK
    if not path.is_file():
        raise DataError(f"{path} does not exist; the package records exact versions from the lock file")
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            out.append((name.strip(), version.strip()))
    return out


def system_packages(root: Path) -> list[dict]:
    """The Debian packages workflow/scripts/system-deps.sh installs (``need+=(name)``) and the
    version dpkg reports on the building machine."""
    path = Path(root) / SYSTEM_DEPS
    if not path.is_file():
        return []
    import re

    names = sorted(set(re.findall(r"need\+=\(([^)\s]+)\)", path.read_text(encoding="utf-8"))))
    out = []
    for n in names:
        version = None
        try:
            proc = subprocess.run(["dpkg-query", "-W", "-f=${Version}", n], capture_output=True, text=True, timeout=30)
            version = proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else None
        except (OSError, subprocess.SubprocessError):
            pass
        out.append({"name": n, "version": version})
    return out


def _csv(rows: list[list]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _check_results(root: Path, config, ident: dict) -> dict:
    results = config.path_of("results")
    items = root / results / "report" / "items.json"
    if not items.is_file():
        raise DataError(f"{items} does not exist; run the whole pipeline (snakemake --cores 2) before packaging")
    recorded = read_json(items).get("package", {})
    for key in ("code_version", "config_sha256"):
        if recorded.get(key) != ident[key]:
            raise DataError(f"{items}: the results were made with {key} {recorded.get(key)}, but the current "
                            f"{key} is {ident[key]}; rerun the pipeline (snakemake --cores 2) so that the package's "
                            "code, configuration and results agree")
    stale = []
    for doc in sorted((root / results).rglob("*.json")):
        try:
            version = read_json(doc).get("provenance", {}).get("code_version")
        except (ValueError, AttributeError):
            continue
        if version is not None and version != ident["code_version"]:
            stale.append(f"{doc.relative_to(root).as_posix()} ({version})")
    if stale:
        raise DataError(f"{len(stale)} result document(s) were made by another code version than the current "
                        f"{ident['code_version']}: {', '.join(stale[:5])}{' ...' if len(stale) > 5 else ''}; rerun the "
                        "whole pipeline (e.g. `snakemake --cores 2 --forceall`) before packaging")
    manifest_path = root / results / "manifest.json"
    if not manifest_path.is_file():
        raise DataError(f"{manifest_path} does not exist; run the report stage")
    manifest = read_json(manifest_path)["files"]
    for path, rec in manifest.items():
        p = root / path
        if not p.is_file() or sha256_file(p) != rec["sha256"]:
            raise DataError(f"{manifest_path}: {path} is missing or changed since the report stage wrote the "
                            "manifest; rerun the pipeline before packaging")
    return manifest


def build_package(config, out: Path, formats=FORMATS, root: Path | None = None) -> dict:
    """Write the package directory ``out`` and its archives; return a summary."""
    root = Path(root or Path.cwd())
    out = Path(out)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ConfigError(f"unknown archive format(s) {unknown}; choose from {list(FORMATS)}")
    settings = load_package_settings(config)
    sources = load_sources(config)
    pubs = publishers_by_repo(settings, sources, package_settings_path(config))
    ident = package_identity(config)
    manifest = _check_results(root, config, ident)
    files, code = code_files(root)
    if LOCK not in files:
        raise DataError(f"{root / LOCK} is not among the code files (tracked by git); commit it")
    stage = out.parent / f".{out.name}.staging"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    try:
        for rel in files:
            write_bytes(stage / "code" / rel, (root / rel).read_bytes())
            if os.access(root / rel, os.X_OK):
                os.chmod(stage / "code" / rel, 0o755)  # scripts stay executable (archives keep 0755)
        # Upstream files: verified copies, the redistributable ones only.
        rows = [["id", "repo", "commit", "path", "url", "sha256", "bytes", "licence", "redistributed", "in_package"]]
        mirror = config.mirror
        for s in sources:
            redistribute = bool(pubs[s.repo]["redistribute"])
            in_package = ""
            if redistribute:
                candidates = [raw_path(config, s), *([Path(mirror) / s.relpath] if mirror else [])]
                src = next((c for c in candidates if c.is_file() and sha256_file(c) == s.sha256), None)
                if src is None:
                    raise DataError(f"upstream file {s.id} ({s.relpath.as_posix()}) with sha256 {s.sha256} was found "
                                    f"neither in {candidates[0]} nor in the mirror; run `clusternet acquire` first")
                in_package = f"data/upstream/{s.relpath.as_posix()}"
                write_bytes(stage / in_package, src.read_bytes())
            rows.append([s.id, s.repo, s.commit, s.path, s.url, s.sha256, str(s.bytes), s.licence,
                         "yes" if redistribute else "no", in_package])
        write_text(stage / "data" / "download-manifest.csv", _csv(rows))
        # Results as produced, and the expected hash of every output.
        results = config.path_of("results").as_posix()
        for path in [*manifest, f"{results}/manifest.json"]:
            write_bytes(stage / path, (root / path).read_bytes())
        expected = output_hashes(root)
        write_json(stage / "expected" / "outputs.json", {"files": expected})
        entries = catalogue.list_of_tables_and_figures(root, config)
        programs = catalogue.list_of_programs(root)
        write_text(stage / "tables-and-figures.csv", _csv(
            [["number", "anchor", "name", "kind", "title", "section", "files", "commands", "config_entries",
              "result_documents"]]
            + [[e.number, e.anchor, e.name, e.kind, e.title, e.section, "; ".join(e.files), "; ".join(e.commands),
                "; ".join(e.config_entries), "; ".join(e.result_documents)] for e in entries]))
        repos = citation.repositories(config)
        write_text(stage / citation.CFF_NAME, citation.citation_cff(config))
        write_text(stage / citation.BIB_NAME, citation.bibtex(config))
        if (root / "LICENSE").is_file():
            write_bytes(stage / "LICENSE", (root / "LICENSE").read_bytes())
        meta = {
            "package": ident, "code": code, "python": ".".join(map(str, sys.version_info[:3])),
            "lock_sha256": sha256_file(root / LOCK), "system_packages": system_packages(root),
            "reference_run": settings["reference_run"],
            "sources": [dict(zip(rows[0], r)) for r in rows[1:]],
            "tables_and_figures": [e.as_dict() for e in entries], "programs": programs,
            "outputs": len(expected),
        }
        write_json(stage / "package.json", meta)
        write_text(stage / "README.md", readme.render(
            meta=meta, settings=settings, repos=repos, lock=lock_packages(root), entries=entries,
            programs=programs, expected=expected, config=config))
        _swap(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    archives = []
    for fmt in formats:
        target = out.parent / f"{out.name}.{fmt}"
        (archive.write_zip if fmt == "zip" else archive.write_tar_gz)(out, target, out.name)
        digest = sha256_file(target)
        write_text(target.parent / f"{target.name}.sha256", f"{digest}  {target.name}\n")
        archives.append((target, digest))
    return {"dir": out, "archives": archives, "package": ident, "entries": len(entries), "outputs": len(expected),
            "dirty": code["dirty"]}


def _swap(stage: Path, final: Path) -> None:
    old = final.parent / f".{final.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    stage.rename(final)
    shutil.rmtree(old, ignore_errors=True)
