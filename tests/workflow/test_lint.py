"""`snakemake --lint` reports no problems for the workflow."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_snakemake_lint_is_clean():
    proc = subprocess.run([str(Path(sys.executable).with_name("snakemake")), "--lint"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
