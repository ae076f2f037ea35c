"""The e2e modules of tests/workflow share the one full pipeline run of the suite
(`snakemake_run`, defined in tests/conftest.py)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
