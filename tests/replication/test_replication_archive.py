"""Deterministic archives, safe extraction, verify's comparison and upstream check, and the
committed citation files (no pipeline run)."""
from __future__ import annotations

import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from clusternet.errors import DataError
from clusternet.replication import archive
from clusternet.replication.verify import check_upstream, compare

ROOT = Path(__file__).resolve().parents[2]


def _tree(base: Path, mtime: int, mode: int) -> Path:
    (base / "b" / "c").mkdir(parents=True)
    for rel, text in (("z.txt", "zz"), ("a.txt", "aa"), ("b/c/d.csv", "1,2\n"), ("b/e.json", "{}")):
        p = base / rel
        p.write_text(text)
        os.chmod(p, mode)
        os.utime(p, (mtime, mtime))
    return base


@pytest.mark.parametrize("fmt", ["zip", "tar.gz"])
def test_same_tree_gives_the_same_bytes_whatever_the_timestamps_and_modes(tmp_path, fmt):
    one = _tree(tmp_path / "one" / "pkg", 1_600_000_000, 0o600)
    two = _tree(tmp_path / "two" / "pkg", 1_700_000_000, 0o664)
    write = archive.write_zip if fmt == "zip" else archive.write_tar_gz
    a = write(one, tmp_path / f"a.{fmt}", "pkg").read_bytes()
    b = write(two, tmp_path / f"b.{fmt}", "pkg").read_bytes()
    assert a == b
    # Sorted members, fixed metadata.
    if fmt == "zip":
        with zipfile.ZipFile(tmp_path / "a.zip") as zf:
            names = zf.namelist()
            assert all(i.date_time == archive.ZIP_DATE for i in zf.infolist())
    else:
        with tarfile.open(tmp_path / "a.tar.gz") as tf:
            names = tf.getnames()
            assert all(m.mtime == archive.EPOCH and m.uid == 0 and m.uname == "" for m in tf.getmembers())
    assert [n.rstrip("/") for n in names] == sorted(n.rstrip("/") for n in names)
    top = archive.extract(tmp_path / f"a.{fmt}", tmp_path / f"x{fmt}")
    assert (top / "b" / "c" / "d.csv").read_text() == "1,2\n"


def test_content_change_changes_the_archive(tmp_path):
    one = _tree(tmp_path / "one" / "pkg", 1, 0o644)
    a = archive.write_zip(one, tmp_path / "a.zip", "pkg").read_bytes()
    (one / "a.txt").write_text("ab")
    assert archive.write_zip(one, tmp_path / "b.zip", "pkg").read_bytes() != a


def test_extract_refuses_members_outside_the_target(tmp_path):
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("pkg/../../evil.txt", "x")
    with pytest.raises(DataError, match="outside"):
        archive.extract(bad, tmp_path / "out")


def test_compare_names_each_status():
    expected = {"results/a": {"sha256": "1"}, "results/b": {"sha256": "2"}, "results/c": {"sha256": "3"}}
    actual = {"results/a": {"sha256": "1"}, "results/b": {"sha256": "9"}, "results/d": {"sha256": "4"}}
    assert compare(expected, actual) == [("results/a", "identical"), ("results/b", "differs"),
                                         ("results/c", "missing"), ("results/d", "extra")]


def test_check_upstream_names_the_corrupted_file(tmp_path):
    import hashlib

    f = tmp_path / "data" / "upstream" / "o__r" / "x.csv"
    f.parent.mkdir(parents=True)
    f.write_bytes(b"hello")
    row = {"id": "x", "in_package": "data/upstream/o__r/x.csv", "sha256": hashlib.sha256(b"hello").hexdigest(),
           "bytes": "5", "url": "https://example.org/x.csv"}
    check_upstream(tmp_path, [row])  # intact
    f.write_bytes(b"hellp")
    with pytest.raises(DataError, match=r"data/upstream/o__r/x.csv \(source x\) is corrupted"):
        check_upstream(tmp_path, [row])
    f.unlink()
    with pytest.raises(DataError, match="missing"):
        check_upstream(tmp_path, [row])


def test_committed_citation_files_are_up_to_date():
    """CITATION.cff and data-citations.bib at the repository root are what `clusternet citation`
    generates from config/package.yaml and config/sources.yaml (regenerate them when this fails)."""
    from clusternet.config import load_config
    from clusternet.replication import citation

    config = load_config(ROOT / "config" / "config.yaml")
    assert (ROOT / citation.CFF_NAME).read_text(encoding="utf-8") == citation.citation_cff(config), \
        "CITATION.cff is stale: run `clusternet citation`"
    assert (ROOT / citation.BIB_NAME).read_text(encoding="utf-8") == citation.bibtex(config), \
        "data-citations.bib is stale: run `clusternet citation`"


def test_citation_files_cite_every_upstream_repository():
    import yaml

    from clusternet.config import load_config
    from clusternet.replication import citation

    config = load_config(ROOT / "config" / "config.yaml")
    repos = {f["repo"] for f in config.section("sources")["files"]}
    cff = yaml.safe_load(citation.citation_cff(config))
    assert cff["cff-version"] == "1.2.0"
    assert {r["repository"] for r in cff["references"] if r["type"] == "data"} == {f"https://github.com/{r}" for r in repos}
    bib = citation.bibtex(config)
    for r in repos:
        assert f"@misc{{{citation.bib_key(r)}," in bib


def test_every_upstream_repository_has_a_redistribution_decision(tmp_path):
    from clusternet.config import load_config
    from clusternet.data.sources import load_sources
    from clusternet.errors import ConfigError
    from clusternet.replication.settings import load_package_settings, publishers_by_repo

    config = load_config(ROOT / "config" / "config.yaml")
    settings = load_package_settings(config)
    publishers_by_repo(settings, load_sources(config), "package.yaml")
    settings["publishers"] = settings["publishers"][1:]
    with pytest.raises(ConfigError, match=settings and "no entry for the upstream repositories"):
        publishers_by_repo(settings, load_sources(config), "package.yaml")


def test_catalogue_finds_the_producing_stage_and_the_config_entry():
    from clusternet.replication.catalogue import Stage, find_entry, producing_stage

    stages = {"models": Stage("models", "clusternet models", ("config/models.yaml",), ("results/models",)),
              "panel": Stage("panel", "clusternet panel", (), ("data/processed/panel.parquet",))}
    assert producing_stage(stages, "results/models/a.json").name == "models"
    assert producing_stage(stages, "data/processed/panel.parquet").name == "panel"
    assert producing_stage(stages, "results/models_extra/a.json") is None  # a prefix is not a directory
    section = {"defaults": {}, "specifications": [{"name": "a"}, {"name": "b", "x": [1]}]}
    assert find_entry(section, "name", "b") == "specifications[1]"
    assert find_entry(section, "name", "c") is None


@pytest.mark.parametrize("seconds,label", [(0, "<10 minutes"), (599, "<10 minutes"), (864, "10-60 minutes"),
                                           (3600, "1-2 hours"), (90000, "1-3 days")])
def test_runtime_checkbox_follows_the_measured_time(seconds, label):
    from clusternet.replication.readme import runtime_checkbox

    assert runtime_checkbox(seconds).endswith(": " + label)
