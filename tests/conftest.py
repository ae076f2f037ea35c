"""Shared fixtures. Tests run from the repository root."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every machine and run (the suite must pass
# on any machine, not only most of the time); HYPOTHESIS_PROFILE=explore draws new ones.
settings.register_profile("deterministic", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def snakemake_run(tmp_path_factory, mirror_dir):
    """A copy of the workflow after `snakemake --cores 2` on the mirror: (directory, environment);
    the one full pipeline run of the suite, shared by every e2e test that reads the default run.

    Developers may set CLUSTERNET_E2E_REUSE to the directory of such a finished run (and
    CLUSTERNET_CODE_VERSION to the version it was stamped with) to rerun the e2e checks without
    the pipeline; CI never sets it."""
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "workflow"))
    from workflow_e2e import BIN, _copy_workflow, _env, _run

    reuse = os.environ.get("CLUSTERNET_E2E_REUSE")
    if reuse:
        return Path(reuse), _env(mirror_dir)
    work = _copy_workflow(tmp_path_factory.mktemp("e2e") / "snakemake")
    env = _env(mirror_dir)
    _run([str(BIN / "snakemake"), "--cores", "2"], work, env)
    return work, env


@pytest.fixture(scope="session")
def snakemake_test_run(tmp_path_factory, mirror_dir):
    """A copy of the workflow on the small test configuration (config/test/ laid over config/,
    issue 14) after `snakemake --cores 2`: (directory, environment). The e2e tests of workflow
    mechanics (DVC mirror, replication package, code-aware reruns, overrides) use it, so the suite
    runs the real configuration only once (`snakemake_run`). CLUSTERNET_IMPORT_TRACE records what
    each stage imported (checked against the stage table's code dependencies) in ../imports.
    CLUSTERNET_E2E_TEST_REUSE: the directory of such a finished run (developers; CI never sets it)."""
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "workflow"))
    from workflow_e2e import BIN, _copy_workflow, _env, _run

    reuse = os.environ.get("CLUSTERNET_E2E_TEST_REUSE")  # as CLUSTERNET_E2E_REUSE, for this small run
    if reuse:
        return Path(reuse), _env(mirror_dir)
    work = _copy_workflow(tmp_path_factory.mktemp("e2e-test-config") / "snakemake", test_config=True)
    env = _env(mirror_dir)
    env["CLUSTERNET_IMPORT_TRACE"] = str(work.parent / "imports")
    _run([str(BIN / "snakemake"), "--cores", "2"], work, env)
    env.pop("CLUSTERNET_IMPORT_TRACE")
    return work, env


@pytest.fixture(scope="session")
def mirror_dir() -> Path:
    """The offline mirror of upstream files (CLUSTERNET_MIRROR, else ../shared/data/upstream)."""
    env = os.environ.get("CLUSTERNET_MIRROR")
    path = Path(env) if env else ROOT.parent / "shared" / "data" / "upstream"
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI run without the upstream mirror at {path}")
        pytest.skip(f"no upstream mirror at {path}; set CLUSTERNET_MIRROR")
    return path
