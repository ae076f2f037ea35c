"""DVC on the small test configuration (issue 14): `dvc repro` in a git repository reproduces the
Snakemake run byte for byte; `dvc status` stays clean when Snakemake's timestamp markers appear in
directory outputs (.dvcignore); `dvc exp run -S seed=1` changes params.yaml, not the commented
config, and `dvc exp show`, `dvc params diff`, `dvc metrics diff HEAD` and `dvc plots show` work."""
from __future__ import annotations

import json
import shutil

import pytest

from workflow_e2e import BIN, ROOT, _copy_workflow, _hashes, _run

pytestmark = pytest.mark.e2e


def _git(work, env, *args):
    return _run(["git", *args], work, env)


@pytest.fixture(scope="module")
def dvc_run(snakemake_test_run, tmp_path_factory):
    _, env = snakemake_test_run
    env = dict(env, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org")
    work = _copy_workflow(tmp_path_factory.mktemp("e2e") / "dvc", test_config=True)
    shutil.copy2(ROOT / ".gitignore", work / ".gitignore")
    _git(work, env, "init", "-q")
    _run([str(BIN / "dvc"), "init", "-q"], work, env)
    _git(work, env, "add", "-A")
    _git(work, env, "commit", "-q", "-m", "workflow")
    _run([str(BIN / "dvc"), "repro", "--quiet"], work, env)
    _git(work, env, "add", "-A")
    _git(work, env, "commit", "-q", "-m", "dvc repro")
    return work, env


def _dvc(work, env, *args):
    return _run([str(BIN / "dvc"), *args], work, env).stdout


def test_dvc_repro_reproduces_snakemake_outputs(snakemake_test_run, dvc_run):
    work, _ = snakemake_test_run
    dvc_work, _ = dvc_run
    a, b = _hashes(work), _hashes(dvc_work)
    assert set(a) == set(b), f"only from Snakemake: {sorted(set(a) - set(b))}; only from DVC: {sorted(set(b) - set(a))}"
    differ = sorted(k for k in a if a[k] != b[k])
    assert not differ, f"outputs differ between the Snakemake and the DVC run: {differ}"


def test_dvc_status_ignores_snakemake_timestamps(dvc_run, snakemake_test_run):
    work, env = dvc_run
    marked = []
    for stamp in sorted(snakemake_test_run[0].rglob(".snakemake_timestamp")):
        rel = stamp.relative_to(snakemake_test_run[0])
        if (work / rel.parent).is_dir():
            shutil.copy2(stamp, work / rel)
            marked.append(rel)
    assert marked, "the Snakemake run left no timestamp markers to test with"
    assert "up to date" in _dvc(work, env, "status")


def test_exp_run_set_param_and_the_reading_commands(dvc_run):
    work, env = dvc_run
    config_before = (work / "config" / "config.yaml").read_bytes()
    assert _dvc(work, env, "params", "diff").strip() == ""
    assert "seed" in _dvc(work, env, "params", "diff", "--all")
    # a small experiment: seed=1 for the codebook stage only (every stage declares the parameter)
    _dvc(work, env, "exp", "run", "-S", "seed=1", "codebook")
    assert (work / "config" / "config.yaml").read_bytes() == config_before, "dvc exp run rewrote the config"
    assert "seed: 1" in (work / "params.yaml").read_text(encoding="utf-8")
    diff = _dvc(work, env, "params", "diff", "--json")
    seed = json.loads(diff)["params.yaml"]["seed"]
    assert (seed["old"], seed["new"]) == (20240501, 1)
    shown = json.loads(_dvc(work, env, "exp", "show", "--json"))
    text = json.dumps(shown)
    assert '"seed": 1' in text and "results/metrics.json" in text, text[:3000]
    _dvc(work, env, "metrics", "diff", "HEAD")  # HEAD's metrics from the cache (no "failed to load")
    assert "results/metrics.json" in _dvc(work, env, "metrics", "show")
    out = work / "plots"
    _dvc(work, env, "plots", "show", "-o", str(out))
    assert (out / "index.html").is_file()
