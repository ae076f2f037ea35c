"""DID_M of de Chaisemartin & D'Haultfoeuille (2020) against a brute-force transcription of the
paper's definition (joiners vs stable untreated, leavers vs stable treated, weights N_S), exact
recovery with homogeneous effects (binary switching on and off, and a three-level treatment),
the placebo, and the bootstrap's determinism."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusternet.errors import ConfigError
from clusternet.models import did_dcdh
from clusternet.results import validate_result


def switching_panel(seed=0, n=40, T=8, levels=(0, 1)):
    rng = np.random.default_rng(seed)
    D = np.zeros((n, T))
    D[:, 0] = rng.choice(levels, size=n)
    for t in range(1, T):
        move = rng.random(n) < 0.3
        D[:, t] = np.where(move, rng.choice(levels, size=n), D[:, t - 1])
    return D


def brute_force_did_m(Y, D):
    """dCDH (2020) eq. 3, transcribed with explicit loops over periods and units."""
    n, T = Y.shape
    total, n_s = 0.0, 0
    for t in range(1, T):
        joiners = [i for i in range(n) if D[i, t - 1] == 0 and D[i, t] == 1]
        stable0 = [i for i in range(n) if D[i, t - 1] == 0 and D[i, t] == 0]
        leavers = [i for i in range(n) if D[i, t - 1] == 1 and D[i, t] == 0]
        stable1 = [i for i in range(n) if D[i, t - 1] == 1 and D[i, t] == 1]
        dy = {i: Y[i, t] - Y[i, t - 1] for i in range(n)}
        if joiners and stable0:
            did_plus = np.mean([dy[i] for i in joiners]) - np.mean([dy[i] for i in stable0])
            total += len(joiners) * did_plus
            n_s += len(joiners)
        if leavers and stable1:
            did_minus = np.mean([dy[i] for i in stable1]) - np.mean([dy[i] for i in leavers])
            total += len(leavers) * did_minus
            n_s += len(leavers)
    return total / n_s, n_s


def test_did_m_equals_the_papers_definition_with_heterogeneous_effects():
    rng = np.random.default_rng(3)
    D = switching_panel(seed=3)
    n, T = D.shape
    effect = rng.normal(1.0, 2.0, size=(n, T))  # heterogeneous across units and periods
    Y = rng.normal(size=(n, 1)) + rng.normal(size=(1, T)) + effect * D + rng.normal(size=(n, T))
    res = did_dcdh.did_multiple(Y, D)
    ref, n_s = brute_force_did_m(Y, D)
    assert res.did_m == pytest.approx(ref, abs=1e-12)
    assert res.n_switchers == n_s


@pytest.mark.parametrize("levels", [(0, 1), (0, 1, 2)])
def test_did_m_recovers_a_homogeneous_effect_per_unit_of_treatment(levels):
    rng = np.random.default_rng(7)
    D = switching_panel(seed=7, levels=levels)
    n, T = D.shape
    Y = rng.normal(size=(n, 1)) + rng.normal(size=(1, T)) + 1.7 * D
    res = did_dcdh.did_multiple(Y, D)
    assert res.did_m == pytest.approx(1.7, abs=1e-12)
    assert res.placebo == pytest.approx(0.0, abs=1e-12)


def test_placebo_detects_a_pre_trend_of_switchers():
    """Units about to join trend upward the period before: the placebo sees it."""
    D = switching_panel(seed=11)
    n, T = D.shape
    Y = np.zeros((n, T))
    for t in range(1, T - 1):
        joins_next = (D[:, t] == 0) & (D[:, t + 1] == 1)
        Y[joins_next, t] += 1.0  # a bump in the period before joining
    res = did_dcdh.did_multiple(Y + D, D)
    assert res.placebo is not None and res.placebo > 0.3


def test_fit_did_dcdh_document_and_bootstrap():
    D = switching_panel(seed=2, n=30, T=6)
    rng = np.random.default_rng(2)
    Y = rng.normal(size=D.shape) + 0.5 * D
    rows = [{"region_code": i, "year": 2010 + t, "y": Y[i, t], "d": D[i, t]} for i in range(30) for t in range(6)]
    df = pd.DataFrame(rows)
    spec = {"name": "dc", "model": "did_dcdh", "y": "y", "seed": 5,
            "options": {"treatment": "d", "bootstrap_draws": 50}}
    a = did_dcdh.fit_did_dcdh(df, spec)
    b = did_dcdh.fit_did_dcdh(df, spec)
    validate_result({**a, "provenance": {"code_version": "t", "inputs": {}}})
    ra = {r["name"]: r for r in a["coefficients"]}
    assert ra["did_m"]["std_error"] > 0
    assert a["coefficients"] == b["coefficients"]
    with pytest.raises(ConfigError, match="exactly one of"):
        did_dcdh.fit_did_dcdh(df, {**spec, "options": {"treatment": "d", "adoption_years": {0: 2012}}})


# ---- DID_l (de Chaisemartin & D'Haultfoeuille 2024) ---------------------------------------------

def brute_force_did_l(Y, D, ell, placebo=False):
    """dCDH (2024) DID_l / DID^pl_l transcribed unit by unit (1-based periods as in the paper)."""
    n, T = Y.shape
    y = {(g, t): Y[g, t - 1] for g in range(n) for t in range(1, T + 1)}
    d = {(g, t): D[g, t - 1] for g in range(n) for t in range(1, T + 1)}
    F = {}
    for g in range(n):
        F[g] = next((t for t in range(2, T + 1) if d[g, t] != d[g, 1]), np.inf)
    vals = []
    for g in range(n):
        if not np.isfinite(F[g]):
            continue
        T_g = min(T, max(F[h] for h in range(n) if d[h, 1] == d[g, 1]) - 1)
        t_eff = F[g] - 1 + ell
        if t_eff > T_g:
            continue
        t_out = F[g] - 1 - ell if placebo else t_eff
        if t_out < 1:
            continue
        ctrl = [h for h in range(n) if d[h, 1] == d[g, 1] and F[h] > t_eff]
        s = 1.0 if d[g, F[g]] > d[g, 1] else -1.0
        vals.append(s * (y[g, t_out] - y[g, F[g] - 1] - np.mean([y[h, t_out] - y[h, F[g] - 1] for h in ctrl])))
    return float(np.mean(vals)) if vals else float("nan")


@pytest.mark.parametrize("levels", [(0, 1), (0, 1, 2)])
def test_did_l_equals_the_brute_force_formula(levels):
    rng = np.random.default_rng(7)
    D = switching_panel(seed=3, n=30, T=8, levels=levels)
    Y = rng.normal(size=D.shape) + 0.8 * D + np.arange(8) * 0.1
    res = did_dcdh.did_dynamic(Y, D, 4, 3)
    for e in res.effects:
        assert e["estimate"] == pytest.approx(brute_force_did_l(Y, D, e["l"]), abs=1e-12)
    for p in res.placebos:
        assert p["estimate"] == pytest.approx(brute_force_did_l(Y, D, p["l"], placebo=True), abs=1e-12)


def test_did_l_is_the_cs_not_yet_treated_event_study_of_csdid():
    """Binary absorbing treatment, no covariates: DID_l = Callaway-Sant'Anna's dynamic aggregation
    at e = l - 1 with not-yet-treated controls; the reference numbers are csdid 0.4.3's
    (tests/reference/did_csdid.py -> fixtures/did_cs_csdid.json)."""
    import json
    from pathlib import Path

    fix = Path(__file__).resolve().parents[1] / "reference" / "fixtures"
    data = pd.read_csv(fix / "mechanisms_data_staggered.csv")
    ref = next(c for c in json.loads((fix / "did_cs_csdid.json").read_text())["cases"]
               if c["control"] == "notyettreated" and c["base_period"] == "varying")
    wide = data.pivot(index="id", columns="year", values="y")
    g = data.groupby("id")["g"].first().reindex(wide.index)
    years = np.array(wide.columns)
    D = (years[None, :] >= g.to_numpy()[:, None]).astype(float)  # NaN cohort (never) -> 0
    post = [(e, a) for e, a in zip(ref["dynamic"]["event_time"], ref["dynamic"]["att"]) if e >= 0]
    res = did_dcdh.did_dynamic(wide.to_numpy(float), D, len(post))
    for (e, att), row in zip(post, res.effects):
        assert row["l"] == e + 1 and row["dose"] == pytest.approx(row["l"])
        assert row["estimate"] == pytest.approx(att, abs=1e-10)


def test_did_l_recovers_dynamic_effects_and_the_document_carries_an_event_study():
    rng = np.random.default_rng(2)
    n, T = 60, 9
    adopt = rng.choice([4, 5, 6, 99], size=n)
    rows = []
    for i in range(n):
        a_i = rng.normal()
        for t in range(T):
            k = t - adopt[i]
            eff = (1.0 + 0.5 * k) if k >= 0 else 0.0  # dynamic: 1, 1.5, 2, ...
            rows.append({"region_code": 100000 + i, "year": 2010 + t, "y": a_i + 0.2 * t + eff})
    data = pd.DataFrame(rows)
    adoption = {100000 + i: 2010 + int(adopt[i]) for i in range(n) if adopt[i] < 99}
    spec = {"name": "dl", "model": "did_dcdh", "y": "y",
            "options": {"adoption_years": adoption, "effects": 3, "placebos": 2, "bootstrap_draws": 49, "seed": 1}}
    doc = did_dcdh.fit_did_dcdh(data, spec)
    validate_result({**doc, "provenance": {"code_version": "t", "inputs": {}}})
    est = {r["name"]: r["estimate"] for r in doc["coefficients"]}
    for ell, true in ((1, 1.0), (2, 1.5), (3, 2.0)):
        assert est[f"event[{ell - 1}]"] == pytest.approx(true, abs=1e-10)  # no noise: exact
    assert est["event[-2]"] == pytest.approx(0.0, abs=1e-10) and est["event[-3]"] == pytest.approx(0.0, abs=1e-10)
    assert doc["vcov"]["names"] == ["event[-3]", "event[-2]", "event[0]", "event[1]", "event[2]"]
    again = did_dcdh.fit_did_dcdh(data, spec)
    assert again["vcov"]["matrix"] == doc["vcov"]["matrix"]  # seeded bootstrap
