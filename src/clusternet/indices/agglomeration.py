"""Agglomeration of the digital industry: location quotients and concentration.

For region i in year t, with X the digital-industry activity (the sum of the
configured numerator variables, e.g. software and telecom revenue) and Y the
reference aggregate (e.g. GDP):

- Location quotient (Isard 1960; Hoover 1936): LQ_it = (X_it / Y_it) / (X_t / Y_t),
  where X_t = sum_i X_it and Y_t = sum_i Y_it over the regions of the panel (the
  "nation" is the sum of the panel regions, not the official national total).
  LQ > 1 means the region is specialised in the digital industry. A year in which
  any region lacks one of the variables gets no LQ (NaN) and no concentration
  measures, since its national total would be incomplete.
- Herfindahl-Hirschman concentration across regions: HHI_t = sum_i s_it^2 with
  s_it = X_it / X_t (1/N for an even spread, 1 when one region has everything).
- Hoover coefficient of localisation: H_t = 0.5 sum_i |X_it / X_t - Y_it / Y_t|
  (0 when the industry is spread like the reference aggregate, towards 1 when
  it is concentrated in regions with little of the aggregate).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from clusternet.errors import ConfigError, DataError

CONCENTRATION_MEASURES = ("hhi", "hoover")


def _sum_columns(df: pd.DataFrame, columns: list[str], key: str, allow_zero: bool) -> pd.Series:
    """Row sums of ``columns``; NaN in every row of a year in which any region lacks a value
    (the national total would be incomplete), so those years get no LQ."""
    for c in columns:
        if c not in df.columns:
            raise ConfigError(f"config/indicators.yaml: {key}: unknown variable {c!r}, not a panel column")
    total = df[columns].apply(pd.to_numeric, errors="coerce").sum(axis=1, min_count=len(columns))
    total = total.where(~total.isna().groupby(df["year"]).transform("any"))
    bad = (total < 0) | ((total == 0) & (not allow_zero))
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise DataError(f"panel: {key} ({'+'.join(columns)}) is {total.iloc[i]} at "
                        f"region_code={df['region_code'].iloc[i]} year={df['year'].iloc[i]}; location quotients need "
                        f"{'non-negative' if allow_zero else 'positive'} values")
    return total


def location_quotient(df: pd.DataFrame, numerator: list[str], denominator: list[str],
                      key: str = "agglomeration") -> pd.Series:
    """LQ_it for every row of ``df`` (columns region_code, year and the variables)."""
    x = _sum_columns(df, numerator, f"{key}.numerator", allow_zero=True)
    y = _sum_columns(df, denominator, f"{key}.denominator", allow_zero=False)
    xt = x.groupby(df["year"]).transform("sum", min_count=1)
    yt = y.groupby(df["year"]).transform("sum", min_count=1)
    if (xt <= 0).any():
        year = df.loc[xt <= 0, "year"].iloc[0]
        raise DataError(f"panel: {key}.numerator sums to 0 over all regions in {year}; no location quotient")
    return (x / y) / (xt / yt)


def concentration(df: pd.DataFrame, numerator: list[str], denominator: list[str], measures=CONCENTRATION_MEASURES,
                  key: str = "agglomeration") -> pd.DataFrame:
    """One row per year with the requested concentration measures."""
    for m in measures:
        if m not in CONCENTRATION_MEASURES:
            raise ConfigError(f"config/indicators.yaml: {key}.concentration: unknown measure {m!r}; "
                              f"choose from {list(CONCENTRATION_MEASURES)}")
    x = _sum_columns(df, numerator, f"{key}.numerator", allow_zero=True)
    y = _sum_columns(df, denominator, f"{key}.denominator", allow_zero=False)
    sx = x / x.groupby(df["year"]).transform("sum", min_count=1)
    sy = y / y.groupby(df["year"]).transform("sum", min_count=1)
    out = pd.DataFrame({"year": sorted(df["year"].unique())})
    if "hhi" in measures:
        out["hhi"] = (sx ** 2).groupby(df["year"]).sum(min_count=1).to_numpy()
    if "hoover" in measures:
        out["hoover"] = (0.5 * (sx - sy).abs()).groupby(df["year"]).sum(min_count=1).to_numpy()
    return out
