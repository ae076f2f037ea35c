"""Helpers for the data-stage tests: throw-away projects (a copy of config/ with absolute paths
under a temporary directory)."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def make_project(base: Path, raw: Path | None = None, edit=None, mirror: Path | None = None) -> Path:
    """Copy ``config/`` to ``base/config`` with every path under ``base``; return config.yaml.

    ``raw`` points ``paths.raw`` at an existing directory (default ``base/data/raw``);
    ``edit(sections)`` may change the loaded YAML documents in place before they are written
    (keys: ``main`` and the section names).
    """
    cfg_dir = base / "config"
    shutil.copytree(ROOT / "config", cfg_dir, dirs_exist_ok=True)
    main = yaml.safe_load((cfg_dir / "config.yaml").read_text(encoding="utf-8"))
    main["paths"] = {"raw": str(raw or base / "data" / "raw"), "interim": str(base / "data" / "interim"),
                     "processed": str(base / "data" / "processed"), "results": str(base / "results")}
    main["acquire"]["mirror"] = str(mirror) if mirror else None
    docs = {"main": main}
    for name, file in main["sections"].items():
        if name in ("sources", "items", "codebook", "panel"):
            docs[name] = yaml.safe_load((cfg_dir / file).read_text(encoding="utf-8"))
    if edit is not None:
        edit(docs)
    (cfg_dir / "config.yaml").write_text(yaml.safe_dump(docs.pop("main"), allow_unicode=True), encoding="utf-8")
    for name, doc in docs.items():
        (cfg_dir / main["sections"][name]).write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False),
                                                      encoding="utf-8")
    return cfg_dir / "config.yaml"


def mini_edit(extra_items=(), extra_codebook=None, items_filter=None):
    """An ``edit`` for make_project that keeps a small, fast configuration: the CPI and local fiscal
    revenue (NBS exports, 2016-2022) plus ``extra_items``; no derived variables."""
    def edit(docs):
        docs["main"]["years"] = {"first": 2016, "last": 2022}
        keep = {"cpi", "fiscal_revenue"}
        items = [it for it in docs["items"]["items"] if it["variable"] in keep] + list(extra_items)
        if items_filter:
            items = [it for it in items if items_filter(it)]
        docs["items"]["items"] = items
        names = {it["variable"] for it in items}
        cb = docs["codebook"]["variables"]
        wanted = names | {"cpi_level", "fiscal_revenue_real"}
        docs["codebook"]["variables"] = {k: v for k, v in cb.items() if k in wanted}
        docs["codebook"]["variables"].update(extra_codebook or {})
        docs["panel"]["derived"] = []
        docs["panel"]["invalidate"] = []
        docs["panel"]["plausibility_exceptions"] = []
        docs["panel"]["deflation"]["variables"] = ["fiscal_revenue"]
        docs["panel"]["deflation"]["base_year"] = 2016
    return edit


def repin(cfg: Path) -> None:
    """Re-pin (sha256, bytes in the project's sources.yaml) every upstream file present in its raw
    directory: a test that edits a raw copy on purpose declares the new content, as a user who
    changes a pin on purpose would, so that the edit reaches the check under test."""
    import hashlib

    main = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    path = cfg.parent / main["sections"]["sources"]
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw = Path(main["paths"]["raw"]) / "upstream"
    for f in doc["files"]:
        owner, name = f["repo"].split("/")
        file = raw / f"{owner}__{name}" / f["path"]
        if file.is_file():
            data = file.read_bytes()
            f["sha256"], f["bytes"] = hashlib.sha256(data).hexdigest(), len(data)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
