"""Sub-commands of the data stage: acquire, panel, codebook."""
from __future__ import annotations

import sys

from clusternet.cli.common import add_config_argument


def _acquire(args) -> int:
    from clusternet.config import load_config  # imported here: `clusternet --help` needs no jsonschema
    from clusternet.data.sources import acquire, raw_dir

    config = load_config(args.config)
    origins = acquire(config, download=not args.no_download)
    counts: dict[str, int] = {}
    for origin in origins.values():
        counts[origin] = counts.get(origin, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    print(f"clusternet acquire: {len(origins)} files verified in {raw_dir(config)} ({summary})", file=sys.stderr)
    return 0


def _panel(args) -> int:
    from clusternet.config import load_config
    from clusternet.data.outputs import write_outputs
    from clusternet.data.panel import build_panel

    config = load_config(args.config)
    build = build_panel(config)
    paths = write_outputs(config, build)
    print(f"clusternet panel: {len(build.panel)} rows x {build.panel.shape[1]} columns -> {paths['panel']}; "
          f"{len(build.imputed)} imputed cells", file=sys.stderr)
    return 0


def _codebook(args) -> int:
    from clusternet.config import load_config
    from clusternet.data.codebook import write_codebook

    path = write_codebook(load_config(args.config))
    print(f"clusternet codebook: wrote {path}", file=sys.stderr)
    return 0


def register(sub) -> None:
    """Add this domain's sub-commands to the `clusternet` parser."""
    p = sub.add_parser("acquire", help="copy or download the upstream files and verify their sha256")
    add_config_argument(p)
    p.add_argument("--no-download", action="store_true",
                   help="only use files already present or in the mirror; never go online")
    p.set_defaults(func=_acquire)

    p = sub.add_parser("panel", help="build data/processed/panel.parquet and the data-quality report")
    add_config_argument(p)
    p.set_defaults(func=_panel)

    p = sub.add_parser("codebook", help="render config/codebook.yaml to results/data/codebook.md")
    add_config_argument(p)
    p.set_defaults(func=_codebook)
