"""``clusternet simulate``: read the declared DGP (config/simulated/dgp.yaml), write the project."""
from __future__ import annotations

from pathlib import Path

from clusternet.config import Config, read_yaml, validate
from clusternet.errors import ConfigError
from clusternet.simulate.dgp import Parameters


def load_dgp(config: Config, path: str | Path) -> dict:
    """The DGP file, validated against config/schemas/simulate.schema.yaml."""
    path = Path(path)
    doc = read_yaml(path) or {}
    validate(doc, config.dir / "schemas" / "simulate.schema.yaml", str(path))
    return doc


def load_overrides(config: Config, path: str | Path | None) -> dict:
    """The overrides file (section -> settings), validated against simulate_overrides.schema.yaml;
    ``None`` or a missing default file: no overrides."""
    if path is None:
        return {}
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"simulate: overrides file {path} not found (--overrides none for the template's settings)")
    doc = read_yaml(path) or {}
    validate(doc, config.dir / "schemas" / "simulate_overrides.schema.yaml", str(path))
    return doc["overrides"]


def run_simulate(config: Config, out: Path, dgp_path: str | Path, seed: int | None = None,
                 level: str | None = None, overrides_path: str | Path | None = None) -> dict:
    from clusternet.simulate.project import write_project

    doc = load_dgp(config, dgp_path)
    params = Parameters.from_dict(doc.get("parameters", {}))
    if params.first_year > params.last_year:
        raise ConfigError(f"{dgp_path}: parameters.first_year {params.first_year} is after "
                          f"last_year {params.last_year}")
    return write_project(Path(out), config.dir, int(doc["seed"] if seed is None else seed), params,
                         level or doc.get("level", "prefecture"), load_overrides(config, overrides_path))
