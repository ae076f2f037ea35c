"""Config loading and validation.

``config/config.yaml`` holds the global settings and names one file per section
(sources, codebook, indicators, network, models, spatial, hypotheses, report).
Every file is validated against ``config/schemas/<section>.schema.yaml`` (JSON
Schema, draft 2020-12) with ``additionalProperties: false`` throughout, so an
unknown or misspelt key is an error that names the file and the key path.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from clusternet.errors import ConfigError

DEFAULT_CONFIG = Path("config/config.yaml")
MIRROR_ENV = "CLUSTERNET_MIRROR"


def _schema_dir(config_path: Path, main: dict | None = None) -> Path:
    """The schema directory: ``schemas:`` of the global config (relative to its file), else the
    ``schemas/`` next to it. A config outside ``config/`` (the test config ``config/test/``, the
    merged config a Snakemake run writes) names the one directory of schemas."""
    named = (main or {}).get("schemas") if isinstance(main, dict) else None
    return config_path.parent / (named if isinstance(named, str) and named else "schemas")


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader (libyaml's C parser when available: ~10x faster on codebook.yaml) that also
    reads the YAML 1.2 float forms without a dot (``1e-4``, ``2E+3``) as numbers; YAML 1.1 (and so
    PyYAML) would read them as text."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def read_yaml(path: str | os.PathLike) -> Any:
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file {path} does not exist")
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc


@cache
def _load_schema_cached(path: str, mtime_ns: int) -> dict:
    return read_yaml(path)


def _load_schema(path: str) -> dict:
    # Keyed by absolute path and modification time: a relative path means a
    # different file after a chdir, and an edited schema must be re-read.
    resolved = Path(path).resolve()
    if not resolved.exists():
        raise ConfigError(f"schema file {path} does not exist")
    return _load_schema_cached(str(resolved), resolved.stat().st_mtime_ns)


def _key_path(error: jsonschema.ValidationError) -> str:
    parts: list[str] = []
    for p in error.absolute_path:
        parts.append(f"[{p}]" if isinstance(p, int) else (f".{p}" if parts else str(p)))
    return "".join(parts) or "<top level>"


_TYPE_WORDS = {"integer": "a whole number", "number": "a number", "string": "a text string",
               "boolean": "true or false", "array": "a list", "object": "a mapping of keys to values",
               "null": "null (~)"}


def _resolve(schema: dict, root: dict) -> dict:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str) and ref.startswith("#/"):
        node = root
        for part in ref[2:].split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        return _resolve(node, root)
    return schema if isinstance(schema, dict) else {}


def describe_schema(schema: dict, root: dict, depth: int = 0) -> str:
    """What a schema allows, in words (for the remedy of a validation message)."""
    s = _resolve(schema, root)
    if depth > 3:
        return "a value allowed by the schema"
    if "enum" in s:
        return "one of " + ", ".join(json.dumps(v, ensure_ascii=False) for v in s["enum"])
    if "const" in s:
        return f"exactly {json.dumps(s['const'], ensure_ascii=False)}"
    for key in ("oneOf", "anyOf"):
        if key in s:
            return " or ".join(describe_schema(sub, root, depth + 1) for sub in s[key])
    types = s.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    words = " or ".join(_TYPE_WORDS.get(t, t) for t in types) or "a value"
    bounds = [f"{op} {s[k]}" for k, op in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="),
                                              ("exclusiveMaximum", "<")) if k in s]
    if "minLength" in s:
        bounds.append(f"at least {s['minLength']} character(s) long")
    if "pattern" in s:
        bounds.append(f"matching the pattern {s['pattern']}")
    if "minItems" in s:
        bounds.append(f"with at least {s['minItems']} item(s)")
    if "maxItems" in s:
        bounds.append(f"with at most {s['maxItems']} item(s)")
    if s.get("uniqueItems"):
        bounds.append("without repeated items")
    if "items" in s and isinstance(s["items"], dict) and depth < 2:
        bounds.append(f"each item {describe_schema(s['items'], root, depth + 1)}")
    if s.get("required") and not types:
        words = "a mapping with the key(s) " + ", ".join(s["required"])
    return words + (" " + ", ".join(bounds) if bounds else "")


def _remedy(e: jsonschema.ValidationError, root: dict) -> str:
    """The allowed value in words, for every kind of validation message."""
    v, value = e.validator, e.validator_value
    if v == "required":
        missing = e.message.split("'")[1] if "'" in e.message else "the key"
        sub = _resolve((e.schema.get("properties") or {}).get(missing, {}), root)
        what = f" ({describe_schema(sub, root)})" if sub else ""
        return f"add the key {missing!r}{what}"
    if "propertyNames" in e.schema_path:
        return f"every key here must be {describe_schema(e.schema, root).replace('a value ', '', 1)}"
    if v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "minLength", "maxLength",
             "minItems", "maxItems", "uniqueItems", "pattern", "type", "enum", "const", "oneOf", "anyOf"):
        allowed = describe_schema(e.schema, root)
        text = f"allowed: {allowed}"
    elif v == "propertyNames":
        text = f"every key must be {describe_schema(value, root)}"
    elif v == "not":
        text = f"this combination of keys is not allowed here ({e.message})"
    else:
        text = f"see the schema at {'/'.join(map(str, e.schema_path))}"
    if v == "type" and isinstance(e.instance, str) and "number" in str(value):
        try:
            float(e.instance)
            text += (f" ({e.instance!r} was read as text: YAML 1.1 needs a dot in a float, "
                     f"e.g. 1.0e-4; write the number without quotes)")
        except ValueError:
            pass
    description = e.schema.get("description")
    if description and v not in ("required",):
        text += f"; {description}"
    return text


def _closest_alternative(e: jsonschema.ValidationError, root: dict) -> list:
    """For "not valid under any of the given schemas": the errors of the alternative that came
    closest (fewest errors, then the deepest), each with its remedy; alternatives that tie at the
    same place are offered together ("add the key 'coefficient' or add the key 'test'")."""
    groups: dict = {}
    for x in e.context:
        groups.setdefault(x.relative_schema_path[0], []).append(x)
    fewest = min(len(g) for g in groups.values())
    close = [g for g in groups.values() if len(g) == fewest]
    depth = max(max(len(x.absolute_path) for x in g) for g in close)
    close = [g for g in close if max(len(x.absolute_path) for x in g) == depth]
    if len(close) == 1:
        return [(x, None) for x in close[0]]
    first = close[0][0]
    remedy = " or ".join(dict.fromkeys(_remedy(g[0], root) for g in close))
    return [(first, remedy)]


def validate(obj: Any, schema_path: str | os.PathLike, source: str) -> None:
    """Validate ``obj`` against a schema file; raise ConfigError listing every problem, each with
    the key path and the remedy (what is allowed there, in words)."""
    schema = _load_schema(str(schema_path))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(obj), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        lines = []
        expanded = []
        for e in errors:
            if e.validator in ("oneOf", "anyOf") and e.context:
                expanded += _closest_alternative(e, schema)
            else:
                expanded.append((e, None))
        for e, remedy in expanded:
            msg = e.message
            if e.validator == "additionalProperties" and remedy is None:
                msg = f"unknown key(s): {msg.split('(')[-1].rstrip(')')}" if "(" in msg else msg
                msg += " — remove it or check its spelling against " + str(schema_path)
            else:
                msg += " — " + (remedy or _remedy(e, schema))
            lines.append(f"  {source}: at {_key_path(e)}: {msg}")
        raise ConfigError(f"invalid config {source}:\n" + "\n".join(lines))


@dataclass
class Config:
    """The validated global config plus lazily loaded, validated sections."""

    path: Path
    main: dict
    _sections: dict = field(default_factory=dict)

    @property
    def dir(self) -> Path:
        return self.path.parent

    @property
    def seed(self) -> int:
        return int(self.main["seed"])

    @property
    def years(self) -> tuple[int, int]:
        return int(self.main["years"]["first"]), int(self.main["years"]["last"])

    @property
    def region_level(self) -> str:
        """``regions.level`` (province by default): the administrative level of the panel (issue 17)."""
        return str((self.main.get("regions") or {}).get("level", "province"))

    def path_of(self, key: str) -> Path:
        """A directory from ``paths`` (raw, interim, processed, results)."""
        return Path(self.main["paths"][key])

    @property
    def mirror(self) -> Path | None:
        env = os.environ.get(MIRROR_ENV)
        if env:
            return Path(env)
        value = self.main.get("acquire", {}).get("mirror")
        return Path(value) if value else None

    def section_file(self, name: str) -> Path:
        files = self.main.get("sections", {})
        if name not in files:
            raise ConfigError(
                f"{self.path}: sections.{name} is not set; add `{name}: {name}.yaml` under `sections:`"
            )
        return self.dir / files[name]

    def section(self, name: str) -> dict:
        if name not in self._sections:
            file = self.section_file(name)
            if not file.exists():
                raise ConfigError(f"{self.path}: sections.{name}: the section file {file} does not exist; "
                                  f"create it or correct `{name}:` under `sections:`")
            data = read_yaml(file)
            if data is None:
                data = {}
            schema = _schema_dir(self.path, self.main) / f"{name}.schema.yaml"
            if not schema.exists():
                raise ConfigError(f"no schema {schema} for config section {name!r}")
            validate(data, schema, str(file))
            self._sections[name] = data
        return copy.deepcopy(self._sections[name])

    def sha256(self, sections: list[str] | None = None) -> str:
        """Hash of the canonical JSON of the main config and the named sections
        (all configured sections by default): the config part of provenance."""
        names = sections if sections is not None else sorted(self.main.get("sections", {}))
        payload = {"main": self.main, "sections": {n: self.section(n) for n in names}}
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
        return hashlib.sha256(blob).hexdigest()


# --- issue 14: DVC parameters ------------------------------------------------------------------
# `clusternet --params params.yaml ...` (the commands of dvc.yaml): the keys of params.yaml replace
# those of the global config (nested mappings merged), so that `dvc exp run -S seed=1` changes what
# runs without rewriting the commented config/config.yaml. Snakemake reads the same file as a
# `configfile:` (workflow/rules/common.smk), so both runners honour it.
_PARAMS_OVERLAY: Path | None = None


def set_params_overlay(path: str | os.PathLike | None) -> None:
    global _PARAMS_OVERLAY
    _PARAMS_OVERLAY = Path(path) if path else None


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def load_config(path: str | os.PathLike = DEFAULT_CONFIG) -> Config:
    path = Path(path)
    main = read_yaml(path) or {}
    if _PARAMS_OVERLAY is not None:
        over = read_yaml(_PARAMS_OVERLAY) or {}
        if not isinstance(over, dict):
            raise ConfigError(f"{_PARAMS_OVERLAY}: DVC parameters must be a mapping of config keys")
        main = _merge(main, over)
        source = f"{path} (with {_PARAMS_OVERLAY})"
    else:
        source = str(path)
    validate(main, _schema_dir(path, main) / "config.schema.yaml", source)
    return Config(path=path, main=main)
