"""Plausibility rules of the panel variables (declared per variable in ``config/codebook.yaml``).

Three rules, checked on the built panel (after interpolation, deflation and the derived
variables, before winsorising) for every codebook variable:

* **range** — ``min`` <= value <= ``max`` (counts and money are non-negative, shares lie in
  [0, 1], per-capita values within declared bounds);
* **change** — an isolated spike: a cell whose change against *both* neighbouring years is
  beyond ``change.bound`` in the same direction. ``change.measure`` is ``log`` (|log x_t -
  log x_s|; cells where one of the three values is <= 0 are not tested) or ``difference``
  (|x_t - x_s|, for logs and for variables that may be negative). A one-cell unit slip
  (x1000) is a log change of 6.9 against both neighbours;
* **magnitude** — the median of |x| over the non-missing cells of a column lies within
  ``magnitude.min``-``magnitude.max``: a whole column in the wrong unit (x1000, x10000) moves
  the median out of its expected order of magnitude.

A violation stops the panel stage with the variable, region-year, value, rule and where the
value came from (file and row of the raw cell, or the inputs of a derived cell), unless the
cell is listed with a reason in ``panel.yaml`` ``plausibility_exceptions``; listed cells, and
the cells derived from them (deflated, ratios, logs), are kept and reported in the data-quality
report. An exception that no rule needs is an error (the
table must stay true).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from clusternet.data import regions as reg
from clusternet.errors import ConfigError, DataError

MAX_LISTED = 25


def _region(code: int) -> str:
    table = reg.region_table().set_index("region_code")
    return f"{table.at[code, 'region_en']} ({code})" if code in table.index else str(code)


class CellOrigin:
    """Where a panel cell came from: raw cells (file, row), interpolation, or the inputs of a
    derived / deflated variable."""

    def __init__(self, long: pd.DataFrame, imputed: pd.DataFrame, wide: pd.DataFrame, derived: dict):
        self.where = {(r.variable, int(r.region_code), int(r.year)): r.where
                      for r in long[["variable", "region_code", "year", "where"]].itertuples(index=False)}
        self.imputed = {(r.variable, int(r.region_code), int(r.year)): r.method for r in imputed.itertuples()}
        self.wide = wide
        self.derived = derived  # variable -> list of input variables

    def inputs(self, var: str, code: int, year: int, depth: int = 0) -> list[tuple]:
        """The cells (variable, region_code, year) a derived cell is computed from, transitively."""
        out = []
        if depth < 4:
            for inp in self.derived.get(var, []):
                out += [(inp, code, year), *self.inputs(inp, code, year, depth + 1)]
        return out

    def describe(self, var: str, code: int, year: int, depth: int = 0) -> str:
        key = (var, code, year)
        if key in self.where:
            return self.where[key]
        if key in self.imputed and var not in self.derived:
            return f"{self.imputed[key]} imputation (see imputed.parquet)"
        if var in self.derived and depth < 3:
            parts = []
            for inp in self.derived[var]:
                v = self.wide[inp].get((code, year), np.nan)
                parts.append(f"{inp} = {v:.6g} ({self.describe(inp, code, year, depth + 1)})")
            return "derived from " + "; ".join(parts)
        return "no recorded source"


def _spikes(x: np.ndarray, measure: str, bound: float) -> np.ndarray:
    """Boolean grid (regions x years) of isolated spikes; edge years are never flagged."""
    out = np.zeros(x.shape, dtype=bool)
    if x.shape[1] < 3:
        return out
    with np.errstate(invalid="ignore", divide="ignore"):
        if measure == "log":
            y = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)
        else:
            y = x
        d_prev = y[:, 1:-1] - y[:, :-2]
        d_next = y[:, 1:-1] - y[:, 2:]
        spike = (np.sign(d_prev) == np.sign(d_next)) & (np.abs(d_prev) > bound) & (np.abs(d_next) > bound)
    out[:, 1:-1] = spike & np.isfinite(d_prev) & np.isfinite(d_next)
    return out


def check_plausibility(wide: pd.DataFrame, codebook: dict, exceptions: list, origin: CellOrigin,
                       codebook_file, panel_file, sources_of: dict) -> list[dict]:
    """Check every codebook variable of ``wide`` (index region_code, year); raise DataError on any
    violation not listed in ``exceptions``; return the excepted cells (for the quality report)."""
    listed = {}
    for k, e in enumerate(exceptions):
        if e["variable"] not in codebook:
            raise ConfigError(f"{panel_file}: plausibility_exceptions[{k}].variable {e['variable']!r} is not a "
                              f"codebook variable")
        if (e["region_code"], e["year"]) not in wide.index:
            raise ConfigError(f"{panel_file}: plausibility_exceptions[{k}]: no panel cell for region_code "
                              f"{e['region_code']} and year {e['year']} (panel years and the 31 provinces only)")
        key = (e["variable"], e["region_code"], e["year"])
        if key in listed:
            raise ConfigError(f"{panel_file}: plausibility_exceptions[{k}] lists {key} a second time")
        listed[key] = (k, e)

    years = wide.index.get_level_values("year").unique().sort_values()
    codes = wide.index.get_level_values("region_code").unique()
    magnitude_errors, cell_errors, excepted, used = [], [], [], set()
    for var, entry in codebook.items():
        if var not in wide.columns:
            continue
        col = wide[var]
        values = col.to_numpy(dtype="float64")
        finite = values[np.isfinite(values)]
        mag = entry.get("magnitude")
        if mag is not None and len(finite):
            median = float(np.median(np.abs(finite)))
            if not mag["min"] <= median <= mag["max"]:
                src = sources_of.get(var) or "a derived variable; check the units of its inputs"
                magnitude_errors.append(
                    f"  {var}: the median of |value| over {len(finite)} cells is {median:.6g}, outside the expected "
                    f"magnitude {mag['min']:g}-{mag['max']:g} {entry['unit']!r} (rule: {codebook_file} "
                    f"variables.{var}.magnitude); a unit slip of the whole column? Source: {src}. Check the "
                    f"published unit and `scale` in items.yaml")
                continue  # the cell rules would only repeat the unit slip cell by cell
        broken: dict[tuple, list] = {}
        lo, hi = entry.get("min"), entry.get("max")
        bad = np.zeros(len(values), dtype=bool)
        with np.errstate(invalid="ignore"):
            if lo is not None:
                bad |= values < lo
            if hi is not None:
                bad |= values > hi
        rng = f"range {'-inf' if lo is None else f'{lo:g}'} to {'inf' if hi is None else f'{hi:g}'}"
        for i in np.flatnonzero(bad):
            code, year = col.index[i]
            broken.setdefault((int(code), int(year)), []).append(f"{rng} ({codebook_file} variables.{var}.min/max)")
        change = entry.get("change")
        if change is not None:
            grid = col.unstack("year").reindex(index=codes, columns=years).to_numpy(dtype="float64")
            spikes = _spikes(grid, change["measure"], float(change["bound"]))
            for i, j in zip(*np.nonzero(spikes)):
                code, year = int(codes[i]), int(years[j])
                broken.setdefault((code, year), []).append(
                    f"isolated {change['measure']} change beyond {change['bound']:g} against both neighbours "
                    f"({int(years[j - 1])}: {grid[i, j - 1]:.6g}, {int(years[j + 1])}: {grid[i, j + 1]:.6g}) "
                    f"({codebook_file} variables.{var}.change)")
        for (code, year), rules in sorted(broken.items()):
            value = col.get((code, year))
            key = (var, code, year)
            via = key if key in listed else next((k for k in origin.inputs(var, code, year) if k in listed), None)
            if via is not None:
                used.add(via)
                reason = listed[via][1]["reason"] if via == key else (
                    f"derived from the excepted cell {via[0]} {via[1]} {via[2]}: {listed[via][1]['reason']}")
                excepted.append({"variable": var, "region_code": code, "year": year, "value": float(value),
                                 "rules": rules, "reason": reason})
                continue
            cell_errors.append(f"  {var}, {_region(code)}, {year}: value {value:.6g} breaks the {'; '.join(rules)}; "
                               f"source: {origin.describe(var, code, year)}")
    unused = [(k, e) for key, (k, e) in listed.items() if key not in used]
    if magnitude_errors or cell_errors:
        lines = magnitude_errors + cell_errors
        shown = lines[:MAX_LISTED] + ([f"  ... and {len(lines) - MAX_LISTED} more"] if len(lines) > MAX_LISTED else [])
        raise DataError(
            f"{len(magnitude_errors)} column(s) of implausible magnitude and {len(cell_errors)} implausible cell(s) "
            f"in the panel:\n" + "\n".join(shown)
            + f"\nFix the upstream copy (re-run `clusternet acquire`) or the item's unit/scale in items.yaml; a value "
              f"known to be right can be kept by listing the cell (variable, region_code, year, reason) under "
              f"plausibility_exceptions in {panel_file}, or the rule widened in {codebook_file} with a reason.")
    if unused:
        k, e = unused[0]
        raise ConfigError(f"{panel_file}: plausibility_exceptions[{k}] ({e['variable']}, {e['region_code']}, "
                          f"{e['year']}) breaks no rule; remove it from the table")
    return excepted
