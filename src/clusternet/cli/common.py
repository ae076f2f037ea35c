"""Helpers shared by the domain CLIs (``<domain>/cli.py``); the only module of
:mod:`clusternet.cli` a domain CLI imports."""
from __future__ import annotations

import argparse


def add_config_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default="config/config.yaml", help="global config file (default: %(default)s)")
