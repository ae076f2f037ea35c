"""What the report reads: result documents, artefact lists, hypothesis
verdicts and the processed data, found under the configured paths.

Everything is optional: a missing input means the tables and figures built
from it are skipped (and the report says so); a present but malformed input is
an error naming the file.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from clusternet.errors import ClusternetError, DataError
from clusternet.io import read_json
from clusternet.results import validate_result

# Files under results/ that are the report's own outputs, never its inputs.
OWN_OUTPUTS = ("report", "manifest.json", "metrics.json")


@dataclass
class ReportInputs:
    results_dir: Path
    docs: dict[str, dict] = field(default_factory=dict)  # key -> result document
    doc_paths: dict[str, Path] = field(default_factory=dict)
    artefacts: list[tuple[Path, dict]] = field(default_factory=list)
    verdicts: list[dict] | None = None
    verdicts_path: Path | None = None
    quality: dict | None = None
    quality_path: Path | None = None
    data: dict[str, Path] = field(default_factory=dict)  # panel / indices / network_nodes -> path

    def files(self) -> list[Path]:
        """Every input file actually read (for provenance and the manifest)."""
        out = [*self.doc_paths.values(), *(p for p, _ in self.artefacts), *self.data.values()]
        out += [p for p in (self.verdicts_path, self.quality_path) if p is not None]
        for _path, listing in self.artefacts:
            out += [Path(item[k]) for item in listing["items"] for k in ("path", "path_zh")
                    if item.get(k) and Path(item[k]).is_file()]
        return sorted(set(out), key=lambda p: p.as_posix())


def doc_key(path: Path, results_dir: Path) -> str:
    """``results/models/<spec>.json`` -> ``<spec>``; elsewhere ``<stage>/<stem>``."""
    rel = path.relative_to(results_dir).with_suffix("")
    return rel.name if rel.parent.as_posix() == "models" else rel.as_posix()


def _load_json(path: Path):
    try:
        return read_json(path)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}; "
                        f"rerun the stage that writes it") from exc


def find_inputs(results_dir: Path, processed_dir: Path) -> ReportInputs:
    results_dir, processed_dir = Path(results_dir), Path(processed_dir)
    found = ReportInputs(results_dir=results_dir)
    for path in sorted(results_dir.rglob("*.json"), key=lambda p: p.as_posix()):
        rel = path.relative_to(results_dir)
        if rel.parts[0] in OWN_OUTPUTS or any(part.startswith(".") for part in rel.parts):
            continue
        if path.name == "artefacts.json":
            found.artefacts.append((path, _artefact_list(path)))
            continue
        doc = _load_json(path)
        if isinstance(doc, dict) and doc.get("kind") == "estimation":
            try:
                validate_result(doc, str(path))
            except ClusternetError as exc:
                raise DataError(f"{exc}; fix the stage that wrote it or delete the file") from exc
            found.docs[doc_key(path, results_dir)] = doc
            found.doc_paths[doc_key(path, results_dir)] = path
    verdicts = results_dir / "hypotheses" / "verdicts.json"
    if verdicts.is_file():
        found.verdicts = normalise_verdicts(_load_json(verdicts), verdicts)
        found.verdicts_path = verdicts
    quality = results_dir / "data" / "quality.json"
    if quality.is_file():
        found.quality = _load_json(quality)
        found.quality_path = quality
    for name in ("panel", "indices", "network_nodes"):
        path = processed_dir / f"{name}.parquet"
        if path.is_file():
            found.data[name] = path
    return found


def _artefact_list(path: Path) -> dict:
    listing = _load_json(path)
    if not isinstance(listing, dict) or not isinstance(listing.get("items"), list):
        raise DataError(f"{path}: an artefacts file needs an `items` list "
                        f"(write it with clusternet.artefacts.write_artefacts)")
    for i, item in enumerate(listing["items"]):
        for key in ("kind", "path", "title_en"):
            if key not in item:
                raise DataError(f"{path}: items[{i}] lacks `{key}`")
        if item["kind"] not in ("table", "figure"):
            raise DataError(f"{path}: items[{i}].kind is {item['kind']!r}; use 'table' or 'figure'")
    listing.setdefault("stage", path.parent.name)
    return listing


def normalise_verdicts(raw, source: Path) -> list[dict]:
    """Hypotheses as a list of {id, title_en, title_zh, statement_en, statement_zh, mechanism,
    verdict, evidence[], robustness[]}.

    Accepts ``{"hypotheses": [...]}``, a bare list, or ``{id: entry}``; an entry
    needs ``id`` (or its key) and ``verdict``. Evidence and robustness items are
    dicts citing a result document (``result``: path or specification name) and a
    ``coefficient``; other fields are shown as given."""
    if isinstance(raw, dict) and "hypotheses" in raw:
        raw = raw["hypotheses"]
    if isinstance(raw, dict):
        raw = [{"id": k, **v} for k, v in raw.items() if isinstance(v, dict)]
    if not isinstance(raw, list):
        raise DataError(f"{source}: expected a list of hypotheses (or {{'hypotheses': [...]}})")
    out = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or "id" not in entry:
            raise DataError(f"{source}: hypotheses[{i}] has no `id`")
        if "verdict" not in entry:
            raise DataError(f"{source}: hypothesis {entry['id']} has no `verdict`")
        h = dict(entry)
        h["id"] = str(entry["id"])
        h["verdict"] = str(entry["verdict"])
        for lang in ("en", "zh"):
            h[f"title_{lang}"] = entry.get(f"title_{lang}") or entry.get("title") or entry.get("name") or h["id"]
            h[f"statement_{lang}"] = entry.get(f"statement_{lang}") or entry.get("statement") or ""
        for part in ("evidence", "robustness"):
            items = entry.get(part) or []
            if isinstance(items, dict):
                items = [items]
            h[part] = [it if isinstance(it, dict) else {"note": str(it)} for it in items]
        out.append(h)
    return out


def resolve_result(ref, inputs: ReportInputs) -> str | None:
    """The document key cited by ``ref`` (a path like results/models/x.json, models/x, or a key)."""
    if not ref:
        return None
    ref = str(ref)
    if ref in inputs.docs:
        return ref
    path = Path(ref)
    for key, p in inputs.doc_paths.items():
        if p == path or p.as_posix().endswith("/" + path.as_posix()) or p.with_suffix("").as_posix().endswith(
                "/" + path.as_posix()):
            return key
    stem = path.with_suffix("").name if path.suffix == ".json" else path.name
    return stem if stem in inputs.docs else None
