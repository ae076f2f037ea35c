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
from clusternet.errors import ClusternetError
from clusternet.hypotheses import cli as hypotheses_cli
from clusternet.indices import cli as indices_cli
from clusternet.models import cli as models_cli
from clusternet.network import cli as network_cli
from clusternet.replication import cli as replication_cli
from clusternet.report import cli as report_cli
from clusternet.spatial import cli as spatial_cli

# Order of the sub-commands in `clusternet --help` (the pipeline's order).
DOMAIN_CLIS = (data_cli, indices_cli, network_cli, models_cli, spatial_cli, hypotheses_cli, report_cli, replication_cli)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clusternet",
        description="Digital-cluster innovation networks: data, indices, networks, models, report.",
    )
    parser.add_argument("--version", action="version", version=f"clusternet {__version__}")
    parser.add_argument("--log", metavar="FILE", help="also write everything the command prints (and warnings) to FILE")
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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    log = None
    if args.log:
        Path(args.log).parent.mkdir(parents=True, exist_ok=True)
        log = open(args.log, "w", encoding="utf-8")
        sys.stdout, sys.stderr = _Tee(sys.stdout, log), _Tee(sys.stderr, log)
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", force=True)
        logging.captureWarnings(True)
    try:
        return int(args.func(args) or 0)
    except ClusternetError as exc:
        print(f"clusternet {args.command}: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if log is not None:
            sys.stdout, sys.stderr = sys.stdout.stream, sys.stderr.stream
            log.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
