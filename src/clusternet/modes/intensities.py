"""Mode intensities: standardised, signed averages of declared variables.

Each intensity (traditional, efficiency, data) is the mean of the z-scores of its variables, each
multiplied by its declared direction (+1 / -1). A variable is a panel column, optionally divided by
another column (``per``) and optionally logged (``log``). z-scores are pooled over all
province-years (``standardise: pooled``, default), so levels are comparable across years and a
share can change over time; ``within_year`` standardises each year separately (relative
positions only). A province-year with any missing component has a missing intensity (no partial
averages, so every intensity means the same thing in every row).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from clusternet.errors import ConfigError, DataError
from clusternet.modes import MODES


def component(df: pd.DataFrame, var: dict, where: str) -> pd.Series:
    name = var["variable"]
    if name not in df.columns:
        raise ConfigError(f"config/modes.yaml: {where}: variable {name!r} is not in the analysis data "
                          f"(panel, indices, efficiency); available: {sorted(map(str, df.columns))[:40]}...")
    v = df[name].astype(float)
    if var.get("per"):
        if var["per"] not in df.columns:
            raise ConfigError(f"config/modes.yaml: {where}: per {var['per']!r} is not in the analysis data")
        v = v / df[var["per"]].astype(float)
    if var.get("log", False):
        bad = (v <= 0) & v.notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"config/modes.yaml: {where}: {name} is {v.iloc[i]} at region_code="
                            f"{df['region_code'].iloc[i]} year={df['year'].iloc[i]}; its log is undefined "
                            "(set log: false)")
        v = np.log(v)
    return v


def _z(v: pd.Series, years: pd.Series, how: str) -> pd.Series:
    if how == "pooled":
        return (v - v.mean()) / v.std(ddof=1)
    if how == "within_year":
        g = v.groupby(years)
        return (v - g.transform("mean")) / g.transform("std")
    raise ConfigError(f"config/modes.yaml: intensities.standardise is {how!r}; use pooled or within_year")


def mode_intensities(df: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """Columns region_code, year, intensity_<mode> for each mode in MODES."""
    how = spec.get("standardise", "pooled")
    out = df[["region_code", "year"]].copy()
    for mode in MODES:
        variables = spec["variables"][mode]
        zs = []
        for i, var in enumerate(variables):
            v = component(df, var, f"intensities.variables.{mode}[{i}]")
            z = _z(v, df["year"], how)
            if not np.isfinite(z.dropna()).all() or z.notna().sum() < 2:
                raise DataError(f"config/modes.yaml: intensities.variables.{mode}[{i}] ({var['variable']}) "
                                "has no variation to standardise")
            zs.append(float(var.get("direction", 1)) * z)
        out[f"intensity_{mode}"] = pd.concat(zs, axis=1).mean(axis=1, skipna=False)
    return out
