"""Which inference governs a policy estimand's verdict (issue 15): the randomisation p-value when
fewer than `randomisation.treated_threshold` clusters are treated (auto), else as the config names."""
import numpy as np
import pandas as pd
import pytest

from clusternet.hypotheses.verdicts import linear_extras, settings


def _panel(n=31, t=8, treated=10, seed=0):
    rng = np.random.default_rng(seed)
    codes = (np.arange(1, n + 1) * 10000 + 100000).astype(int)
    adoption = {int(c): 2013 + (i % 3) for i, c in enumerate(codes[:treated])}
    ids, years = np.repeat(codes, t), np.tile(np.arange(2010, 2010 + t), n)
    y = rng.normal(size=n)[np.repeat(np.arange(n), t)] + rng.normal(size=n * t)
    return pd.DataFrame({"region_code": ids, "year": years, "y": y}), adoption


def _extras(reg, treated=10):
    df, adoption = _panel(treated=treated)
    spec = {"name": "p", "model": "twfe", "y": "y", "x": ["d"], "cov": {"type": "cluster", "small_sample": "sss"},
            "policy_dummy": {"name": "d", "adoption_years": adoption}}
    reg = {"power": {"simulations": 5, "inner_reps": 9}, **reg}
    return linear_extras(df, spec, "d", expected=1, alpha=0.05, sesoi=0.2, st=settings(reg), seed=1, hid="H")


def test_auto_uses_randomisation_with_ten_treated():
    out = _extras({"inference": {"randomisation": {"reps": 99}}})
    assert out["governing"] == "randomisation"
    assert out["p_governing"] == out["randomisation"]["p_value"]
    assert out["randomisation"]["n_treated_clusters"] == 10


def test_auto_with_many_treated_falls_back_to_the_wild_bootstrap():
    out = _extras({"inference": {"randomisation": {"reps": 99, "treated_threshold": 5}}})
    assert out["governing"] == "wild_bootstrap"  # 31 clusters < cluster_threshold 50
    assert out["p_governing"] == out["wild"]["p_value"]


@pytest.mark.parametrize("name", ["wild_bootstrap", "cluster_t"])
def test_config_names_the_governing_inference(name):
    out = _extras({"inference": {"governing": name, "randomisation": {"reps": 99}}})
    assert out["governing"] == name
    assert "randomisation" in out  # still reported
