"""Helpers of the end-to-end tests (a copy of the workflow, running commands, output hashes)."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# requirements.lock, pyproject.toml, LICENSE: the replication package needs them (package stage).
WORKFLOW_FILES = ("Snakefile", "dvc.yaml", "config", "workflow", "profiles", "environment.yml", "src", "requirements.lock",
                  "pyproject.toml", "LICENSE",
                  "params.yaml", ".dvcignore")


# The small fast test configuration (issue 14): a few years, a handful of specifications, few
# replications. Tests of workflow mechanics (DVC mirror, replication package, reruns) run on it;
# only the session fixture `snakemake_run` runs the real configuration.
TEST_CONFIG = "config/test/config.yaml"


def _copy_workflow(dst: Path, test_config: bool = False) -> Path:
    """A copy of the workflow in ``dst``; with ``test_config`` the copy's config/ *is* the test
    configuration (config/test/ laid over config/), so that plain `snakemake`, `dvc repro` and the
    replication package's `verify` all run the small configuration unchanged."""
    dst.mkdir(parents=True)
    for name in WORKFLOW_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dst / name)
        else:
            shutil.copy2(src, dst / name)
    if test_config:
        use_test_config(dst)
    return dst


def use_test_config(work: Path) -> None:
    """Lay config/test/ over config/ in the copy ``work``: the test section files replace the real
    ones of the same name, and config.yaml's section paths become plain names again."""
    import yaml

    test = work / "config" / "test"
    main = yaml.safe_load((test / "config.yaml").read_text(encoding="utf-8"))
    main.pop("schemas", None)
    main["sections"] = {k: Path(v).name for k, v in main["sections"].items()}
    for src in test.glob("*.yaml"):
        if src.name != "config.yaml":
            shutil.copy2(src, work / "config" / src.name)
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(main, sort_keys=False), encoding="utf-8")
    shutil.rmtree(test)
    # dvc.yaml's per-specification stages list the specifications of the config it was generated
    # from: regenerate it for the test configuration, as a user does after changing models.yaml
    import contextlib

    from clusternet.config import load_config
    from clusternet.workflow.dvc import render

    if (work / "dvc.yaml").exists():
        with contextlib.chdir(work):
            Path("dvc.yaml").write_text(render(load_config("config/config.yaml")), encoding="utf-8")


def _env(mirror: Path) -> dict:
    from clusternet.provenance import code_version

    env = dict(os.environ)
    # One code version for the whole session: each rule is a new process that would otherwise
    # read git HEAD again, and a commit during the run would stamp two versions on the outputs.
    env.setdefault("CLUSTERNET_CODE_VERSION", code_version())
    env["CLUSTERNET_MIRROR"] = str(mirror)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["MPLBACKEND"] = "Agg"
    return env


def _run(args, cwd, env, timeout=1800):
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, args))} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
    return proc


def _hashes(base: Path) -> dict[str, str]:
    out = {}
    for top in ("results", "data/processed"):
        for p in sorted((base / top).rglob("*")):
            # .snakemake_timestamp marks Snakemake's directory outputs; it is not an output.
            if p.is_file() and p.name not in (".gitkeep", ".snakemake_timestamp"):
                out[p.relative_to(base).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out
