"""Output hygiene (issue 11, items 8 and 9): outputs get the process umask's permissions, and a
stage removes its own temporaries left by an interrupted run when it starts.

Before the fix atomic writers moved mkstemp's 0600 file into place and staging directories kept
mkdtemp's 0700 (the mode tests fail with 0o600/0o700), and nothing ever removed leftovers (the
cleanup tests fail: the planted and the really interrupted temporaries are still there)."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clusternet import io as cio


@pytest.fixture
def umask():
    """Run a test under a chosen umask, restoring the original afterwards."""
    old = os.umask(0o022)
    os.umask(old)
    yield lambda m: os.umask(m)
    os.umask(old)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.mark.parametrize("mask,file_mode,dir_mode", [(0o022, 0o644, 0o755), (0o002, 0o664, 0o775),
                                                     (0o077, 0o600, 0o700)])
def test_atomic_writers_and_staging_directories_follow_the_umask(tmp_path, umask, mask, file_mode, dir_mode):
    umask(mask)
    cio.write_text(tmp_path / "a.md", "x\n")
    cio.write_json(tmp_path / "sub" / "b.json", {"a": 1})
    with cio.atomic_path(tmp_path / "c.parquet") as tmp:
        tmp.write_bytes(b"data")
    assert cio.current_umask() == mask
    for name in ("a.md", "sub/b.json", "c.parquet"):
        assert _mode(tmp_path / name) == file_mode, name
    assert _mode(cio.staging_directory(tmp_path / "figures")) == dir_mode


def test_atomic_directory_and_its_files_are_readable_by_others(tmp_path, umask):
    from clusternet.io import atomic_directory as rebuilt_directory

    umask(0o022)
    target = tmp_path / "figures"
    for _ in range(2):  # first build, then a rebuild that replaces an existing directory
        with rebuilt_directory(target) as d:
            cio.write_text(d / "f.csv", "a\n")
    assert _mode(target) == 0o755 and _mode(target / "f.csv") == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures"]  # nothing parked left behind


def test_clean_removes_only_the_stages_own_leftovers(tmp_path):
    proc, res = tmp_path / "data" / "processed", tmp_path / "results"
    (res / "spatial").mkdir(parents=True)
    proc.mkdir(parents=True)
    mine = [proc / ".panel.panel~abcd_123.tmp.parquet", res / ".coverage.panel~zz99aa00.tmp.png"]
    staging = res / "spatial" / ".figures.panel~k2j3h4g5.staging"
    others = [proc / ".indices.indices~abcd_123.tmp.parquet",  # another stage, maybe running now
              proc / "panel.parquet", proc / ".gitkeep", res / ".panel.panel~short.tmp.csv"]
    for p in [*mine, *others]:
        p.write_bytes(b"x")
    staging.mkdir()
    (staging / "a.png").write_bytes(b"x")
    removed = cio.clean_stale_temporaries([tmp_path / "data", res, tmp_path / "missing"], "panel")
    assert removed == sorted([*mine, staging])
    assert all(not p.exists() for p in [*mine, staging])
    assert all(p.exists() for p in others)


def test_a_killed_write_leaves_a_tagged_temporary_that_the_next_start_removes(tmp_path):
    """A real interrupt: a child process dies (os._exit, no cleanup handlers) inside atomic_path."""
    code = textwrap.dedent(f"""
        import os
        from clusternet import io
        io.set_stage("indices")
        with io.atomic_path({str(tmp_path / "out.parquet")!r}) as tmp:
            tmp.write_bytes(b"half")
            os._exit(9)
    """)
    env = {**os.environ, "PYTHONPATH": str(Path(cio.__file__).parents[1])}
    assert subprocess.run([sys.executable, "-c", code], env=env).returncode == 9
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".out.indices~") and not (tmp_path / "out.parquet").exists()
    assert cio.clean_stale_temporaries([tmp_path], "panel") == []
    assert len(cio.clean_stale_temporaries([tmp_path], "indices")) == 1
    assert list(tmp_path.iterdir()) == []


def test_stage_entry_point_cleans_its_leftovers_and_writes_public_outputs(tmp_path, umask, capsys):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
    from data_helpers import make_project

    from clusternet.cli.app import main

    umask(0o022)
    cfg = make_project(tmp_path)
    res = tmp_path / "results" / "data"
    res.mkdir(parents=True)
    stale = res / ".codebook.codebook~q1w2e3r4.tmp.md"
    foreign = res / ".quality.panel~q1w2e3r4.tmp.json"
    stale.write_text("half")
    foreign.write_text("in flight")
    assert main(["codebook", "--config", str(cfg)]) == 0
    assert not stale.exists() and foreign.exists()
    assert "removed 1 temporary" in capsys.readouterr().err
    assert _mode(res / "codebook.md") == 0o644
