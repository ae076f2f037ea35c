"""Build the balanced provincial panel from the raw items.

Steps (each configured in ``config/panel.yaml`` unless noted):

1. read every source file named in ``items.yaml`` (:mod:`clusternet.data.readers`), map the
   printed region names to GB/T 2260 codes (:mod:`clusternet.data.names`) and drop the
   aggregate rows (national total, macro-regions);
2. per item: keep its code, check the published unit, multiply by ``scale`` (unit
   harmonisation), reject years outside ``plausible_years``;
3. merge the items of one variable: duplicates (same variable, region, year) that agree within
   ``duplicates`` are merged, conflicting ones stop the build with a list of cells;
4. a balanced frame of the 31 provinces x ``years`` (config.yaml);
5. ``invalidate``: cells known to be wrong are set to missing;
6. interpolation inside each region's series only (no extrapolation by default); every
   filled cell is recorded in ``imputed.parquet``;
7. deflation: ``cpi_level`` = provincial CPI chain-linked to the base year (national CPI where
   the provincial one is missing), ``<money>_real = <money> / cpi_level * 100``;
8. derived variables (ratios, logs, differences, sums); a derived cell counts as imputed if
   any input was;
9. optional winsorising; 10. the panel must match the codebook and pass the pandera schema.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clusternet import reads
from clusternet.config import Config
from clusternet.data import regions as reg
from clusternet.data.names import AGGREGATE, map_names
from clusternet.data.readers import read_source
from clusternet.data.sources import raw_path, read_verified, source_by_id
from clusternet.errors import ConfigError, DataError

ID_COLUMNS = ["region_code", "year", "region_zh", "region_en", "group"]


@dataclass
class PanelBuild:
    """Everything the panel stage produces; written out by :func:`clusternet.data.outputs.write`."""

    panel: pd.DataFrame
    imputed: pd.DataFrame  # region_code, year, variable, method
    observed: pd.DataFrame  # wide, raw variables before imputation (for coverage)
    notes: dict = field(default_factory=dict)  # dropped aggregates, ignored rows, invalidated, ...
    inputs: list = field(default_factory=list)  # raw file paths read


# --------------------------------------------------------------------------- reading


def read_items(config: Config) -> tuple[pd.DataFrame, dict, list]:
    """Long table (variable, region_code, year, value, source, item) of all items."""
    items_cfg = config.section("items")
    panel_cfg = config.section("panel")
    sources = source_by_id(config)
    where_items = config.section_file("items")
    readers = items_cfg["readers"]
    for i, item in enumerate(items_cfg["items"]):
        if item["source"] not in sources:
            raise ConfigError(f"{where_items}: items[{i}].source {item['source']!r} is not an id in sources.yaml")
        if item["source"] not in readers:
            raise ConfigError(f"{where_items}: items[{i}].source {item['source']!r} has no entry under `readers`")
        if "years" in item and item["years"]["first"] > item["years"]["last"]:
            raise ConfigError(f"{where_items}: items[{i}].years.first {item['years']['first']} is after "
                              f"years.last {item['years']['last']}")
    for sid in readers:
        if sid not in sources:
            raise ConfigError(f"{where_items}: readers.{sid} is not an id in sources.yaml")

    lo, hi = panel_cfg["plausible_years"]["first"], panel_cfg["plausible_years"]["last"]
    notes: dict[str, dict]
    frames, notes, inputs = [], {"aggregate_rows_dropped": {}, "ignored_rows": {}}, []
    by_source: dict[str, list] = {}
    for i, item in enumerate(items_cfg["items"]):
        by_source.setdefault(item["source"], []).append((i, item))
    for sid, entries in by_source.items():
        spec = readers[sid]
        file = raw_path(config, sources[sid])
        inputs.append(file)
        codes = sorted({it["code"] for _, it in entries if it.get("code")}) or None
        data = read_verified(config, sources[sid])  # the pinned bytes, read once, parsed below
        raw = read_source(file, spec, codes, data=data)
        reads.record(file, sources[sid].sha256)  # provenance: the hash of the bytes parsed
        if raw.attrs.get("ignored_rows"):
            notes["ignored_rows"][file.as_posix()] = raw.attrs["ignored_rows"]

        def where(name, raw=raw, file=file):
            rows = raw.loc[raw["region"] == name, "row"].tolist()
            shown = ", ".join(map(str, rows[:8])) + (" ..." if len(rows) > 8 else "")
            return f"{file} row(s) {shown}"

        mapping = map_names(raw["region"], where)
        raw["region_code"] = raw["region"].map(mapping).astype(int)
        if "geo_code" in raw.columns:
            bad = raw[raw["geo_code"].notna() & (raw["region_code"] != AGGREGATE)
                      & (raw["geo_code"] != raw["region_code"])]
            if len(bad):
                r = bad.iloc[0]
                raise DataError(f"{file}: row {r['row']}: region {r['region']!r} maps to {r['region_code']} but "
                                f"the code column {spec.get('code_column')!r} says {int(r['geo_code'])}")
        n_aggregate = int((raw["region_code"] == AGGREGATE).sum())
        if n_aggregate:
            notes["aggregate_rows_dropped"][file.as_posix()] = n_aggregate
        raw = raw[raw["region_code"] != AGGREGATE]

        for i, item in entries:
            code = item.get("code", "")
            rows = raw[raw["code"] == code] if code else raw
            if rows.empty:
                raise DataError(f"{file}: no rows for item code {code!r} (items[{i}], variable "
                                f"{item['variable']!r}); check the code in {where_items}")
            if rows["unit"].notna().any():
                units = sorted(set(rows["unit"].dropna()) - {item["unit"]})
                if units:
                    raise DataError(f"{file}: item {code!r} is published in {units}, but items[{i}] in "
                                    f"{where_items} declares unit {item['unit']!r}; fix unit and scale")
            out_of_range = rows[(rows["year"] < lo) | (rows["year"] > hi)]
            if len(out_of_range):
                r = out_of_range.iloc[0]
                raise DataError(f"{file}: row {r['row']}, column {r['column']!r}: year {r['year']} is outside "
                                f"the plausible range {lo}-{hi} (panel.yaml plausible_years); fix the file "
                                f"or the range")
            if "years" in item:
                rows = rows[(rows["year"] >= item["years"]["first"]) & (rows["year"] <= item["years"]["last"])]
            frames.append(pd.DataFrame({
                "variable": item["variable"],
                "region_code": rows["region_code"].to_numpy(),
                "year": rows["year"].to_numpy(),
                "value": rows["value"].to_numpy() * float(item["scale"]),
                "item": i,
                "where": [f"{file} row {r}" for r in rows["row"]],
            }))
    long = pd.concat(frames, ignore_index=True)
    return long, notes, inputs


def merge_duplicates(long: pd.DataFrame, rtol: float, atol: float) -> pd.DataFrame:
    """One value per (variable, region_code, year); agreeing duplicates merged (first item wins),
    conflicting ones raise DataError listing every conflict."""
    long = long[long["value"].notna()].sort_values(["variable", "region_code", "year", "item"], kind="stable")
    key = ["variable", "region_code", "year"]
    dup = long[long.duplicated(key, keep=False)]
    if len(dup):
        conflicts = []
        for k, g in dup.groupby(key, sort=True):
            values = g["value"].to_numpy()
            spread = values.max() - values.min()
            if spread > atol + rtol * np.abs(values).max():
                conflicts.append(f"  {k[0]} region {k[1]} year {k[2]}: "
                                 + "; ".join(f"{v:.6g} ({w})" for v, w in zip(values, g["where"])))
        if conflicts:
            raise DataError(
                f"{len(conflicts)} conflicting duplicate cell(s) (tolerance rtol={rtol}, atol={atol} in "
                f"panel.yaml duplicates):\n" + "\n".join(conflicts[:30])
                + ("\n  ..." if len(conflicts) > 30 else "")
                + "\nKeep only one of the items for these years (items.yaml `years`) or fix the source."
            )
    return long.drop_duplicates(key, keep="first")


# --------------------------------------------------------------------------- transforming


def balanced_frame(first: int, last: int) -> pd.DataFrame:
    table = reg.region_table()
    idx = pd.MultiIndex.from_product([table["region_code"], range(first, last + 1)], names=["region_code", "year"])
    return pd.DataFrame(index=idx)


def _fill_grid(y: np.ndarray, max_gap: int, extrapolate: bool) -> tuple[np.ndarray, np.ndarray]:
    """Fill one variable's (regions x years) grid; returns the filled grid and a code per cell
    (0 unchanged, 1 interpolated, 2 extrapolated). Vectorised over all cells."""
    n_rows, n_cols = y.shape
    obs = np.isfinite(y)
    cols = np.arange(n_cols)
    prev = np.maximum.accumulate(np.where(obs, cols, -1), axis=1)
    nxt = np.minimum.accumulate(np.where(obs, cols, n_cols)[:, ::-1], axis=1)[:, ::-1]
    enough = (obs.sum(axis=1) >= 2)[:, None]
    inside = ~obs & (prev >= 0) & (nxt < n_cols) & (nxt - prev - 1 <= max_gap) & enough
    left = np.clip(prev, 0, n_cols - 1)
    right = np.clip(nxt, 0, n_cols - 1)
    y_left = np.take_along_axis(y, left, axis=1)
    y_right = np.take_along_axis(y, right, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        line = y_left + (y_right - y_left) * (cols - left) / (right - left)
    out = np.where(inside, line, y)
    code = inside.astype(np.int8)
    if extrapolate:
        count = np.cumsum(obs, axis=1)
        first, second = np.argmax(obs & (count == 1), axis=1), np.argmax(obs & (count == 2), axis=1)
        total = count[:, -1:]
        last, before_last = (np.argmax(obs & (count == total), axis=1),
                             np.argmax(obs & (count == total - 1), axis=1))
        rows = np.arange(n_rows)
        for a, b, where in ((first, second, prev < 0), (before_last, last, nxt >= n_cols)):
            ya, yb = y[rows, a][:, None], y[rows, b][:, None]
            with np.errstate(invalid="ignore", divide="ignore"):
                ext = ya + (yb - ya) * (cols - a[:, None]) / (b - a)[:, None]
            cells = ~obs & where & enough
            out = np.where(cells, ext, out)
            code = np.where(cells, 2, code)
    return out, code


def interpolate(wide: pd.DataFrame, max_gap: int, extrapolate: bool, method: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Linear interpolation within each region's series.

    ``wide`` is indexed by (region_code, year), every region with the same consecutive years.
    A run of at most ``max_gap`` missing years between two observed years is filled on the
    straight line between them: x_t = x_a + (x_b - x_a) (t - a) / (b - a). Leading and trailing
    runs stay missing unless ``extrapolate`` is true; then they continue the line through the
    two nearest observations. Series with fewer than two observations are left alone. Returns
    the filled frame and a long table of the filled cells (region_code, year, variable, method).
    """
    out = wide.copy()
    filled_cols = ["region_code", "year", "variable", "method"]
    if method == "none":
        return out, pd.DataFrame(columns=filled_cols)
    region_codes = wide.index.get_level_values("region_code").unique().to_numpy()
    years = wide.index.get_level_values("year").unique().to_numpy()
    shape = (len(region_codes), len(years))
    parts = []
    for var in wide.columns:
        grid, code = _fill_grid(wide[var].to_numpy(dtype="float64").reshape(shape), max_gap, extrapolate)
        out[var] = grid.reshape(-1)
        r, t = np.nonzero(code)
        if len(r):
            parts.append(pd.DataFrame({"region_code": region_codes[r].astype("int64"), "year": years[t].astype("int64"),
                                       "variable": var,
                                       "method": np.where(code[r, t] == 1, "linear", "linear_extrapolation")}))
    filled = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=filled_cols)
    return out, filled


