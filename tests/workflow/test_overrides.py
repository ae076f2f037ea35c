"""Config overrides and parse-time validation (issue 14): the rules hand Snakemake's effective
config to every command, so `--config KEY=VALUE` and `--configfile` change what runs, and a typo in
any section file fails `snakemake -n` naming the file and the key."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from workflow_e2e import _copy_workflow

BIN = Path(sys.executable).parent


def _dry_run(work: Path, *args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "snakemake"), "-n", "--cores", "1", *args], cwd=work, env=env,
                          capture_output=True, text=True, timeout=600)


def _jobs(out: str) -> set[str]:
    return set(re.findall(r"^(?:local)?rule (\w+):", out, flags=re.M)) - {"all"}


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return _copy_workflow(tmp_path_factory.mktemp("overrides") / "w")


@pytest.mark.parametrize(("section", "file"), [("models", "models.yaml"), ("spatial", "spatial.yaml"),
                                                ("codebook", "codebook.yaml")])
def test_a_typo_in_a_section_file_fails_the_dry_run_naming_file_and_key(work, section, file):
    path = work / "config" / file
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(original + "\nspecificatons_typo: []\n", encoding="utf-8")
        proc = _dry_run(work)
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0, out[-2000:]
        assert f"config/{file}" in out and "specificatons_typo" in out, out[-3000:]
    finally:
        path.write_text(original, encoding="utf-8")


def test_config_overrides_reach_the_commands(work):
    # default: the commands read config/config.yaml itself
    proc = _dry_run(work, "-p", "-F", "models_index")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "models --index --config config/config.yaml" in proc.stdout
    assert "models --spec baseline_twfe --config config/config.yaml" in proc.stdout
    # --config seed=1: the merged, validated config under resources/config/ with seed 1
    proc = _dry_run(work, "-p", "-F", "models_index", "--config", "seed=1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    merged = re.search(r"models --index --config (resources/config/\w+\.yaml)", proc.stdout).group(1)
    data = yaml.safe_load((work / merged).read_text(encoding="utf-8"))
    assert data["seed"] == 1 and data["sections"]["models"] == "../../config/models.yaml"
    from clusternet.config import load_config

    cfg = load_config(work / merged)
    assert cfg.seed == 1 and cfg.section("models") == load_config(work / "config/config.yaml").section("models")
    # --configfile: a complete config file (the test config) is handed over as it is
    proc = _dry_run(work, "-p", "-F", "models_index", "--configfile", "config/test/config.yaml")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "models --index --config config/test/config.yaml" in proc.stdout
    assert "config/test/models.yaml" in proc.stdout


def test_an_invalid_override_fails_the_dry_run(work):
    proc = _dry_run(work, "--config", "seed=-3")
    assert proc.returncode != 0 and "seed" in proc.stdout + proc.stderr


@pytest.mark.e2e
def test_overrides_and_code_edits_change_what_runs(snakemake_test_run):
    """After the small run nothing is to be done; `--config seed=1` and `--configfile` list every
    stage; editing a source file lists exactly the stages importing it and their dependants."""
    import os

    from clusternet.workflow.codedeps import code_dependencies
    from clusternet.workflow.stages import STAGES, data_inputs

    work, env = snakemake_test_run
    proc = _dry_run(work, env=env)
    assert "Nothing to be done" in proc.stdout + proc.stderr, proc.stdout[-3000:]
    in_all = {n for n, s in STAGES.items() if s.in_all}
    assert _jobs(_dry_run(work, "--config", "seed=1", env=env).stdout) == in_all
    alt = work / "alt.yaml"
    alt.write_text("years: {first: 2015, last: 2022}\n", encoding="utf-8")
    assert _jobs(_dry_run(work, "--configfile", str(alt), env=env).stdout) == in_all

    def dependants(first: set[str]) -> set[str]:
        out = set(first)
        while True:
            more = {n for n in in_all if any(STAGES[p].outputs and set(STAGES[p].outputs) & set(data_inputs(n))
                                             for p in out)} - out
            if not more:
                return out
            out |= more

    for source in ("src/clusternet/models/linear.py", "src/clusternet/indices/composite.py"):
        path = work / source
        stat, original = path.stat(), path.read_bytes()
        try:
            path.write_bytes(original + b"\n# edited by the test\n")
            listed = _jobs(_dry_run(work, env=env).stdout)
        finally:
            path.write_bytes(original)
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        importing = {n for n in in_all if source in code_dependencies(STAGES[n].entry)}
        assert importing, f"no stage imports {source}"
        assert listed == dependants(importing), f"{source}: listed {sorted(listed)}"
        assert {"acquire", "panel", "codebook"}.isdisjoint(listed)
    assert "Nothing to be done" in _dry_run(work, env=env).stdout
