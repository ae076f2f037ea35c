"""Artefact lists: how each stage tells the report what it produced.

Each stage that produces tables or figures for the report writes
``results/<stage>/artefacts.json``::

    {"stage": "indices", "title_en": ..., "title_zh": ...,
     "items": [{"kind": "table" | "figure", "path": "results/indices/weights.csv",
                "title_en": ..., "title_zh": ..., "caption_en": ..., "caption_zh": ...,
                "path_zh": "results/indices/group_trend.zh.png"}]}   # optional: the figure in Chinese

Paths are relative to the repository root. The report renders every item
(tables from CSV, figures from PNG) without knowing the stage's internals.
"""
from __future__ import annotations

from pathlib import Path

from clusternet.io import read_json, write_json

KINDS = ("table", "figure")


def artefact(kind: str, path, title_en: str, title_zh: str = "", caption_en: str = "", caption_zh: str = "",
             key: str = "", params: dict | None = None, path_zh=None) -> dict:
    """One item. ``caption_zh`` is not filled from ``caption_en``: a page shows captions in its own
    language only. ``key`` and ``params``: the report's message key for the title and caption
    (``clusternet.report.messages``, block ``artefacts``) and the values they name, e.g.
    ``key="moran_scatter", params={"variable": "dici", "year": 2022}``; the report labels the
    variable in the page's language and falls back to ``title_<lang>`` for keys it does not know.
    ``path_zh``: the same figure drawn with Chinese fixed words (``clusternet.figure_words``),
    shown on the Chinese page instead of ``path``."""
    if kind not in KINDS:
        raise ValueError(f"artefact kind must be one of {KINDS}, got {kind!r}")
    out: dict = {"kind": kind, "path": Path(path).as_posix(), "title_en": title_en, "title_zh": title_zh or title_en,
           "caption_en": caption_en, "caption_zh": caption_zh}
    if key:
        out.update(key=key, params=dict(params or {}))
    if path_zh is not None:
        out["path_zh"] = Path(path_zh).as_posix()
    return out


def write_artefacts(path, stage: str, title_en: str, title_zh: str, items: list[dict]) -> None:
    write_json(path, {"stage": stage, "title_en": title_en, "title_zh": title_zh, "items": items})


def read_artefacts(path) -> dict:
    return read_json(path)
