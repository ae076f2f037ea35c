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


def save(fig, path, provenance: dict | None = None, close: bool = True) -> None:
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
        fig.savefig(tmp, metadata=meta, bbox_inches="tight")
    if close:
        plt.close(fig)


def save_formats(fig, stem, formats=("png", "pdf"), provenance: dict | None = None) -> list[str]:
    """Save ``fig`` as ``<stem>.<fmt>`` for each format, then close it; return the paths."""
    paths = []
    try:
        for fmt in formats:
            path = f"{stem}.{fmt}"
            save(fig, path, provenance, close=False)
            paths.append(path)
    finally:
        plt.close(fig)
    return paths


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out
