"""Per-specification model jobs against the single-process models stage (issue 14).

Run in a checkout whose data inputs of the models stage exist (data/processed/{panel,indices,
network_nodes}.parquet, data/interim/weights; e.g. after `snakemake --cores 2 data/interim/weights
data/processed/network_nodes.parquet data/processed/indices.parquet`):

    python benchmarks/bench_model_jobs.py [--config config/config.yaml]

It runs `clusternet models` once (the peer), then `clusternet models --spec NAME` for every
specification one after another and `clusternet models --index`, and prints the CPU time (user+sys of
the child processes, from getrusage) and wall time of both, the cheapest job, and whether every
document and the index are byte-identical. results/models/ is left as the per-specification jobs wrote it.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _run(args: list[str]) -> tuple[float, float]:
    """(CPU seconds of the child, wall seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(BIN / "clusternet"), *args], check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="config/config.yaml")
    args = p.parse_args()
    from clusternet.config import load_config
    from clusternet.workflow.stages import specification_names

    config = load_config(args.config)
    names = specification_names(config)
    out = config.path_of("results") / "models"
    print(f"{len(names)} specifications; load average {os.getloadavg()[0]:.1f}")
    whole_cpu, whole_wall = _run(["models", "--config", args.config])
    whole = {f.name: f.read_bytes() for f in out.glob("*.json")}
    shutil.rmtree(out)
    jobs = [(n, *_run(["models", "--spec", n, "--config", args.config])) for n in names]
    index_cpu, index_wall = _run(["models", "--index", "--config", args.config])
    per_spec = {f.name: f.read_bytes() for f in out.glob("*.json")}
    cheapest = min(jobs, key=lambda j: j[1])
    print(f"one process:     CPU {whole_cpu:7.1f} s  wall {whole_wall:7.1f} s")
    print(f"per-spec jobs:   CPU {sum(j[1] for j in jobs):7.1f} s  wall {sum(j[2] for j in jobs):7.1f} s "
          f"(+ index CPU {index_cpu:.1f} s, wall {index_wall:.1f} s)")
    print(f"cheapest job:    {cheapest[0]} CPU {cheapest[1]:.2f} s (start-up included)")
    print(f"CPU ratio per-spec/one process: {(sum(j[1] for j in jobs) + index_cpu) / whole_cpu:.2f}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    same = per_spec == whole
    print("documents and index byte-identical: " + ("yes" if same else "NO"))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
