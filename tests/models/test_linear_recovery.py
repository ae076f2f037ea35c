"""Known-parameter recovery and identities with an independent computation (dummy-variable
OLS) on synthetic panels, including unbalanced ones."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusternet.models.linear import fit_linear

BETA = np.array([1.5, -0.7])


def simulate(seed: int, n_ent: int = 60, n_t: int = 10, corr_effects: bool = True, drop: float = 0.0,
             time_in_x: bool = True):
    rng = np.random.default_rng(seed)
    alpha = rng.normal(size=n_ent)
    lam = rng.normal(size=n_t)
    rows = []
    for i in range(n_ent):
        for t in range(n_t):
            x1 = rng.normal() + (alpha[i] if corr_effects else 0) + (0.5 * lam[t] if time_in_x else 0)
            x2 = rng.normal()
            y = BETA[0] * x1 + BETA[1] * x2 + alpha[i] + lam[t] + rng.normal()
            rows.append((i + 1, 2000 + t, y, x1, x2))
    df = pd.DataFrame(rows, columns=["id", "year", "y", "x1", "x2"])
    if drop:
        df = df[rng.random(len(df)) > drop]
    return df


@pytest.mark.parametrize("model", ["twfe", "fd"])
def test_recovers_slopes_with_correlated_effects(model):
    # FD keeps an intercept but not period effects: make x independent of them for FD
    df = simulate(11, n_ent=200, n_t=10, time_in_x=model == "twfe")
    res = fit_linear(df, y="y", x=["x1", "x2"], model=model, entity="id", cov={"type": "cluster"})
    slopes = np.array([res.coefficient("x1"), res.coefficient("x2")])
    se = np.sqrt(np.diag(res.vcov))[-2:]
    assert np.all(np.abs(slopes - BETA) < 4 * se)
    assert np.all(se < 0.1)


def test_pooled_is_biased_when_effects_correlate_and_hausman_says_so():
    from clusternet.models.covariance import CovarianceSpec
    from clusternet.models.linear import PanelData, hausman_classic, mundlak

    df = simulate(12, n_ent=200, n_t=10)
    res = fit_linear(df, y="y", x=["x1", "x2"], model="pooled", entity="id", cov={"type": "cluster"})
    assert res.coefficient("x1") - BETA[0] > 0.2  # omitted alpha_i correlated with x1
    panel = PanelData.from_frame(df, y="y", x=["x1", "x2"], entity="id", time="year")
    assert hausman_classic(panel)["p_value"] < 1e-6
    assert mundlak(panel, CovarianceSpec.from_dict({"type": "cluster"}))["p_value"] < 1e-6


def test_random_effects_recover_slopes_and_variance_components():
    rng = np.random.default_rng(5)
    n_ent, n_t = 400, 6
    alpha = rng.normal(scale=2.0, size=n_ent)  # sigma2_alpha = 4, sigma2_eps = 1
    x = rng.normal(size=(n_ent, n_t))
    y = 1.0 + 0.8 * x + alpha[:, None] + rng.normal(size=(n_ent, n_t))
    df = pd.DataFrame({"id": np.repeat(np.arange(n_ent), n_t), "year": np.tile(np.arange(n_t), n_ent),
                       "y": y.ravel(), "x": x.ravel()})
    res = fit_linear(df, y="y", x=["x"], model="re", entity="id", cov={"type": "cluster"})
    vc = res.extra["variance_components"]
    assert abs(res.coefficient("x") - 0.8) < 0.05
    assert abs(vc["sigma2_idiosyncratic"] - 1) < 0.1 and abs(vc["sigma2_entity"] - 4) < 0.8
    assert abs(vc["theta"] - (1 - np.sqrt(vc["sigma2_idiosyncratic"] / (n_t * vc["sigma2_entity"]
                                                                      + vc["sigma2_idiosyncratic"])))) < 1e-12


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 100_000), drop=st.sampled_from([0.0, 0.15, 0.3]))
def test_twfe_equals_dummy_variable_regression(seed, drop):
    df = simulate(seed, n_ent=15, n_t=7, drop=drop)
    if df["year"].nunique() < 7 or df["id"].nunique() < 15:
        return
    res = fit_linear(df, y="y", x=["x1", "x2"], model="twfe", entity="id", cov="unadjusted")
    D = pd.get_dummies(df["id"], prefix="e", dtype=float).to_numpy()
    T = pd.get_dummies(df["year"], prefix="t", dtype=float).to_numpy()[:, 1:]
    Z = np.column_stack([df[["x1", "x2"]].to_numpy(), D, T])
    coef, rss, *_ = np.linalg.lstsq(Z, df["y"].to_numpy(), rcond=None)
    assert np.allclose(res.params, coef[:2], atol=1e-9)
    dof = len(df) - Z.shape[1]
    assert res.df_resid == dof
    resid = df["y"].to_numpy() - Z @ coef
    V_lsdv = (resid @ resid / dof) * np.linalg.inv(Z.T @ Z)[:2, :2]
    assert np.allclose(res.vcov, V_lsdv, rtol=1e-8)


def test_row_order_does_not_matter():
    df = simulate(3, n_ent=20, n_t=6, drop=0.1)
    a = fit_linear(df, y="y", x=["x1", "x2"], model="twfe", entity="id", cov={"type": "cluster"})
    b = fit_linear(df.sample(frac=1, random_state=1), y="y", x=["x1", "x2"], model="twfe", entity="id",
                   cov={"type": "cluster"})
    assert np.array_equal(a.params, b.params) or np.allclose(a.params, b.params, rtol=1e-13)
    assert np.allclose(a.vcov, b.vcov, rtol=1e-12)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 100_000), shift=st.floats(-1e3, 1e3), model=st.sampled_from(["fe", "twfe", "fd"]))
def test_slopes_invariant_to_entity_level_shifts(seed, shift, model):
    # adding any entity-specific constant to y leaves within/FD slopes and their covariance unchanged
    df = simulate(seed, n_ent=12, n_t=5)
    res = fit_linear(df, y="y", x=["x1", "x2"], model=model, entity="id", cov={"type": "cluster"})
    shifted = df.assign(y=df["y"] + shift * (df["id"] % 3))
    res2 = fit_linear(shifted, y="y", x=["x1", "x2"], model=model, entity="id", cov={"type": "cluster"})
    assert np.allclose(res.params, res2.params, rtol=1e-7, atol=1e-9)
    assert np.allclose(res.vcov, res2.vcov, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("model", ["pooled", "fe", "fe_time", "twfe", "re", "fd"])
def test_every_linear_model_gives_a_valid_document(model):
    from clusternet import estimators
    from clusternet.results import validate_result

    df = simulate(7, n_ent=15, n_t=6, drop=0.0)
    spec = {"name": f"s_{model}", "model": model, "y": "y", "x": ["x1"], "controls": ["x2"], "entity": "id",
            "cov": {"type": "cluster"}, "ci_level": 0.9}
    doc = estimators.get(model)(df, spec)
    doc["provenance"] = {"code_version": "test", "inputs": {}}
    validate_result(doc)
    assert doc["model"] == f"panel.{model}" and doc["ci_level"] == 0.9
    rows = {r["name"]: r for r in doc["coefficients"]}
    assert {"x1", "x2"} <= set(rows)
    for r in rows.values():
        assert r["ci_lower"] < r["estimate"] < r["ci_upper"]
    assert doc["vcov"]["names"] == [r["name"] for r in doc["coefficients"]]
