"""Benchmark of the report stage (clusternet.report) at the size of the real analysis.

A synthetic project: 31 provinces x 12 years, 5 index columns drawn as choropleth maps
(2 years each, real province boundaries), 40 panel result documents, 10 hypotheses citing 3 documents each,
all table formats (tex, docx, html, md, csv) and figure formats (png, pdf).

Reports: the whole `build_report` (median of --repeats runs, after one warm-up), the time
per table by format, per figure by format, and whether two builds gave identical bytes.

Run: python benchmarks/bench_report.py [--repeats 3]
     python benchmarks/bench_report.py --project DIR [--repeats 1]   # the report stage on a finished run
     python benchmarks/bench_report.py --project DIR --sources OLD/src NEW/src --repeats 2   # before/after
"""
from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from clusternet import plotting
from clusternet.config import load_config
from clusternet.data.regions import codes as region_codes
from clusternet.io import write_json
from clusternet.report import build
from clusternet.report.build import build_report
from clusternet.report.regression import regression_table
from clusternet.report.settings import ReportSettings
from clusternet.report.tables import to_csv, to_docx, to_html, to_latex, to_markdown
from clusternet.results import coefficient_table, make_result, write_result

ROOT = Path(__file__).resolve().parents[1]
CODES = region_codes()
YEARS = list(range(2011, 2023))
X = ["digital", "policy", "innovation_rd", "lead_firms", "randomness"]


def make_project(root: Path, n_docs: int = 40, n_hyp: int = 10) -> None:
    rng = np.random.default_rng(1)
    cfg = root / "config"
    (cfg / "schemas").mkdir(parents=True)
    for name in ("config", "report"):
        shutil.copy(ROOT / f"config/schemas/{name}.schema.yaml", cfg / "schemas")
    (cfg / "report.yaml").write_text("language: en\n")
    (cfg / "config.yaml").write_text(yaml.safe_dump({
        "seed": 1, "years": {"first": 2011, "last": 2022},
        "paths": {"raw": "data/raw", "interim": "data/interim", "processed": "data/processed", "results": "results"},
        "acquire": {"mirror": None}, "sections": {"report": "report.yaml"}}))
    ids = pd.MultiIndex.from_product([CODES, YEARS], names=["region_code", "year"]).to_frame(index=False)
    n = len(ids)
    proc = root / "data/processed"
    proc.mkdir(parents=True)
    ids.assign(region_en="x", region_zh="x", group="East", innov=rng.normal(size=n),
               **{x: rng.normal(size=n) for x in X}).to_parquet(proc / "panel.parquet", index=False)
    ids.assign(**{f"index_{k}": rng.uniform(size=n) for k in range(5)}).to_parquet(proc / "indices.parquet",
                                                                                    index=False)
    ids.assign(degree=rng.uniform(size=n)).to_parquet(proc / "network_nodes.parquet", index=False)
    for d in range(n_docs):
        est, se = rng.normal(size=len(X) + 4), rng.uniform(0.05, 0.3, len(X) + 4)
        names = X + [f"control_{c}" for c in range(4)]
        write_result(root / f"results/models/spec_{d:02d}.json", make_result(
            model="panel.twfe", dependent="innov", label=f"Specification {d}",
            coefficients=coefficient_table(names, est, se, df_resid=300),
            covariance={"type": "clustered", "n_clusters": 31}, nobs=n, n_entities=31, n_periods=12,
            effects={"entity": True, "time": bool(d % 2)}, fit={"r2_within": 0.3},
            spec={"controls": names[len(X):]}, provenance={"code_version": "bench", "inputs": {}}))
    write_json(root / "results/hypotheses/verdicts.json", {"hypotheses": [
        {"id": f"H{h + 1}", "title_en": f"Hypothesis {h + 1}", "verdict": "supported",
         "evidence": [{"result": f"results/models/spec_{h:02d}.json", "coefficient": X[h % len(X)]}],
         "robustness": [{"result": f"results/models/spec_{(h + k) % n_docs:02d}.json",
                         "coefficient": X[h % len(X)]} for k in (10, 20)]} for h in range(n_hyp)]})


def digest_tree(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted((root / "results").rglob("*")):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode() + p.read_bytes())
    return h.hexdigest()


def time_project(root: Path, repeats: int) -> None:
    """Wall and CPU time of the report stage on a finished run (both languages of report.languages,
    every table and figure format); the geometry cache is used when `clusternet geometry` wrote it.
    CPU includes the processes the stage forks (one per further language)."""
    import resource

    cwd = os.getcwd()
    os.chdir(root)
    try:
        for i in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            k0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            build_report(load_config("config/config.yaml"))
            k1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            children = (k1.ru_utime + k1.ru_stime) - (k0.ru_utime + k0.ru_stime)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0 + children
            load = os.getloadavg()[0]
            print(f"report stage on {root}: {wall:.1f} s wall, {cpu:.1f} s CPU (run {i + 1}, load average {load:.1f})",
                  flush=True)
    finally:
        os.chdir(cwd)


