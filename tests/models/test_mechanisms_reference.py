"""Mechanism estimators and the TWFE event study against plm/sandwich
(tests/reference/mechanisms.R -> tests/reference/fixtures/mechanisms.json), at 1e-6."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clusternet.models import did
from clusternet.models import mechanisms as M

FIX = Path(__file__).resolve().parents[1] / "reference" / "fixtures"
TOL = 1e-6


@pytest.fixture(scope="module")
def ref():
    return json.loads((FIX / "mechanisms.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def produc():
    return pd.read_csv(FIX / "mechanisms_data_produc.csv")


COMMON = {"entity": "state", "time": "year", "cov": {"type": "cluster", "small_sample": "sss"}}


def check(rows: dict, names: list[str], r: dict):
    """rows: our coefficient rows by name; names: ours in R's order."""
    assert len(names) == len(np.atleast_1d(r["estimate"])) == len(np.atleast_1d(r["std_error"])), names
    for ours, est, se in zip(names, np.atleast_1d(r["estimate"]), np.atleast_1d(r["std_error"])):
        assert rows[ours]["estimate"] == pytest.approx(est, abs=TOL), ours
        assert rows[ours]["std_error"] == pytest.approx(se, abs=TOL), ours


def test_mediation_matches_plm(ref, produc):
    doc = M.fit_mediation(produc, {"name": "m", "model": "mediation", "y": "lgsp", "x": "lpc", "controls": ["unemp"],
                                   "options": {"mediator": "lemp", "bootstrap": 9, "seed": 1}, **COMMON})
    rows = {r["name"]: r for r in doc["coefficients"]}
    m = ref["mediation"]
    check(rows, ["total_effect"], {k: m["total"][k][:1] for k in ("estimate", "std_error")})
    check(rows, ["a_path"], {k: m["a"][k][:1] for k in ("estimate", "std_error")})
    check(rows, ["direct_effect", "b_path"], {k: m["b"][k][:2] for k in ("estimate", "std_error")})
    s = doc["extra"]["mediation"]["sobel"]
    for key in ("indirect", "se", "z", "p_value"):
        assert s[key] == pytest.approx(m["sobel"][key], abs=TOL), key


def test_moderation_matches_plm(ref, produc):
    doc = M.fit_moderation(produc, {"name": "mo", "model": "moderation", "y": "lgsp", "x": "lpc",
                                    "options": {"moderator": "unemp", "grid_points": 5}, **COMMON})
    rows = {r["name"]: r for r in doc["coefficients"]}
    r = ref["moderation"]
    check(rows, ["lpc", "unemp", "lpc:unemp"], r["fit"])
    me = doc["extra"]["moderation"]["marginal_effects"]
    assert me["moderator_values"] == pytest.approx(r["grid"], abs=1e-12)
    assert me["effect"] == pytest.approx(r["effect"], abs=TOL)
    assert me["std_error"] == pytest.approx(r["std_error"], abs=TOL)


def test_heterogeneity_wald_matches_plm(ref, produc):
    doc = M.fit_heterogeneity(produc, {"name": "h", "model": "heterogeneity", "y": "lgsp", "x": "lpc",
                                       "controls": ["unemp"], "options": {"group_by": "region", "permutations": 2,
                                                                          "seed": 1}, **COMMON})
    rows = {r["name"]: r for r in doc["coefficients"]}
    r = ref["heterogeneity"]
    ours = [f"{v}[{g}]" for v in ("lpc", "unemp") for g in range(1, 10)]
    check(rows, ours, r["fit"])
    wald = {t["name"]: t for t in doc["tests"]}["wald_equal_slopes"]
    assert wald["statistic"] == pytest.approx(r["wald"], rel=TOL)
    assert wald["df"] == r["df"]
    assert wald["p_value"] == pytest.approx(r["p_value"], abs=TOL)


def test_twfe_event_study_matches_plm(ref):
    st = pd.read_csv(FIX / "mechanisms_data_staggered.csv")
    cohorts = st.dropna(subset=["g"]).groupby("id")["g"].first().astype(int).to_dict()
    doc = did.fit_did_twfe(st, {"name": "ev", "model": "did_twfe", "y": "y", "entity": "id", "time": "year",
                                "options": {"adoption_years": cohorts, "leads": 3, "lags": 3}})
    rows = {r["name"]: r for r in doc["coefficients"]}
    r = ref["did_twfe"]
    check(rows, ["att"], r["static"])
    check(rows, [f"event[{k}]" for k in r["event_times"]], r["event"])
    assert np.isfinite([rows["att"]["p_value"]]).all()


CS_CONTROL = {"nevertreated": "never", "notyettreated": "notyet"}


@pytest.mark.parametrize("case", range(4))
def test_callaway_santanna_matches_csdid(case):
    """ATT(g,t), simple and dynamic aggregations and their analytic standard errors
    against csdid (tests/reference/did_csdid.py -> fixtures/did_cs_csdid.json)."""
    ref = json.loads((FIX / "did_cs_csdid.json").read_text(encoding="utf-8"))["cases"][case]
    st = pd.read_csv(FIX / "mechanisms_data_staggered.csv")
    cohorts = st.dropna(subset=["g"]).groupby("id")["g"].first().astype(int).to_dict()
    doc = did.fit_did_cs(st, {"name": "cs", "model": "did_cs", "y": "y", "entity": "id", "time": "year",
                              "options": {"adoption_years": cohorts, "control": CS_CONTROL[ref["control"]],
                                          "base_period": ref["base_period"]}})
    ours = {(c["cohort"], c["period"]): c for c in doc["extra"]["did"]["att_gt"]}
    theirs = {(c["cohort"], c["period"]): c for c in ref["att_gt"]}
    # csdid lists the universal base period itself with ATT 0 and no SE; this module omits it
    theirs = {k: v for k, v in theirs.items() if not (ref["base_period"] == "universal" and k[1] == k[0] - 1)}
    assert set(ours) == set(theirs)
    for key, c in theirs.items():
        assert ours[key]["att"] == pytest.approx(c["att"], abs=TOL), key
        assert ours[key]["std_error"] == pytest.approx(c["std_error"], abs=TOL), key
    rows = {r["name"]: r for r in doc["coefficients"]}
    assert rows["att"]["estimate"] == pytest.approx(ref["simple"]["att"], abs=TOL)
    assert rows["att"]["std_error"] == pytest.approx(ref["simple"]["std_error"], abs=TOL)
    for e, a, s in zip(ref["dynamic"]["event_time"], ref["dynamic"]["att"], ref["dynamic"]["std_error"]):
        if ref["base_period"] == "universal" and e == -1:
            continue
        assert rows[f"event[{e}]"]["estimate"] == pytest.approx(a, abs=TOL), e
        assert rows[f"event[{e}]"]["std_error"] == pytest.approx(s, abs=TOL), e
    assert rows["att_dynamic"]["estimate"] == pytest.approx(ref["dynamic"]["overall_att"], abs=TOL)
    assert rows["att_dynamic"]["std_error"] == pytest.approx(ref["dynamic"]["overall_se"], abs=TOL)
