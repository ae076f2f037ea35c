"""Fitting specifications: the one code path of `clusternet fit` and `clusternet models`.

``fit_specification(data, spec)`` dispatches through ``clusternet.estimators`` and
returns a validated result document (provenance filled by the caller's inputs).
``run_models(config)`` fits every entry of ``config/models.yaml`` on the analysis panel
and writes ``results/models/<name>.json`` plus ``results/models/index.json``; the
directory is rebuilt whole in a temporary sibling and swapped in only when every
specification succeeded (no stale or partial results).
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from clusternet.errors import ClusternetError, ConfigError, DataError
from clusternet.io import atomic_directory, write_json
from clusternet import estimators
from clusternet.data.analysis import load_analysis_panel, select_sample
from clusternet.models.policy import add_policy_dummy
from clusternet.models.spatial_lags import add_spatial_lags
from clusternet.models.specs import as_spec
from clusternet.provenance import provenance
from clusternet.results import validate_result, write_result

SECTION = "models"
SPEC_DEFAULT_KEYS = ("entity", "time", "ci_level", "cov", "sample")


def apply_defaults(spec: dict, defaults: dict) -> dict:
    """Specification with ``defaults`` filled in for keys it does not set (``cov`` and
    ``sample`` replaced whole, not merged)."""
    out = dict(spec)
    for key in SPEC_DEFAULT_KEYS:
        if key not in out and key in defaults:
            out[key] = defaults[key]
    return out


def fit_specification(data: pd.DataFrame, spec: dict, *, inputs=(), config=None, section: str = SECTION,
                      **fit_args) -> dict:
    """Fit one specification through the estimator table; returns the validated result document.

    The one code path of `clusternet fit`, the models stage and the spatial stage (``section``
    names the config section recorded in provenance; ``fit_args`` go to the fit function, e.g.
    the spatial stage's loaded ``weights``). The fit function receives the specification parsed
    once, a :class:`clusternet.models.specs.Spec` (a read-only mapping over ``spec``)."""
    fit = estimators.get(spec["model"])
    parsed = as_spec(spec)  # parsed once (models.specs.Spec); the document records the dict as given
    data = add_spatial_lags(data, spec)  # W_<v> columns of spec.spatial_lags (SLX by the linear estimators)
    data = add_policy_dummy(data, spec)  # spec.policy_dummy: a static DID dummy
    doc = fit(select_sample(data, spec), parsed, **fit_args)
    doc["spec"] = spec
    # issue 14: the config part of provenance is the global config and the specification's own
    # resolved dict, not the whole section file, so that editing one specification leaves every
    # other document byte-identical
    doc["provenance"] = provenance(inputs, config, sections=[] if config is not None else None)
    if config is not None:  # a stage's document (`clusternet fit` records its spec in the document only)
        doc["provenance"]["specification_sha256"] = specification_sha256(spec)
    if not doc.get("label"):
        doc["label"] = str(spec.get("label", spec.get("name", "")))
    validate_result(doc, f"specification {spec.get('name', spec['model'])!r}")
    return doc


def specification_sha256(spec: dict) -> str:
    """sha256 of the canonical JSON of a resolved specification (defaults and seed filled in)."""
    import hashlib
    import json

    blob = json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def specifications(config) -> list[dict]:
    section = config.section(SECTION)
    defaults = section.get("defaults") or {}
    specs = [apply_defaults(s, defaults) for s in section.get("specifications") or []]
    from clusternet.models.treatments import load_policies, resolve_specification

    policies = load_policies(config)  # named policies (config/policies.yaml) -> adoption years
    specs = [resolve_specification(s, policies) for s in specs]
    seen: set[str] = set()
    for s in specs:
        if s["name"] in seen:
            raise ConfigError(f"{config.section_file(SECTION)}: specification name {s['name']!r} used twice")
        seen.add(s["name"])
        s["seed"] = config.seed  # for bootstrap/permutation estimators (SeedSequence per task)
    return specs


def run_models(config, out_dir: str | os.PathLike | None = None, processed_dir=None,
               only: list[str] | None = None) -> list[dict]:
    """Fit every specification (or those named in ``only``); write the result documents and the
    index. Returns the index.

    Holds the ``models`` results lock (:func:`clusternet.reads.results_lock`) exclusively, so
    `clusternet hypotheses` and `clusternet report` never read a set being rewritten."""
    from clusternet.reads import results_lock

    with results_lock(config.path_of("results"), exclusive=["models"]):
        return _run_models(config, out_dir, processed_dir, only)


def _selected(config, specs: list[dict], only: list[str]) -> list[dict]:
    import difflib

    names = [s["name"] for s in specs]
    unknown = [n for n in only if n not in names]
    if unknown:
        hints = {n: difflib.get_close_matches(n, names, n=3) for n in unknown}
        raise ConfigError(f"{config.section_file(SECTION)}: --only names no specification: "
                          + "; ".join(f"{n!r} (closest: {', '.join(h) or 'none'})" for n, h in hints.items()))
    return [s for s in specs if s["name"] in only]


def _run_models(config, out_dir, processed_dir, only=None) -> list[dict]:
    if out_dir is None:  # the stage table's directory of the models' documents
        from clusternet.workflow.stages import output_path

        out_dir = output_path("models_index", "results/models/index.json", root=config.path_of("results")).parent
    out_dir = Path(out_dir)
    specs = specifications(config)
    # circularity guard (config/network.yaml circularity): refuses before any fitting
    from clusternet.network.circularity import check_model_config
    overrides = check_model_config(config, specs)
    if only:
        specs = _selected(config, specs, only)
    data, inputs = load_analysis_panel(config, processed_dir)
    inputs = [*inputs, config.path]  # models.yaml: its specification's own hash (specification_sha256)
    if only:
        return _refit_only(config, specs, data, inputs, out_dir, overrides)
    index = []
    with atomic_directory(out_dir) as tmp:
        for spec in specs:
            try:
                doc = fit_specification(data, spec, inputs=inputs, config=config)
            except ClusternetError as exc:
                where = f"specification {spec['name']!r}"
                message = str(exc) if where in str(exc) else f"{where}: {exc}"
                raise type(exc)(f"{config.section_file(SECTION)}: {message}") from exc
            write_result(tmp / f"{spec['name']}.json", doc)
            index.append(_index_entry(spec, doc))
        write_json(tmp / "index.json", {"specifications": index, "circularity_overrides": overrides})
    return index


def _index_entry(spec: dict, doc: dict) -> dict:
    return {"name": spec["name"], "model": doc["model"], "label": doc["label"], "dependent": doc["dependent"],
            "file": f"{spec['name']}.json", "nobs": doc["nobs"]}


def _fit_named(config, spec, data, inputs) -> dict:
    try:
        return fit_specification(data, spec, inputs=inputs, config=config)
    except ClusternetError as exc:
        where = f"specification {spec['name']!r}"
        message = str(exc) if where in str(exc) else f"{where}: {exc}"
        raise type(exc)(f"{config.section_file(SECTION)}: {message}") from exc


def _refit_only(config, specs, data, inputs, out_dir: Path, overrides) -> list[dict]:
    """`clusternet models --only NAME`: rewrite NAME.json (atomically) and its entry of index.json;
    the other documents are left as they are. Returns the updated index."""
    from clusternet.io import read_json

    index_path = out_dir / "index.json"
    current = read_json(index_path) if index_path.is_file() else {"specifications": []}
    entries = {e["name"]: e for e in current.get("specifications", [])}
    docs = [(spec, _fit_named(config, spec, data, inputs)) for spec in specs]  # all fitted before any write
    for spec, doc in docs:
        write_result(out_dir / f"{spec['name']}.json", doc)
        entries[spec["name"]] = _index_entry(spec, doc)
    order = [s["name"] for s in specifications(config)]
    index = [entries[n] for n in order if n in entries]
    write_json(index_path, {"specifications": index, "circularity_overrides": overrides})
    return index


# --- issue 14: one job per specification ------------------------------------------------------
# The workflow runs `clusternet models --spec NAME` once per specification (a Snakemake wildcard
# rule, a DVC foreach stage) and `clusternet models --index` after them; both take their output
# paths from the stage table (clusternet.workflow.stages). The documents are the bytes of
# `run_models`: the same fit, inputs and provenance.

def run_specification(config, name: str, processed_dir=None) -> Path:
    """Fit the one specification ``name`` and write its document (``results/models/NAME.json``) and
    nothing else (no index: :func:`write_models_index`). The circularity guard checks this
    specification before the panel is read."""
    from clusternet.network.circularity import check_model_config
    from clusternet.reads import results_lock
    from clusternet.workflow.stages import output_path

    specs = _selected(config, specifications(config), [name])
    check_model_config(config, specs)
    data, inputs = load_analysis_panel(config, processed_dir)
    doc = _fit_named(config, specs[0], data, [*inputs, config.path])
    path = output_path("models", "results/models/{spec}.json", root=config.path_of("results"), spec=name)
    with results_lock(config.path_of("results"), exclusive=["models"]):  # one file, written atomically
        write_result(path, doc)
    return path


def write_models_index(config) -> Path:
    """The gather of the per-specification jobs: ``results/models/index.json`` from the documents
    (the same bytes as :func:`run_models` writes), after removing documents of specifications no
    longer configured (they would otherwise reach the report and the manifest). A missing document
    is an error naming it."""
    from clusternet.io import read_json
    from clusternet.network.circularity import check_model_config
    from clusternet.reads import results_lock
    from clusternet.workflow.stages import output_path

    specs = specifications(config)
    overrides = check_model_config(config, specs)
    root = config.path_of("results")
    index_path = output_path("models_index", "results/models/index.json", root=root)
    docs = {s["name"]: output_path("models", "results/models/{spec}.json", root=root, spec=s["name"]) for s in specs}
    missing = [str(p) for p in docs.values() if not p.is_file()]
    if missing:
        raise DataError(f"{config.section_file(SECTION)}: no result document for {', '.join(missing)}; run "
                          "`clusternet models --spec NAME` (or `clusternet models`) first")
    with results_lock(root, exclusive=["models"]):
        keep = {p.name for p in docs.values()} | {index_path.name}
        for stale in sorted(index_path.parent.glob("*.json")):
            if stale.name not in keep:
                stale.unlink()
        index = [_index_entry(s, read_json(docs[s["name"]])) for s in specs]
        write_json(index_path, {"specifications": index, "circularity_overrides": overrides})
    return index_path
