"""Sub-commands of the models stage: `fit` (one model on any panel file) and `models` (every
specification of config/models.yaml)."""
from __future__ import annotations

import argparse
from pathlib import Path

from clusternet.cli.common import add_config_argument
from clusternet.errors import ClusternetError, ConfigError


def _parse_option(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise ConfigError(f"--option {text!r}: expected key=value (value in YAML, e.g. n_thresholds=2, "
                          "endogenous=[x1], missing=drop)")
    import yaml  # here, not at the top: `clusternet --help` imports no YAML parser

    key, value = text.split("=", 1)
    try:
        return key.strip(), yaml.safe_load(value)
    except yaml.YAMLError as exc:
        raise ConfigError(f"--option {text!r}: value is not valid YAML: {exc}") from exc


def build_fit_spec(args: argparse.Namespace) -> dict:
    """The specification dict `clusternet fit` passes to the registry (recorded in the result)."""
    spec: dict = {
        "name": args.name or Path(args.out).stem,
        "model": args.model,
        "y": args.y,
        "x": list(args.x),
        "entity": args.entity,
        "time": args.time,
        "ci_level": args.ci_level,
    }
    if args.label:
        spec["label"] = args.label
    if args.controls:
        spec["controls"] = list(args.controls)
    if args.effects is not None:
        effects = list(args.effects)
        if not effects or ("none" in effects and len(effects) > 1):
            raise ConfigError("--effects: give entity and/or time, or `none` for no effects (a pooled model); "
                              "leave --effects out for the model's default")
        spec["effects"] = [] if effects == ["none"] else effects
    if args.cov:
        cov: dict = {"type": args.cov}
        for key in ("cluster_by", "small_sample", "twoway_df", "min_clusters"):
            value = getattr(args, key)
            if value is not None:
                cov[key] = value
        if args.bandwidth is not None:
            cov["bandwidth"] = int(args.bandwidth) if args.bandwidth.isdigit() else args.bandwidth
        spec["cov"] = cov
    if args.weights:
        spec["weights"] = args.weights
    options = dict(_parse_option(o) for o in args.option or [])
    if options:
        spec["options"] = options
    return spec


def _fit(args: argparse.Namespace) -> int:
    from clusternet.config import load_config
    from clusternet.data.analysis import read_table
    from clusternet.data.inputs import check_finite, spec_columns
    from clusternet.models.runner import fit_specification
    from clusternet.results import write_result

    spec = build_fit_spec(args)
    config = None
    config_path = Path(args.config)
    if config_path.exists():
        config = load_config(config_path)
        spec["seed"] = config.seed
    if args.seed is not None:
        spec["seed"] = args.seed
    data = read_table(args.data)
    # +inf/-inf in any column the specification names (y, x, controls, options such as instruments):
    # a DataError with file, data row and column, before any estimator (and numpy) sees it
    check_finite(data, spec_columns(spec, data.columns), str(args.data), args.entity, args.time)
    inputs = [args.data] + ([args.weights] if args.weights and Path(args.weights).exists() else [])
    try:
        doc = fit_specification(data, spec, inputs=inputs, config=None)
    except ClusternetError as exc:  # name the file: the messages below name the specification
        if str(args.data) in str(exc):
            raise
        raise type(exc)(f"{args.data}: {exc}") from exc
    if config is not None:
        doc["provenance"]["config_sha256"] = config.sha256([])
    write_result(args.out, doc)
    from clusternet.report.resultview import load as load_result  # the summary a user reads first

    print(load_result(args.out, _report_settings(config)).summary(), end="")
    print(f"wrote {args.out}")
    return 0


def _report_settings(config):
    """Report settings with codebook labels when a config is at hand, else the defaults."""
    from clusternet.report.build import load_settings
    from clusternet.report.settings import ReportSettings

    if config is None or "report" not in config.main.get("sections", {}):
        return ReportSettings()
    return load_settings(config)


def _models(args: argparse.Namespace) -> int:
    from clusternet.config import load_config
    from clusternet.models.runner import run_models

    config = load_config(args.config)
    if args.spec or args.index:  # the workflow's jobs (issue 14): one specification, or the index
        from clusternet.models.runner import run_specification, write_models_index

        if args.spec and (args.index or args.only):
            raise ConfigError("models --spec NAME fits one specification; give --index and --only separately")
        path = run_specification(config, args.spec) if args.spec else write_models_index(config)
        print(f"wrote {path}")
        return 0
    only = [n for item in (args.only or []) for n in item.split(",") if n]
    index = run_models(config, only=only or None)
    fitted = len(only) if only else len(index)
    print(f"fitted {fitted} specification(s) -> {config.path_of('results') / 'models'}")
    return 0


def register(sub) -> None:
    """Add this domain's sub-commands to the `clusternet` parser."""
    p = sub.add_parser(
        "fit", help="fit one model on a panel file and write its result document",
        description="Fit any registered model (clusternet.estimators) on a .csv/.parquet panel; "
                    "the same code path as `clusternet models`.",
    )
    p.add_argument("--data", required=True, help="panel file (.csv or .parquet), one row per entity-period")
    p.add_argument("--entity", default="region_code", help="entity id column (default: %(default)s)")
    p.add_argument("--time", default="year", help="time column (default: %(default)s)")
    p.add_argument("--y", required=True, help="dependent variable")
    p.add_argument("--x", required=True, nargs="+", help="regressors of interest")
    p.add_argument("--controls", nargs="*", default=[], help="further regressors")
    p.add_argument("--effects", nargs="*", choices=["entity", "time", "none"],
                   help="effects, for models that take them: entity and/or time, or none (pooled); "
                        "default: the model's (spatial models: entity and time)")
    p.add_argument("--model", required=True, help="registered model name, e.g. pooled, fe, twfe, re, fd, iv")
    p.add_argument("--cov", choices=["unadjusted", "robust", "cluster", "twoway", "driscoll_kraay"],
                   help="covariance type (default: the model's default, clustered by entity for linear models)")
    p.add_argument("--cluster-by", dest="cluster_by", help="cluster column for --cov cluster (default: entity)")
    p.add_argument("--small-sample", dest="small_sample", choices=["none", "hc1", "sss"],
                   help="small-sample correction (default sss; none reproduces plm's HC0)")
    p.add_argument("--twoway-df", dest="twoway_df", choices=["each", "min"])
    p.add_argument("--bandwidth", help="Driscoll-Kraay bandwidth: plm, newey_west or an integer")
    p.add_argument("--min-clusters", dest="min_clusters", type=int)
    p.add_argument("--weights", help="spatial weights file (spatial models)")
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="model option (repeatable); VALUE is YAML, e.g. endogenous=[x1]")
    p.add_argument("--ci-level", dest="ci_level", type=float, default=0.95)
    p.add_argument("--seed", type=int, help="seed for bootstrap/permutation models (default: config seed)")
    p.add_argument("--name", help="specification name recorded in the result (default: --out stem)")
    p.add_argument("--label", help="label recorded in the result")
    p.add_argument("--out", required=True, help="result document to write (.json)")
    add_config_argument(p)
    p.set_defaults(func=_fit)

    p = sub.add_parser("models", help="fit every specification of config/models.yaml -> results/models/")
    add_config_argument(p)
    p.add_argument("--only", action="append", metavar="NAME[,NAME]",
                   help="fit only these specifications (repeatable): rewrite results/models/NAME.json and "
                        "its index entry, leave the other documents as they are (issue 14)")
    p.add_argument("--spec", metavar="NAME",
                   help="the workflow's per-specification job: fit NAME and write results/models/NAME.json only "
                        "(no index; --index writes it)")
    p.add_argument("--index", action="store_true",
                   help="the workflow's gather: write results/models/index.json from the documents of every "
                        "specification (and remove documents of specifications no longer configured)")
    p.set_defaults(func=_models)
