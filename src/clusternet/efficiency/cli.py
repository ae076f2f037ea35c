"""Sub-command of the efficiency stage: `clusternet efficiency`."""
from __future__ import annotations

from clusternet.cli.common import add_config_argument


def _efficiency(args) -> int:
    from clusternet.config import load_config
    from clusternet.efficiency.stage import run_efficiency

    for path in run_efficiency(load_config(args.config)):
        print(path)
    return 0


def register(sub) -> None:
    """Add this domain's sub-commands to the `clusternet` parser."""
    p = sub.add_parser("efficiency", help="R&D capital stock, DEA (CCR/BCC/SBM), Malmquist, Simar-Wilson bootstrap",
                       description="Reads data/processed/panel.parquet, indices.parquet and config/modes.yaml; "
                                   "writes data/processed/efficiency.parquet and results/efficiency/*.")
    add_config_argument(p)
    p.set_defaults(func=_efficiency)
