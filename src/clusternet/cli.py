"""The ``clusternet`` command: one sub-command per pipeline stage.

Each domain package (data, indices, network, models, spatial, report) has a
``cli.py`` with ``register(subparsers)`` that adds its sub-commands; every
sub-command sets ``func(args) -> int``. Snakemake rules and dvc.yaml stages
call these sub-commands and nothing else.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from clusternet import __version__
from clusternet.errors import ClusternetError

DOMAINS = ("data", "indices", "network", "models", "spatial", "report")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clusternet",
        description="Digital-cluster innovation networks: data, indices, networks, models, report.",
    )
    parser.add_argument("--version", action="version", version=f"clusternet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for domain in DOMAINS:
        module = importlib.import_module(f"clusternet.{domain}.cli")
        module.register(sub)
    return parser


def add_config_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default="config/config.yaml", help="global config file (default: %(default)s)")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ClusternetError as exc:
        print(f"clusternet {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
