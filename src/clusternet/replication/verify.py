"""``clusternet verify PACKAGE``: rerun a replication package in a clean directory and compare
every output with the package's expected sha256.

Steps: unpack (or copy) the package into a new temporary directory; check every file of
``data/upstream/`` against its sha256 in ``data/download-manifest.csv`` (a changed file stops
here, naming it); assemble the mirror the pipeline reads (the package's files plus, for files
that are not redistributed, ``--mirror``; what is in neither is downloaded by `acquire`); set up
the environment from ``code/requirements.lock`` (or reuse ``--venv``); run ``snakemake``; hash
``results/`` and ``data/processed/`` and print one line per output: identical / differs /
missing / extra. Exit status 0 when every output is identical, 1 otherwise (ClusternetError: 2).
"""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from clusternet.errors import DataError
from clusternet.io import read_json, sha256_file
from clusternet.replication import archive
from clusternet.replication.build import output_hashes


@dataclass
class Outcome:
    rows: list[tuple[str, str]]  # (path, status)
    workdir: Path

    @property
    def ok(self) -> bool:
        return all(status == "identical" for _, status in self.rows)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for _, s in self.rows:
            out[s] = out.get(s, 0) + 1
        return out


def unpack(package: Path, dest: Path) -> Path:
    package = Path(package)
    if package.is_dir():
        return archive.copy_tree(package, dest / package.name)
    if not package.is_file():
        raise DataError(f"{package}: no such package (a directory, .zip or .tar.gz written by `clusternet package`)")
    return archive.extract(package, dest)


def read_download_manifest(pkg: Path) -> list[dict]:
    path = pkg / "data" / "download-manifest.csv"
    if not path.is_file():
        raise DataError(f"{path} is missing: not a clusternet replication package")
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def check_upstream(pkg: Path, sources: list[dict]) -> None:
    """Every redistributed upstream file is present with its sha256 and size; a file in
    data/upstream/ that the manifest does not list is an error too."""
    problems = []
    listed = set()
    for s in sources:
        if not s["in_package"]:
            continue
        listed.add(s["in_package"])
        p = pkg / s["in_package"]
        if not p.is_file():
            problems.append(f"{s['in_package']} (source {s['id']}) is missing from the package")
            continue
        digest = sha256_file(p)
        if digest != s["sha256"] or p.stat().st_size != int(s["bytes"]):
            problems.append(f"{s['in_package']} (source {s['id']}) is corrupted: sha256 {digest}, "
                            f"{p.stat().st_size} bytes; expected sha256 {s['sha256']}, {s['bytes']} bytes "
                            f"(data/download-manifest.csv; pinned URL {s['url']})")
    upstream = pkg / "data" / "upstream"
    if upstream.is_dir():
        for p in sorted(upstream.rglob("*")):
            rel = p.relative_to(pkg).as_posix()
            if p.is_file() and rel not in listed:
                problems.append(f"{rel} is in the package but not in data/download-manifest.csv")
    if problems:
        raise DataError("the package's upstream files do not match their pinned sha256:\n  " + "\n  ".join(problems)
                        + "\nRestore the file(s) from the pinned URL or use an intact copy of the package.")


def assemble_mirror(pkg: Path, sources: list[dict], extra_mirror: Path | None, dest: Path) -> Path:
    for s in sources:
        rel = Path(f"{s['repo'].replace('/', '__')}") / s["path"]
        src = pkg / s["in_package"] if s["in_package"] else (extra_mirror / rel if extra_mirror else None)
        if src is not None and src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest / rel)
    dest.mkdir(parents=True, exist_ok=True)
    return dest


