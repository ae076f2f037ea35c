"""Sub-command of the hypotheses stage: `hypotheses` (the hypothesis registry -> verdicts)."""
from __future__ import annotations

import argparse

from clusternet.cli.common import add_config_argument


def _cmd(args: argparse.Namespace) -> int:
    from clusternet.config import load_config
    from clusternet.hypotheses.registry import run

    json_path, md_path = run(load_config(args.config))
    print(f"wrote {json_path} and {md_path}")
    return 0


def register(sub) -> None:
    """Add this domain's sub-command to the `clusternet` parser."""
    p = sub.add_parser("hypotheses", help="evaluate config/hypotheses.yaml against the result documents")
    add_config_argument(p)
    p.set_defaults(func=_cmd)
