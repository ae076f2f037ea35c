"""Goodman-Bacon decomposition: the weights of the paper's Figure 2 example (published to three
decimals), the exact identities (weights sum to one without normalisation; the weighted sum of
the 2x2 estimates is the TWFE coefficient of a dummy-variable OLS) on the castle-doctrine data
of R bacondecomp and on a panel with an always-treated group, and each 2x2 against the
coefficient of a two-group TWFE regression on its window."""
from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from clusternet.errors import ConfigError
from clusternet.models import did_bacon
from clusternet.results import validate_result

matplotlib.use("Agg")
FIX = Path(__file__).resolve().parents[1] / "reference" / "fixtures"


def test_figure_2_weights_of_goodman_bacon_2021():
    """T = 100, one never-treated, one early (t = 34) and one late (t = 85) unit: weights
    0.365 (early vs U), 0.222 (late vs U), 0.278 (early vs late), 0.135 (late vs early)."""
    rng = np.random.default_rng(1)
    Y = rng.normal(size=(3, 100))
    res = did_bacon.bacon_decomposition(Y, list(range(1, 101)), np.array([np.nan, 34.0, 85.0]))
    t = res.table.set_index(["type", "treated"]).weight.round(3)
    assert t[("treated_vs_untreated", 34)] == 0.365
    assert t[("treated_vs_untreated", 85)] == 0.222
    assert t[("earlier_vs_later", 34)] == 0.278
    assert t[("later_vs_earlier", 85)] == 0.135


def castle():
    d = pd.read_csv(FIX / "did_bacon_castle.csv")
    first = d[d.post > 0].groupby("state").year.min()
    wide = d.pivot(index="state", columns="year", values="l_homicide")
    return d, wide, first.reindex(wide.index).to_numpy(float)


def check_identities(res, frame, y, d):
    assert res.table.weight.sum() == pytest.approx(1.0, abs=1e-12)  # formula weights, not normalised
    ref = smf.ols(f"{y} ~ {d} + C(unit) + C(year)", data=frame).fit().params[d]
    assert res.twfe == pytest.approx(ref, abs=1e-10)
    assert (res.table.weight * res.table.estimate).sum() == pytest.approx(ref, abs=1e-10)


def test_castle_decomposition_is_exact():
    d, wide, first = castle()
    assert set(d.post.unique()) <= {0, 1}
    res = did_bacon.bacon_decomposition(wide.to_numpy(), list(wide.columns), first)
    check_identities(res, d.rename(columns={"state": "unit"}), "l_homicide", "post")
    assert set(res.table.type) == {"treated_vs_untreated", "earlier_vs_later", "later_vs_earlier"}


def test_always_treated_group_and_each_2x2_against_two_group_twfe():
    rng = np.random.default_rng(5)
    years = list(range(2000, 2012))
    g = np.array([np.nan] * 5 + [2000.0] * 3 + [2004.0] * 4 + [2008.0] * 4)  # 2000 = always treated
    Y = rng.normal(size=(len(g), 1)) + 0.1 * np.arange(12) + rng.normal(size=(len(g), 12))
    D = ~np.isnan(g)[:, None] & (np.array(years)[None, :] >= np.nan_to_num(g, nan=9999)[:, None])
    Y = Y + D * (1.0 + 0.3 * (np.array(years)[None, :] - np.nan_to_num(g, nan=0)[:, None]))
    res = did_bacon.bacon_decomposition(Y, years, g)
    long = pd.DataFrame([{"unit": i, "year": t, "y": Y[i, j], "D": float(D[i, j]), "g": g[i]}
                         for i in range(len(g)) for j, t in enumerate(years)])
    check_identities(res, long, "y", "D")
    # the always-treated group appears only as a control of later-vs-earlier comparisons
    assert not (res.table.treated == 2000).any()
    assert set(res.table[res.table.control == "2000"].type) == {"later_vs_earlier"}
    for r in res.table.itertuples():
        if r.type == "treated_vs_untreated":
            sub = long[(long.g == r.treated) | long.g.isna()]
        elif r.type == "earlier_vs_later":
            sub = long[long.g.isin([r.treated, float(r.control)]) & (long.year < float(r.control))]
        else:
            sub = long[long.g.isin([r.treated, float(r.control)]) & (long.year >= float(r.control))]
        ref = smf.ols("y ~ D + C(unit) + C(year)", data=sub).fit().params["D"]
        assert r.estimate == pytest.approx(ref, abs=1e-10), r


def test_fit_did_bacon_document_and_figure():
    d, _, _ = castle()
    codes = {s: i for i, s in enumerate(sorted(d.state.unique()))}
    d = d.assign(region_code=d.state.map(codes))
    years = d[d.post > 0].groupby("region_code").year.min().to_dict()
    spec = {"name": "b", "model": "did_bacon", "y": "l_homicide", "options": {"adoption_years": years}}
    doc = did_bacon.fit_did_bacon(d, spec)
    validate_result({**doc, "provenance": {"code_version": "t", "inputs": {}}})
    assert sum(doc["extra"]["did"]["weights_by_type"].values()) == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(ConfigError, match="without covariates"):
        did_bacon.fit_did_bacon(d, {**spec, "controls": ["post"]})
    _, wide, first = castle()
    fig = did_bacon.bacon_scatter(did_bacon.bacon_decomposition(wide.to_numpy(), list(wide.columns), first))
    assert len(fig.axes[0].collections) == 3
