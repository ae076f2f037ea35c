"""The Snakemake DAG and dvc.yaml list the same stages, commands, inputs (code dependencies
included) and outputs, and every rule is a single `clusternet` sub-command."""
from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


def snakemake_jobs() -> dict[str, dict]:
    """Rules of the forced dry run: {rule: {inputs, outputs, shell}} parsed from Snakemake's job listing."""
    proc = subprocess.run(
        [str(SNAKEMAKE), "-n", "-F", "--printshellcmds", "--cores", "1", "all", "package"],  # package: not in all
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    jobs: dict[str, dict] = {}
    for block in re.split(r"\n(?=\[[^\n]*\]\n(?:local)?rule )", proc.stdout):
        m = re.search(r"^(?:local)?rule (\w+):\n((?:    .*\n?)*)", block, flags=re.M)
        if not m:
            continue
        name, body = m.group(1), m.group(2)
        fields = dict(re.findall(r"^    (\w+): (.*)$", body, flags=re.M))
        if fields.get("wildcards"):  # a per-specification job: DVC's foreach stage name@spec
            name = f"{name}@{fields['wildcards'].split('=', 1)[1]}"
        shell = re.search(r"^Shell command: (.*)$", block, flags=re.M)
        entry = {
            "inputs": set(filter(None, fields.get("input", "").split(", "))),
            "outputs": set(filter(None, fields.get("output", "").split(", "))),
            "shell": shell.group(1).strip() if shell else None,
        }
        assert name not in jobs or jobs[name] == entry, f"rule {name} appears twice with different files"
        jobs[name] = entry
    return jobs


def dvc_stages() -> dict[str, dict]:
    spec = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))
    expanded = {}
    for name, st in (spec.get("stages") or {}).items():
        assert "matrix" not in st, f"dvc stage {name}: expand matrix in the test first"
        if "foreach" in st:  # one stage per specification: name@item, ${item} filled in as DVC does
            for item in st["foreach"]:
                expanded[f"{name}@{item}"] = yaml.safe_load(yaml.safe_dump(st["do"]).replace("${item}", item))
        else:
            expanded[name] = st
    stages = {}
    for name, st in expanded.items():

        def paths(items):
            out = set()
            for it in items or []:
                out.update(it.keys() if isinstance(it, dict) else [it])
            return out

        outs = paths(st.get("outs")) | paths(st.get("metrics")) | paths(st.get("plots"))
        # DVC's commands read the DVC parameters (--params params.yaml); Snakemake merges the same
        # file into its config (Snakefile) and hands the result to the command as --config
        cmd = st["cmd"].replace(" --params params.yaml", "")
        stages[name] = {"cmd": cmd, "deps": paths(st.get("deps")), "outs": outs}
    return stages


@pytest.fixture(scope="module")
def dags():
    return snakemake_jobs(), dvc_stages()


def _partial_section_files(name: str) -> set[str]:
    """Section files DVC tracks as files where the Snakemake rule has a params hash instead (the
    specifications' own section of a per-specification stage, `section_keys`; stages.py)."""
    from clusternet.workflow.stages import STAGES

    stage = STAGES[name.split("@")[0]]
    return {f"config/{s}.yaml" for s in set(stage.sections) - set(stage.file_sections)}


def test_same_stage_names(dags):
    jobs, stages = dags
    rules = set(jobs) - {"all"}
    assert rules, "the Snakemake DAG has no rules"
    assert rules == set(stages), f"only in Snakemake: {rules - set(stages)}; only in dvc.yaml: {set(stages) - rules}"


def test_same_commands_inputs_outputs(dags):
    jobs, stages = dags
    for name, st in stages.items():
        job = jobs[name]
        assert " ".join(shlex.split(job["shell"])) == " ".join(shlex.split(st["cmd"])), name
        # code dependencies included (issue 14: both runners rerun a stage when its code changes)
        inputs = job["inputs"] | _partial_section_files(name)
        assert st["deps"] == inputs, (
            f"{name}: only in dvc deps {sorted(st['deps'] - inputs)}; "
            f"only in snakemake inputs {sorted(inputs - st['deps'])}")
        assert st["outs"] == job["outputs"], (
            f"{name}: dvc outs {sorted(st['outs'])} != snakemake outputs {sorted(job['outputs'])}")


def test_every_rule_is_one_clusternet_command(dags):
    jobs, _ = dags
    for name, job in jobs.items():
        if name == "all":
            continue
        cmd = job["shell"]
        assert cmd and cmd.startswith("clusternet "), f"rule {name} must call one clusternet sub-command: {cmd!r}"
        assert not re.search(r"&&|\|\||;|\|", cmd), f"rule {name} chains commands: {cmd!r}"


def _subcommand(cmd: str) -> str:
    """The sub-command of `clusternet [--log FILE] SUB ...`."""
    words = shlex.split(cmd)[1:]
    while words[:1] in (["--log"], ["--params"]):
        words = words[2:]
    return words[0]


def test_every_subcommand_exists(dags):
    from clusternet.cli.app import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    jobs, _ = dags
    for name, job in jobs.items():
        if name != "all":
            assert _subcommand(job["shell"]) in sub.choices, f"rule {name}: unknown sub-command"


def test_every_rule_logs_to_its_own_file(dags):
    jobs, stages = dags
    for name, job in jobs.items():
        if name != "all":
            log = f"logs/{name.replace('@', '/')}.log"  # a per-specification job: logs/models/NAME.log
            assert shlex.split(job["shell"])[1:3] == ["--log", log], f"rule {name}: no --log {log}"


def test_one_job_per_specification(dags):
    """Issue 14: one `models` job per specification of config/models.yaml, each writing its own
    document, and a gather writing the index."""
    jobs, stages = dags
    names = [s["name"] for s in yaml.safe_load((ROOT / "config" / "models.yaml").read_text())["specifications"]]
    assert len(names) > 1
    per_spec = {n.split("@", 1)[1]: j for n, j in jobs.items() if n.startswith("models@")}
    assert sorted(per_spec) == sorted(names)
    for spec, job in per_spec.items():
        assert job["outputs"] == {f"results/models/{spec}.json"}
        assert f"--spec {spec}" in job["shell"]
        assert "config/models.yaml" not in job["inputs"]  # a params hash instead (editing one spec)
    assert jobs["models_index"]["outputs"] == {"results/models/index.json"}
    assert {f"results/models/{n}.json" for n in names} <= jobs["models_index"]["inputs"]
    assert {f"results/models/{n}.json" for n in names} <= jobs["hypotheses"]["inputs"]
