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

from clusternet.errors import ClusternetError, ConfigError
from clusternet.io import atomic_directory, write_json
from clusternet import estimators
from clusternet.data.analysis import load_analysis_panel, select_sample
from clusternet.models.policy import add_policy_dummy
from clusternet.models.spatial_lags import add_spatial_lags
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
    the spatial stage's loaded ``weights``)."""
    fit = estimators.get(spec["model"])
    data = add_spatial_lags(data, spec)  # W_<v> columns of spec.spatial_lags (SLX by the linear estimators)
    data = add_policy_dummy(data, spec)  # spec.policy_dummy: a static DID dummy
    doc = fit(select_sample(data, spec), spec, **fit_args)
    doc["spec"] = spec
    doc["provenance"] = provenance(inputs, config, sections=[section] if config is not None else None)
    if not doc.get("label"):
        doc["label"] = str(spec.get("label", spec.get("name", "")))
    validate_result(doc, f"specification {spec.get('name', spec['model'])!r}")
    return doc


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


def run_models(config, out_dir: str | os.PathLike | None = None, processed_dir=None) -> list[dict]:
    """Fit every specification; write the result documents and the index. Returns the index.

    Holds the ``models`` results lock (:func:`clusternet.reads.results_lock`) exclusively, so
    `clusternet hypotheses` and `clusternet report` never read a set being rewritten."""
    from clusternet.reads import results_lock

    with results_lock(config.path_of("results"), exclusive=["models"]):
        return _run_models(config, out_dir, processed_dir)


def _run_models(config, out_dir, processed_dir) -> list[dict]:
    out_dir = Path(out_dir) if out_dir is not None else config.path_of("results") / SECTION
    specs = specifications(config)
    # circularity guard (config/network.yaml circularity): refuses before any fitting
    from clusternet.network.circularity import check_model_config
    overrides = check_model_config(config, specs)
    data, inputs = load_analysis_panel(config, processed_dir)
    inputs = [*inputs, config.path, config.section_file(SECTION)]
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
            index.append({
                "name": spec["name"], "model": doc["model"], "label": doc["label"], "dependent": doc["dependent"],
                "file": f"{spec['name']}.json", "nobs": doc["nobs"],
            })
        write_json(tmp / "index.json", {"specifications": index, "circularity_overrides": overrides})
    return index
