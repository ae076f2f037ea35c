"""The ``clusternet`` command: one sub-command per pipeline stage.

Each domain package (data, indices, network, models, spatial, report) has a
``cli.py`` with ``register(subparsers)`` that adds its sub-commands; every
sub-command sets ``func(args) -> int``. Snakemake rules and dvc.yaml stages
call these sub-commands and nothing else.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from clusternet import __version__
from clusternet.errors import ClusternetError

DOMAINS = ("data", "indices", "network", "models", "spatial", "report", "replication")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clusternet",
        description="Digital-cluster innovation networks: data, indices, networks, models, report.",
    )
    parser.add_argument("--version", action="version", version=f"clusternet {__version__}")
    parser.add_argument("--log", metavar="FILE", help="also write everything the command prints (and warnings) to FILE")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for domain in DOMAINS:
        module = importlib.import_module(f"clusternet.{domain}.cli")
        module.register(sub)
    return parser


def add_config_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default="config/config.yaml", help="global config file (default: %(default)s)")


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
