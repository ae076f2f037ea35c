"""Sub-command of the development-modes stage: `clusternet modes`."""
from __future__ import annotations

from clusternet.cli.common import add_config_argument


def _modes(args) -> int:
    from clusternet.config import load_config
    from clusternet.modes.stage import run_modes

    for path in run_modes(load_config(args.config)):
        print(path)
    return 0


def register(sub) -> None:
    """Add this domain's sub-commands to the `clusternet` parser."""
    p = sub.add_parser("modes", help="development-mode intensities, classification, stability, transitions, "
                                     "heterogeneity",
                       description="Reads the panel, indices, network nodes and efficiency tables and "
                                   "config/modes.yaml; writes data/processed/modes.parquet and results/modes/*.")
    add_config_argument(p)
    p.set_defaults(func=_modes)
