"""The declared data-generating process of the simulated prefecture project (issue 17; docs/simulate.md).

Every raw variable of the default items is generated for every region and year, so the simulated
panel goes through the same panel stage (deflation, derived variables, plausibility) and every
default specification finds its variables. The variables the registered specifications use are
generated from structural equations with known parameters (``Parameters``); the others from a
generic size-and-growth model. Regressors of interest are mutually independent given the fixed
effects (each its own region effect, region trend and AR(1) shock), so a specification that leaves
some of them out still targets its own coefficient. Mechanisms (true values in ``truth``):

* digital-index effects: ``ln_patent_grant_invention`` and the observed technology-market flows
  (``ln_techmkt_seller_value_real``, ``ln_techmkt_buyer_value_real``) depend linearly on
  ``dig_finance_index`` (two-way FE);
* M2/M3/M4 regressors: S&T budget share, government and enterprise R&D shares, own and
  neighbours' enterprise R&D (SLX), high-tech firm numbers, each with its own coefficient; the
  neighbours' digital finance has a true coefficient of 0 (a true null);
* spatial Durbin: ``ln_patent_app = rho W y + beta x + theta W x + ...`` (queen weights of the
  region level, islands linked to the nearest region by boundary gap);
* threshold: ``ln_rd_fte`` has slope ``kappa_low`` on ``dig_finance_index`` up to ``gamma`` and
  ``kappa_high`` above it (Hansen 1999 single threshold);
* staggered adoption: cohorts adopt the pilot zone in declared years; the effect on
  ``ln_techmkt_seller_value_real`` is ``tau_g + lambda * e`` at event time ``e >= 0`` (heterogeneous
  by cohort, growing with exposure); the target of a static DID is the mean over treated
  post-adoption cells;
* mediation: ``dig_integration_index -> college_per_10k -> ln_techmkt_buyer_value_real`` with
  paths ``a``, ``b`` and direct effect ``c'`` (indirect = a b);
* flows: technology-market flows between regions from a doubly constrained spatial-interaction
  model, ``F_ij = A_i B_j O_i D_j exp(-d_ij / decay_km)`` with the outflows ``O`` and inflows ``D``
  of the panel and great-circle distances (written to ``flows.parquet``; the pipeline's network
  stage builds its own network from the margins and distance and does not read it).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

CONTROLS = ("ln_gdp_per_capita", "urbanisation", "gov_intervention", "trade_openness")


@dataclass(frozen=True)
class Parameters:
    """The true parameters (defaults = config/simulated/dgp.yaml)."""

    first_year: int = 2009
    last_year: int = 2023
    # digital-index effects (per index point of dig_finance_index)
    beta_invention_dig: float = 0.004
    beta_seller_dig: float = 0.003
    beta_buyer_dig: float = 0.003
    # M2/M3/M4
    beta_st_share: float = 5.0
    beta_gov_rd_share: float = 1.0
    beta_ent_rd_share: float = 1.0
    beta_hitech_firms: float = 0.3
    beta_ent_rd: float = 0.25
    theta_ent_rd: float = 0.15
    theta_dig: float = 0.0
    # controls (same in every outcome equation)
    controls: dict = field(default_factory=lambda: {"ln_gdp_per_capita": 0.5, "urbanisation": 1.0,
                                                    "gov_intervention": -0.5, "trade_openness": 0.3})
    # spatial Durbin on ln_patent_app
    rho: float = 0.3
    beta_sdm: float = 0.004
    theta_sdm: float = 0.002
    # threshold on ln_rd_fte
    gamma: float = 150.0
    kappa_low: float = 0.002
    kappa_high: float = 0.006
    # staggered adoption
    cohorts: dict = field(default_factory=lambda: {2013: 0.10, 2015: 0.15, 2017: 0.20, 2019: 0.25})
    treated_share: float = 0.25
    dynamic_slope: float = 0.02
    # mediation
    a_path: float = 1.5
    b_path: float = 0.01
    direct: float = 0.01
    # flows
    decay_km: float = 300.0
    # noise (sd of the idiosyncratic shock of each outcome)
    sd_outcome: float = 0.15

    def to_dict(self) -> dict:
        d = asdict(self)
        d["cohorts"] = {str(k): v for k, v in self.cohorts.items()}
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Parameters:
        d = dict(d)
        if "cohorts" in d:
            d["cohorts"] = {int(k): float(v) for k, v in d["cohorts"].items()}
        return cls(**d)


def _ar1(rng, n: int, T: int, sd: float, phi: float = 0.5) -> np.ndarray:
    e = rng.normal(0.0, sd, (n, T))
    out = np.empty((n, T))
    out[:, 0] = e[:, 0] / np.sqrt(1 - phi**2)
    for t in range(1, T):
        out[:, t] = phi * out[:, t - 1] + e[:, t]
    return out


def _regressor(rng, n, T, level, fe_sd, trend, trend_sd, shock_sd):
    """level + region effect + (common + region) trend + AR(1) shock, n x T."""
    tau = np.arange(T)[None, :]
    return (level + rng.normal(0, fe_sd, (n, 1)) + (trend + rng.normal(0, trend_sd, (n, 1))) * tau
            + _ar1(rng, n, T, shock_sd))


def _logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


def adoption_years(rng, codes: list[int], p: Parameters) -> dict[int, int]:
    """Cohort of each treated region (the others never adopt)."""
    n_treated = int(round(p.treated_share * len(codes)))
    treated = sorted(rng.choice(np.array(codes), size=n_treated, replace=False).tolist())
    cohorts = sorted(p.cohorts)
    return {int(c): int(cohorts[k % len(cohorts)]) for k, c in enumerate(rng.permutation(treated).tolist())}


def sdm_solve(W: np.ndarray, rho: float, rhs: np.ndarray) -> np.ndarray:
    """y_t = (I - rho W)^{-1} rhs_t for every column t of rhs (n x T)."""
    n = W.shape[0]
    return np.linalg.solve(np.eye(n) - rho * W, rhs)


def sdm_effects(W: np.ndarray, rho: float, beta: float, theta: float) -> dict:
    """LeSage-Pace average direct, indirect and total effects of the SDM, by their definition."""
    n = W.shape[0]
    S = np.linalg.solve(np.eye(n) - rho * W, beta * np.eye(n) + theta * W)
    direct = float(np.trace(S) / n)
    total = float(S.sum() / n)
    return {"direct": direct, "indirect": total - direct, "total": total}


def simulate_core(rng, codes: list[int], W: np.ndarray, p: Parameters) -> tuple[dict, dict]:
    """The structural variables (n x T arrays keyed by panel-variable name) and the adoption years.

    Everything the registered estimands use, in the units of the codebook: the derived
    variables (logs, ratios, real values) as the panel stage will compute them from the raw
    variables that :func:`raw_variables` backs out."""
    n, T = len(codes), p.last_year - p.first_year + 1
    years = np.arange(p.first_year, p.last_year + 1)
    size = rng.normal(0.0, 0.8, (n, 1))
    v: dict[str, np.ndarray] = {}
    # prices and scale
    v["cpi"] = 102.0 + rng.normal(0, 0.5, (n, T))
    v["gdp_index"] = 107.0 + rng.normal(0, 1.0, (n, T))
    v["population"] = np.exp(np.log(450.0) + 0.6 * size + 0.005 * np.arange(T) + _ar1(rng, n, T, 0.005))
    v["land_area"] = np.repeat(np.exp(np.log(1.5) + rng.normal(0, 0.5, (n, 1))), T, axis=1)
    # controls
    v["ln_gdp_per_capita"] = 10.3 + 0.3 * size + _regressor(rng, n, T, 0.0, 0.2, 0.06, 0.01, 0.03)
    v["urbanisation"] = _logistic(0.3 + 0.3 * size + _regressor(rng, n, T, 0.0, 0.3, 0.04, 0.01, 0.03))
    v["gov_intervention"] = np.exp(np.log(0.2) + _regressor(rng, n, T, 0.0, 0.3, 0.0, 0.01, 0.04))
    v["trade_openness"] = np.exp(np.log(0.15) + _regressor(rng, n, T, 0.0, 0.6, 0.0, 0.01, 0.05))
    # regressors of interest, independent of each other given the effects
    v["dig_finance_index"] = np.clip(_regressor(rng, n, T, 60.0, 10.0, 18.0, 2.0, 5.0), 15.0, None)
    v["ln_rd_funds_ent_real"] = np.log(10.0) + 1.0 * size + _regressor(rng, n, T, 0.0, 0.2, 0.08, 0.02, 0.15)
    v["st_spending_share"] = np.exp(np.log(0.02) + _regressor(rng, n, T, 0.0, 0.3, 0.0, 0.005, 0.1))
    v["gov_rd_share"] = 0.05 + 0.15 * _logistic(_regressor(rng, n, T, 0.0, 0.5, 0.0, 0.02, 0.3))
    v["ent_rd_share"] = 0.55 + 0.25 * _logistic(_regressor(rng, n, T, 0.0, 0.5, 0.0, 0.02, 0.3))
    v["ln_hitech_ind_firms"] = np.log(50.0) + 0.8 * size + _regressor(rng, n, T, 0.0, 0.2, 0.05, 0.01, 0.15)
    v["dig_integration_index"] = np.clip(_regressor(rng, n, T, 20.0, 5.0, 3.0, 0.5, 3.0), 2.0, None)
    def centred(x):  # regressor terms enter around their mean, so every outcome keeps its intended level
        return x - x.mean()

    controls = centred(sum(p.controls[c] * v[c] for c in CONTROLS))
    year_effect = rng.normal(0, 0.05, (1, T)) + 0.05 * np.arange(T)[None, :]

    def shock():
        return rng.normal(0, p.sd_outcome, (n, T))

    WR = W @ v["ln_rd_funds_ent_real"]
    WD = W @ v["dig_finance_index"]
    v["ln_patent_grant_invention"] = (np.log(300.0) + size + year_effect
                                      + centred(p.beta_invention_dig * v["dig_finance_index"] + p.theta_dig * WD
                                                + p.beta_ent_rd * v["ln_rd_funds_ent_real"] + p.theta_ent_rd * WR)
                                      + controls + shock())
    adopt = adoption_years(rng, codes, p)
    did = np.zeros((n, T))
    for i, c in enumerate(codes):
        if c in adopt:
            g = adopt[c]
            e = years - g
            did[i] = np.where(e >= 0, p.cohorts[g] + p.dynamic_slope * np.maximum(e, 0), 0.0)
    v["pilot_effect"] = did
    v["ln_techmkt_seller_value_real"] = (np.log(5.0) + size + year_effect
                                         + centred(p.beta_seller_dig * v["dig_finance_index"]
                                                   + p.beta_st_share * v["st_spending_share"]
                                                   + p.beta_gov_rd_share * v["gov_rd_share"]
                                                   + p.beta_ent_rd_share * v["ent_rd_share"]
                                                   + p.beta_hitech_firms * v["ln_hitech_ind_firms"])
                                         + did + controls + shock())
    v["college_per_10k"] = (150.0 + rng.normal(0, 20, (n, 1)) + p.a_path * v["dig_integration_index"]
                            + _ar1(rng, n, T, 5.0))
    v["ln_techmkt_buyer_value_real"] = (np.log(5.0) + size + year_effect
                                        + centred(p.beta_buyer_dig * v["dig_finance_index"]
                                                  + p.direct * v["dig_integration_index"]
                                                  + p.b_path * v["college_per_10k"])
                                        + controls + shock())
    # (1 - rho) log 2000: with row-standardised W the solution's level is log 2000
    rhs = ((1 - p.rho) * np.log(2000.0) + size + year_effect
           + centred(p.beta_sdm * v["dig_finance_index"] + p.theta_sdm * WD) + controls + shock())
    v["ln_patent_app"] = sdm_solve(W, p.rho, rhs)
    D = v["dig_finance_index"]
    v["ln_rd_fte"] = (np.log(5000.0) + size + centred(np.where(p.gamma >= D, p.kappa_low, p.kappa_high) * D)
                      + rng.normal(0, 0.1, (n, T)))
    v["_size"] = size
    v["_codes"] = np.array(codes, dtype="int64")
    return v, adopt


def flows(O: np.ndarray, D: np.ndarray, dist_km: np.ndarray, decay_km: float, iterations: int = 200) -> np.ndarray:
    """Doubly constrained spatial-interaction flows (Furness balancing): row sums O, column sums D
    (D rescaled to O's total), F_ii = 0."""
    f = np.exp(-dist_km / decay_km)
    np.fill_diagonal(f, 0.0)
    Dn = D * O.sum() / D.sum()
    b = np.ones(len(D))
    for _ in range(iterations):
        a = 1.0 / (f @ (b * Dn))
        b = 1.0 / (f.T @ (a * O))
    return (a * O)[:, None] * f * (b * Dn)[None, :]


def truth(p: Parameters, W: np.ndarray, v: dict, adopt: dict, sample_years: tuple[int, int]) -> dict:
    """True value of every estimand the simulated project registers (specification -> coefficient -> value)."""
    years = np.arange(p.first_year, p.last_year + 1)
    in_sample = (years >= sample_years[0]) & (years <= sample_years[1])
    eff = v["pilot_effect"][:, in_sample]
    cohort = np.array([adopt.get(int(c), 0) for c in v["_codes"]], dtype=float)[:, None]
    post = (cohort > 0) & (years[in_sample][None, :] >= cohort)  # treated cells of the sample
    att = float(eff[post].mean()) if post.any() else 0.0
    # heterogeneity-robust estimators (Callaway-Sant'Anna simple ATT, BJS imputation) leave out the
    # cohorts treated in the first sample year (no untreated period): the mean over the other
    # cohorts' treated cells of the sample
    keep = post & (cohort > sample_years[0])
    att_robust = float(eff[keep].mean()) if keep.any() else 0.0
    sdm = sdm_effects(W, p.rho, p.beta_sdm, p.theta_sdm)
    null_att = {"att": 0.0}  # no pilot-zone effect on invention patents in the DGP
    return {
        "baseline_twfe": {"dig_finance_index": p.beta_invention_dig},
        "baseline_twfe_dk": {"dig_finance_index": p.beta_invention_dig},
        "baseline_re": {"dig_finance_index": p.beta_invention_dig},
        "h_m1_sharing_slx": {"W_dig_finance_index": p.theta_dig},
        "h_m2_st_share": {"st_spending_share": p.beta_st_share},
        "h_m2_gov_rd": {"gov_rd_share": p.beta_gov_rd_share},
        "h_m2_pilot_did": {"pilot_zone": att},
        "h_m2_pilot_cs_flow": {"att": att_robust},
        "h_m2_pilot_bjs_flow": {"att": att_robust},
        "h_m2_pilot_cs": null_att, "h_m2_pilot_cs_dr": null_att, "h_m2_pilot_cs_dr_cov": null_att,
        "h_m2_pilot_bjs": null_att,
        # policies the DGP gives no effect (docs/simulate.md)
        "h_m2_dez_did": {"dez_zone": 0.0}, "h_m2_dez_cs": {"att": 0.0}, "h_m2_broadband": {"broadband_share": 0.0},
        "h_m3_own_ent_rd": {"ln_rd_funds_ent_real": p.beta_ent_rd, "W_ln_rd_funds_ent_real": p.theta_ent_rd},
        "h_m3_own_ent_rd_flow": {"ln_rd_funds_ent_real": 0.0},
        "h_m4_hitech_firms": {"ln_hitech_ind_firms": p.beta_hitech_firms},
        "h_m4_ent_share": {"ent_rd_share": p.beta_ent_rd_share},
        "h_m5_threshold": {"gamma": p.gamma, "dig_finance_index[regime1]": p.kappa_low,
                           "dig_finance_index[regime2]": p.kappa_high},
        "sdm_invention_queen": {"rho": p.rho, "dig_finance_index": p.beta_sdm,
                                "W*dig_finance_index": p.theta_sdm, "direct": sdm["direct"],
                                "indirect": sdm["indirect"], "total": sdm["total"]},
        "sim_mediation": {"indirect_effect": p.a_path * p.b_path, "direct_effect": p.direct,
                          "total_effect": p.direct + p.a_path * p.b_path, "a_path": p.a_path, "b_path": p.b_path},
        "_att_by_cohort_and_event_time": {
            f"{g}": {str(e): tau + p.dynamic_slope * e for e in range(0, p.last_year - g + 1)}
            for g, tau in sorted(p.cohorts.items())},
    }


def frame_of(codes: list[int], years: np.ndarray, v: dict, names: list[str]) -> pd.DataFrame:
    """region_code, year and the named n x T arrays as columns (region-major order)."""
    n, T = len(codes), len(years)
    out = pd.DataFrame({"region_code": np.repeat(np.array(codes, dtype="int64"), T),
                        "year": np.tile(years.astype("int64"), n)})
    for name in names:
        out[name] = np.asarray(v[name], dtype="float64").reshape(-1)
    return out
