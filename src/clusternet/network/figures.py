"""Figures of the network stage: linkage maps on the province map and
strength/degree distributions. Drawn with the house style
(``clusternet.plotting.setup``) and saved deterministically."""
from __future__ import annotations

import numpy as np
import pandas as pd

from clusternet import plotting
from clusternet.figure_words import words
from clusternet.network.edges import YearNetwork


def draw_boundaries(ax, geometries, *, simplify_deg: float = 0.02, min_area_deg2: float = 0.01) -> None:
    """Province outlines (shapely polygons or multipolygons) in light grey, as one
    collection of simplified outlines without islets (drawing thousands of detailed
    coastline parts one by one takes minutes and adds nothing at this scale)."""
    from matplotlib.collections import PolyCollection

    outlines = []
    for geom in geometries:
        for part in getattr(geom, "geoms", [geom]):
            if part.area < min_area_deg2:
                continue
            outlines.append(np.asarray(part.simplify(simplify_deg).exterior.coords))
    ax.add_collection(PolyCollection(outlines, facecolors="#f2f2f2", edgecolors="#9a9a9a", linewidths=0.3,
                                     zorder=0))
    ax.autoscale_view()


def network_maps(networks: list[YearNetwork], years: list[int], lonlat: np.ndarray, *, ties: int,
                 draw_boundaries=None, labels: list[str] | None = None, lang: str = "en"):
    """One panel per year: the ``ties`` strongest ties as arrows between centroids
    (width by weight), nodes sized by total strength.

    ``lonlat``: (n, 2) centroids in node order; ``draw_boundaries(ax)`` draws the base map; fixed
    words in ``lang`` (``clusternet.figure_words``)."""
    import matplotlib.pyplot as plt

    plotting.setup()
    by_year = {net.year: net for net in networks}
    years = [y for y in years if y in by_year]
    cols = min(3, max(1, len(years)))
    rows = int(np.ceil(len(years) / cols)) or 1
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows), squeeze=False)
    for ax in axes.ravel()[len(years):]:
        ax.set_axis_off()
    to_label = []
    for ax, year in zip(axes.ravel(), years):
        net = by_year[year]
        w = net.weights.copy()
        np.fill_diagonal(w, 0.0)
        if draw_boundaries is not None:
            draw_boundaries(ax)
        flat = np.argsort(-w, axis=None, kind="stable")[:ties]
        src, dst = np.unravel_index(flat, w.shape)
        top = w[src, dst]
        scale = top.max() if len(top) and top.max() > 0 else 1.0
        for i, j, val in zip(src, dst, top):
            if val <= 0:
                continue
            ax.annotate("", xy=lonlat[j], xytext=lonlat[i],
                        arrowprops={"arrowstyle": "-|>", "lw": 0.3 + 2.2 * val / scale, "color": "#b2182b",
                                    "alpha": 0.55, "shrinkA": 2, "shrinkB": 2, "mutation_scale": 6})
        strength = w.sum(axis=0) + w.sum(axis=1)
        size = 8 + 120 * strength / strength.max() if strength.max() > 0 else np.full(len(strength), 8.0)
        ax.scatter(lonlat[:, 0], lonlat[:, 1], s=size, c="#2166ac", zorder=3, edgecolors="white", linewidths=0.4)
        if labels is not None:
            top = np.argsort(-strength, kind="stable")[:5]
            to_label.append((ax, top, np.sqrt(size[top]) / 2))  # scatter size is the area in pt²
        ax.set_title(words(lang, "network")["map_title"].format(year=year, ties=ties))
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    # after the layout, so the positions checked are the drawn ones (clusternet.plotting.place_labels:
    # Beijing, Tianjin and Hebei lie within a degree of each other)
    for ax, top, radius in to_label:
        plotting.place_labels(ax, lonlat[top], [labels[k] for k in top], fontsize=6,  # type: ignore[index]
                              marker_radius_pt=radius)
    return fig


def distributions(node_df: pd.DataFrame, years: list[int], lang: str = "en"):
    """Complementary CDFs of in/out strength (log scale) and histograms of in/out degree; fixed
    words in ``lang``."""
    import matplotlib.pyplot as plt

    plotting.setup()
    fig, axes = plt.subplots(2, 2, figsize=(8, 6))
    w = words(lang, "network")
    panels = [("net_in_strength", w["in_strength"]), ("net_out_strength", w["out_strength"]),
              ("net_in_degree", w["in_degree"]), ("net_out_degree", w["out_degree"])]
    for ax, (col, title) in zip(axes.ravel(), panels):
        for year in years:
            vals = node_df.loc[node_df["year"] == year, col].to_numpy(float)
            vals = vals[np.isfinite(vals)]
            if vals.size == 0:
                continue
            if "strength" in col:
                x = np.sort(vals)
                ccdf = 1 - np.arange(len(x)) / len(x)
                ax.step(x, ccdf, where="post", label=str(year))
                if (x > 0).all():
                    ax.set_xscale("log")
                ax.set_ylabel(w["ccdf"])
            else:
                bins = np.arange(vals.max() + 2) - 0.5
                ax.hist(vals, bins=bins, histtype="step", label=str(year))
                ax.set_ylabel(w["regions"])
        ax.set_title(title)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
