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
def mirror_dir() -> Path:
    """The offline mirror of upstream files (CLUSTERNET_MIRROR, else ../shared/data/upstream)."""
    env = os.environ.get("CLUSTERNET_MIRROR")
    path = Path(env) if env else ROOT.parent / "shared" / "data" / "upstream"
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI run without the upstream mirror at {path}")
        pytest.skip(f"no upstream mirror at {path}; set CLUSTERNET_MIRROR")
    return path
