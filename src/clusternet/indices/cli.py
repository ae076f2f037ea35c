"""Sub-commands of the indices stage: `clusternet indices` and `clusternet disparity`."""
from __future__ import annotations

from clusternet.cli.common import add_config_argument


def _indices(args) -> int:
    from clusternet.config import load_config
    from clusternet.indices.stages import run_indices

    for path in run_indices(load_config(args.config)):
        print(path)
    return 0


def _disparity(args) -> int:
    from clusternet.config import load_config
    from clusternet.indices.stages import run_disparity

    for path in run_disparity(load_config(args.config)):
        print(path)
    return 0


def register(sub) -> None:
    """Add this domain's sub-commands to the `clusternet` parser."""
    p = sub.add_parser("indices", help="composite digital-cluster indices, weights, ranks and location quotients",
                       description="Reads data/processed/panel.parquet and config/indicators.yaml; writes "
                                   "data/processed/indices.parquet and results/indices/*.")
    add_config_argument(p)
    p.set_defaults(func=_indices)
    p = sub.add_parser("disparity", help="Dagum Gini, Theil, convergence, Markov chains and kernel densities",
                       description="Reads data/processed/indices.parquet and the panel; writes results/disparity/*.")
    add_config_argument(p)
    p.set_defaults(func=_disparity)
