"""Sub-commands of the spatial stage: weights, spatial-explore, spatial-models."""
from __future__ import annotations

import argparse

from clusternet.cli.common import add_config_argument


def _weights(args: argparse.Namespace) -> int:
    from clusternet.config import load_config
    from clusternet.spatial.stages import run_weights

    paths = run_weights(load_config(args.config))
    print(f"wrote {len(paths)} weights matrices: {', '.join(p.stem for p in paths)}")
    return 0


def _explore(args: argparse.Namespace) -> int:
    from clusternet.config import load_config
    from clusternet.spatial.stages import run_explore

    config = load_config(args.config)
    run_explore(config)
    print(f"wrote {config.path_of('results') / 'spatial' / 'moran.csv'} and figures")
    return 0


def _models(args: argparse.Namespace) -> int:
    from clusternet.config import load_config
    from clusternet.spatial.stages import run_models

    paths = run_models(load_config(args.config))
    print(f"fitted {len(paths)} spatial specification(s)")
    return 0


def register(sub) -> None:
    """Add this domain's sub-commands to the `clusternet` parser."""
    p = sub.add_parser("weights", help="build the spatial weights of config/spatial.yaml -> data/interim/weights/")
    add_config_argument(p)
    p.set_defaults(func=_weights)
    p = sub.add_parser("spatial-explore",
                       help="Moran's I / Geary's C per year, Moran scatter plots, LISA maps -> results/spatial/")
    add_config_argument(p)
    p.set_defaults(func=_explore)
    p = sub.add_parser("spatial-models",
                       help="fit the spatial panel models of config/spatial.yaml -> results/spatial/models/")
    add_config_argument(p)
    p.set_defaults(func=_models)
