"""The stage table (src/clusternet/workflow/stages.py) is the one description of the graph (issue 14):
dvc.yaml is generated from it (staleness), its inputs are outputs of other stages, and the code
dependencies computed from the import graph cover every module a real run of each stage imported."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from clusternet.config import load_config
from clusternet.workflow.codedeps import code_dependencies
from clusternet.workflow.dvc import render, render_params
from clusternet.workflow.stages import STAGES, all_targets, data_inputs

ROOT = Path(__file__).resolve().parents[2]
FIXED_INPUTS = {"config/package.yaml", "requirements.lock"}


def test_committed_dvc_yaml_and_params_are_generated_from_the_stage_table(monkeypatch):
    monkeypatch.chdir(ROOT)
    config = load_config("config/config.yaml")
    assert (ROOT / "dvc.yaml").read_text(encoding="utf-8") == render(config), (
        "dvc.yaml is stale: regenerate it with `clusternet dag --dvc` (and commit it)")
    assert (ROOT / "params.yaml").read_text(encoding="utf-8") == render_params(config), (
        "params.yaml disagrees with config/config.yaml: regenerate it with `clusternet dag --dvc`")


def test_dag_check_reports_a_stale_file(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    stale = tmp_path / "dvc.yaml"
    stale.write_text((ROOT / "dvc.yaml").read_text(encoding="utf-8").replace("models", "modelz", 1))
    bin_dir = Path(sys.executable).parent
    proc = subprocess.run([str(bin_dir / "clusternet"), "dag", "--dvc", "--check", "--output", str(stale)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "stale" in proc.stdout


def test_every_input_is_an_output_of_another_stage_and_outputs_are_disjoint():
    producer: dict[str, str] = {}
    for name, stage in STAGES.items():
        for out in stage.outputs:
            assert out not in producer, f"{out} is an output of {producer[out]} and {name}"
            producer[out] = name
    for name in STAGES:
        for inp in data_inputs(name):
            assert inp in producer or inp in FIXED_INPUTS, f"{name}: input {inp} is no stage's output"
            assert producer.get(inp) != name, f"{name} reads its own output {inp}"
    assert set(all_targets()) <= set(producer)


def test_code_dependencies_follow_imports_inside_functions():
    # models.runner imports the estimators lazily (clusternet.estimators.get imports the family's
    # module by name); the models stage's code must still include the linear estimators it runs.
    deps = code_dependencies(STAGES["models"].entry)
    assert "src/clusternet/models/runner.py" in deps
    assert "src/clusternet/report/templates/report.html.j2" in code_dependencies(STAGES["report"].entry)
    assert "src/clusternet/models/runner.py" not in code_dependencies(STAGES["acquire"].entry)


@pytest.mark.e2e
def test_every_module_a_stage_imported_is_declared(snakemake_test_run):
    """CLUSTERNET_IMPORT_TRACE of the small run lists the modules each command really imported."""
    from clusternet.workflow.codedeps import modules

    work, _ = snakemake_test_run
    trace = work.parent / "imports"
    by_command = {s.subcommand: s for s in STAGES.values()}
    seen = set()
    for file in sorted(trace.glob("*.txt")):
        stage = by_command.get(file.stem)
        if stage is None:
            continue
        seen.add(stage.subcommand)
        files = {f"src/{modules()[m].relative_to(modules()['clusternet'].parent.parent).as_posix()}"
                 for m in set(file.read_text().split()) if m in modules()}
        missing = sorted(files - set(code_dependencies(stage.entry)))
        assert not missing, f"{stage.name} imported modules its code dependencies omit: {missing}"
    assert seen == {s.subcommand for s in STAGES.values() if s.in_all}
