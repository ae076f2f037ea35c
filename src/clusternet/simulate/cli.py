"""Sub-command of the simulation: ``clusternet simulate``."""
from __future__ import annotations

import sys

from clusternet.cli.common import add_config_argument


def _simulate(args) -> int:
    from pathlib import Path

    from clusternet.config import load_config
    from clusternet.simulate.stage import run_simulate

    config = load_config(args.config)
    overrides = None if args.overrides == "none" else args.overrides
    doc = run_simulate(config, Path(args.out), args.dgp, args.seed, args.level, overrides)
    print(f"clusternet simulate: {doc['regions']} {doc['level']} regions x {doc['years'][1] - doc['years'][0] + 1} "
          f"years (seed {doc['seed']}) -> {args.out}; run it with: snakemake -s Snakefile -d {args.out} --cores 2",
          file=sys.stderr)
    return 0


def register(sub) -> None:
    """Add this domain's sub-commands to the `clusternet` parser."""
    p = sub.add_parser("simulate", help="write a simulated prefecture-level project with known parameters")
    add_config_argument(p)
    p.add_argument("--out", default="simulated",
                   help="project directory to write (replaced whole; default %(default)s)")
    p.add_argument("--dgp", default="config/simulated/dgp.yaml", help="declared parameters (default %(default)s)")
    p.add_argument("--overrides", default="config/simulated/overrides.yaml",
                   help="settings merged into the project's config, e.g. replication counts "
                        "(default %(default)s; 'none': the template's)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: the seed of the DGP file)")
    p.add_argument("--level", choices=["prefecture", "province"], default=None,
                   help="region level (default: the DGP file's)")
    p.set_defaults(func=_simulate)
