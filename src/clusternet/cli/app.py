"""The ``clusternet`` command: one sub-command per pipeline stage.

Each domain package (data, indices, network, models, spatial, hypotheses, report) has a
``cli.py`` with ``register(subparsers)`` that adds its sub-commands; every
sub-command sets ``func(args) -> int``. Snakemake rules and dvc.yaml stages
call these sub-commands and nothing else. The domain CLIs are listed here explicitly
(``DOMAIN_CLIS``) and import only :mod:`clusternet.cli.common` from this package, so
there is no import cycle between this module and them.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from clusternet import __version__
from clusternet.data import cli as data_cli
from clusternet.efficiency import cli as efficiency_cli
from clusternet.errors import ClusternetError
from clusternet.hypotheses import cli as hypotheses_cli
from clusternet.indices import cli as indices_cli
from clusternet.models import cli as models_cli
from clusternet.modes import cli as modes_cli
from clusternet.network import cli as network_cli
from clusternet.replication import cli as replication_cli
from clusternet.report import cli as report_cli
from clusternet.simulate import cli as simulate_cli
from clusternet.spatial import cli as spatial_cli
from clusternet.workflow import cli as workflow_cli

# Order of the sub-commands in `clusternet --help` (the pipeline's order).
DOMAIN_CLIS = (data_cli, indices_cli, network_cli, models_cli, spatial_cli, efficiency_cli, modes_cli, hypotheses_cli,
               report_cli, replication_cli, simulate_cli,
               workflow_cli)  # issue 14: `clusternet dag`


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clusternet",
        description="Digital-cluster innovation networks: data, indices, networks, models, report.",
    )
    parser.add_argument("--version", action="version", version=f"clusternet {__version__}")
    parser.add_argument("--log", metavar="FILE", help="also write everything the command prints (and warnings) to FILE")
    parser.add_argument("--params", metavar="FILE",
                        help="DVC parameters (params.yaml): their keys replace those of the --config file")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in DOMAIN_CLIS:
        module.register(sub)
    return parser


class _Tee:
    """Writes to a stream and to a log file (the Snakemake/DVC ``log`` of a stage)."""

    def __init__(self, stream, log):
        self.stream, self.log = stream, log

    def write(self, text):
        self.log.write(text)
        return self.stream.write(text)

    def flush(self):
        self.log.flush()
        self.stream.flush()

    def __getattr__(self, name):
        return getattr(self.stream, name)


NOT_STAGES = {"fit"}  # one-off commands: they write only the file they are given


def _start_stage(args) -> None:
    """Tag this process's temporaries with the stage name and remove the ones an interrupted
    run of the same stage left under the configured data/results directories (issue 11,
    item 8). A config that does not load is left for the command itself to report."""
    from clusternet.io import clean_stale_temporaries, set_stage

    set_stage(args.command)
    if args.command in NOT_STAGES or not getattr(args, "config", None):
        return
    from clusternet.config import load_config

    try:
        config = load_config(args.config)
        roots = [config.path_of(k) for k in ("raw", "interim", "processed", "results")]
    except (ClusternetError, KeyError, TypeError):
        return
    from clusternet.data import regions

    regions.configure(config)  # the region level of this run (issue 17); an unknown code is an error here
    removed = clean_stale_temporaries(roots, args.command)
    if removed:
        print(f"clusternet {args.command}: removed {len(removed)} temporary file(s)/director(ies) left by an "
              f"interrupted run, e.g. {removed[0]}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    log = None
    stdout, stderr = sys.stdout, sys.stderr
    if args.log:
        Path(args.log).parent.mkdir(parents=True, exist_ok=True)
        log = open(args.log, "w", encoding="utf-8")  # noqa: SIM115 (closed in the finally below)
        sys.stdout, sys.stderr = _Tee(sys.stdout, log), _Tee(sys.stderr, log)
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", force=True)
        logging.captureWarnings(True)
    from clusternet import reads

    reads.reset()  # the hashes of what this command reads (provenance), not of an earlier command
    if args.params:
        from clusternet.config import set_params_overlay

        set_params_overlay(args.params)
    try:
        _start_stage(args)
        return int(args.func(args) or 0)
    except ClusternetError as exc:
        print(f"clusternet {args.command}: error: {exc}", file=sys.stderr)
        return 2
    finally:
        _trace_imports(args.command)
        _record_usage(args.command)
        if log is not None:
            sys.stdout, sys.stderr = stdout, stderr
            log.close()


def _trace_imports(command: str) -> None:
    """With CLUSTERNET_IMPORT_TRACE=DIR, append the package's modules this command imported to
    DIR/<command>.txt: tests/workflow/test_stage_table.py checks them against the code dependencies
    of the stage table (issue 14)."""
    import os

    trace = os.environ.get("CLUSTERNET_IMPORT_TRACE")
    if not trace:
        return
    names = sorted(m for m in sys.modules if m == "clusternet" or m.startswith("clusternet."))
    Path(trace).mkdir(parents=True, exist_ok=True)
    with open(Path(trace) / f"{command}.txt", "a", encoding="utf-8") as fh:
        fh.write("".join(f"{n}\n" for n in names))


def _record_usage(command: str) -> None:
    """With CLUSTERNET_RUSAGE=DIR, append this command's CPU time (user + system, its own and its
    waited-for children's, from getrusage), wall time since the process started and peak RSS as a
    JSON line to DIR/<command>.jsonl. Exact, unlike Snakemake's sampled ``cpu_time`` (one sample
    every 30 s after the first 30): benchmarks/bench_pipeline.py reads both (issue 19)."""
    import os

    folder = os.environ.get("CLUSTERNET_RUSAGE")
    if not folder:
        return
    import json
    import resource
    import time

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = None
    try:  # process start from /proc (Linux): field 22 of /proc/self/stat, in clock ticks since boot
        start = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        wall = round(uptime - start / os.sysconf("SC_CLK_TCK"), 3)
    except (OSError, ValueError, IndexError):
        pass
    row = {"command": command, "pid": os.getpid(), "end": round(time.time(), 3), "wall_s": wall,
           "cpu_s": round(own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime, 3),
           "user_s": round(own.ru_utime + kids.ru_utime, 3), "system_s": round(own.ru_stime + kids.ru_stime, 3),
           "max_rss_mb": round(max(own.ru_maxrss, kids.ru_maxrss) / 1024, 1)}
    Path(folder).mkdir(parents=True, exist_ok=True)
    with open(Path(folder) / f"{command}.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, sort_keys=True) + "\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
