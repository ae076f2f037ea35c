"""Shared fixtures. Tests run from the repository root."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

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
