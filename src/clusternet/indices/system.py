"""Indicator systems: the hierarchy declared in ``config/indicators.yaml``.

An index is a tree: the index (root) has dimensions, a dimension has either
indicators or sub-dimensions, and an indicator is a panel variable with a
direction (``+`` benefit / ``-`` cost) and an optional ``log`` transform.
``parse_system`` checks what the JSON schema cannot (duplicates, empty
dimensions, unknown variables) and names the config key in every error.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clusternet.errors import ConfigError, DataError


@dataclass(frozen=True)
class Indicator:
    variable: str
    direction: int  # +1 benefit, -1 cost
    transform: str = "none"  # none | log
    label_en: str = ""
    label_zh: str = ""
    key_path: str = ""  # where it is declared, for error messages


@dataclass(frozen=True)
class Node:
    key: str
    label_en: str
    label_zh: str
    children: tuple[Node | Indicator, ...] = field(default_factory=tuple)
    key_path: str = ""

    def indicators(self) -> list[Indicator]:
        out: list[Indicator] = []
        for c in self.children:
            out.extend(c.indicators() if isinstance(c, Node) else [c])
        return out


def _direction(value, key_path: str, source: str) -> int:
    if value in ("+", "positive", 1, "1", "+1"):
        return 1
    if value in ("-", "negative", -1, "-1"):
        return -1
    if value is None:
        raise ConfigError(f"{source}: {key_path}.direction is missing; set it to '+' (benefit) or '-' (cost)")
    raise ConfigError(f"{source}: {key_path}.direction is {value!r}; use '+' (benefit) or '-' (cost)")


def _parse_node(spec: dict, key_path: str, source: str, labels: dict, seen: dict) -> Node:
    key = spec.get("key")
    if not key:
        raise ConfigError(f"{source}: {key_path}.key is missing; give every dimension a short key")
    has_ind = bool(spec.get("indicators"))
    has_sub = bool(spec.get("sub_dimensions"))
    if has_ind and has_sub:
        raise ConfigError(f"{source}: {key_path} ({key}) has both indicators and sub_dimensions; use one of them")
    if not has_ind and not has_sub:
        raise ConfigError(f"{source}: {key_path} ({key}) has no indicators; list at least one under "
                          f"{key_path}.indicators or remove the dimension")
    children: list = []
    if has_sub:
        for i, sub in enumerate(spec["sub_dimensions"]):
            children.append(_parse_node(sub, f"{key_path}.sub_dimensions[{i}]", source, labels, seen))
    else:
        for i, ind in enumerate(spec["indicators"]):
            kp = f"{key_path}.indicators[{i}]"
            var = ind.get("variable")
            if not var:
                raise ConfigError(f"{source}: {kp}.variable is missing")
            if var in seen:
                raise ConfigError(f"{source}: {kp}: variable {var!r} is already used at {seen[var]}; "
                                  "an indicator may appear only once in an index")
            seen[var] = kp
            transform = ind.get("transform", "none")
            if transform not in ("none", "log"):
                raise ConfigError(f"{source}: {kp}.transform is {transform!r}; use 'none' or 'log'")
            lab_en, lab_zh = labels.get(var, (var, var))
            children.append(Indicator(var, _direction(ind.get("direction"), kp, source), transform,
                                      ind.get("label_en", lab_en), ind.get("label_zh", lab_zh), kp))
    keys = [c.key for c in children if isinstance(c, Node)]
    if len(keys) != len(set(keys)):
        raise ConfigError(f"{source}: {key_path}: duplicate sub-dimension keys {sorted(keys)}")
    return Node(key, spec.get("label_en", key), spec.get("label_zh", spec.get("label_en", key)),
                tuple(children), key_path)


def parse_system(index_spec: dict, source: str = "config/indicators.yaml",
                 labels: dict[str, tuple[str, str]] | None = None) -> Node:
    """Build the index tree from the ``index`` block of the indicators config.

    ``labels`` maps variable -> (label_en, label_zh), usually from the codebook."""
    dims = index_spec.get("dimensions") or []
    if not dims:
        raise ConfigError(f"{source}: index.dimensions is empty; declare at least one dimension")
    seen: dict = {}
    children = tuple(_parse_node(d, f"index.dimensions[{i}]", source, labels or {}, seen)
                     for i, d in enumerate(dims))
    keys = [c.key for c in children]
    if len(keys) != len(set(keys)):
        raise ConfigError(f"{source}: index.dimensions: duplicate dimension keys {keys}")
    name = index_spec.get("name", "index")
    return Node(name, index_spec.get("label_en", name), index_spec.get("label_zh", name), children, "index")


def indicator_matrix(panel: pd.DataFrame, system: Node, source: str = "config/indicators.yaml",
                     data_name: str = "panel") -> np.ndarray:
    """Raw indicator values (n x m, in ``system.indicators()`` order), transformed.

    Errors name the config key and the variable (unknown variable, missing values,
    non-positive values under a log transform)."""
    cols = []
    for ind in system.indicators():
        if ind.variable not in panel.columns:
            close = difflib.get_close_matches(ind.variable, [str(c) for c in panel.columns], n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ConfigError(f"{source}: {ind.key_path}.variable: unknown indicator {ind.variable!r} — "
                              f"not a column of the {data_name}{hint}; check config/codebook.yaml")
        x = pd.to_numeric(panel[ind.variable], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(x)
        if bad.all():
            raise DataError(f"{data_name}: indicator {ind.variable!r} ({source}: {ind.key_path}) is missing "
                            "for every region-year; drop it from the index or fix the panel")
        if bad.any():
            raise DataError(f"{data_name}: indicator {ind.variable!r} has {int(bad.sum())} missing values, "
                            f"first at {_where(panel, int(np.argmax(bad)))}; impute them in the panel stage, "
                            "drop the indicator, or set index.missing: complete_years in " + source)
        if ind.transform == "log":
            if (x <= 0).any():
                i = int(np.argmax(x <= 0))
                raise DataError(f"{data_name}: indicator {ind.variable!r} has a non-positive value {x[i]} at "
                                f"{_where(panel, i)}, but {source}: {ind.key_path}.transform is 'log'; "
                                "remove the log transform or fix the value")
            x = np.log(x)
        cols.append(x)
    return np.column_stack(cols)


def _where(df: pd.DataFrame, i: int) -> str:
    parts = [f"row {i}"]
    for c in ("region_code", "year"):
        if c in df.columns:
            parts.append(f"{c}={df[c].iloc[i]}")
    return " ".join(parts)
