"""Per-rule CPU and wall time of the pipeline (issue 19).

Every rule carries a Snakemake ``benchmark:`` directive (``benchmarks/.results/rules/<rule>.tsv``:
wall seconds ``s``, peak memory, and a *sampled* ``cpu_time``, one sample per second for 30 s and
then one per 30 s, so it undercounts long rules). The exact CPU time comes from the commands
themselves: with ``CLUSTERNET_RUSAGE=DIR`` every ``clusternet`` command appends getrusage (own +
children, user + system), its wall time since the process started and its peak RSS to
``DIR/<command>.jsonl`` (``clusternet.cli.app``).

    python benchmarks/bench_pipeline.py --run            # cold run: snakemake --cores 2 in this checkout
    python benchmarks/bench_pipeline.py                  # only print the table of the last run
    python benchmarks/bench_pipeline.py --run --configfile config/test/config.yaml

``--run`` removes the previous run's benchmark and usage files, then runs
``snakemake --cores N --configfile ...`` (add ``--forceall`` for a cold run of a warm checkout)
with ``CLUSTERNET_RUSAGE`` set. The table lists each rule's wall (Snakemake), exact CPU (getrusage),
Snakemake's sampled CPU, peak RSS, and its start/end offsets in the run, then the totals and
the run's wall time (first start to last end).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULES_DIR = ROOT / "benchmarks" / ".results" / "rules"
USAGE_DIR = ROOT / "benchmarks" / ".results" / "rusage"


def _stage_table():
    sys.path.insert(0, str(ROOT / "src"))
    from clusternet.workflow.stages import STAGES

    return STAGES


def read_benchmarks(rules_dir: Path = RULES_DIR) -> dict[str, dict]:
    """{rule: last row of benchmarks/.results/rules/<rule>.tsv}; a per-specification rule
    (``<rule>/<spec>.tsv``, one file per job) gets the sum of its jobs' wall and sampled CPU and
    the largest peak memory."""
    out = {}
    for p in sorted(rules_dir.glob("*.tsv")):
        with p.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        if rows:
            out[p.stem] = rows[-1]
    for d in sorted(q for q in rules_dir.glob("*") if q.is_dir()):
        jobs = []
        for p in sorted(d.glob("*.tsv")):
            with p.open(encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh, delimiter="\t"))
            if rows:
                jobs.append(rows[-1])
        if jobs:
            out[d.name] = {"s": sum(_num(j.get("s")) or 0 for j in jobs),
                           "cpu_time": sum(_num(j.get("cpu_time")) or 0 for j in jobs),
                           "max_rss": max(_num(j.get("max_rss")) or 0 for j in jobs), "jobs": len(jobs)}
    return out


def read_usage(usage_dir: Path = USAGE_DIR) -> dict[str, dict]:
    """{command: its JSON lines of DIR/<command>.jsonl combined}: ``run`` empties DIR first, so the
    lines are this run's processes of the command (one per job of a per-specification stage): CPU
    summed, wall from the first start to the last end, the largest peak memory."""
    out = {}
    for p in sorted(usage_dir.glob("*.jsonl")):
        rows = [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not rows:
            continue
        end = max(r["end"] for r in rows)
        start = min(r["end"] - r["wall_s"] for r in rows)
        out[p.stem] = {"cpu_s": sum(r["cpu_s"] for r in rows), "wall_s": end - start, "end": end,
                       "max_rss_mb": max(r.get("max_rss_mb") or 0 for r in rows), "processes": len(rows)}
    return out


def _num(v) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def table(bench: dict[str, dict], usage: dict[str, dict]) -> tuple[list[dict], dict]:
    stages = _stage_table()
    rows = []
    seen: set[str] = set()  # a command shared by two rules (models, models_index) is counted once
    for name, st in stages.items():
        b = bench.get(name)
        u = None if st.subcommand in seen else usage.get(st.subcommand)
        seen.add(st.subcommand)
        if b is None and u is None:
            continue
        start = end = None
        if u is not None and u.get("wall_s") is not None:
            end = u["end"]
            start = end - u["wall_s"]
        rows.append({"rule": name, "wall_s": _num((b or {}).get("s")), "cpu_s": (u or {}).get("cpu_s"),
                     "cpu_sampled_s": _num((b or {}).get("cpu_time")), "max_rss_mb": _num((b or {}).get("max_rss"))
                     or (u or {}).get("max_rss_mb"), "start": start, "end": end})
    starts = [r["start"] for r in rows if r["start"] is not None]
    t0 = min(starts) if starts else None
    for r in rows:
        if t0 is not None and r["start"] is not None:
            r["start"], r["end"] = r["start"] - t0, r["end"] - t0
    totals = {"cpu_s": sum(r["cpu_s"] or 0 for r in rows), "wall_sum_s": sum(r["wall_s"] or 0 for r in rows),
              "run_wall_s": max((r["end"] for r in rows if r["end"] is not None), default=None)}
    return sorted(rows, key=lambda r: (r["start"] is None, r["start"] or 0)), totals


def _f(v, d=1) -> str:
    return "—" if v is None else f"{v:.{d}f}"


def markdown(rows: list[dict], totals: dict) -> str:
    lines = ["| rule | wall s | CPU s (getrusage) | CPU s (Snakemake, sampled) | peak RSS MB | start s | end s |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['rule']} | {_f(r['wall_s'])} | {_f(r['cpu_s'])} | {_f(r['cpu_sampled_s'])} | "
                     f"{_f(r['max_rss_mb'], 0)} | {_f(r['start'])} | {_f(r['end'])} |")
    lines.append(f"| **total** | {_f(totals['wall_sum_s'])} (sum) | {_f(totals['cpu_s'])} | | | | "
                 f"{_f(totals['run_wall_s'])} (run) |")
    return "\n".join(lines)


def run(cores: int, configfile: str | None, forceall: bool, targets: list[str]) -> int:
    for d in (RULES_DIR, USAGE_DIR):
        shutil.rmtree(d, ignore_errors=True)
    USAGE_DIR.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CLUSTERNET_RUSAGE": str(USAGE_DIR)}
    cmd = [str(Path(sys.executable).with_name("snakemake")), "--cores", str(cores)]
    if configfile:
        cmd += ["--configfile", configfile]
    if forceall:
        cmd.append("--forceall")
    cmd += targets
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env)
    print(f"snakemake exit {proc.returncode}, {time.perf_counter() - t0:.1f} s wall "
          f"(load average {os.getloadavg()[0]:.2f} at the end)", file=sys.stderr)
    return proc.returncode


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", action="store_true", help="run the pipeline first (snakemake)")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--configfile", default=None)
    ap.add_argument("--forceall", action="store_true")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON instead of a markdown table")
    ap.add_argument("targets", nargs="*")
    args = ap.parse_args(argv)
    rc = 0
    if args.run:
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", file=sys.stderr)
        rc = run(args.cores, args.configfile, args.forceall, args.targets)
    rows, totals = table(read_benchmarks(), read_usage())
    if args.json:
        print(json.dumps({"rules": rows, "totals": totals}, indent=1))
    else:
        print(markdown(rows, totals))
    return rc


if __name__ == "__main__":
    sys.exit(main())
