"""Fixtures of the report tests (helpers in report_fixtures.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from report_fixtures import make_project


@pytest.fixture
def project(tmp_path, monkeypatch):
    """Path of the synthetic project's config; the working directory is the project root."""
    make_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLUSTERNET_CODE_VERSION", "test")
    return Path("config/config.yaml")
