"""The effective config of a Snakemake run (issue 14): what ``configfile:``, ``--configfile`` and
``--config KEY=VALUE`` merged into Snakemake's ``config``, handed to every ``clusternet`` command.

Section paths (``sections:``) and ``schemas:`` are relative to the file that set them (the
default ``config/config.yaml``, then each ``--configfile`` in order; a key given only with
``--config`` is relative to the default file's directory). When the merged config is exactly one
of those files (no overrides, or one complete ``--configfile`` such as ``config/test/config.yaml``),
the commands get that file; otherwise the merged, validated config is written once to
``resources/config/<sha256>.yaml`` (content-addressed: an unchanged config keeps its file and its
modification time, so it does not trigger reruns; a changed one is a new input of every rule)."""
from __future__ import annotations

import copy
import hashlib
import json
import os
from pathlib import Path

import yaml

from clusternet.config import Config, load_config, read_yaml

GENERATED_DIR = Path("resources/config")


def _relative_keys(path: Path) -> dict[str, Path]:
    """``sections.<name>`` and ``schemas`` of a config file, as paths relative to the working directory."""
    data = read_yaml(path) or {}
    out: dict[str, Path] = {}
    for name, file in (data.get("sections") or {}).items():
        out[f"sections.{name}"] = Path(os.path.normpath(path.parent / file))
    if data.get("schemas"):
        out["schemas"] = Path(os.path.normpath(path.parent / data["schemas"]))
    return out


def _alone(path: Path) -> dict[str, Path]:
    """The section and schema paths of a config file used by itself."""
    return {"schemas": path.parent / "schemas", **_relative_keys(path)}


def effective_config(merged: dict, configfiles=(), default: str | os.PathLike = "config/config.yaml",
                     validate_sections: bool = True) -> Config:
    """The config file the rules pass to ``clusternet`` for Snakemake's merged ``config`` (see the
    module docstring), loaded and validated; with ``validate_sections`` every section file is read
    and validated now (a typo fails ``snakemake -n`` with the file and the key)."""
    default = Path(default)
    # Snakemake gives --configfile paths as absolute paths; the commands (and the provenance of
    # their outputs) name them relative to the working directory when they are inside it
    files = [default, *[Path(os.path.relpath(f)) if Path(f).resolve().is_relative_to(Path.cwd().resolve())
                        else Path(f) for f in configfiles]]
    resolved = {"schemas": default.parent / "schemas"}
    for f in files:
        resolved.update(_relative_keys(f))
    merged = copy.deepcopy(dict(merged))
    for name, file in (merged.get("sections") or {}).items():
        resolved.setdefault(f"sections.{name}", Path(os.path.normpath(default.parent / file)))
    chosen = next((f for f in reversed(files) if (read_yaml(f) or {}) == merged and _alone(f) == resolved), None)
    if chosen is None:
        chosen = _write_merged(merged, resolved)
    config = load_config(chosen)
    if validate_sections:
        for name in sorted(config.main.get("sections", {})):
            config.section(name)
    return config


def _write_merged(merged: dict, resolved: dict[str, Path]) -> Path:
    out_dir = GENERATED_DIR
    rel = {k: Path(os.path.relpath(v, out_dir)).as_posix() for k, v in resolved.items()}
    merged["sections"] = {name: rel[f"sections.{name}"] for name in merged.get("sections") or {}}
    merged["schemas"] = rel["schemas"]
    blob = json.dumps(merged, sort_keys=True, ensure_ascii=False, default=str).encode()
    path = out_dir / f"{hashlib.sha256(blob).hexdigest()[:16]}.yaml"
    if not path.exists():  # content-addressed: never rewritten, so its mtime stays put
        from clusternet.io import write_text

        header = ("# Effective config of a Snakemake run (--config / --configfile merged into "
                  "config/config.yaml); written by the Snakefile, do not edit.\n")
        write_text(path, header + yaml.safe_dump(merged, sort_keys=True, allow_unicode=True))
    return path
