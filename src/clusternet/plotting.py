"""Matplotlib set-up shared by every figure: headless backend, a CJK font for
Chinese labels (Noto Sans CJK from Debian's fonts-noto-cjk, installed by
`make setup`), and deterministic saving (no timestamps or software tags, so the
same inputs give identical files)."""
from __future__ import annotations

import os
import warnings
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from clusternet.io import atomic_path  # noqa: E402

CJK_CANDIDATES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "WenQuanYi Zen Hei",
                  "WenQuanYi Micro Hei", "Source Han Sans SC", "SimHei", "Microsoft YaHei")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Name of an installed font with CJK glyphs, or None (with a warning)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_CANDIDATES:
        if name in installed:
            return name
    warnings.warn("no CJK font found (install fonts-noto-cjk): Chinese text in figures will not render",
                  stacklevel=2)
    return None


def setup() -> None:
    """Apply the house style. Call before drawing any figure."""
    font = cjk_font()
    plt.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "font.size": 9,
            "axes.unicode_minus": False,  # CJK fonts lack U+2212
            "font.family": "sans-serif",
            "font.sans-serif": ([font] if font else []) + ["DejaVu Sans"],
            "svg.hashsalt": "clusternet",
            "path.simplify": True,
        }
    )
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")


def save(fig, path, provenance: dict | None = None, close: bool = True, bbox_inches="tight") -> None:
    """Save a figure atomically with fixed metadata.

    PNG carries the provenance (code version, config hash) as text chunks; PDF in
    its Subject field. No creation dates, so reruns give identical bytes.
    ``close=False`` keeps the figure open to save it again in another format."""
    path = str(path)
    desc = "" if provenance is None else "; ".join(f"{k}={v}" for k, v in sorted(_flat(provenance).items()))
    if path.endswith(".pdf"):
        meta = {"Creator": None, "Producer": None, "CreationDate": None, "Subject": desc}
    else:
        meta = {"Software": None, "Description": desc}
    with atomic_path(path) as tmp:
        fig.savefig(tmp, metadata=meta, bbox_inches=bbox_inches)
    if close:
        plt.close(fig)


def save_formats(fig, stem, formats=("png", "pdf"), provenance: dict | None = None,
                 tight_once: bool = False) -> list[str]:
    """Save ``fig`` as ``<stem>.<fmt>`` for each format, then close it; return the paths.
    ``tight_once``: the tight bounding box is computed once (:func:`tight_bbox`, as ``savefig``
    computes it for the first format) and reused for the others, instead of a layout pass per format."""
    paths = []
    try:
        bbox = "tight"
        for i, fmt in enumerate(formats):
            if tight_once and i == 0 and len(formats) > 1:
                bbox = tight_bbox(fig)
            path = f"{stem}.{fmt}"
            save(fig, path, provenance, close=False, bbox_inches=bbox)
            paths.append(path)
    finally:
        plt.close(fig)
    return paths


def tight_bbox(fig):
    """The padded tight bounding box (inches) that ``savefig(bbox_inches="tight")`` computes for a
    raster format at ``savefig.dpi``: a layout pass without rendering at that dpi."""
    dpi = plt.rcParams["savefig.dpi"]
    dpi = fig.dpi if dpi == "figure" else dpi
    original = fig.dpi
    fig.dpi = dpi
    try:
        fig.draw_without_rendering()
        bbox = fig.get_tightbbox()
    finally:
        fig.dpi = original
    return bbox.padded(plt.rcParams["savefig.pad_inches"])


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


# --- label placement ---------------------------------------------------------------------------
# A deterministic rule (no random jitter, no iterative repulsion as in adjustText): labels are placed
# one by one in the order given (most important first); each takes the first of the candidate
# positions around its point -- right, upper right, above, upper left, left, lower left, below,
# lower right, at growing distances -- whose box overlaps neither a label already placed nor a
# marker of another point and stays inside the axes; a label placed away from its point gets a
# thin leader line. A label that fits nowhere is left out (and listed in the return value), never
# drawn over another.
LABEL_DIRECTIONS = ((1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1))
LABEL_RADII_PT = (3.0, 7.0, 12.0, 18.0, 26.0)


def _overlaps(a, b, pad: float = 0.0) -> bool:
    return not (a.x1 + pad <= b.x0 or b.x1 + pad <= a.x0 or a.y1 + pad <= b.y0 or b.y1 + pad <= a.y0)


