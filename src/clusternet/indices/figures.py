"""Figures of the indices and disparity stages."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import gaussian_kde

from clusternet import plotting
from clusternet.data.regions import GROUP_ZH, GROUPS
from clusternet.errors import DataError
from clusternet.figure_words import words


def kernel_densities(df: pd.DataFrame, variable: str, points: int = 200, bandwidth: str = "scott") -> pd.DataFrame:
    """Gaussian kernel density of ``variable`` per year on a common grid (long table year, x, density).

    The grid spans the pooled range extended by 10% on each side; the bandwidth
    rule (Scott 1992 or Silverman 1986) is applied within each year, as scipy's
    ``gaussian_kde`` does."""
    values = df[variable].to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise DataError(f"{variable}: missing values; the kernel density needs complete data")
    lo, hi = values.min(), values.max()
    pad = 0.1 * (hi - lo if hi > lo else 1.0)
    grid = np.linspace(lo - pad, hi + pad, points)
    rows = []
    for year, d in df.groupby("year", sort=True):
        y = d[variable].to_numpy(dtype=float)
        if y.size < 2 or np.ptp(y) == 0:
            raise DataError(f"{variable} in {year}: fewer than 2 distinct values; no kernel density")
        dens = gaussian_kde(y, bw_method=bandwidth)(grid)
        rows.append(pd.DataFrame({"year": year, "x": grid, "density": dens}))
    return pd.concat(rows, ignore_index=True)


def kde_figure(dens: pd.DataFrame, label: str, lang: str = "en"):
    """3D-style evolution figure: one density curve per year, offset along the year axis; fixed
    words in ``lang`` (``clusternet.figure_words``)."""
    import matplotlib.pyplot as plt

    plotting.setup()
    fig = plt.figure(figsize=(6.4, 4.2))
    ax = fig.add_subplot(projection="3d")
    years = sorted(dens["year"].unique())
    cmap = plt.get_cmap("viridis")
    for i, year in enumerate(years):
        d = dens[dens["year"] == year]
        ax.plot(d["x"], np.full(len(d), year), d["density"], color=cmap(i / max(len(years) - 1, 1)), lw=1.2)
    ax.set_xlabel(label)
    w = words(lang, "indices")
    ax.set_ylabel(w["year"])
    ax.set_zlabel(w["density"])
    ax.view_init(elev=25, azim=-60)
    return fig


def group_trend_figure(means: pd.DataFrame, label: str, lang: str = "en"):
    """Mean index by region group and year (columns year, group, mean); fixed words in ``lang``."""
    import matplotlib.pyplot as plt

    plotting.setup()
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    w = words(lang, "indices")
    groups = [g for g in GROUPS if g in set(means["group"])] + sorted(set(means["group"]) - set(GROUPS))
    for g in groups:
        d = means[means["group"] == g]
        ax.plot(d["year"], d["mean"], marker="o", ms=3, label=w["group"].format(en=g, zh=GROUP_ZH.get(g, g)))
    ax.set_xlabel(w["year"])
    ax.set_ylabel(label)
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return fig