def price_level(wide: pd.DataFrame, deflation: dict, first: int, last: int) -> tuple[pd.Series, list]:
    """Chain-linked price level (base year = 100) per region from an index with previous year = 100.

    level[base] = 100; level[t] = level[t-1] * index[t] / 100 for t > base;
    level[t] = level[t+1] / (index[t+1] / 100) for t < base. Where the provincial index is
    missing, the national value in ``national_fallback`` is used (recorded); if neither exists
    the level is missing from there on.
    """
    base = deflation["base_year"]
    if not first <= base <= last:
        raise ConfigError(f"panel.yaml deflation.base_year {base} is outside the panel years {first}-{last}")
    fallback = {int(k): float(v) for k, v in deflation["national_fallback"]["values"].items()}
    index = wide[deflation["price_index"]]
    levels, used = {}, []
    for code in reg.codes():
        rate = {}
        for t in range(first, last + 1):
            v = index.get((code, t), np.nan)
            if np.isfinite(v):
                rate[t] = v
            elif t in fallback:
                rate[t] = fallback[t]
                used.append((code, t))
        level = {base: 100.0}
        for t in range(base + 1, last + 1):
            level[t] = level[t - 1] * rate[t] / 100 if t in rate else np.nan
        for t in range(base - 1, first - 1, -1):
            level[t] = level[t + 1] / (rate[t + 1] / 100) if (t + 1) in rate else np.nan
        for t, v in level.items():
            levels[(code, t)] = v
    series = pd.Series(levels, name=deflation["level_variable"])
    series.index.names = ["region_code", "year"]
    return series.sort_index(), used


