"""The default Snakemake profile is really used (issue 11, item 10).

The README's recovery after a kill relies on `rerun-incomplete: true` from the default profile.
Snakemake (>= 8) looks for `profiles/default` next to the Snakefile; the profile used to live in
`workflow/profiles/default`, which Snakemake ignores for a top-level Snakefile, so `snakemake`
without arguments failed ("cores have to be specified") and rerun-incomplete was never on
(this test then failed: no "Using workflow specific profile" line)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_default_profile_carries_rerun_incomplete():
    profile = yaml.safe_load((ROOT / "profiles" / "default" / "config.v8+.yaml").read_text())
    assert profile["rerun-incomplete"] is True and profile["cores"] >= 1


def test_snakemake_picks_up_the_default_profile(tmp_path):
    for name in ("Snakefile", "config", "workflow", "profiles", "environment.yml", "src", "params.yaml"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, tmp_path / name)
    proc = subprocess.run([str(BIN / "snakemake"), "--dry-run", "--quiet", "rules"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "Using workflow specific profile profiles/default" in out, out[-3000:]
