"""Typed ``extra`` per model family and the enumerated ``covariance.type`` of the result schema
(issue 10): every estimator of the table writes a document the schema accepts (a synthetic run
through the runner, which validates), and the shapes no producer writes are refused."""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from clusternet import estimators
from clusternet.errors import ClusternetError
from clusternet.models.runner import fit_specification
from clusternet.results import result_schema, validate_result

N, YEARS = 30, list(range(2011, 2021))
ADOPTION = {i: (2015 if i % 3 == 0 else 2017) for i in range(1, N + 1) if i % 3 != 2}


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    rng = np.random.default_rng(10)
    rows = []
    for i in range(1, N + 1):
        a, y_prev = rng.normal(), 0.0
        for t in YEARS:
            z, u, c, w = rng.normal(size=4)
            x = 0.7 * z + 0.4 * u + 0.2 * a + rng.normal()
            m = 0.5 * x + rng.normal()
            q = rng.uniform(0, 1)
            treated = i in ADOPTION and t >= ADOPTION[i]
            y = (a + 0.05 * (t - 2011) + 0.8 * x + 0.3 * c + 0.4 * m + 0.3 * x * w + (0.5 * x if q > 0.5 else 0.0)
                 + 0.6 * treated + u)
            y_dyn = 0.5 * y_prev + 0.3 * x + a + rng.normal()
            y_prev = y_dyn
            rows.append({"region_code": i, "year": t, "y": y, "y_dyn": y_dyn, "x": x, "c": c, "z": z, "m": m,
                         "w": w, "q": q, "group": "A" if i % 2 else "B", "d": float(treated)})
    return pd.DataFrame(rows)


BASE = {"y": "y", "x": ["x"], "controls": ["c"], "seed": 20261202, "cov": {"type": "cluster"}}
SPECS = {
    **{m: {} for m in ("pooled", "fe", "fe_time", "twfe", "re", "fd")},
    "iv": {"options": {"endogenous": ["x"], "instruments": ["z"]}, "effects": ["entity", "time"]},
    "gmm_difference": {"y": "y_dyn", "controls": [], "options": {"collapse": True, "max_instrument_lag": 3}},
    "gmm_system": {"y": "y_dyn", "controls": [], "options": {"collapse": True, "max_instrument_lag": 3}},
    "threshold": {"options": {"threshold_variable": "q", "bootstrap_reps": 9, "grid_points": 20}},
    "mediation": {"options": {"mediator": "m", "bootstrap": 19}},
    "moderation": {"options": {"moderator": "w", "grid_points": 5}},
    "heterogeneity": {"options": {"permutations": 9}},
    **{m: {"x": [], "controls": [], "options": {"adoption_years": ADOPTION}}
       for m in ("did_twfe", "did_cs", "did_sa", "did_imputation", "did_bacon")},
    "did_dcdh": {"x": [], "controls": [], "options": {"treatment": "d"}},
}
# Fitted by their own families' tests (they need a donor pool / spatial weights).
ELSEWHERE = {"synth", "synth_did"}


def _spatial(name: str) -> bool:
    return estimators.ESTIMATORS[name].family == "spatial"


def test_the_synthetic_run_covers_every_panel_estimator():
    names = {n for n in estimators.ESTIMATORS if not _spatial(n)}
    assert names - ELSEWHERE == set(SPECS)


@pytest.fixture(scope="module")
def documents(panel) -> dict[str, dict]:
    docs = {}
    for model, over in SPECS.items():
        spec = {"name": model, "model": model, **BASE, **over}
        docs[model] = fit_specification(panel, spec)  # validates against the schema
    return docs


def test_every_family_writes_its_declared_extra(documents):
    blocks = {"panel.iv": "first_stage", "panel.gmm_system": "gmm", "panel.gmm_difference": "gmm",
              "panel.threshold": "threshold", "mechanism.mediation": "mediation",
              "mechanism.moderation": "moderation", "mechanism.heterogeneity": "heterogeneity"}
    for doc in documents.values():
        validate_result(doc)
        if doc["model"].startswith("did."):
            assert set(doc["extra"]) == {"did"}
        elif doc["model"] in blocks:
            assert blocks[doc["model"]] in doc["extra"]
    assert documents["iv"]["extra"]["effects"] == "twoways"
    cov_types = set(result_schema()["properties"]["covariance"]["properties"]["type"]["enum"])
    assert {d["covariance"]["type"] for d in documents.values()} <= cov_types


def _breaks(doc: dict, edit) -> None:
    bad = copy.deepcopy(doc)
    edit(bad)
    with pytest.raises(ClusternetError, match="result document invalid"):
        validate_result(bad)


def test_shapes_no_producer_writes_are_refused(documents):
    thr, mod = documents["threshold"], documents["moderation"]
    # the report used to accept these spellings; the schema now names the one layout
    _breaks(thr, lambda d: d["extra"].update(thresholds=[{"gamma": 1.0}]))
    _breaks(thr, lambda d: d["extra"]["threshold"].pop("lr_curve"))
    _breaks(thr, lambda d: d["extra"]["threshold"].update(lr_curve={"gamma": [1.0], "lr": [0.0]}))
    _breaks(thr, lambda d: d["extra"]["threshold"]["lr_curve"][0].update(grid=[1.0]))
    _breaks(thr, lambda d: d["extra"]["threshold"].pop("lr_critical_value"))
    _breaks(mod, lambda d: d["extra"]["moderation"].pop("marginal_effects"))
    _breaks(mod, lambda d: d["extra"]["moderation"].update(interaction=None))
    _breaks(documents["twfe"], lambda d: d["extra"].update(effects={"x": {}}))
    _breaks(documents["twfe"], lambda d: d["covariance"].update(type="clustering"))
    _breaks(documents["iv"], lambda d: d["extra"].update(effects="twoway"))
    _breaks(documents["did_cs"], lambda d: d["extra"].update(effects={}))
