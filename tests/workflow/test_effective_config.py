"""The effective config of a Snakemake run (clusternet.workflow.effective) and the DVC parameters
overlay (`clusternet --params`), in process (the dry-run tests are in test_overrides.py)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from clusternet import config as config_module
from clusternet.config import load_config, read_yaml
from clusternet.errors import ConfigError
from clusternet.workflow.effective import effective_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "config", tmp_path / "config")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_no_override_hands_over_the_default_file(project):
    merged = read_yaml("config/config.yaml")
    cfg = effective_config(merged)
    assert cfg.path == Path("config/config.yaml")
    assert not (project / "resources").exists()


def test_an_override_writes_the_merged_config_once(project):
    merged = read_yaml("config/config.yaml")
    merged["seed"] = 1
    cfg = effective_config(merged)
    assert cfg.path.parent == Path("resources/config") and cfg.seed == 1
    assert cfg.section_file("models").resolve() == (project / "config/models.yaml").resolve()
    assert cfg.section("models") == load_config("config/config.yaml").section("models")
    mtime = cfg.path.stat().st_mtime_ns
    assert effective_config(merged).path == cfg.path and cfg.path.stat().st_mtime_ns == mtime  # not rewritten


def test_a_complete_configfile_is_handed_over_and_its_sections_resolve_from_it(project):
    merged = read_yaml("config/test/config.yaml")
    cfg = effective_config(merged, [project / "config/test/config.yaml"])  # Snakemake passes absolute paths
    assert cfg.path == Path("config/test/config.yaml")
    assert cfg.section_file("models") == Path("config/test/models.yaml")
    assert len(cfg.section("models")["specifications"]) < len(load_config().section("models")["specifications"])


def test_a_partial_configfile_takes_sections_relative_to_itself(project):
    alt = project / "alt"
    alt.mkdir()
    shutil.copy2("config/test/models.yaml", alt / "few.yaml")
    (alt / "alt.yaml").write_text("sections: {models: few.yaml}\n", encoding="utf-8")
    merged = read_yaml("config/config.yaml")
    merged["sections"]["models"] = "few.yaml"
    cfg = effective_config(merged, ["alt/alt.yaml"])
    assert cfg.section_file("models").resolve() == (alt / "few.yaml").resolve()
    assert cfg.section_file("sources").resolve() == (project / "config/sources.yaml").resolve()


def test_a_typo_in_a_section_fails_with_file_and_key(project):
    path = project / "config/spatial.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nexplor: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config/spatial\.yaml.*explor"):
        effective_config(read_yaml("config/config.yaml"))


def test_params_overlay_replaces_keys_of_the_config(project, monkeypatch):
    (project / "params.yaml").write_text(yaml.safe_dump({"seed": 7, "years": {"first": 2013, "last": 2022}}))
    monkeypatch.setattr(config_module, "_PARAMS_OVERLAY", None)
    config_module.set_params_overlay("params.yaml")
    try:
        cfg = load_config("config/config.yaml")
        assert cfg.seed == 7 and cfg.years == (2013, 2022)
        assert cfg.main["paths"] == read_yaml("config/config.yaml")["paths"]  # the rest untouched
        (project / "params.yaml").write_text("seed: -1\n")
        with pytest.raises(ConfigError, match="params.yaml"):
            load_config("config/config.yaml")
    finally:
        config_module.set_params_overlay(None)
