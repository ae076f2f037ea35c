"""The config loader: schema validation, unknown keys, section files, mirror override."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from clusternet.config import MIRROR_ENV, load_config
from clusternet.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def config_dir(tmp_path):
    dst = tmp_path / "config"
    shutil.copytree(ROOT / "config", dst)
    return dst


def _edit(path: Path, fn):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_shipped_config_and_every_section_validate():
    cfg = load_config(ROOT / "config" / "config.yaml")
    for name in cfg.main["sections"]:
        cfg.section(name)
    assert len(cfg.sha256()) == 64


def test_unknown_top_level_key_is_an_error(config_dir):
    _edit(config_dir / "config.yaml", lambda d: d.update(sed=1))
    with pytest.raises(ConfigError, match=r"config\.yaml.*unknown key.*'sed'"):
        load_config(config_dir / "config.yaml")


def test_unknown_nested_key_names_its_path(config_dir):
    _edit(config_dir / "config.yaml", lambda d: d["years"].update(frist=2011))
    with pytest.raises(ConfigError, match=r"at years: unknown key.*'frist'"):
        load_config(config_dir / "config.yaml")


def test_wrong_type_names_key(config_dir):
    _edit(config_dir / "config.yaml", lambda d: d.update(seed="abc"))
    with pytest.raises(ConfigError, match=r"at seed: 'abc' is not of type 'integer'"):
        load_config(config_dir / "config.yaml")


def test_missing_section_file_is_an_error(config_dir):
    cfg = load_config(config_dir / "config.yaml")
    name = next(iter(cfg.main["sections"]))
    (config_dir / cfg.main["sections"][name]).unlink()
    with pytest.raises(ConfigError, match=re.escape(cfg.main["sections"][name]) + " does not exist"):
        cfg.section(name)


def test_unknown_key_in_each_section_is_an_error(config_dir):
    cfg = load_config(config_dir / "config.yaml")
    for name, file in cfg.main["sections"].items():
        path = config_dir / file
        _edit(path, lambda d: d.update(no_such_key_xyz=1))
        fresh = load_config(config_dir / "config.yaml")
        with pytest.raises(ConfigError, match="no_such_key_xyz"):
            fresh.section(name)


def test_mirror_environment_variable_overrides_config(config_dir, monkeypatch):
    cfg = load_config(config_dir / "config.yaml")
    monkeypatch.setenv(MIRROR_ENV, "/some/mirror")
    assert cfg.mirror == Path("/some/mirror")
    monkeypatch.delenv(MIRROR_ENV)
    assert cfg.mirror is None or cfg.mirror == Path(cfg.main["acquire"]["mirror"])


def test_config_hash_changes_with_content(config_dir):
    a = load_config(config_dir / "config.yaml").sha256()
    _edit(config_dir / "config.yaml", lambda d: d.update(seed=d["seed"] + 1))
    assert load_config(config_dir / "config.yaml").sha256() != a
