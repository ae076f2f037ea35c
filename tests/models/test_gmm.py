"""Difference/system GMM: recovery of known parameters, invariances and bad input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusternet.errors import ConfigError, DataError, EstimationError
from clusternet.models.gmm import fit_gmm, spec_from_options


def simulate_dynamic_panel(n=400, T=8, rho=0.5, beta=0.8, seed=1, burn=50) -> pd.DataFrame:
    """y_it = rho y_i,t-1 + beta x_it + mu_i + e_it with x exogenous AR(1), started near stationarity."""
    rng = np.random.default_rng(seed)
    mu = rng.normal(size=n)
    x = np.zeros((n, T + burn))
    y = np.zeros((n, T + burn))
    for t in range(1, T + burn):
        x[:, t] = 0.5 * x[:, t - 1] + rng.normal(size=n)
        y[:, t] = rho * y[:, t - 1] + beta * x[:, t] + mu + rng.normal(size=n)
    rows = [(i, 2000 + t, y[i, burn + t], x[i, burn + t]) for i in range(n) for t in range(T)]
    return pd.DataFrame(rows, columns=["region_code", "year", "y", "x"])


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulate_dynamic_panel()


@pytest.mark.parametrize("system", [False, True])
@pytest.mark.parametrize("steps", [1, 2])
def test_recovers_known_parameters(panel, system, steps):
    spec = spec_from_options("y", ["x"], {"steps": steps, "time_effects": False, "max_instrument_lag": 4},
                             system=system)
    res = fit_gmm(panel, spec)
    se = res.std_errors
    assert abs(res.params[0] - 0.5) < 4 * se[0]
    assert abs(res.params[1] - 0.8) < 4 * se[1]
    assert se[0] < 0.1
    tests = {t["name"]: t for t in res.tests}
    # The model is correctly specified: AR(1) in differences is present, AR(2) is not.
    assert tests["ar1"]["p_value"] < 0.01
    assert tests["ar2"]["p_value"] > 0.001


def test_row_order_does_not_matter(panel):
    spec = spec_from_options("y", ["x"], {"collapse": True}, system=True)
    a = fit_gmm(panel, spec)
    b = fit_gmm(panel.sample(frac=1.0, random_state=3), spec)
    np.testing.assert_allclose(a.params, b.params, rtol=0, atol=1e-10)
    np.testing.assert_allclose(a.vcov, b.vcov, rtol=0, atol=1e-10)


def test_unbalanced_panel_drops_equations(panel):
    spec = spec_from_options("y", ["x"], {"collapse": True, "time_effects": False}, system=False)
    full = fit_gmm(panel, spec)
    dropped = fit_gmm(panel.drop(index=[5, 6, 100]), spec)
    assert dropped.nobs_difference < full.nobs_difference
    assert np.all(np.isfinite(dropped.params))


def test_missing_column_named(panel):
    with pytest.raises(DataError, match=r"GMM: column\(s\) 'z' not found among the 4 columns"):
        fit_gmm(panel, spec_from_options("y", ["z"], {}, system=False))


def test_duplicate_rows_named(panel):
    bad = pd.concat([panel, panel.iloc[[3]]])
    code, year = int(panel.iloc[3]["region_code"]), int(panel.iloc[3]["year"])
    with pytest.raises(DataError, match=rf"duplicate \(region_code, year\) pair .*region_code={code}, year={year}"):
        fit_gmm(bad, spec_from_options("y", ["x"], {}, system=False))


def test_non_integer_time(panel):
    bad = panel.assign(year=panel["year"] + 0.5)
    with pytest.raises(DataError, match="time column 'year' must hold integer"):
        fit_gmm(bad, spec_from_options("y", ["x"], {}, system=False))


def test_too_few_periods(panel):
    short = panel[panel["year"] <= 2002]
    with pytest.raises(EstimationError, match="too few periods"):
        fit_gmm(short, spec_from_options("y", ["x"], {"dependent_lags": 1}, system=False))


def test_collinear_regressors(panel):
    bad = panel.assign(x2=2 * panel["x"])
    with pytest.raises(EstimationError, match="collinear"):
        fit_gmm(bad, spec_from_options("y", ["x", "x2"], {"time_effects": False}, system=False))


@pytest.mark.parametrize("options,match", [
    ({"lags": 2}, r"unknown option\(s\) \['lags'\]"),
    ({"endogenous": ["w"]}, "options.endogenous"),
    ({"endogenous": ["x"], "predetermined": ["x"]}, "both"),
    ({"steps": 3}, "options.steps"),
    ({"dependent_lags": 0}, "dependent_lags"),
    ({"max_instrument_lag": 1}, "max_instrument_lag"),
    ({"regressor_lags": {"w": [0]}}, "regressor_lags.w"),
])
def test_bad_options(options, match):
    with pytest.raises(ConfigError, match=match):
        spec_from_options("y", ["x"], options, system=False)


def test_one_step_requires_robust(panel):
    with pytest.raises(ConfigError, match="one-step GMM reports robust standard errors only; set robust: true"):
        fit_gmm(panel, spec_from_options("y", ["x"], {"steps": 1, "robust": False}, system=False))


def test_registry_rejects_non_entity_covariance(panel):
    from clusternet.estimators import get

    spec = {"name": "g", "model": "gmm_system", "y": "y", "x": "x", "cov": {"type": "driscoll_kraay"}}
    with pytest.raises(ConfigError, match=r"cov: .*cov\.type 'driscoll_kraay'"):
        get("gmm_system")(panel, spec)
    spec["cov"] = {"type": "cluster", "small_sample": "sss"}
    doc = get("gmm_system")(panel, spec)
    assert doc["coefficients"][0]["name"] == "L1.y" and doc["covariance"]["type"] == "windmeijer"


def test_units_of_measurement_do_not_matter(panel):
    """Rescaling a regressor by 1e6 rescales its coefficient and nothing else (no false collinearity)."""
    spec = spec_from_options("y", ["x"], {"collapse": True}, system=True)
    base = fit_gmm(panel, spec)
    scaled = fit_gmm(panel.assign(x=panel["x"] * 1e6), spec)
    np.testing.assert_allclose(scaled.params[1] * 1e6, base.params[1], rtol=1e-6)
    np.testing.assert_allclose(scaled.params[0], base.params[0], rtol=1e-6)


def test_non_numeric_value_named(panel):
    bad = panel.astype({"x": object})
    bad.loc[4, "x"] = "n/a"
    with pytest.raises(DataError, match=r"'x'.*'n/a'.*data row 5"):
        fit_gmm(bad, spec_from_options("y", ["x"], {}, system=False))


def test_effects_without_entity_rejected(panel):
    from clusternet.estimators import get

    with pytest.raises(ConfigError, match=r"effects: GMM always removes entity effects.*options\.time_effects"):
        get("gmm_difference")(panel, {"name": "g", "model": "gmm_difference", "y": "y", "x": ["x"],
                                      "effects": ["time"]})


@pytest.mark.parametrize("model", ["gmm_difference", "gmm_system"])
@pytest.mark.parametrize("time_effects", [True, False])
def test_effects_is_the_older_time_effects_option(panel, model, time_effects):
    """`effects` (the one vocabulary, models.specs) and the older options.time_effects fit the same
    model; stating both with different values is an error."""
    from clusternet.estimators import get

    base = {"name": "g", "model": model, "y": "y", "x": ["x"]}
    new = get(model)(panel, {**base, "effects": ["entity", "time"] if time_effects else ["entity"]})
    old = get(model)(panel, {**base, "options": {"time_effects": time_effects}})
    for doc in (new, old):
        doc.pop("spec")
    assert new == old
    assert new["effects"] == {"entity": True, "time": time_effects}
    with pytest.raises(ConfigError, match=r"contradict options\.time_effects"):
        get(model)(panel, {**base, "effects": ["entity"] if time_effects else ["entity", "time"],
                           "options": {"time_effects": time_effects}})
