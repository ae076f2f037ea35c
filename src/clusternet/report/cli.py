"""Sub-commands of the report stage."""
from __future__ import annotations

from clusternet.cli.common import add_config_argument


def register(sub) -> None:
    """Add this domain's sub-commands to the `clusternet` parser."""
    p = sub.add_parser("report", help="tables, figures, the HTML report, results/metrics.json and "
                                      "results/manifest.json from the other stages' outputs")
    add_config_argument(p)
    p.set_defaults(func=run_report)


def run_report(args) -> int:
    from clusternet.config import load_config
    from clusternet.report.build import build_report

    config = load_config(args.config)
    outcome = build_report(config)
    results = config.path_of("results")
    print(f"wrote {results / 'report' / 'index.html'}, {results / 'metrics.json'}, {results / 'manifest.json'}")
    for what, why in outcome["skipped"]:
        print(f"skipped {what}: {why}")
    return 0
