"""config/package.yaml: citation metadata, redistribution decisions per upstream repository
and the reference machine's measured run (validated against config/schemas/package.schema.yaml)."""
from __future__ import annotations

from pathlib import Path

from clusternet.config import read_yaml, validate
from clusternet.errors import ConfigError


def package_settings_path(config) -> Path:
    return config.dir / "package.yaml"


def load_package_settings(config) -> dict:
    path = package_settings_path(config)
    if not path.is_file():
        raise ConfigError(f"{path} does not exist; the replication package needs it (publishers, licences, "
                          "reference run): copy it from the clusternet repository")
    data = read_yaml(path) or {}
    validate(data, config.dir / "schemas" / "package.schema.yaml", str(path))
    return data


def publishers_by_repo(settings: dict, sources, path) -> dict[str, dict]:
    """repo -> publisher entry; every repository of config/sources.yaml must have one."""
    entries = {p["repo"]: p for p in settings["publishers"]}
    missing = sorted({s.repo for s in sources} - set(entries))
    if missing:
        raise ConfigError(f"{path}: publishers has no entry for the upstream repositories {missing} of "
                          "config/sources.yaml; add one each (publisher, title, year, redistribute, terms)")
    return entries
