"""Figures of the spatial stage: Moran scatter plots and LISA cluster maps on the province map."""
from __future__ import annotations

from functools import cache

import numpy as np

from clusternet import plotting
from clusternet.figure_words import words
from clusternet.data import regions

LISA_COLOURS = {"HH": "#d7191c", "LL": "#2c7bb6", "HL": "#fdae61", "LH": "#abd9e9", "ns": "#eeeeee"}
SIMPLIFY_DEG = 0.02  # drawing only: ~2 km, invisible at map scale, 50x fewer vertices


def save(fig, path, prov) -> None:
    """Save (atomic, fixed metadata) and close."""
    plotting.save(fig, path, prov)


def save_formats(fig, stem, prov, formats=("png", "pdf")) -> list[str]:
    """Save one drawn figure as ``<stem>.<fmt>`` in every format, then close it."""
    return plotting.save_formats(fig, stem, formats, prov)


def moran_scatter(var, year, W, x, loc, moran_result, lang: str = "en"):
    """Standardised x against its spatial lag, slope = Moran's I (row-standardised W); fixed words
    in ``lang`` (``clusternet.figure_words``)."""
    import matplotlib.pyplot as plt

    plotting.setup()
    z = (x - x.mean()) / x.std()
    wz = W.matrix @ z
    fig, ax = plt.subplots(figsize=(5, 4.5))
    colours = [LISA_COLOURS[c] if c != "ns" else "#888888" for c in loc["cluster"]]
    ax.scatter(z, wz, c=colours, s=22, edgecolor="k", linewidth=0.3)
    grid = np.linspace(z.min(), z.max(), 2)
    slope = np.polyfit(z, wz, 1)
    ax.plot(grid, np.polyval(slope, grid), color="k", linewidth=1)
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.axvline(0, color="grey", linewidth=0.5)
    w = words(lang, "spatial")
    ax.set_xlabel(w["moran_xlabel"].format(var=var))
    ax.set_ylabel(f"W·{var}")
    ax.set_title(w["moran_title"].format(var=var, year=year, I=f"{moran_result['I']:.3f}",
                                         p=f"{moran_result.get('p_sim', np.nan):.3f}"))
    names = regions.by_code()
    # inside the axes and without overlaps (clusternet.plotting.place_labels); the margins leave room
    ax.margins(0.12)
    fig.tight_layout()
    plotting.place_labels(ax, np.column_stack([z, wz]),
                          [names[code].short_zh if code in names else str(code) for code in W.ids], fontsize=6,
                          marker_radius_pt=2.5)
    return fig


@cache
def _drawable(code: int):
    from clusternet.data import geo

    return geo.boundary(code).simplify(SIMPLIFY_DEG, preserve_topology=True)


def lisa_map(var, year, W, x, loc, moran_result, lang: str = "en"):
    """Provinces coloured by LISA cluster (HH, LL, HL, LH significant at alpha; ns otherwise); fixed
    words in ``lang``."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, PathPatch
    from matplotlib.path import Path as MplPath

    plotting.setup()
    fig, ax = plt.subplots(figsize=(6.5, 5))
    for code, label in zip(W.ids, loc["cluster"]):
        geom = _drawable(code)
        for poly in getattr(geom, "geoms", [geom]):
            if poly.area < 0.01:  # reefs and islets: invisible at this scale
                continue
            rings = [np.asarray(poly.exterior.coords)] + [np.asarray(r.coords) for r in poly.interiors]
            codes_ = np.concatenate([[MplPath.MOVETO] + [MplPath.LINETO] * (len(r) - 2) + [MplPath.CLOSEPOLY]
                                     for r in rings])
            ax.add_patch(PathPatch(MplPath(np.concatenate(rings), codes_), facecolor=LISA_COLOURS[label],
                                   edgecolor="#555555", linewidth=0.3))
    ax.set_xlim(73, 136)
    ax.set_ylim(17, 54)
    ax.set_aspect(1.25)
    ax.set_axis_off()
    w = words(lang, "spatial")
    ax.legend(handles=[Patch(facecolor=c, edgecolor="#555555", label=w[k]) for k, c in LISA_COLOURS.items()],
              loc="lower left", fontsize=7, frameon=False)
    ax.set_title(w["lisa_title"].format(var=var, year=year))
    return fig
