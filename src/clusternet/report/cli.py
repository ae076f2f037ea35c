"""Sub-commands of the report stage."""
from __future__ import annotations

from clusternet.cli.common import add_config_argument


def register(sub) -> None:
    """Add this domain's sub-commands to the `clusternet` parser."""
    p = sub.add_parser("report", help="tables, figures, the HTML report, results/metrics.json and "
                                      "results/manifest.json from the other stages' outputs")
    add_config_argument(p)
    p.set_defaults(func=run_report)

    g = sub.add_parser("geometry", help="the simplified province, Taiwan, Hong Kong, Macau and maritime-line "
                                        "geometries of the maps, parsed once (data/interim/geometry/china.json)")
    add_config_argument(g)
    g.set_defaults(func=run_geometry)

    t = sub.add_parser("table", help="render result documents side by side as one regression table "
                                     "(md, tex, html, docx, csv) on stdout or to --output")
    t.add_argument("documents", nargs="+", metavar="RESULT.json", help="result documents, one column each")
    t.add_argument("--format", default="md", choices=["md", "tex", "html", "docx", "csv"])
    t.add_argument("--output", "-o", metavar="FILE", help="write here (atomically) instead of stdout; "
                                                          "required for docx")
    t.add_argument("--title", default="")
    t.add_argument("--stats", nargs="+", metavar="ROW", help="fit and test rows in order "
                                                             "(clusternet.report.regression.STAT_ROWS)")
    t.add_argument("--keep", nargs="+", metavar="COEF", help="coefficients to show, in order")
    t.add_argument("--drop", nargs="+", metavar="GLOB", help="coefficients to leave out (glob patterns)")
    t.add_argument("--fragment", action="store_true", help="tex: a bare threeparttable for \\input{}")
    t.add_argument("--summary", action="store_true", help="print each document's text summary instead")
    add_config_argument(t)
    t.set_defaults(func=run_table)


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


def run_geometry(args) -> int:
    from clusternet.config import load_config
    from clusternet.data.regions import codes
    from clusternet.report import maps

    config = load_config(args.config)
    path = maps.write_geometry_cache(maps.geometry_cache_path(config), codes())
    print(f"wrote {path}")
    return 0


def run_table(args) -> int:
    from pathlib import Path

    from clusternet.errors import ConfigError
    from clusternet.io import write_bytes, write_text
    from clusternet.report.latex import to_latex
    from clusternet.report.resultview import load, render, side_by_side
    from clusternet.report.settings import ReportSettings

    settings = ReportSettings()
    if Path(args.config).exists():  # labels and number formats from the project's config, when there is one
        from clusternet.config import load_config
        from clusternet.report.build import load_settings

        config = load_config(args.config)
        if "report" in config.main.get("sections", {}):
            settings = load_settings(config)
    results = [load(p, settings) for p in args.documents]
    if args.summary:
        for r in results:
            print(r.summary())
        return 0
    table = side_by_side(results, settings, name=Path(args.output).stem if args.output else "table",
                         title=args.title, stats=args.stats, coefficients=args.keep, drop=args.drop,
                         source="clusternet table")
    out = to_latex(table, fragment=args.fragment) if args.format == "tex" else render(table, args.format, settings)
    if args.format == "docx" and not args.output:
        raise ConfigError("clusternet table --format docx: give --output FILE.docx (Word files are binary)")
    if args.output:
        if isinstance(out, bytes):
            write_bytes(args.output, out)
        else:
            write_text(args.output, out)
        print(f"wrote {args.output}")
    else:
        print(out, end="")
    return 0
