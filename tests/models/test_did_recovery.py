"""Recovery on a synthetic staggered panel with heterogeneous dynamic effects (known ATT(g,t)):
without noise the heterogeneity-robust estimators (Callaway-Sant'Anna, Sun-Abraham, the
imputation estimator, DID_M) return the true effects exactly, while static TWFE is biased
downwards (effects that grow with time since adoption get negative weight through the
"later vs earlier" comparisons, Goodman-Bacon 2021), and the Bacon decomposition of that
TWFE coefficient is exact. A small noisy check follows (the full Monte Carlo is
benchmarks/bench_did.py)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusternet.models import did, did_bacon, did_cs, did_dcdh, did_imputation, did_sa

YEARS = np.arange(2010, 2022)
COHORTS = {2013: 8, 2016: 8, 2019: 8}  # units per cohort; plus 12 never treated
N_NEVER = 12


def tau(g: float, t: int) -> float:
    """Effects grow with time since adoption and differ by cohort."""
    if np.isnan(g) or t < g:
        return 0.0
    return (1.0 + 0.5 * (g - 2013) / 3) * (1.0 + 0.6 * (t - g))


def panel(noise: float = 0.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    g = np.concatenate([np.full(k, c, float) for c, k in COHORTS.items()] + [np.full(N_NEVER, np.nan)])
    n = len(g)
    alpha = rng.normal(size=n)
    lam = 0.2 * (YEARS - YEARS[0]) + 0.3 * np.sin(YEARS)
    effect = np.array([[tau(gi, t) for t in YEARS] for gi in g])
    Y = alpha[:, None] + lam[None, :] + effect + noise * rng.normal(size=(n, len(YEARS)))
    return Y, g, effect


def long_form(Y, g):
    n, T = Y.shape
    return pd.DataFrame({"id": np.repeat(np.arange(n), T), "year": np.tile(YEARS, n), "y": Y.ravel(),
                         "cohort": np.repeat(g, T)})


def true_att(g, effect):
    treated = ~np.isnan(g)[:, None] & (YEARS[None, :] >= np.nan_to_num(g, nan=9999)[:, None])
    return effect[treated].mean()


def true_event(g, effect, e):
    vals = [effect[i, j] for i in range(len(g)) for j, t in enumerate(YEARS) if not np.isnan(g[i]) and t - g[i] == e]
    return float(np.mean(vals))


def test_heterogeneity_robust_estimators_recover_the_true_effects_exactly():
    Y, g, effect = panel()
    att = true_att(g, effect)
    cs = did_cs.att_gt(Y, list(YEARS), g, control="notyet", est_method="dr")
    for (c, t), a in zip(cs.cells, cs.att):
        assert a == pytest.approx(tau(c, t), abs=1e-9), (c, t)
    assert cs.aggregate("simple").overall_att == pytest.approx(att, abs=1e-9)
    dyn = cs.aggregate("dynamic")
    d = long_form(Y, g)
    sa = did_sa.sun_abraham(d.y.to_numpy(), d.id.to_numpy(), d.year.to_numpy(), d.cohort.to_numpy())
    bjs = did_imputation.imputation(d.y.to_numpy(), d.id.to_numpy(), d.year.to_numpy(), d.cohort.to_numpy())
    est_bjs = dict(zip(bjs.names, bjs.estimates))
    iw = dict(zip(sa.event_times, sa.iw))
    for e, a in zip(dyn.labels, dyn.att):
        if e < 0:
            assert a == pytest.approx(0.0, abs=1e-9)
            continue
        truth = true_event(g, effect, e)
        assert a == pytest.approx(truth, abs=1e-9), e
        assert iw[e] == pytest.approx(truth, abs=1e-9), e
        assert est_bjs[f"event[{e}]"] == pytest.approx(truth, abs=1e-9), e
    assert sa.att == pytest.approx(att, abs=1e-9)
    assert est_bjs["att"] == pytest.approx(att, abs=1e-9)
    D = (~np.isnan(g)[:, None] & (YEARS[None, :] >= np.nan_to_num(g, nan=9999)[:, None])).astype(float)
    assert did_dcdh.did_multiple(Y, D).did_m == pytest.approx(true_event(g, effect, 0), abs=1e-9)


def test_static_twfe_is_biased_downwards_and_bacon_explains_it():
    Y, g, effect = panel()
    att = true_att(g, effect)
    d = long_form(Y, g)
    years = {i: int(c) for i, c in enumerate(g) if not np.isnan(c)}
    doc = did.fit_did_twfe(d, {"name": "tw", "model": "did_twfe", "y": "y", "entity": "id", "time": "year",
                               "options": {"adoption_years": years}})
    twfe = next(r["estimate"] for r in doc["coefficients"] if r["name"] == "att")
    assert twfe < att - 0.5  # effects growing with exposure: TWFE understates the ATT
    bacon = did_bacon.bacon_decomposition(Y, list(YEARS), g)
    assert bacon.twfe == pytest.approx(twfe, abs=1e-9)
    late = bacon.table[bacon.table.type == "later_vs_earlier"]
    assert (late.estimate < att).all()  # the forbidden comparisons pull the average down


def test_noisy_panels_the_robust_estimators_are_centred_on_the_truth():
    """40 noisy panels: the mean CS/SA/BJS ATT lies within 4 Monte Carlo SEs of the truth;
    the mean TWFE does not."""
    ests = {"cs": [], "sa": [], "bjs": [], "twfe": []}
    att = None
    for r in range(40):
        Y, g, effect = panel(noise=1.0, seed=100 + r)
        att = true_att(g, effect)
        ests["cs"].append(did_cs.att_gt(Y, list(YEARS), g, control="never", est_method="reg")
                          .aggregate("simple").overall_att)
        d = long_form(Y, g)
        args = (d.y.to_numpy(), d.id.to_numpy(), d.year.to_numpy(), d.cohort.to_numpy())
        ests["sa"].append(did_sa.sun_abraham(*args).att)
        ests["bjs"].append(did_imputation.imputation(*args).estimates[0])
        ests["twfe"].append(did_bacon.bacon_decomposition(Y, list(YEARS), g).twfe)
    for k, v in ests.items():
        v = np.array(v)
        z = (v.mean() - att) / (v.std(ddof=1) / np.sqrt(len(v)))
        if k == "twfe":
            assert z < -4, (k, z)
        else:
            assert abs(z) < 4, (k, z)
