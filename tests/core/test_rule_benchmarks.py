"""Per-rule benchmark (issue 19): every Snakemake rule has its stage-table `benchmark:` file under
the git-ignored benchmarks/.results/, and CLUSTERNET_RUSAGE records each command's exact CPU time."""
import json
import re
import subprocess
from pathlib import Path

from clusternet.cli import app
from clusternet.workflow.stages import BENCHMARK_DIR, STAGES

ROOT = Path(__file__).resolve().parents[2]


def test_every_rule_has_its_benchmark_file():
    rules = {}
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        text = smk.read_text(encoding="utf-8")
        for m in re.finditer(r"^rule (\w+):\n((?:(?:    .*)?\n)*)", text, flags=re.M):
            rules[m.group(1)] = m.group(2)
    assert set(rules) == set(STAGES)
    for name, body in rules.items():
        assert f'benchmark:\n        stage_benchmark("{name}")' in body, f"rule {name}: no benchmark directive"
        # per-specification stages: one file per job ({spec} wildcard), else one per rule
        expected = f"{BENCHMARK_DIR}/{name}/{{spec}}.tsv" if STAGES[name].jobs_from else f"{BENCHMARK_DIR}/{name}.tsv"
        assert STAGES[name].benchmark == expected
    # not an output anywhere, and git-ignored (so byte-identity checks and `git status` never see it)
    assert all(not any(o.startswith("benchmarks") for o in s.outputs) for s in STAGES.values())
    probe = f"{BENCHMARK_DIR}/models.tsv"
    assert subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", probe]).returncode == 0


def test_rusage_line_per_command(tmp_path, monkeypatch):
    monkeypatch.setenv("CLUSTERNET_RUSAGE", str(tmp_path))
    sum(i * i for i in range(200_000))  # some CPU
    app._record_usage("demo")
    app._record_usage("demo")
    lines = (tmp_path / "demo.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    row = json.loads(lines[-1])
    assert row["command"] == "demo" and row["cpu_s"] > 0 and row["wall_s"] > 0
    assert abs(row["cpu_s"] - row["user_s"] - row["system_s"]) < 2e-3
    monkeypatch.delenv("CLUSTERNET_RUSAGE")
    app._record_usage("other")  # without the variable nothing is written
    assert not (tmp_path / "other.jsonl").exists()
