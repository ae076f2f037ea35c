"""``clusternet dag``: the stage table, and ``dvc.yaml`` generated from it (issue 14)."""
from __future__ import annotations

from clusternet.cli.common import add_config_argument


def _dag(args) -> int:
    from pathlib import Path

    from clusternet.config import load_config
    from clusternet.io import write_text
    from clusternet.workflow.codedeps import code_dependencies
    from clusternet.workflow.dvc import render, render_params
    from clusternet.workflow.stages import PARAMS_FILE, STAGES

    config = load_config(args.config)
    if not args.dvc:
        for name, stage in STAGES.items():
            print(f"{name}: {stage.command(args.config)}")
            print(f"  outputs: {', '.join(stage.outputs)}")
            print(f"  code: {len(code_dependencies(stage.entry))} files")
        return 0
    out = Path(args.output)
    files = {out: render(config), out.with_name(PARAMS_FILE): render_params(config)}
    if args.check:
        stale = [p for p, text in files.items() if (p.read_text(encoding="utf-8") if p.exists() else "") != text]
        for p in stale:
            print(f"{p} is stale: regenerate it with `clusternet dag --dvc`")
        if not stale:
            print(f"{', '.join(map(str, files))} up to date")
        return 1 if stale else 0
    for p, text in files.items():
        write_text(p, text)
    print(f"wrote {out} ({len(STAGES)} stages) and {out.with_name(PARAMS_FILE)}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("dag", help="the pipeline's stage table; --dvc writes dvc.yaml and params.yaml from it")
    add_config_argument(p)
    p.add_argument("--dvc", action="store_true", help="write dvc.yaml from the stage table")
    p.add_argument("--output", default="dvc.yaml", help="file to write with --dvc (default: %(default)s)")
    p.add_argument("--check", action="store_true", help="with --dvc: exit 1 when the file is stale, write nothing")
    p.set_defaults(func=_dag)
