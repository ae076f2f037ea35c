"""Linear panel estimators and covariances against plm/sandwich (fixtures from
tests/reference/panel_linear.R; the tests never run R)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clusternet.models.covariance import CovarianceSpec
from clusternet.models.linear import PanelData, fit_linear, hausman_auxiliary, hausman_classic, mundlak

FIXTURES = Path(__file__).resolve().parents[1] / "reference" / "fixtures"
REF = json.loads((FIXTURES / "panel_linear.json").read_text())
DATASETS = {
    "grunfeld": ("firm", "inv", ["value", "capital"]),
    "produc": ("state", "lgsp", ["lpcap", "lpc", "lemp", "unemp"]),
    "emplUK": ("firm", "lemp", ["lwage", "lcapital", "loutput"]),
}
PLM_MODEL = {("pooling", "individual"): "pooled", ("within", "individual"): "fe", ("within", "time"): "fe_time",
             ("within", "twoways"): "twfe", ("random", "individual"): "re", ("fd", "individual"): "fd"}
# fixture key -> our covariance options reproducing that plm call (min_clusters lowered:
# EmplUK has 9 periods and the reference is computed regardless).
COVARIANCES = {
    "unadjusted": {"type": "unadjusted"},
    "white_hc0": {"type": "robust", "small_sample": "none"},
    "white_hc1": {"type": "robust", "small_sample": "hc1"},
    "cluster_entity_hc0": {"type": "cluster", "small_sample": "none"},
    "cluster_entity_hc1": {"type": "cluster", "small_sample": "hc1"},
    "cluster_entity_sss": {"type": "cluster", "small_sample": "sss"},
    "cluster_time_sss": {"type": "cluster", "small_sample": "sss", "cluster_by": "year"},
    "twoway_hc0": {"type": "twoway", "small_sample": "none"},
    "twoway_sss": {"type": "twoway", "small_sample": "sss", "twoway_df": "each"},
    "dk_hc0": {"type": "driscoll_kraay", "small_sample": "none", "bandwidth": "plm"},
    "dk_lag2_hc0": {"type": "driscoll_kraay", "small_sample": "none", "bandwidth": 2},
    "dk_sss": {"type": "driscoll_kraay", "small_sample": "sss"},
}
TOL = 1e-6


def _data(ds: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / f"panel_linear_data_{ds}.csv")


@pytest.fixture(scope="module")
def frames():
    return {ds: _data(ds) for ds in DATASETS}


def _fit(frames, case: str, cov: dict):
    ref = REF["cases"][case]
    ds = case.split("_")[0]
    entity, y, x = DATASETS[ds]
    model = PLM_MODEL[(ref["model"], ref["effect"])]
    return fit_linear(frames[ds], y=y, x=x, model=model, entity=entity, time="year",
                      cov={**cov, "min_clusters": 2}), ref


def _rel(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))


@pytest.mark.parametrize("case", sorted(REF["cases"]))
def test_coefficients_and_fit_match_plm(frames, case):
    res, ref = _fit(frames, case, COVARIANCES["unadjusted"])
    assert res.names == ref["names"]
    assert _rel(res.params, ref["coefficients"]) < TOL
    assert res.df_resid == ref["df_resid"]
    assert _rel(res.fit["rss"], ref["rss"]) < TOL
    if not (ref["model"] == "random" and "emplUK" in case):
        # plm's r.squared for random effects on an unbalanced panel centres the
        # transformed response differently (differs in the 5th digit); balanced agree.
        assert abs(res.fit["r2"] - ref["r2"]) < TOL
        assert abs(res.fit["adj_r2"] - ref["adj_r2"]) < TOL
    assert abs(res.fit["r2_overall"] - ref["r2_overall"]) < TOL
    assert abs(res.fit["r2_between"] - ref["r2_between"]) < TOL
    if ref["model"] == "random":  # plm reports the Wald chi-square for RE
        assert _rel(res.fit["wald_chi2"], ref["f_stat"]) < TOL
        assert abs(res.extra["variance_components"]["sigma2_idiosyncratic"] - ref["sigma2_idios"]) < TOL
        assert abs(res.extra["variance_components"]["sigma2_entity"] - ref["sigma2_id"]) < TOL
    else:
        assert _rel(res.fit["f_stat"], ref["f_stat"]) < TOL
        assert [res.fit["f_df1"], res.fit["f_df2"]] == ref["f_df"]
    if ref["model"] == "within" and ref["effect"] == "individual":
        assert abs(res.fit["r2_within"] - ref["r2"]) < TOL  # Stata's within R² = plm's FE R²


@pytest.mark.parametrize("cov_key", sorted(COVARIANCES))
@pytest.mark.parametrize("case", sorted(REF["cases"]))
def test_covariance_matches_plm(frames, case, cov_key):
    res, ref = _fit(frames, case, COVARIANCES[cov_key])
    expected = np.array(ref["vcov"][cov_key])
    if case.endswith("_fd") and cov_key in ("white_hc1", "cluster_entity_hc1"):
        # plm's HC1 for FD models uses n_levels − k (before differencing) as df; we use
        # n_differenced − k (documented in docs/models.md): rescale plm's matrix by the df ratio.
        n_levels, k = len(frames[case.split("_")[0]]), len(ref["coefficients"])
        expected = expected * (n_levels - k) / (ref["nobs"] - k)
    assert np.max(np.abs(res.vcov - expected)) <= TOL * max(1.0, np.max(np.abs(expected)))
    assert _rel(np.diag(res.vcov), np.diag(expected)) < TOL


@pytest.mark.parametrize("case", sorted(REF["cases"]))
def test_cluster_wald_f_matches_pwaldtest(frames, case):
    res, ref = _fit(frames, case, COVARIANCES["cluster_entity_sss"])
    w = ref["wald_cluster_entity_sss"]
    assert _rel(res.fit["f_stat"], w["statistic"]) < TOL
    assert [res.fit["f_df1"], res.fit["f_df2"]] == w["df"]
    assert abs(res.fit["f_pvalue"] - w["p_value"]) < TOL


@pytest.mark.parametrize("ds", sorted(DATASETS))
def test_hausman_and_mundlak_match_plm(frames, ds):
    entity, y, x = DATASETS[ds]
    panel = PanelData.from_frame(frames[ds], y=y, x=x, entity=entity, time="year")
    ref = REF["hausman"][ds]
    h = hausman_classic(panel)
    assert _rel(h["statistic"], ref["classic"]["statistic"]) < TOL and h["df"] == ref["classic"]["df"]
    assert abs(h["p_value"] - ref["classic"]["p_value"]) < TOL
    for key, cov in [("aux_cluster_hc0", {"type": "cluster", "small_sample": "none"}),
                     ("aux_cluster_sss", {"type": "cluster", "small_sample": "sss"}),
                     ("aux_unadjusted", {"type": "unadjusted"})]:
        a = hausman_auxiliary(panel, CovarianceSpec.from_dict(cov))
        assert _rel(a["statistic"], ref[key]["statistic"]) < TOL, key
    m = mundlak(panel, CovarianceSpec.from_dict({"type": "cluster", "small_sample": "sss"}))
    # sandwich::vcovCL(type = "HC1") = G/(G−1)·(n−1)/(n−k), our "sss"
    assert _rel(m["statistic"], ref["mundlak"]["wald_chi2"]) < TOL
    assert m["df"] == ref["mundlak"]["df"]
