"""`clusternet acquire`: manifest, mirror copy, verification, offline errors."""
from __future__ import annotations

import csv
import hashlib
import re
import shutil
import urllib.parse

import pytest

from clusternet.cli.app import main
from clusternet.config import load_config
from clusternet.data import sources as src
from clusternet.errors import DataError
from data_helpers import ROOT, make_project


def _manifest():
    import yaml

    return yaml.safe_load((ROOT / "config" / "sources.yaml").read_text(encoding="utf-8"))["files"]


def test_manifest_matches_mirror_sources_csv(mirror_dir):
    with open(mirror_dir / "SOURCES.csv", encoding="utf-8") as fh:
        upstream = {(r["repo"], r["path"]): r for r in csv.DictReader(fh)}
    manifest = _manifest()
    assert len(manifest) == len(upstream)
    for f in manifest:
        row = upstream[(f["repo"], f["path"])]
        assert (f["commit"], f["sha256"], f["bytes"]) == (row["commit"], row["sha256"], int(row["bytes"]))
        # URL pinned to the commit, path percent-encoded (spaces, Chinese characters)
        assert f["url"] == (f"https://raw.githubusercontent.com/{f['repo']}/{f['commit']}/"
                            + urllib.parse.quote(f["path"]))
        assert f["licence"] and f["description"]


def test_pinned_url_encodes_spaces_and_cjk():
    url = src.pinned_url("a/b", "0" * 40, "data/control V.xlsx")
    assert url.endswith("/data/control%20V.xlsx")
    assert "%E5%9C%B0" in src.pinned_url("a/b", "0" * 40, "地区.csv")


def test_acquire_from_mirror_verifies_every_file_and_second_run_does_nothing(tmp_path, mirror_dir, no_mirror_env):
    config = load_config(make_project(tmp_path, mirror=mirror_dir))
    first = src.acquire(config, download=False)
    assert set(first.values()) == {"mirror"}
    for f in src.load_sources(config):
        data = src.raw_path(config, f).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f.sha256
    record = (src.raw_dir(config) / src.RECORD_NAME).read_bytes()
    second = src.acquire(config, download=False)
    assert set(second.values()) == {"present"}
    assert (src.raw_dir(config) / src.RECORD_NAME).read_bytes() == record


def test_mirror_from_environment_overrides_config(tmp_path, mirror_dir, monkeypatch):
    config = load_config(make_project(tmp_path, mirror=tmp_path / "nonexistent"))
    monkeypatch.setenv("CLUSTERNET_MIRROR", str(mirror_dir))
    assert set(src.acquire(config, download=False).values()) == {"mirror"}


def _fake_mirror(tmp_path, mirror_dir):
    fake = tmp_path / "mirror"
    shutil.copytree(mirror_dir, fake)
    for p in fake.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return fake


def test_hash_mismatch_names_file_and_hashes_and_leaves_nothing(tmp_path, mirror_dir, no_mirror_env):
    fake = _fake_mirror(tmp_path, mirror_dir)
    victim = fake / "huhuaping__techme" / "data" / "RDIntense.rda"
    victim.write_bytes(victim.read_bytes()[:-1] + b"\x00")
    config = load_config(make_project(tmp_path, mirror=fake))
    entry = next(f for f in src.load_sources(config) if f.id == "techme_RDIntense")
    with pytest.raises(DataError) as err:
        src.acquire(config, download=False)
    msg = str(err.value)
    assert "techme_RDIntense" in msg and entry.sha256 in msg
    assert hashlib.sha256(victim.read_bytes()).hexdigest() in msg
    target = src.raw_path(config, entry)
    assert not target.exists()
    assert not any(p.name.startswith(".RDIntense") for p in target.parent.iterdir())


def test_offline_without_mirror_lists_missing_files_urls_and_how_to_fix(tmp_path, no_mirror_env, monkeypatch):
    calls = []

    def offline(url, timeout, retries):
        calls.append(url)
        raise OSError(f"{url}: <urlopen error [Errno -3] Temporary failure in name resolution>")

    monkeypatch.setattr(src, "_download", offline)
    cfg = make_project(tmp_path)
    rc = main(["acquire", "--config", str(cfg)])
    assert rc == 2
    config = load_config(cfg)
    calls.clear()
    with pytest.raises(DataError) as err:
        src.acquire(config)
    assert len(calls) == 1  # once one download has failed, the others are listed, not retried
    msg = str(err.value)
    files = src.load_sources(config)
    assert f"{len(files)} upstream file(s) could not be acquired" in msg
    for f in files:
        assert f.url in msg and f.id in msg
    assert "CLUSTERNET_MIRROR" in msg
    assert not (src.raw_dir(config) / src.RECORD_NAME).exists()


def test_missing_upstream_file_in_mirror_is_an_error(tmp_path, mirror_dir, no_mirror_env):
    fake = _fake_mirror(tmp_path, mirror_dir)
    (fake / "airuimeng1__UG_thesis_code_repository" / "control V.xlsx").unlink()
    config = load_config(make_project(tmp_path, mirror=fake))
    with pytest.raises(DataError) as err:
        src.acquire(config, download=False)
    assert "ugthesis_control_v" in str(err.value) and "control%20V.xlsx" in str(err.value)


def test_nonexistent_mirror_directory_is_an_error(tmp_path, no_mirror_env):
    config = load_config(make_project(tmp_path, mirror=tmp_path / "nope"))
    with pytest.raises(DataError, match=re.escape(f"mirror directory {tmp_path / 'nope'}") + ".*does not exist"):
        src.acquire(config, download=False)


def test_url_that_is_not_the_pinned_url_is_a_config_error(tmp_path):
    from clusternet.errors import ConfigError

    def edit(docs):
        docs["sources"]["files"][0]["url"] = "https://example.org/other.rda"

    config = load_config(make_project(tmp_path, edit=edit))
    with pytest.raises(ConfigError, match="pinned URL"):
        src.load_sources(config)