def place_labels(ax, xy, texts, *, fontsize: float = 6.0, marker_radius_pt=None, pad_pt: float = 1.0,
                 **text_kwargs) -> tuple[list, list[int]]:
    """Annotate ``texts[i]`` at data point ``xy[i]`` without overlaps (rule above); return the
    annotations drawn and the indices left out. ``marker_radius_pt``: radius of each point's marker
    in points (a number or one per point), kept free of other labels."""
    import numpy as np
    from matplotlib.transforms import Bbox

    fig = ax.figure
    ax.apply_aspect()  # the data-to-pixel transform as drawn (equal-aspect maps shrink one axis)
    renderer = fig.canvas.get_renderer()
    to_px = fig.dpi / 72.0
    points = ax.transData.transform(np.asarray(xy, dtype=float).reshape(-1, 2))
    n = len(points)
    radii = np.broadcast_to(np.asarray(2.0 if marker_radius_pt is None else marker_radius_pt, dtype=float), (n,))
    markers = [Bbox.from_extents(px - r * to_px, py - r * to_px, px + r * to_px, py + r * to_px)
               for (px, py), r in zip(points, radii)]
    frame = ax.get_window_extent(renderer)
    placed: list = []
    drawn: list = []
    left_out: list[int] = []
    for i, text in enumerate(texts):
        chosen = None
        for radius in LABEL_RADII_PT:
            for dx, dy in LABEL_DIRECTIONS:
                norm = (dx * dx + dy * dy) ** 0.5
                off = (dx / norm * (radius + radii[i]), dy / norm * (radius + radii[i]))
                ha = "left" if dx > 0 else "right" if dx < 0 else "center"
                va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
                ann = ax.annotate(text, xy[i], xytext=off, textcoords="offset points", fontsize=fontsize, ha=ha,
                                  va=va, **text_kwargs)
                box = ann.get_window_extent(renderer)
                pad = pad_pt * to_px
                clash = (any(_overlaps(box, p, pad) for p in placed)
                         or any(_overlaps(box, m) for j, m in enumerate(markers) if j != i)
                         or box.x0 < frame.x0 or box.x1 > frame.x1 or box.y0 < frame.y0 or box.y1 > frame.y1)
                if not clash:
                    chosen = (ann, box, radius)
                    break
                ann.remove()
            if chosen:
                break
        if chosen is None:
            left_out.append(i)
            continue
        ann, box, radius = chosen
        if radius > LABEL_RADII_PT[1]:
            ann.arrow_patch = None
            ann.remove()
            ann = ax.annotate(text, xy[i], xytext=ann.xyann, textcoords="offset points", fontsize=fontsize,
                              ha=ann.get_ha(), va=ann.get_va(),
                              arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "#555555", "shrinkA": 0,
                                          "shrinkB": radii[i]}, **text_kwargs)
        ann.set_gid(f"label-{i}")
        placed.append(box)
        drawn.append(ann)
    return drawn, left_out


def text_box(text, renderer=None):
    """Window extent of a label's text alone (an annotation's own extent includes its leader line)."""
    from matplotlib.text import Text

    return Text.get_window_extent(text, renderer)


def label_boxes(fig) -> list:
    """Text extents of every label placed by ``place_labels`` in ``fig`` (gid ``label-<i>``), for tests."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [text_box(t, renderer) for ax in fig.axes for t in ax.texts if str(t.get_gid() or "").startswith("label-")]


# --- province maps ---------------------------------------------------------------------------------

def region_map(ax, geometries: dict, colour_of, *, edgecolor: str = "white", linewidth: float = 0.3) -> None:
    """Regions (region_code -> shapely (Multi)Polygon) filled with ``colour_of(code)``, in one
    collection, on lon/lat axes shrunk by cos(mid-latitude) so shapes are not stretched; axes off.
    The one choropleth loop of the report's and the modes stage's maps (holes are not drawn: none
    of the province boundaries at this scale needs them for shading)."""
    import numpy as np
    from matplotlib.collections import PolyCollection

    rings, colours = [], []
    for code in sorted(geometries):
        geom = geometries[code]
        colour = colour_of(code)
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type == "Polygon" and not poly.is_empty:
                rings.append(np.asarray(poly.exterior.coords)[:, :2])
                colours.append(colour)
    ax.add_collection(PolyCollection(rings, facecolors=colours, edgecolors=edgecolor, linewidths=linewidth,
                                     closed=True))
    ax.autoscale_view()
    ax.set_aspect(1 / np.cos(np.radians(np.mean(ax.get_ylim()))))
    ax.set_axis_off()
