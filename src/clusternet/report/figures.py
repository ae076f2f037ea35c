"""Report figures: coefficient plots, threshold LR curves, marginal-effect
plots and choropleth maps. Each function draws one matplotlib figure and
returns it; ``clusternet.plotting.save_formats`` writes it (PNG + PDF, fixed
metadata carrying the provenance)."""
from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.colors import Normalize

from clusternet import plotting
from clusternet.report import maps
from clusternet.report.extras import hansen_critical_value
from clusternet.report.settings import ReportSettings


def coefficient_plot(docs: dict[str, dict], coefficients: list[str], settings: ReportSettings, title: str):
    """Point estimates with the documents' own confidence intervals (ci_lower, ci_upper at ci_level),
    one marker per specification, grouped by coefficient; one panel (x axis) per outcome, so that
    coefficients on differently scaled dependent variables (a 0-1 centrality, a log flow) are never
    read off one axis. Specifications keep their column numbers (1), (2), ... across panels."""
    plotting.setup()
    keys = list(docs)
    outcomes: list[str] = []
    for k in keys:
        if docs[k]["dependent"] not in outcomes:
            outcomes.append(docs[k]["dependent"])
    heights = []
    for y in outcomes:
        n_keys = sum(docs[k]["dependent"] == y for k in keys)
        heights.append(0.5 + 0.45 * max(1, len(coefficients)) * max(1, n_keys) ** 0.5)
    fig, axes = plt.subplots(len(outcomes), 1, figsize=(6.5, sum(heights) + 0.4 * len(outcomes)), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    number = {k: j + 1 for j, k in enumerate(keys)}
    for ax, outcome in zip(axes[:, 0], outcomes):
        group = [k for k in keys if docs[k]["dependent"] == outcome]
        offsets = np.linspace(-0.25, 0.25, len(group)) if len(group) > 1 else np.zeros(1)
        for j, k in enumerate(group):
            rows = {r["name"]: r for r in docs[k]["coefficients"]}
            ys, est, lo, hi = [], [], [], []
            for i, c in enumerate(coefficients):
                r = rows.get(c)
                if r is None or r["estimate"] is None:
                    continue
                ys.append(i + offsets[j])
                est.append(r["estimate"])
                lo.append(r["estimate"] if r["ci_lower"] is None else r["ci_lower"])
                hi.append(r["estimate"] if r["ci_upper"] is None else r["ci_upper"])
            est_a = np.asarray(est, dtype=float)
            ax.errorbar(est_a, ys, xerr=[est_a - np.asarray(lo, dtype=float), np.asarray(hi, dtype=float) - est_a],
                        fmt="o", ms=4, capsize=2, color=f"C{number[k] - 1}",
                        label=f"({number[k]}) {settings.doc_label(docs[k], k)}")
        ax.axvline(0, color="grey", lw=0.8, ls="--")
        ax.set_yticks(range(len(coefficients)), [settings.label(c) for c in coefficients])
        ax.set_ylim(len(coefficients) - 0.5, -0.5)
        ax.set_xlabel(f"{settings.word('estimate')}: {settings.label(outcome)}")
        ax.set_gid(f"outcome-{outcome}")
        if len(keys) > 1:
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    axes[0, 0].set_title(_wrap(title))
    fig.tight_layout()
    return fig


def estimand_plot(points: list[dict], settings: ReportSettings, title: str):
    """The deciding estimand (filled marker, first row) and the robustness estimands (hollow) with
    their confidence intervals; ``points``: {label, outcome, estimate, lower, upper, primary}. One
    panel (x axis) per outcome, so estimates on differently scaled outcomes never share an axis."""
    plotting.setup()
    outcomes: list[str] = []
    for p in points:
        if p["outcome"] not in outcomes:
            outcomes.append(p["outcome"])
    groups = [[p for p in points if p["outcome"] == y] for y in outcomes]
    heights = [0.45 + 0.32 * len(g) for g in groups]
    fig, axes = plt.subplots(len(outcomes), 1, figsize=(6.5, sum(heights) + 0.45 * len(outcomes) + 0.3),
                             squeeze=False, gridspec_kw={"height_ratios": heights})
    for ax, outcome, group in zip(axes[:, 0], outcomes, groups):
        for i, p in enumerate(group):
            ax.errorbar([p["estimate"]], [i], xerr=[[p["estimate"] - p["lower"]], [p["upper"] - p["estimate"]]],
                        fmt="o", ms=5, capsize=2, color="C0" if p["primary"] else "C7",
                        mfc="C0" if p["primary"] else "white")
        ax.axvline(0, color="grey", lw=0.8, ls="--")
        ax.set_yticks(range(len(group)), [_wrap(p["label"], 45) for p in group])
        ax.set_ylim(len(group) - 0.5, -0.5)
        ax.set_xlabel(f"{settings.word('estimate')}: {settings.label(outcome)}" if outcome
                      else settings.word("estimate"))
        ax.set_gid(f"outcome-{outcome}")
    axes[0, 0].set_title(_wrap(title))
    fig.tight_layout()
    return fig


def lr_curve_plot(curves, label: str, settings: ReportSettings, alpha: float = 0.05, crit: float | None = None):
    """LR_n(gamma) over the threshold grid with the no-rejection critical value c(alpha)
    (Hansen 1999, eq. 15, unless the document states its own)."""
    plotting.setup()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for i, (g, lr) in enumerate(curves):
        order = np.argsort(g)
        ax.plot(g[order], lr[order], lw=1.2, label=f"{settings.word('threshold')} {i + 1}")
    crit = hansen_critical_value(alpha) if crit is None else crit
    ax.axhline(crit, color="red", ls="--", lw=0.8, label=f"c({alpha:g}) = {crit:.2f}")
    ax.set_xlabel("γ")
    ax.set_ylabel("LR(γ)")
    ax.set_title(_wrap(f"{settings.word('lr_curve')}: {label}"))
    ax.legend(fontsize=7)
    return fig


def marginal_effect_plot(me: dict, label: str, settings: ReportSettings):
    plotting.setup()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.fill_between(me["grid"], me["lower"], me["upper"], alpha=0.25, lw=0)
    ax.plot(me["grid"], me["effect"], lw=1.5)
    ax.axhline(0, color="grey", lw=0.8, ls="--")
    ax.set_xlabel(settings.label(me["moderator"]))
    ax.set_ylabel(f"{settings.word('marginal')}: ∂y/∂{settings.label(me['x'])}")
    ax.set_title(_wrap(label))
    return fig


def event_study_plot(es: dict, label: str, settings: ReportSettings):
    """Event-time estimates with their confidence intervals; the reference period is drawn
    as a hollow marker at 0, treatment onset as a dashed line between -1 and 0."""
    plotting.setup()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    k = es["k"]
    estimated = k != es["reference_period"]
    est, lo, hi = es["estimate"][estimated], es["lower"][estimated], es["upper"][estimated]
    ax.errorbar(k[estimated], est, yerr=[est - lo, hi - est], fmt="o", ms=4, capsize=2)
    if es["reference_period"] is not None:
        ax.plot([es["reference_period"]], [0.0], "o", mfc="white", mec="C0", ms=6)
    ax.axhline(0, color="grey", lw=0.8, ls="--")
    ax.axvline(-0.5, color="grey", lw=0.8, ls=":")
    ax.set_xticks(k)
    ax.set_xlabel(settings.word("event_time"))
    ax.set_ylabel(settings.word("estimate"))
    ax.set_title(_wrap(label))
    return fig


def _wrap(title: str, width: int = 60) -> str:
    """Long titles (specification labels) on several lines instead of past the figure's edge."""
    return textwrap.fill(title, width)


def choropleth(values: pd.DataFrame, variable: str, years, geometries: dict, settings: ReportSettings,
               title: str):
    """Small multiples, one map per year, on a common colour scale across years.

    ``values``: columns region_code, year, ``variable``; ``geometries``: region_code ->
    shapely (Multi)Polygon. Regions without a value are drawn grey."""
    plotting.setup()
    years = list(years)
    ncols = min(3, len(years))
    nrows = -(-len(years) // ncols)
    if isinstance(geometries, maps.NationalGeometries):
        return _national_choropleth(values, variable, years, geometries, settings, title, nrows, ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.3 * ncols, 2.9 * nrows + 0.4), squeeze=False)
    finite = values[variable].astype(float)
    norm = Normalize(vmin=float(finite.min()), vmax=float(finite.max()))
    cmap = plt.get_cmap(settings.colormap)
    for ax, year in zip(axes.flat, years):
        year_values = values.loc[values["year"] == year].set_index("region_code")[variable].astype(float)

        def colour_of(code, year_values=year_values):
            v = year_values.get(code, np.nan)
            return "#d9d9d9" if np.isnan(v) else cmap(norm(v))

        plotting.region_map(ax, geometries, colour_of)
        ax.set_title(str(year))
    for ax in list(axes.flat)[len(years):]:
        ax.set_axis_off()
    fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes, shrink=0.7, label=settings.label(variable))
    fig.suptitle(title)
    return fig


