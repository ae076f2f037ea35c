"""Bring your own panel: a researcher's own region-year files in place of the public items (issue 17).

The input contract (docs/user-panel.md has the long form):

* files: CSV (UTF-8, optional BOM), Excel (.xlsx; ``sheet``), Stata (.dta) or Parquet, one or
  more, each listed in the ``user_panel`` config section (config/user_panel.yaml; schema
  config/schemas/user_panel.schema.yaml). Paths may use environment variables
  (``${CITY_PANEL_DIR}/gdp.xlsx``) and are relative to the config file otherwise, so the private
  files live outside the repository and are never committed.
* four layouts:

  - ``region_year``: one row per region-year, one column per variable (``columns`` maps each
    source column to a codebook variable with its unit and scale);
  - ``long``: one row per region-year-variable (a variable-name column and a value column;
    ``variables`` maps each source name to a codebook variable);
  - ``variable_wide``: one table per variable, regions in rows and years in columns (header
    ``2015`` or ``2015年``);
  - ``variable_long``: one table per variable, one row per region-year with a value column.

* regions are given by name (any spelling the name normaliser knows at the configured
  ``regions.level``, see :mod:`clusternet.data.names`) or by GB/T 2260 code (``region.by``);
  a former unit (巢湖 up to 2010, 莱芜 up to 2018, 毕节地区, ...) is mapped to its successor by
  :mod:`clusternet.data.crosswalk`: re-coded units one to one, a merged unit added to its
  successor when every variable it carries has ``aggregate: sum`` (an error otherwise: a ratio
  cannot be added), a split unit refused unless ``crosswalk.split`` says ``principal`` or
  ``drop``.
* every value is multiplied by its ``scale`` (the declared ``unit`` -> the codebook's unit).

The result is the same long table as :func:`clusternet.data.panel.read_items` returns, so the
panel stage then treats it exactly like the public data (duplicates, balanced frame,
interpolation, deflation, derived variables, plausibility, schema): the same errors, naming file,
row and column. Each file's sha256 is recorded for provenance (:mod:`clusternet.reads`).
"""
from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from clusternet import reads
from clusternet.config import Config
from clusternet.data import crosswalk, regions
from clusternet.data.names import AGGREGATE, map_names
from clusternet.data.readers import number, numeric_column, year_value
from clusternet.errors import ConfigError, DataError

SECTION = "user_panel"
LAYOUTS = ("region_year", "long", "variable_wide", "variable_long")
FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".dta": "dta", ".parquet": "parquet"}
_YEAR_HEADER = re.compile(r"^\s*(\d{4})(?:\.0)?\s*年?\s*$")


def uses_user_panel(config: Config) -> bool:
    """True when the config names a ``user_panel`` section: the panel is built from the user's files."""
    return SECTION in (config.main.get("sections") or {})


def resolve_path(config: Config, text: str, where: str) -> Path:
    """A configured path with ``${VAR}`` / ``$VAR`` expanded, relative to the config file's directory."""
    expanded = os.path.expandvars(text)
    if "$" in expanded:
        raise ConfigError(f"{where}: path {text!r} names an environment variable that is not set "
                          f"({expanded!r}); export it before running the pipeline")
    path = Path(expanded)
    return path if path.is_absolute() else (config.dir / path)


def _format(path: Path, declared: str | None, where: str) -> str:
    if declared:
        return declared
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ConfigError(f"{where}: cannot tell the format of {path} from its suffix; set `format` to one of "
                          f"{', '.join(sorted(set(FORMATS.values())))}")
    return fmt


