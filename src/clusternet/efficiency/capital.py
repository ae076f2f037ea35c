"""R&D capital stock by the perpetual inventory method.

K_{i,t0} = I_{i,t0} / (g_i + delta)       (initial stock, growth-rate method; Griliches 1980)
K_{i,t}  = (1 - delta) K_{i,t-1} + I_{i,t}

``I`` is real R&D expenditure (a flow, deflated upstream), ``delta`` the declared depreciation rate
(default 0.15, Griliches 1980; Wu Yanbing 2006 for Chinese provinces), ``g_i`` region i's mean annual
growth rate of real R&D expenditure, sum_t (I_t / I_{t-1} - 1) / (T - 1), over the first
``growth_years`` + 1 years of its series (all years when None). t0 is the region's first year.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from clusternet.errors import DataError


def initial_growth(flow: np.ndarray, growth_years: int | None = None) -> float:
    f = np.asarray(flow, dtype=float)
    if growth_years is not None:
        f = f[:growth_years + 1]
    if len(f) < 2:
        raise DataError("the growth-rate initial R&D stock needs at least two years of expenditure")
    return float(np.mean(f[1:] / f[:-1] - 1.0))


def perpetual_inventory(flow, delta: float, growth_years: int | None = None) -> np.ndarray:
    """Stock series of one region from its flow series (consecutive years)."""
    f = np.asarray(flow, dtype=float)
    if not 0 < delta < 1:
        raise DataError(f"R&D depreciation rate must be in (0, 1), got {delta}")
    g = initial_growth(f, growth_years)
    if g + delta <= 0:
        raise DataError(f"R&D expenditure falls by {-g:.3f} a year on average, at least the depreciation rate "
                        f"{delta}: the growth-rate initial stock I0/(g+delta) is undefined; raise "
                        "capital.growth_years or the depreciation rate in config/modes.yaml")
    k = np.empty_like(f)
    k[0] = f[0] / (g + delta)
    for t in range(1, len(f)):
        k[t] = (1 - delta) * k[t - 1] + f[t]
    return k


def capital_stock(df: pd.DataFrame, flow: str, delta: float, growth_years: int | None = None) -> pd.Series:
    """Per-region perpetual inventory over a (region_code, year) frame; returns a Series aligned to df."""
    if flow not in df.columns:
        raise DataError(f"R&D capital stock: the panel has no column {flow!r} (config/modes.yaml capital.flow)")
    out = pd.Series(np.nan, index=df.index, name=f"{flow}_stock")
    for code, g in df.sort_values("year").groupby("region_code", sort=True):
        years = g["year"].to_numpy()
        if (np.diff(years) != 1).any():
            raise DataError(f"R&D capital stock: region_code={code} has non-consecutive years {years.tolist()}")
        v = g[flow].to_numpy(dtype=float)
        bad = ~np.isfinite(v) | (v <= 0)
        if bad.any():
            y = int(years[np.argmax(bad)])
            raise DataError(f"R&D capital stock: {flow} is missing or not positive at region_code={code} year={y}; "
                            "the perpetual inventory needs every year's expenditure (impute it in config/panel.yaml "
                            "or drop the region)")
        out.loc[g.index] = perpetual_inventory(v, delta, growth_years)
    return out
