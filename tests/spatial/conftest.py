"""Fixtures for the spatial tests."""
from __future__ import annotations

import pytest
from spatial_testdata import simulate


@pytest.fixture
def small_panel():
    return simulate()
