"""Result documents: one JSON file per estimation, of a versioned schema.

Tables and figures are rendered from these documents only. The schema is in
``clusternet/schemas/result.schema.json``; ``validate_result`` checks a document
against it, and ``write_result`` validates before writing (atomically).

Layout (schema_version 1):

- ``schema_version`` ("1"), ``kind`` ("estimation"), ``model`` (e.g.
  ``panel.twfe``, ``panel.iv``, ``panel.gmm_system``, ``panel.threshold``,
  ``spatial.sdm``), ``label`` (free text), ``dependent``.
- ``coefficients``: list of {name, estimate, std_error, statistic, p_value,
  ci_lower, ci_upper}; ``ci_level``.
- ``covariance``: {type, options{...}, n_clusters}; ``vcov``: {names, matrix}
  (optional, used by downstream tests such as Wald tests of several coefficients).
- ``nobs``, ``n_entities``, ``n_periods``; ``effects``: {entity, time}.
- ``fit``: flat dict of numbers (r2, r2_within, r2_between, r2_overall,
  f_stat, f_pvalue, loglik, sigma2, ...).
- ``tests``: list of {name, statistic, df, p_value, note}.
- ``extra``: model-specific blocks (thresholds, spatial effects, first stages...).
- ``spec``: the specification as given (config entry or CLI arguments).
- ``provenance``: {code_version, config_sha256, inputs{path: sha256}}.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from collections.abc import Iterable

import jsonschema
import numpy as np
from scipy import stats

from clusternet.errors import ClusternetError
from clusternet.io import read_json, to_jsonable, write_json

SCHEMA_VERSION = "1"


@lru_cache(maxsize=1)
def result_schema() -> dict:
    text = resources.files("clusternet.schemas").joinpath("result.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def coefficient_table(
    names: Iterable[str],
    estimates,
    std_errors,
    *,
    df_resid: float | None = None,
    ci_level: float = 0.95,
) -> list[dict]:
    """Rows {name, estimate, std_error, statistic, p_value, ci_lower, ci_upper}.

    With ``df_resid`` the t distribution is used (as plm/Stata do for linear
    models); without it the normal distribution (ML and GMM estimators)."""
    est = np.asarray(estimates, dtype=float)
    se = np.asarray(std_errors, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = est / se
    if df_resid is not None:
        dist = stats.t(df_resid)
    else:
        dist = stats.norm()
    p = 2 * dist.sf(np.abs(stat))
    q = dist.ppf(0.5 + ci_level / 2)
    rows = []
    for i, n in enumerate(names):
        rows.append(
            {
                "name": str(n),
                "estimate": est[i],
                "std_error": se[i],
                "statistic": stat[i],
                "p_value": p[i],
                "ci_lower": est[i] - q * se[i],
                "ci_upper": est[i] + q * se[i],
            }
        )
    return rows


def make_result(
    *,
    model: str,
    dependent: str,
    coefficients: list[dict],
    covariance: dict,
    nobs: int,
    spec: dict,
    provenance: dict,
    label: str = "",
    n_entities: int | None = None,
    n_periods: int | None = None,
    effects: dict | None = None,
    fit: dict | None = None,
    tests: list[dict] | None = None,
    extra: dict | None = None,
    vcov: dict | None = None,
    ci_level: float = 0.95,
) -> dict:
    doc = {
        "schema_version": SCHEMA_VERSION,
        "kind": "estimation",
        "model": model,
        "label": label,
        "dependent": dependent,
        "coefficients": coefficients,
        "ci_level": ci_level,
        "covariance": covariance,
        "nobs": int(nobs),
        "n_entities": None if n_entities is None else int(n_entities),
        "n_periods": None if n_periods is None else int(n_periods),
        "effects": effects or {"entity": False, "time": False},
        "fit": fit or {},
        "tests": tests or [],
        "extra": extra or {},
        "spec": spec,
        "provenance": provenance,
    }
    if vcov is not None:
        doc["vcov"] = vcov
    return to_jsonable(doc)


def validate_result(doc: dict, source: str = "<result>") -> None:
    try:
        jsonschema.Draft202012Validator(result_schema()).validate(doc)
    except jsonschema.ValidationError as exc:
        path = "/".join(map(str, exc.absolute_path)) or "<top level>"
        raise ClusternetError(f"{source}: result document invalid at {path}: {exc.message}") from exc


def write_result(path, doc: dict) -> None:
    doc = to_jsonable(doc)
    validate_result(doc, str(path))
    write_json(path, doc)


def read_result(path) -> dict:
    doc = read_json(path)
    validate_result(doc, str(path))
    return doc


def coefficient(doc: dict, name: str) -> dict:
    for row in doc["coefficients"]:
        if row["name"] == name:
            return row
    raise KeyError(f"coefficient {name!r} not in result {doc.get('label') or doc.get('model')}: "
                   f"available {[r['name'] for r in doc['coefficients']]}")