def compare_sources(root: Path, sources: list[str], repeats: int) -> None:
    """The report stage on the finished run ``root`` with each source tree in turn (PYTHONPATH),
    interleaved ``repeats`` times so that every version sees the same load; one subprocess per
    run (wall and CPU of the subprocess and its children); prints each run and the medians."""
    import resource
    import subprocess
    import sys

    results: dict[str, list[tuple[float, float]]] = {s: [] for s in sources}
    for i in range(repeats):
        for src in sources:
            env = {**os.environ, "PYTHONPATH": src}
            k0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "from clusternet.cli import main; main()", "report",
                            "--config", "config/config.yaml"], cwd=root, env=env, check=True,
                           stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - t0
            k1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (k1.ru_utime + k1.ru_stime) - (k0.ru_utime + k0.ru_stime)
            results[src].append((wall, cpu))
            print(f"run {i + 1} {src}: {wall:.1f} s wall, {cpu:.1f} s CPU, load average {os.getloadavg()[0]:.1f}",
                  flush=True)
    base = sources[0]
    for src in sources:
        w = statistics.median(r[0] for r in results[src])
        c = statistics.median(r[1] for r in results[src])
        bw = statistics.median(r[0] for r in results[base])
        bc = statistics.median(r[1] for r in results[base])
        print(f"{src}: median {w:.1f} s wall ({w / bw:.2f} of the first), {c:.1f} s CPU ({c / bc:.2f} of the first)")


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--project", metavar="DIR", help="time `clusternet report` in DIR (a finished pipeline "
                                                          "run, e.g. a worktree after snakemake) and stop")
    parser.add_argument("--sources", nargs="+", metavar="SRC", help="with --project: compare the report stage "
                        "of these source trees (each a PYTHONPATH, e.g. an old commit's src/ from git archive)")
    args = parser.parse_args()
    if args.project and args.sources:
        compare_sources(Path(args.project), args.sources, args.repeats)
        return
    if args.project:
        time_project(Path(args.project), args.repeats)
        return
    os.environ.setdefault("CLUSTERNET_CODE_VERSION", "bench")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    t0 = time.perf_counter()
    build.province_geometries()
    print(f"province geometries from clusternet.data.geo (31 principal landmasses, simplified): "
          f"{time.perf_counter() - t0:.2f} s")
    cwd = os.getcwd()
    digests = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in ("a", "b"):
            root = Path(tmp) / run
            make_project(root)
            os.chdir(root)
            try:
                config = load_config("config/config.yaml")
                build_report(config)  # warm-up (imports, font cache)
                if run == "a":
                    t = timed(lambda: build_report(load_config("config/config.yaml")), args.repeats)
                    print(f"build_report, 40 documents, 10 hypotheses, 5 maps: {t:.2f} s (median of {args.repeats})")
                digests.append(digest_tree(root))
            finally:
                os.chdir(cwd)
    print(f"two builds byte-identical: {digests[0] == digests[1]}")

    # Per table: a 6-column regression table, rendered in each format.
    rng = np.random.default_rng(2)
    docs = {}
    for d in range(6):
        docs[f"s{d}"] = make_result(model="panel.twfe", dependent="y", nobs=372,
                                    coefficients=coefficient_table(X, rng.normal(size=5), np.full(5, 0.1)),
                                    covariance={"type": "clustered", "n_clusters": 31}, spec={},
                                    effects={"entity": True, "time": True}, fit={"r2_within": 0.3},
                                    provenance={"code_version": "bench", "inputs": {}})
    table = regression_table(docs, ReportSettings(), name="t", title="T", provenance={"code_version": "b"})
    for name, fn in (("tex", to_latex), ("docx", to_docx), ("html", to_html), ("md", to_markdown), ("csv", to_csv)):
        print(f"6-column regression table as {name}: {1000 * timed(lambda: fn(table), 20):.1f} ms")
    plotting.setup()
    from clusternet.report.figures import coefficient_plot

    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("png", "pdf"):
            def one():
                fig = coefficient_plot(docs, X, ReportSettings(), "T")
                plotting.save_formats(fig, Path(tmp) / "f", (fmt,), {"code_version": "b"})
            print(f"coefficient plot (6 specifications x 5 coefficients) as {fmt}: "
                  f"{1000 * timed(one, 5):.0f} ms")


if __name__ == "__main__":
    main()
