"""Stage helpers: per-year scores and Malmquist pairs on a region-year frame with gaps."""
import numpy as np
import pandas as pd

from clusternet.efficiency import dea
from clusternet.efficiency.stage import malmquist_pairs, scores_by_year


def _frame(seed=0, n=12, years=(2011, 2012, 2013)):
    rng = np.random.default_rng(seed)
    rows = [{"region_code": 100 + i, "year": y, "k": rng.uniform(1, 5), "l": rng.uniform(1, 5),
             "p": rng.uniform(1, 5)} for y in years for i in range(n)]
    return pd.DataFrame(rows)


def test_balanced_frame_matches_array_malmquist():
    df = _frame()
    X = np.stack([g[["k", "l"]].to_numpy() for _, g in df.groupby("year")])
    Y = np.stack([g[["p"]].to_numpy() for _, g in df.groupby("year")])
    for frontier in ("contemporaneous", "global"):
        ref = dea.malmquist(X, Y, frontier=frontier)
        got = malmquist_pairs(df, ["k", "l"], ["p"], frontier).sort_values(["year", "region_code"])
        np.testing.assert_allclose(got["malmquist"].to_numpy(), ref.malmquist.ravel(), atol=1e-9)
        np.testing.assert_allclose(got["efficiency_change"].to_numpy(), ref.efficiency_change.ravel(), atol=1e-9)


def test_missing_region_year_left_out_of_that_frontier():
    df = _frame()
    df.loc[(df.region_code == 100) & (df.year == 2012), "p"] = np.nan
    s = scores_by_year(df, ["k", "l"], ["p"])
    assert not ((s.region_code == 100) & (s.year == 2012)).any()
    y12 = df[(df.year == 2012) & (df.region_code != 100)]
    np.testing.assert_allclose(s[s.year == 2012]["eff_ccr_input"].to_numpy(),
                               dea.ccr(y12[["k", "l"]].to_numpy(), y12[["p"]].to_numpy()), atol=1e-12)
    m = malmquist_pairs(df, ["k", "l"], ["p"], "contemporaneous")
    assert not ((m.region_code == 100) & m.year.isin([2012, 2013])).any()
    assert len(m) == 2 * 11
