"""``clusternet dag``: the stage table, and ``dvc.yaml`` generated from it (issue 14)."""
from __future__ import annotations

from clusternet.cli.common import add_config_argument


def _dag(args) -> int:
    from pathlib import Path

    from clusternet.config import load_config
    from clusternet.io import write_text
    from clusternet.workflow.codedeps import code_dependencies
    from clusternet.workflow.dvc import render
    from clusternet.workflow.stages import STAGES

    config = load_config(args.config)
    if not args.dvc:
        for name, stage in STAGES.items():
            print(f"{name}: {stage.command(args.config)}")
            print(f"  outputs: {', '.join(stage.outputs)}")
            print(f"  code: {len(code_dependencies(stage.entry))} files")
        return 0
    text = render(config)
    out = Path(args.output)
    if args.check:
        current = out.read_text(encoding="utf-8") if out.exists() else ""
        if current != text:
            print(f"{out} is stale: regenerate it with `clusternet dag --dvc`")
            return 1
        print(f"{out} is up to date")
        return 0
    write_text(out, text)
    print(f"wrote {out} ({len(STAGES)} stages)")
    return 0


def register(sub) -> None:
    p = sub.add_parser("dag", help="the pipeline's stage table; --dvc writes dvc.yaml generated from it")
    add_config_argument(p)
    p.add_argument("--dvc", action="store_true", help="write dvc.yaml from the stage table")
    p.add_argument("--output", default="dvc.yaml", help="file to write with --dvc (default: %(default)s)")
    p.add_argument("--check", action="store_true", help="with --dvc: exit 1 when the file is stale, write nothing")
    p.set_defaults(func=_dag)
