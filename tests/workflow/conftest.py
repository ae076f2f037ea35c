"""The one full pipeline run of the suite, shared by the e2e modules (session scope)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workflow_e2e import BIN, _copy_workflow, _env, _run  # noqa: E402


@pytest.fixture(scope="session")
def snakemake_run(tmp_path_factory, mirror_dir):
    """A copy of the workflow after `snakemake --cores 2` on the mirror: (directory, environment).

    Developers may set CLUSTERNET_E2E_REUSE to the directory of such a finished run (and
    CLUSTERNET_CODE_VERSION to the version it was stamped with) to rerun the e2e checks without
    the pipeline; CI never sets it."""
    reuse = os.environ.get("CLUSTERNET_E2E_REUSE")
    if reuse:
        return Path(reuse), _env(mirror_dir)
    work = _copy_workflow(tmp_path_factory.mktemp("e2e") / "snakemake")
    env = _env(mirror_dir)
    _run([str(BIN / "snakemake"), "--cores", "2"], work, env)
    return work, env