def read_table(path: Path, fmt: str, sheet=None) -> tuple[pd.DataFrame, int]:
    """The file as a frame of raw cells (text kept as text), read from the bytes hashed for
    provenance; returns the frame and the file-row number of its first data row (header = 1)."""
    if not path.exists():
        raise DataError(f"user panel file {path} does not exist; check the path (user_panel files[].path) "
                        f"or the environment variable it uses")
    data = reads.read_input(path)
    buf = io.BytesIO(data)
    try:
        if fmt == "csv":
            frame = pd.read_csv(buf, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        elif fmt == "xlsx":
            frame = pd.read_excel(buf, sheet_name=sheet if sheet is not None else 0, dtype=object)
        elif fmt == "dta":
            frame = pd.read_stata(buf, convert_categoricals=False)
        else:
            frame = pd.read_parquet(buf)
    except (ValueError, KeyError, OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read it as {fmt}: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.reset_index(drop=True), 2


def _require(frame: pd.DataFrame, path: Path, wanted: dict[str, str], where: str) -> None:
    missing = {k: v for k, v in wanted.items() if v not in frame.columns}
    if missing:
        raise DataError(f"{path}: no column " + ", ".join(f"{v!r} (the {k})" for k, v in missing.items())
                        + f"; available columns: {', '.join(map(repr, frame.columns))}. Fix {where}.")


def _rows(frame: pd.DataFrame, first_row: int) -> np.ndarray:
    return np.arange(len(frame)) + first_row


def _codes(values: pd.Series, by: str, path: Path, column: str, rows: np.ndarray) -> np.ndarray:
    """Region codes of a column of names or codes; 0 marks an aggregate row."""
    if by == "code":
        out = np.empty(len(values), dtype="int64")
        pattern = regions.code_pattern(regions.active_level())
        for i, v in enumerate(values):
            text = str(v).strip()
            text = text[:-2] if text.endswith(".0") else text
            if not text.isdigit():
                raise DataError(f"{path}: row {rows[i]}, column {column!r}: region code {v!r} is not a number; "
                                f"give a six-digit GB/T 2260 code or set region.by: name")
            code = int(text)
            if not pattern.match(f"{code:06d}") and not crosswalk.is_former_code(code, regions.active_level()):
                raise DataError(f"{path}: row {rows[i]}, column {column!r}: {code} is not a "
                                f"{regions.active_level()} code (GB/T 2260 pattern "
                                f"{regions.CODE_PATTERNS[regions.active_level()]}); check regions.level")
            out[i] = code
        return out
    names = values.astype(str)

    def where(name):
        hits = np.unique(rows[(names == name).to_numpy()])
        return f"{path} row(s) {', '.join(map(str, hits[:8]))}" + (" ..." if len(hits) > 8 else "") + f", column {column!r}"

    mapping = map_names(names, where)
    return names.map(mapping).to_numpy(dtype="int64")


def _variable_map(entry: dict, codebook: dict, where: str) -> dict[str, dict]:
    """Source column/name -> {variable, unit, scale, aggregate}, checked against the codebook."""
    spec = entry.get("columns") or entry.get("variables") or {}
    if entry["layout"] in ("variable_wide", "variable_long"):
        spec = {"": {k: entry[k] for k in ("variable", "unit", "scale", "aggregate") if k in entry}}
    out = {}
    for name, m in spec.items():
        if m["variable"] not in codebook:
            raise ConfigError(f"{where}: {name or 'variable'!r} maps to {m['variable']!r}, which is not a codebook "
                              f"variable; use one of the names in the codebook section")
        out[name] = {"variable": m["variable"], "unit": m["unit"], "scale": float(m.get("scale", 1.0)),
                     "aggregate": m.get("aggregate", "error")}
    return out


def _long_rows(frame: pd.DataFrame, entry: dict, path: Path, first_row: int, where: str,
               vmap: dict) -> pd.DataFrame:
    """One row per (region, year, source variable) with file row and column for messages."""
    layout = entry["layout"]
    rcol = entry["region"]["column"]
    rows = _rows(frame, first_row)
    if layout == "variable_wide":
        _require(frame, path, {"region column": rcol}, where)
        years = {}
        for c in frame.columns:
            if c == rcol:
                continue
            m = _YEAR_HEADER.match(c)
            if m:
                years[c] = int(m.group(1))
            elif c not in entry.get("ignore_columns", []):
                raise DataError(f"{path}: column {c!r} is neither the region column nor a year (2015 or 2015年); "
                                f"rename it or list it under ignore_columns in {where}")
        parts = [pd.DataFrame({"region": frame[rcol], "year": y, "source": "", "raw": frame[c], "row": rows,
                               "column": c}) for c, y in years.items()]
        return pd.concat(parts, ignore_index=True)
    ycol = entry["year"]["column"]
    _require(frame, path, {"region column": rcol, "year column": ycol}, where)
    year = numeric_column(frame[ycol], path, ycol, year_value)
    if layout == "region_year":
        _require(frame, path, {f"column mapped to {m['variable']}": c for c, m in vmap.items()}, where)
        parts = [pd.DataFrame({"region": frame[rcol], "year": year, "source": c, "raw": frame[c], "row": rows,
                               "column": c}) for c in vmap]
        return pd.concat(parts, ignore_index=True)
    vcol = entry["value_column"]
    if layout == "variable_long":
        _require(frame, path, {"value column": vcol}, where)
        return pd.DataFrame({"region": frame[rcol], "year": year, "source": "", "raw": frame[vcol], "row": rows,
                             "column": vcol})
    ncol = entry["variable_column"]
    _require(frame, path, {"variable column": ncol, "value column": vcol}, where)
    names = frame[ncol].astype(str).str.strip()
    unknown = sorted(set(names) - set(vmap) - set(entry.get("ignore_variables", [])))
    if unknown:
        first = int(rows[(names == unknown[0]).to_numpy()][0])
        raise DataError(f"{path}: row {first}, column {ncol!r}: variable {unknown[0]!r} is not mapped "
                        f"({len(unknown)} unmapped: {unknown[:8]}); add it under `variables` or "
                        f"`ignore_variables` in {where}")
    keep = names.isin(list(vmap)).to_numpy()
    return pd.DataFrame({"region": frame[rcol][keep], "year": year[keep], "source": names[keep],
                         "raw": frame[vcol][keep], "row": rows[keep], "column": vcol})


def _apply_crosswalk(long: pd.DataFrame, policy: str, vmap_all: dict, where_cfg: str) -> tuple[pd.DataFrame, list]:
    """Former units -> current codes by year; returns the table and the notes of what was mapped."""
    level = regions.active_level()
    notes, keep = [], np.ones(len(long), dtype=bool)
    codes = long["region_code"].to_numpy().copy()
    merged = np.zeros(len(long), dtype=bool)
    for i, (code, year) in enumerate(zip(long["region_code"], long["year"])):
        if not crosswalk.is_former_code(code, level):
            continue
        late = crosswalk.defunct_after(code, int(year), level)
        if late is not None:
            r = long.iloc[i]
            raise DataError(f"{r['where']}: {late.former_name} ({code}) ceased to exist after {late.last_year} "
                            f"({late.kind} into {', '.join(map(str, late.successors))}; {late.source}), but the row "
                            f"is for {year}; give the successor's code or name for years after {late.last_year}")
        change = crosswalk.change_of(code, int(year), level)
        if change is None:
            continue
        if change.kind == "split":
            if policy == "error":
                r = long.iloc[i]
                raise DataError(f"{r['where']}: {change.former_name} ({code}, {year}) was split in "
                                f"{change.last_year + 1} between {', '.join(map(str, change.successors))} "
                                f"({change.source}); its values cannot be divided without weights. Set "
                                f"crosswalk.split: principal (all to {change.successors[0]}) or drop in {where_cfg}")
            if policy == "drop":
                keep[i] = False
                continue
        codes[i] = change.successors[0]
        merged[i] = change.kind in ("merge", "split")
        if change.kind in ("merge", "split"):
            var = long.iloc[i]["variable"]
            if vmap_all.get(var, "error") != "sum":
                r = long.iloc[i]
                raise DataError(f"{r['where']}: {change.former_name} ({code}, {year}) is part of "
                                f"{change.successors[0]} today ({change.kind}, {change.source}); variable {var!r} "
                                f"would have to be added to the successor's value. Set aggregate: sum for it in "
                                f"{where_cfg} if it is a count or an amount, or drop the former unit's rows")
        notes.append((int(code), int(year), change.kind, int(codes[i])))
    out = long.assign(region_code=codes, merged_from=merged)[keep]
    summary = sorted({(c, k, s) for c, _, k, s in notes})
    return out, [{"former_code": c, "kind": k, "successor": s,
                  "years": sorted({y for cc, y, _, _ in notes if cc == c})} for c, k, s in summary]


def read_user_items(config: Config) -> tuple[pd.DataFrame, dict, list, list]:
    """The user's files as the panel's long table (variable, region_code, year, value, item, where).

    Returns (table, notes, input paths, variables in mapping order)."""
    regions.configure(config)
    section = config.section(SECTION)
    where_cfg = str(config.section_file(SECTION))
    codebook = config.section("codebook")["variables"]
    pcfg = config.section("panel")
    lo, hi = pcfg["plausible_years"]["first"], pcfg["plausible_years"]["last"]
    frames, inputs, variables = [], [], []
    notes: dict = {"aggregate_rows_dropped": {}, "ignored_rows": {}, "user_panel": {"files": []}}
    aggregate_of: dict[str, str] = {}
    for k, entry in enumerate(section["files"]):
        where = f"{where_cfg} files[{k}]"
        path = resolve_path(config, entry["path"], where)
        fmt = _format(path, entry.get("format"), where)
        frame, first_row = read_table(path, fmt, entry.get("sheet"))
        vmap = _variable_map(entry, codebook, where)
        for m in vmap.values():
            variables.append(m["variable"])
            previous = aggregate_of.setdefault(m["variable"], m["aggregate"])
            if previous != m["aggregate"]:
                raise ConfigError(f"{where}: variable {m['variable']!r} has aggregate {m['aggregate']!r} here and "
                                  f"{previous!r} in another file; use one rule per variable")
        long = _long_rows(frame, entry, path, first_row, where, vmap)
        long = long[long["raw"].notna() & (long["raw"].astype(str).str.strip() != "")]
        long = long[long["region"].notna() & (long["region"].astype(str).str.strip() != "")]
        code = _codes(long["region"], entry["region"].get("by", "name"), path, entry["region"]["column"],
                      long["row"].to_numpy())
        n_aggregate = int((code == AGGREGATE).sum())
        if n_aggregate:
            notes["aggregate_rows_dropped"][path.as_posix()] = n_aggregate
        long = long.assign(region_code=code)[code != AGGREGATE]
        values = np.empty(len(long))
        for j, (raw, row, col) in enumerate(zip(long["raw"], long["row"], long["column"])):
            values[j] = number(raw, path, int(row), col)
        bad_year = long[(long["year"] < lo) | (long["year"] > hi)]
        if len(bad_year):
            r = bad_year.iloc[0]
            raise DataError(f"{path}: row {r['row']}, column {r['column']!r}: year {r['year']} is outside the "
                            f"plausible range {lo}-{hi} (panel.yaml plausible_years); fix the file or the range")
        scale = long["source"].map({s: m["scale"] for s, m in vmap.items()}).to_numpy(dtype=float)
        frames.append(pd.DataFrame({
            "variable": long["source"].map({s: m["variable"] for s, m in vmap.items()}).to_numpy(),
            "region_code": long["region_code"].to_numpy(dtype="int64"),
            "year": long["year"].to_numpy(dtype="int64"),
            "value": values * scale,
            "item": k,
            "where": [f"{path} row {r}, column {c!r}" for r, c in zip(long["row"], long["column"])],
        }))
        inputs.append(path)
        notes["user_panel"]["files"].append({
            "file": path.name, "format": fmt, "layout": entry["layout"], "rows": int(len(frame)),
            "sha256": reads.recorded(path) or hashlib.sha256(path.read_bytes()).hexdigest(),
            "variables": {m["variable"]: {"unit": m["unit"], "scale": m["scale"]} for m in vmap.values()}})
    long = pd.concat(frames, ignore_index=True)
    policy = (section.get("crosswalk") or {}).get("split", "error")
    long, mapped = _apply_crosswalk(long, policy, aggregate_of, where_cfg)
    notes["user_panel"]["crosswalk"] = mapped
    long = _add_merged(long, aggregate_of)
    outside = sorted(set(long["region_code"]) - set(regions.codes()))
    if outside:
        r = long[long["region_code"] == outside[0]].iloc[0]
        raise DataError(f"{r['where']}: region {outside[0]} is not among the configured regions "
                        f"(config.yaml regions.codes); add it there or remove its rows")
    return long, notes, inputs, list(dict.fromkeys(variables))


def _add_merged(long: pd.DataFrame, aggregate_of: dict) -> pd.DataFrame:
    """Rows of the same (variable, region, year) that came from a former unit and its successor
    are added (only variables with aggregate: sum reach here with two rows from the crosswalk);
    other duplicates are left for the panel's duplicate check (which reports conflicts)."""
    key = ["variable", "region_code", "year"]
    # a group is added up only if exactly one of its rows is the successor's own
    groups = long.groupby(key, sort=False)
    n_merged = groups["merged_from"].transform("sum")
    n_rows = groups["merged_from"].transform("size")
    dup = (n_merged >= 1) & (n_rows - n_merged == 1) & long["variable"].map(lambda v: aggregate_of.get(v) == "sum")
    columns = [c for c in long.columns if c != "merged_from"]
    orphan = n_merged == n_rows  # a former unit's value without the successor's own: the sum is unknown
    long, dup = long[~orphan], dup[~orphan]
    if not dup.any():
        return long[columns]
    summed = (long[dup].groupby(key, sort=True)
              .agg(value=("value", lambda s: s.sum(min_count=1)), item=("item", "first"),
                   where=("where", lambda w: " + ".join(w))).reset_index())
    return pd.concat([long.loc[~dup, columns], summed[columns]], ignore_index=True)


def user_sources_of(config: Config) -> dict[str, list[str]]:
    """Variable -> where it comes from in the user's files (for plausibility messages)."""
    out: dict[str, list[str]] = {}
    for k, entry in enumerate(config.section(SECTION)["files"]):
        where = f"{config.section_file(SECTION)} files[{k}]"
        path = resolve_path(config, entry["path"], where)
        for name, m in _variable_map(entry, config.section("codebook")["variables"], where).items():
            out.setdefault(m["variable"], []).append(
                f"{path}{f' column/variable {name!r}' if name else ''} (unit {m['unit']!r}, scale {m['scale']})")
    return out
