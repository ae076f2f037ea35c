"""Fixtures for the data-stage tests: one verified copy of the upstream mirror and one real
panel build per session."""
from __future__ import annotations

from pathlib import Path

import pytest
from data_helpers import make_project


@pytest.fixture
def no_mirror_env(monkeypatch):
    monkeypatch.delenv("CLUSTERNET_MIRROR", raising=False)


@pytest.fixture(scope="session")
def acquired_raw(tmp_path_factory, mirror_dir) -> Path:
    """``data/raw`` with every upstream file copied from the mirror and verified (read-only use)."""
    from clusternet.config import load_config
    from clusternet.data.sources import acquire

    base = tmp_path_factory.mktemp("acquired")
    cfg = make_project(base, mirror=mirror_dir)
    mp = pytest.MonkeyPatch()
    mp.delenv("CLUSTERNET_MIRROR", raising=False)
    try:
        acquire(load_config(cfg), download=False)
    finally:
        mp.undo()
    return base / "data" / "raw"


@pytest.fixture(scope="session")
def built(tmp_path_factory, acquired_raw):
    """The real panel built once from the mirror: (config, PanelBuild, output paths)."""
    from clusternet.config import load_config
    from clusternet.data.outputs import write_outputs
    from clusternet.data.panel import build_panel

    base = tmp_path_factory.mktemp("built")
    config = load_config(make_project(base, raw=acquired_raw))
    build = build_panel(config)
    paths = write_outputs(config, build)
    return config, build, paths