def apply_derived(wide: pd.DataFrame, spec: list, flags: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """Compute derived variables in order; returns the frame and notes on non-positive logs."""
    notes = []
    for d in spec:
        name, op, inputs = d["name"], d["op"], d["inputs"]
        missing = [v for v in inputs if v not in wide.columns]
        if missing:
            raise ConfigError(f"panel.yaml derived {name!r}: input(s) {missing} are not panel variables "
                              f"(raw items, deflated or earlier derived variables)")
        if name in wide.columns:
            raise ConfigError(f"panel.yaml derived {name!r}: a variable of that name already exists")
        cols = [wide[v] for v in inputs]
        if op == "ratio":
            if len(inputs) != 2:
                raise ConfigError(f"panel.yaml derived {name!r}: ratio needs exactly 2 inputs, got {len(inputs)}")
            den = cols[1].where(cols[1] != 0)
            value = cols[0] / den * float(d.get("scale", 1.0))
        elif op == "log":
            if len(inputs) != 1:
                raise ConfigError(f"panel.yaml derived {name!r}: log needs exactly 1 input")
            positive = cols[0].where(cols[0] > 0)
            n_bad = int((cols[0] <= 0).sum())
            if n_bad:
                notes.append({"variable": name, "non_positive_cells_set_missing": n_bad})
            value = np.log(positive)
        elif op == "difference":
            if len(inputs) != 2:
                raise ConfigError(f"panel.yaml derived {name!r}: difference needs exactly 2 inputs")
            value = cols[0] - cols[1]
        else:  # sum
            value = sum(cols[1:], cols[0])
        if "scale" in d and op != "ratio":
            value = value * float(d["scale"])
        wide[name] = value
        flags[name] = flags[inputs].any(axis=1) & wide[name].notna()
    return wide, notes


def winsorize(wide: pd.DataFrame, spec: dict) -> dict:
    """Clip the listed variables at pooled quantiles; returns counts of clipped cells."""
    clipped: dict[str, dict] = {}
    if not spec["enabled"]:
        return clipped
    for var in spec["variables"]:
        if var not in wide.columns:
            raise ConfigError(f"panel.yaml winsorize.variables: {var!r} is not a panel variable")
        lo, hi = wide[var].quantile([spec["lower"], spec["upper"]])
        n = int(((wide[var] < lo) | (wide[var] > hi)).sum())
        wide[var] = wide[var].clip(lo, hi)
        clipped[var] = {"lower": lo, "upper": hi, "cells": n}
    return clipped


# --------------------------------------------------------------------------- build


def build_panel(config: Config) -> PanelBuild:
    first, last = config.years
    if first > last:
        raise ConfigError(f"{config.path}: years.first {first} is after years.last {last}")
    pcfg = config.section("panel")
    codebook = config.section("codebook")["variables"]

    from clusternet.data.user_panel import read_user_items, uses_user_panel

    reg.configure(config)  # the region level of the panel (issue 17; provinces by default)
    if uses_user_panel(config):  # the user's own files instead of the public items (issue 17)
        long, notes, inputs, variables = read_user_items(config)
    else:
        long, notes, inputs = read_items(config)
        variables = list(dict.fromkeys(it["variable"] for it in config.section("items")["items"]))
    long = merge_duplicates(long, pcfg["duplicates"]["rtol"], pcfg["duplicates"]["atol"])

    empty_years = sorted(set(range(first, last + 1)) - set(long["year"]))
    if empty_years:
        raise ConfigError(f"{config.path}: years {first}-{last} include {empty_years}, for which no upstream "
                          f"item has any data; narrow years.first/years.last")
    # Interpolation works on every observed year (e.g. 2010 and 2012 fill 2011 when the
    # source skips 2011); the result is then cut to the panel years.
    span_first, span_last = min(first, int(long["year"].min())), max(last, int(long["year"].max()))
    wide = long.pivot_table(index=["region_code", "year"], columns="variable", values="value", aggfunc="first")
    wide = balanced_frame(span_first, span_last).join(wide).reindex(columns=variables)

    invalidated = []
    for k, rule in enumerate(pcfg["invalidate"]):
        codes = [rule["region_code"]] if "region_code" in rule else reg.codes()
        for code in codes:
            key = (code, rule["year"])
            if rule["variable"] not in wide.columns or key not in wide.index:
                raise ConfigError(f"panel.yaml invalidate[{k}]: no panel cell {rule['variable']} / "
                                  f"{code} / {rule['year']}")
            invalidated.append({**rule, "region_code": code, "original_value": wide.at[key, rule["variable"]]})
            wide.at[key, rule["variable"]] = np.nan

    icfg = pcfg["interpolation"]
    wide, imputed = interpolate(wide, icfg["max_gap"], icfg["extrapolate"], icfg["method"])
    panel_years = wide.index.get_level_values("year")
    wide = wide[(panel_years >= first) & (panel_years <= last)].copy()
    observed = balanced_frame(span_first, span_last).join(
        long.pivot_table(index=["region_code", "year"], columns="variable", values="value", aggfunc="first")
    ).reindex(index=wide.index, columns=variables)
    for cell in invalidated:
        if first <= cell["year"] <= last:
            observed.at[(cell["region_code"], cell["year"]), cell["variable"]] = np.nan
    imputed = imputed[(imputed["year"] >= first) & (imputed["year"] <= last)]
    flags = pd.DataFrame(False, index=wide.index, columns=wide.columns)
    for r in imputed.itertuples():
        flags.at[(r.region_code, r.year), r.variable] = True

    dcfg = pcfg["deflation"]
    if dcfg["price_index"] not in wide.columns:
        raise ConfigError(f"panel.yaml deflation.price_index {dcfg['price_index']!r} is not an item variable")
    level, fallback_used = price_level(wide, dcfg, first, last)
    wide[dcfg["level_variable"]] = level
    flags[dcfg["level_variable"]] = False
    for cell in fallback_used:
        flags.at[cell, dcfg["level_variable"]] = True
    fallback_rows = pd.DataFrame([(c, t, dcfg["level_variable"], "national_cpi_fallback") for c, t in fallback_used],
                                 columns=imputed.columns)
    for var in dcfg["variables"]:
        if var not in wide.columns:
            raise ConfigError(f"panel.yaml deflation.variables: {var!r} is not an item variable")
        real = var + dcfg["suffix"]
        wide[real] = wide[var] / wide[dcfg["level_variable"]] * 100
        flags[real] = flags[var]

    wide, log_notes = apply_derived(wide, pcfg["derived"], flags)
    excepted = _check_plausibility(config, wide, long, imputed, codebook, variables)
    clipped = winsorize(wide, pcfg["winsorize"])

    derived_flags = []
    raw_vars = set(variables)
    for var in flags.columns:
        if var in raw_vars or var == dcfg["level_variable"]:
            continue
        for code, year in flags.index[flags[var].to_numpy()]:
            derived_flags.append((code, year, var, "derived_from_imputed"))
    imputed_all = pd.concat([imputed, fallback_rows,
                             pd.DataFrame(derived_flags, columns=imputed.columns)], ignore_index=True)
    imputed_all = imputed_all.sort_values(["variable", "region_code", "year"], kind="stable").reset_index(drop=True)
    imputed_all = imputed_all.astype({"region_code": "int64", "year": "int64", "variable": "str", "method": "str"})

    panel_vars = list(wide.columns)
    check_codebook(panel_vars, codebook, config)
    table = reg.region_table().set_index("region_code")
    panel = wide.reset_index()
    panel.insert(2, "region_zh", panel["region_code"].map(table["region_zh"]))
    panel.insert(3, "region_en", panel["region_code"].map(table["region_en"]))
    panel.insert(4, "group", panel["region_code"].map(table["group"]))
    panel["region_code"] = panel["region_code"].astype("int64")
    panel["year"] = panel["year"].astype("int64")
    panel[panel_vars] = panel[panel_vars].astype("float64")
    panel = panel.sort_values(["region_code", "year"]).reset_index(drop=True)

    from clusternet.data.schema import validate_panel

    # cells kept by plausibility_exceptions were checked above; the schema's bounds skip them
    schema_codebook = {k: ({x: y for x, y in v.items() if x not in ("min", "max")}
                           if any(c["variable"] == k for c in excepted) else v) for k, v in codebook.items()}
    validate_panel(panel, schema_codebook, first, last)
    notes.update({"plausibility_exceptions": excepted, "invalidated": invalidated, "log_non_positive": log_notes, "winsorized": clipped,
                  "deflation": {"price_index": dcfg["price_index"], "base_year": dcfg["base_year"],
                                "national_fallback_cells": len(fallback_used),
                                "national_fallback_source": dcfg["national_fallback"]["source"]}})
    observed = observed.reset_index()
    return PanelBuild(panel=panel, imputed=imputed_all, observed=observed, notes=notes,
                      inputs=sorted(set(inputs)))


def _check_plausibility(config: Config, wide, long, imputed, codebook: dict, variables: list) -> list:
    """The codebook's plausibility rules (:mod:`clusternet.data.plausibility`) on the built panel."""
    from clusternet.data.plausibility import CellOrigin, check_plausibility

    pcfg = config.section("panel")
    dcfg = pcfg["deflation"]
    derived = {d["name"]: list(d["inputs"]) for d in pcfg["derived"]}
    derived.update({v + dcfg["suffix"]: [v, dcfg["level_variable"]] for v in dcfg["variables"]})
    derived[dcfg["level_variable"]] = [dcfg["price_index"]]
    sources_of: dict[str, list[str]] = {}
    from clusternet.data.user_panel import user_sources_of, uses_user_panel

    if uses_user_panel(config):
        sources_of = user_sources_of(config)
    else:
        sources = source_by_id(config)
        for item in config.section("items")["items"]:
            src = sources[item["source"]]
            sources_of.setdefault(item["variable"], []).append(
                f"{raw_path(config, src)} item {item.get('code', '')!r} (unit {item['unit']!r}, scale {item['scale']})")
    origin = CellOrigin(long, imputed, wide, derived)
    return check_plausibility(wide, codebook, pcfg.get("plausibility_exceptions", []), origin,
                              config.section_file("codebook"), config.section_file("panel"),
                              {k: "; ".join(v) for k, v in sources_of.items()})


def check_codebook(panel_vars: list, codebook: dict, config: Config) -> None:
    missing = [v for v in panel_vars if v not in codebook]
    extra = [v for v in codebook if v not in panel_vars]
    if missing or extra:
        where = config.section_file("codebook")
        parts = []
        if missing:
            parts.append(f"panel variables missing from {where}: {missing} (add an entry for each)")
        if extra:
            parts.append(f"{where} lists variables the panel does not produce: {extra} "
                         f"(remove them or add the item / derived variable)")
        raise ConfigError("; ".join(parts))
