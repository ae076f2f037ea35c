"""The synth / synth_did specifications: valid result documents, the declared predictor set, the
donor pool (never-treated less `exclude`), and recovery of a known effect."""
import numpy as np
import pandas as pd
import pytest

from clusternet.errors import ConfigError
from clusternet.models.runner import fit_specification


def _panel(effect=1.0, n=12, years=range(2010, 2020), seed=0):
    rng = np.random.default_rng(seed)
    codes = [110000 + 10000 * i for i in range(n)]
    f = rng.normal(size=(len(years), 2)).cumsum(axis=0)
    load = rng.uniform(0, 1, size=(n, 2))
    load[0] = 0.5 * load[3] + 0.3 * load[4] + 0.2 * load[5]  # inside the donors' convex hull
    rows = []
    for i, c in enumerate(codes):
        for j, t in enumerate(years):
            y = load[i] @ f[j] + 0.02 * rng.normal() + (effect if i == 0 and t >= 2016 else 0.0)
            rows.append({"region_code": c, "year": t, "y": y, "x": load[i, 0] + 0.01 * rng.normal()})
    return pd.DataFrame(rows), codes


def _spec(codes, model="synth", **opts):
    base = {"treated": codes[0], "adoption_years": {codes[0]: 2016, codes[1]: 2017}, "exclude": [codes[2]]}
    if model == "synth":
        base |= {"predictors": [{"variable": "y", "years": [2011]}, {"variable": "y", "years": [2013]},
                                {"variable": "y", "years": [2015]}, {"variable": "x", "years": {"first": 2010,
                                                                                              "last": 2015}}]}
    return {"name": "sc", "model": model, "y": "y", "options": base | opts}


def test_synth_document_and_donor_pool():
    df, codes = _panel(effect=1.0)
    doc = fit_specification(df, _spec(codes))
    sc = doc["extra"]["synth"]
    assert sc["donors"] == codes[3:]  # the other adopter and the excluded unit are left out
    assert sum(sc["weights"].values()) == pytest.approx(1.0)
    assert doc["coefficients"][0]["estimate"] == pytest.approx(1.0, abs=0.3)
    test = doc["tests"][0]
    assert test["name"] == "placebo_rmspe_ratio" and test["p_value"] == pytest.approx(1 / 10)


def test_synth_did_document():
    df, codes = _panel(effect=1.0)
    doc = fit_specification(df, _spec(codes, model="synth_did"))
    assert doc["model"] == "synth.sdid"
    from clusternet.models.synth_did import synthdid_estimate
    units = [*codes[3:], codes[0]]  # donors first, the treated unit last
    Y = df.pivot(index="region_code", columns="year", values="y").loc[units].to_numpy()
    direct = synthdid_estimate(Y, len(units) - 1, 6).estimate
    assert doc["coefficients"][0]["estimate"] == pytest.approx(direct, abs=1e-12)


def test_synth_did_document_with_the_placebo_standard_error():
    from clusternet.models.synth_did import synthdid_estimate, synthdid_se
    from clusternet.seeds import seed_sequence

    df, codes = _panel(effect=1.0)
    doc = fit_specification(df, _spec(codes, model="synth_did", se="placebo", se_replications=12, seed=5))
    units = [*codes[3:], codes[0]]
    Y = df.pivot(index="region_code", columns="year", values="y").loc[units].to_numpy()
    fit = synthdid_estimate(Y, len(units) - 1, 6)
    direct = synthdid_se(Y, len(units) - 1, 6, fit, "placebo", 12, np.random.default_rng(seed_sequence(5, "sc:sdid_se")))
    row = doc["coefficients"][0]
    assert row["std_error"] == pytest.approx(direct["std_error"], rel=1e-12) and row["std_error"] > 0
    assert row["ci_lower"] < row["estimate"] < row["ci_upper"]
    assert doc["covariance"]["type"] == "placebo_permutation"
    with pytest.raises(ConfigError, match="options.se"):
        fit_specification(df, _spec(codes, model="synth_did", se="wild", seed=5))


def test_missing_predictors_and_unknown_option_are_errors():
    df, codes = _panel()
    spec = _spec(codes)
    del spec["options"]["predictors"]
    with pytest.raises(ConfigError, match="predictors"):
        fit_specification(df, spec)
    with pytest.raises(ConfigError, match="unknown option"):
        fit_specification(df, _spec(codes, weights="x"))
