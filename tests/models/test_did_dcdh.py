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