def _national_choropleth(values, variable, years, geometries, settings, title, nrows, ncols):
    """``choropleth`` on the national map (``clusternet.report.maps``): Taiwan, Hong Kong, Macau
    drawn (grey where the panel has no value), the South China Sea islands and the maritime
    boundary line in an inset; width ``report.maps.width_cm``."""
    from matplotlib.patches import Patch

    fig, axes = plt.subplots(nrows, ncols, figsize=maps.figure_size(settings, nrows, ncols), squeeze=False)
    finite = values[variable].astype(float)
    norm = Normalize(vmin=float(finite.min()), vmax=float(finite.max()))
    cmap = plt.get_cmap(settings.colormap)
    for ax, year in zip(axes.flat, years):
        year_values = values.loc[values["year"] == year].set_index("region_code")[variable].astype(float)

        def colour_of(code, year_values=year_values):
            v = year_values.get(code, np.nan)
            return maps.NO_DATA_COLOUR if np.isnan(v) else cmap(norm(v))

        maps.draw_china(ax, geometries, colour_of)
        ax.set_title(str(year))
    for ax in list(axes.flat)[len(years):]:
        ax.set_axis_off()
    fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes, shrink=0.7, label=settings.label(variable))
    no_data = "无数据" if settings.language == "zh" else "No data"
    fig.legend(handles=[Patch(facecolor=maps.NO_DATA_COLOUR, edgecolor="none", label=no_data)], loc="lower center",
               frameon=False, fontsize="small")
    fig.suptitle(title)
    return fig