def _run(args, cwd: Path, env: dict, what: str, log: Path) -> None:
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"$ {' '.join(map(str, args))}\n")
        fh.flush()
        proc = subprocess.run(list(map(str, args)), cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
        raise DataError(f"{what} failed (exit {proc.returncode}); log {log}:\n{tail}")


def setup_venv(code: Path, venv: Path | None, work: Path, log: Path) -> Path:
    """The bin directory of the environment: ``venv`` as given, or a new one in ``work`` with the
    package's code installed under the lock file's constraints."""
    if venv is not None:
        bin_dir = Path(venv) / "bin"
        if not (bin_dir / "snakemake").exists():
            raise DataError(f"--venv {venv}: {bin_dir / 'snakemake'} does not exist; give a virtual environment "
                            "with clusternet's dependencies installed (or leave --venv out)")
        return bin_dir
    target = work / "venv"
    _run([sys.executable, "-m", "venv", target], work, dict(os.environ), "creating the virtual environment", log)
    bin_dir = target / "bin"
    _run([bin_dir / "python", "-m", "pip", "install", "--quiet", "-c", code / "requirements.lock", code], work,
         dict(os.environ), "installing the locked environment", log)
    return bin_dir


def compare(expected: dict, actual: dict) -> list[tuple[str, str]]:
    rows = []
    for path in sorted(set(expected) | set(actual)):
        if path not in actual:
            rows.append((path, "missing"))
        elif path not in expected:
            rows.append((path, "extra"))
        else:
            rows.append((path, "identical" if actual[path]["sha256"] == expected[path]["sha256"] else "differs"))
    return rows


def verify(package: Path, venv: Path | None = None, mirror: Path | None = None, cores: int = 2,
           workdir: Path | None = None, keep: bool = False, out=sys.stdout) -> Outcome:
    base = Path(tempfile.mkdtemp(prefix="clusternet-verify-", dir=workdir))
    try:
        pkg = unpack(Path(package), base / "package")
        meta_path = pkg / "package.json"
        if not meta_path.is_file():
            raise DataError(f"{package}: package.json is missing: not a clusternet replication package")
        meta = read_json(meta_path)
        expected = read_json(pkg / "expected" / "outputs.json")["files"]
        sources = read_download_manifest(pkg)
        check_upstream(pkg, sources)
        print(f"package {meta['package']['name']}: {len(sources)} upstream files "
              f"({sum(bool(s['in_package']) for s in sources)} in the package) verified; "
              f"{len(expected)} expected outputs", file=out)
        # A clean copy of the code: the pipeline writes data/ and results/ inside it.
        work = base / "run"
        shutil.copytree(pkg / "code", work)
        for top in ("results", "data/processed", "data/raw", "data/interim", "logs", ".snakemake"):
            p = work / top
            if p.is_dir() and any(q.name != ".gitkeep" for q in p.rglob("*") if q.is_file()):
                raise DataError(f"{pkg / 'code' / top} holds outputs; a package's code must not contain results")
        mirror_dir = assemble_mirror(pkg, sources, Path(mirror) if mirror else None, base / "mirror")
        log = base / "verify.log"
        bin_dir = setup_venv(work, venv, base, log)
        env = dict(os.environ)
        env.update({"CLUSTERNET_MIRROR": str(mirror_dir), "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
                    "MPLBACKEND": "Agg", "PYTHONPATH": str(work / "src"),
                    # Stamped into every output; outside a git checkout the code cannot find it itself.
                    "CLUSTERNET_CODE_VERSION": meta["package"]["code_version"]})
        env.pop("VIRTUAL_ENV", None)
        print(f"running the pipeline in {work} (log: {log}) ...", file=out, flush=True)
        _run([bin_dir / "snakemake", "--cores", str(cores)], work, env, "the pipeline (snakemake)", log)
        rows = compare(expected, output_hashes(work))
        width = max((len(p) for p, _ in rows), default=10)
        print(f"{'output'.ljust(width)}  status", file=out)
        for path, status in rows:
            print(f"{path.ljust(width)}  {status}", file=out)
        outcome = Outcome(rows, base)
        summary = ", ".join(f"{n} {s}" for s, n in sorted(outcome.counts().items()))
        print(f"{'OK' if outcome.ok else 'FAILED'}: {summary}", file=out)
        return outcome
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)
