"""IV/2SLS with fixed effects against plm's within IV and diagnostics computed in R from
their definitions (tests/reference/panel_linear.R -> fixtures/panel_linear_iv.json)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clusternet.errors import ConfigError, EstimationError
from clusternet.models.iv import AndersonRubin, fit_iv
from clusternet import estimators

FIXTURES = Path(__file__).resolve().parents[1] / "reference" / "fixtures"
ALL = json.loads((FIXTURES / "panel_linear_iv.json").read_text())["cases"]
REF = {k: v for k, v in ALL.items() if "coefficients" in v}  # one endogenous regressor, plm fits
X = ["lpcap", "lpc", "lemp", "unemp"]
COVS = {
    "unadjusted": {"type": "unadjusted"},
    "cluster_entity_hc0": {"type": "cluster", "small_sample": "none"},
    "cluster_entity_sss": {"type": "cluster", "small_sample": "sss"},
    "white_hc0": {"type": "robust", "small_sample": "none"},
}
TOL = 1e-6


@pytest.fixture(scope="module")
def produc():
    return pd.read_csv(FIXTURES / "panel_linear_data_produc.csv")


def _instruments(case):
    ins = REF[case]["instruments"]
    return [ins] if isinstance(ins, str) else list(ins)


def _fit(produc, case, cov):
    return fit_iv(produc, y="lgsp", x=X, endogenous=["lpcap"], instruments=_instruments(case),
                  entity="state", cov=cov, ar_grid=101)


def _tests(res):
    return {t["name"]: t for t in res.tests}


@pytest.mark.parametrize("cov_key", sorted(COVS))
@pytest.mark.parametrize("case", sorted(REF))
def test_2sls_coefficients_and_covariance_match_plm(produc, case, cov_key):
    res = _fit(produc, case, COVS[cov_key])
    ref = REF[case]
    assert res.names == ref["names"]
    assert np.max(np.abs(res.params - ref["coefficients"])) < TOL
    expected = np.array(ref["vcov"][cov_key])
    assert np.max(np.abs(res.vcov - expected) / np.abs(expected)) < TOL
    assert res.df_resid == ref["df_resid"]


@pytest.mark.parametrize("case", sorted(REF))
def test_first_stage_and_weak_instrument_statistics(produc, case):
    ref = REF[case]
    L2 = len(_instruments(case))
    unadj = _tests(_fit(produc, case, COVS["unadjusted"]))
    assert abs(unadj["first_stage_f:lpcap"]["statistic"] / ref["first_stage_f_unadjusted"] - 1) < TOL
    # one endogenous regressor: Cragg–Donald F is the non-robust first-stage F
    assert abs(unadj["cragg_donald_f"]["statistic"] / ref["first_stage_f_unadjusted"] - 1) < TOL
    sss = _tests(_fit(produc, case, COVS["cluster_entity_sss"]))
    assert abs(sss["first_stage_f:lpcap"]["statistic"] / ref["first_stage_f_cluster_sss"] - 1) < TOL
    assert sss["first_stage_f:lpcap"]["df"] == [L2, 47]
    hc0 = _tests(_fit(produc, case, COVS["cluster_entity_hc0"]))
    assert abs(hc0["kleibergen_paap_rk_wald_f"]["statistic"] * L2 / ref["first_stage_wald_cluster_hc0"] - 1) < TOL


def test_overidentification_tests(produc):
    case = "produc_fe_iv_lhwy_lwater"
    ref = REF[case]
    hansen = _tests(_fit(produc, case, COVS["cluster_entity_sss"]))["hansen_j"]
    assert abs(hansen["statistic"] / ref["hansen_j_cluster"] - 1) < TOL and hansen["df"] == ref["overid_df"]
    sargan = _tests(_fit(produc, case, COVS["unadjusted"]))["sargan"]
    assert abs(sargan["statistic"] / ref["sargan"] - 1) < TOL
    # exactly identified: no over-identification test
    assert "hansen_j" not in _tests(_fit(produc, "produc_fe_iv_lhwy", COVS["cluster_entity_sss"]))


@pytest.mark.parametrize("case", sorted(REF))
def test_anderson_rubin_statistics_and_interval(produc, case):
    ref = REF[case]
    res = _fit(produc, case, COVS["cluster_entity_sss"])
    # rebuild the AR object through a public fit at each beta0 via the reported test at 0
    ar_at_zero = _tests(res)["anderson_rubin"]["statistic"]
    assert abs(ar_at_zero / ref["ar_f_cluster_sss"][ref["ar_b0"].index(0)] - 1) < TOL
    if "ar_interval_cluster_sss" in ref:
        (lo, hi), = res.extra["anderson_rubin"]["intervals"]
        assert abs(lo - ref["ar_interval_cluster_sss"][0]) < TOL
        assert abs(hi - ref["ar_interval_cluster_sss"][1]) < TOL


def test_anderson_rubin_at_several_values(produc):
    from clusternet.models.covariance import CovarianceSpec
    from clusternet.models.linear import PanelData, within_transform

    case = "produc_fe_iv_lhwy_lwater"
    ref = REF[case]
    panel = PanelData.from_frame(produc, y="lgsp", x=[*X, "lhwy", "lwater"], entity="state", time="year")
    t = within_transform(panel, "fe", np.column_stack([panel.y, panel.X]))
    Z = t[:, [2, 3, 4, 5, 6]]
    ar = AndersonRubin(t[:, 0], t[:, 1], Z, [3, 4], CovarianceSpec.from_dict({"type": "cluster"}), panel,
                       panel.nobs - 48 - 5)
    for b0, expected in zip(ref["ar_b0"], ref["ar_f_cluster_sss"]):
        assert abs(ar.f_stat(b0)[0] / expected - 1) < TOL


def test_iv_errors(produc):
    with pytest.raises(EstimationError, match="under-identified"):
        fit_iv(produc, y="lgsp", x=X, endogenous=["lpcap", "lpc"], instruments=["lhwy"], entity="state", cov="unadjusted")
    with pytest.raises(ConfigError, match="must also be listed"):
        fit_iv(produc, y="lgsp", x=X, endogenous=["lwater"], instruments=["lhwy"], entity="state", cov="unadjusted")
    with pytest.raises(ConfigError, match="must not enter"):
        fit_iv(produc, y="lgsp", x=X, endogenous=["lpcap"], instruments=["lpc"], entity="state", cov="unadjusted")
    spec = {"name": "s", "model": "iv", "y": "lgsp", "x": X, "entity": "state", "options": {"instruments": ["lhwy"]}}
    with pytest.raises(ConfigError, match="options.endogenous"):
        estimators.get("iv")(produc, spec)


def test_iv_document_through_registry(produc):
    spec = {"name": "iv1", "model": "iv", "y": "lgsp", "x": ["lpcap"], "controls": ["lpc", "lemp", "unemp"],
            "entity": "state", "cov": {"type": "cluster"},
            "options": {"endogenous": ["lpcap"], "instruments": ["lhwy", "lwater"], "ar_grid": 51}}
    doc = estimators.get("iv")(produc, spec)
    assert doc["model"] == "panel.iv"
    assert [r["name"] for r in doc["coefficients"]] == X
    assert abs(doc["coefficients"][0]["estimate"] - REF["produc_fe_iv_lhwy_lwater"]["coefficients"][0]) < TOL
    names = {t["name"] for t in doc["tests"]}
    assert {"first_stage_f:lpcap", "cragg_donald_f", "kleibergen_paap_rk_wald_f", "hansen_j", "anderson_rubin"} <= names


def test_pooled_iv_matches_linearmodels(produc):
    """No effects (intercept added): against linearmodels' IV2SLS, an independent implementation
    (debiased=True: σ² = u'u/(n − k), as our unadjusted covariance)."""
    from linearmodels.iv import IV2SLS

    res = fit_iv(produc, y="lgsp", x=X, endogenous=["lpcap"], instruments=["lhwy", "lwater"],
                 effects="none", entity="state", cov="unadjusted", ar_grid=51)
    d = produc.assign(const=1.0)
    ref = IV2SLS(d["lgsp"], d[["const", "lpc", "lemp", "unemp"]], d[["lpcap"]], d[["lhwy", "lwater"]]).fit(
        cov_type="unadjusted", debiased=True)
    order = ["const", *X]
    assert res.names == ["(Intercept)", *X]
    assert np.max(np.abs(res.params - ref.params[order].to_numpy())) < 1e-9
    assert np.max(np.abs(res.vcov - ref.cov.loc[order, order].to_numpy())) < 1e-10
    sargan = _tests(res)["sargan"]
    assert abs(sargan["statistic"] - ref.sargan.stat) < TOL


@pytest.mark.parametrize("cov", [{"type": "unadjusted"}, {"type": "cluster"}, {"type": "robust"}])
def test_two_endogenous_cragg_donald_and_kleibergen_paap(produc, cov):
    ref = ALL["produc_fe_iv_two_endogenous"]
    d = produc.assign(lhwy_sq=produc["lhwy"] ** 2)
    res = fit_iv(d, y="lgsp", x=["lpcap", "lemp", "lpc", "unemp"], endogenous=ref["endogenous"],
                 instruments=ref["instruments"], entity="state", cov=cov, ar_grid=11)
    t = _tests(res)
    assert abs(t["cragg_donald_f"]["statistic"] / ref["cragg_donald_f"] - 1) < TOL
    kp = t["kleibergen_paap_rk_wald_f"]["statistic"]
    if cov["type"] == "unadjusted":  # KP with the homoskedastic covariance is Cragg–Donald
        assert abs(kp / ref["cragg_donald_f"] - 1) < TOL
    else:
        assert np.isfinite(kp) and kp > 0
    assert "anderson_rubin" not in t  # AR is for one endogenous regressor
    assert "hansen_j" in t or "sargan" in t  # L2 = 3 > K2 = 2


def test_kleibergen_paap_invariant_to_ordering(produc):
    # rk(K2 − 1) is invariant to nonsingular transformations of the endogenous regressors and of
    # the instruments, so reordering either must not change it (catches vec/Kronecker order slips)
    d = produc.assign(lhwy_sq=produc["lhwy"] ** 2)

    def kp(endog, instruments):
        res = fit_iv(d, y="lgsp", x=["lpcap", "lemp", "lpc", "unemp"], endogenous=endog, instruments=instruments,
                     entity="state", cov={"type": "cluster"}, ar_grid=11)
        return _tests(res)["kleibergen_paap_rk_wald_f"]["statistic"]

    base = kp(["lpcap", "lemp"], ["lhwy", "lwater", "lhwy_sq"])
    assert abs(kp(["lemp", "lpcap"], ["lhwy", "lwater", "lhwy_sq"]) / base - 1) < 1e-8
    assert abs(kp(["lpcap", "lemp"], ["lhwy_sq", "lhwy", "lwater"]) / base - 1) < 1e-8
