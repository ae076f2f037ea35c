"""Instrumental variables (2SLS) for panels with fixed effects, and weak-instrument /
over-identification diagnostics.

Model ``y = X₂β₂ + X₁β₁ + effects + u`` with endogenous X₂ (K₂ columns), exogenous X₁ and
excluded instruments Z₂ (L₂ ≥ K₂ columns); instruments Z = [X₁, Z₂] (L columns). All
variables are first within-transformed for the chosen effects (``none`` adds an intercept to
X and Z) — plm's ``plm(y ~ x | z, model = "within")``.

- 2SLS: ``X̂ = P_Z X``, ``β̂ = (X̂'X)^{-1} X̂'y``, residuals ``u = y − Xβ̂``. Covariances are the
  sandwiches of ``clusternet.models.covariance`` with X̂ in place of X (as plm's ``vcovHC``
  on IV models); ``df_resid = n − absorbed effects − K``.
- First-stage F (per endogenous regressor): Wald test that the excluded instruments' coefficients
  are zero in the (transformed) regression of X₂ⱼ on Z, with the specification's covariance,
  divided by L₂; F(L₂, df2), df2 = G − 1 when clustered, else n − absorbed − L.
- Cragg–Donald F (Cragg & Donald 1993; Stock & Yogo 2005): with X₁ partialled out,
  ``mineig[(X₂'M_Z X₂)^{-1} X₂'P_{Z₂}X₂] · (n − absorbed − L)/L₂`` (non-robust).
- Kleibergen–Paap rk Wald F (Kleibergen & Paap 2006): the rk statistic of H0 rank(Π) = K₂ − 1
  (:func:`kleibergen_paap_rk`) divided by L₂, with the specification's covariance and its
  small-sample factor. With one endogenous regressor it equals the robust first-stage F; with
  ``cov.type: unadjusted`` it equals the Cragg–Donald F. ivreg2 rescales by (N−L)/N (and
  (G−1)/G when clustered) on an HC0 meat; set ``cov.small_sample: none`` for the same meat.
- Hansen J (Hansen 1982), L₂ > K₂: with S the covariance meat of Z'u (the specification's
  clustering, no small-sample factor) from 2SLS residuals, the two-step efficient GMM estimate
  ``β̃ = (X'Z S^{-1} Z'X)^{-1} X'Z S^{-1} Z'y`` and ``J = (Z'ũ)' S^{-1} (Z'ũ)`` ~ χ²(L₂ − K₂)
  (ivreg2's J). With ``cov.type: unadjusted`` this is Sargan's ``n·u'P_Z u / u'u``.
- Anderson–Rubin (Anderson & Rubin 1949), K₂ = 1: for β₀, the Wald F of Z₂ in the regression
  of ``y − X₂β₀`` on Z with the specification's covariance; the test of β₂ = 0 is reported
  and the (1 − α) confidence set {β₀ : p(β₀) > α} is found by scanning ``ar_grid`` points over
  β̂ ± 50·se and refining each crossing with Brent's method (intervals; ``null`` ends are
  unbounded). Robust to weak instruments.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from clusternet.errors import ConfigError, EstimationError
from clusternet.models.covariance import CovarianceSpec, sandwich_covariance, score_meat
from clusternet.models.linear import (INTERCEPT, PanelData, build_panel_data, check_rank,
                                      within_transform)
from clusternet.models.inference import chi2_test
from clusternet.models.specs import as_spec, checked_options
from clusternet.results import coefficient_table, make_result

EFFECTS = {"none": None, "entity": "fe", "time": "fe_time", "twoways": "twfe"}
OPTION_KEYS = {"endogenous", "instruments", "effects", "missing", "t_df", "ar_grid"}
AR_SPAN = 50.0  # half-width of the Anderson–Rubin scan in 2SLS standard errors


@dataclass
class IVResult:
    names: list[str]
    params: np.ndarray
    vcov: np.ndarray
    cov: CovarianceSpec
    cov_info: dict
    nobs: int
    n_entities: int
    n_periods: int
    df_resid: int
    t_df: int
    effects: str
    fit: dict
    tests: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def to_document(self, spec: dict, dependent: str, ci_level: float = 0.95) -> dict:
        cov_doc = self.cov.document(self.cov_info)
        return make_result(
            model="panel.iv", label=str(spec.get("label", spec.get("name", ""))), dependent=dependent,
            coefficients=coefficient_table(self.names, self.params, np.sqrt(np.diag(self.vcov)),
                                           df_resid=self.t_df, ci_level=ci_level),
            covariance=cov_doc, vcov={"names": self.names, "matrix": self.vcov}, nobs=self.nobs,
            n_entities=self.n_entities, n_periods=self.n_periods,
            effects={"entity": self.effects in ("entity", "twoways"), "time": self.effects in ("time", "twoways")},
            fit=self.fit, tests=self.tests, extra=self.extra, spec=spec,
            provenance={"code_version": "", "inputs": {}}, ci_level=ci_level,
        )


def _absorbed(panel: PanelData, effects: str) -> int:
    return {"none": 0, "entity": panel.n_entities, "time": panel.n_periods,
            "twoways": panel.n_entities + panel.n_periods - 1}[effects]


def _wald_excluded(Z, target, cov, panel, df_resid, idx) -> tuple[float, dict]:
    coef, *_ = np.linalg.lstsq(Z, target, rcond=None)
    resid = target - Z @ coef
    V, info = sandwich_covariance(Z, resid, cov, df_resid=df_resid, entity=panel.entity, time=panel.time,
                                  cluster=panel.cluster)
    b = coef[idx]
    return float(b @ np.linalg.solve(V[np.ix_(idx, idx)], b)), {"coef": coef, "vcov": V, "info": info}


def _df2(cov: CovarianceSpec, info: dict, df_resid: int) -> int:
    g: Any = info.get("n_clusters")
    if cov.type == "cluster":
        return g - 1
    if cov.type == "twoway":
        return min(g.values()) - 1
    return df_resid


def fit_iv(
    data: pd.DataFrame | PanelData,
    *,
    y: str,
    x: list[str],
    endogenous: list[str],
    instruments: list[str],
    effects: str = "entity",
    entity: str = "region_code",
    time: str = "year",
    cov: CovarianceSpec | dict | str | None = None,
    missing: str = "error",
    t_df: str = "cluster",
    ar_grid: int = 401,
    ci_level: float = 0.95,
    source: str = "data",
) -> IVResult:
    """2SLS with fixed effects and diagnostics (module docstring). ``x`` lists every regressor
    (exogenous and endogenous); ``endogenous`` ⊆ x; ``instruments`` are the excluded ones."""
    if effects not in EFFECTS:
        raise ConfigError(f"options.effects: {effects!r} is not one of {list(EFFECTS)}")
    x = list(x)
    endogenous, instruments = list(endogenous), list(instruments)
    if not endogenous:
        raise ConfigError(f"{source}: options.endogenous is empty; name the endogenous regressor(s)")
    stray = [v for v in endogenous if v not in x]
    if stray:
        raise ConfigError(f"{source}: endogenous {stray} must also be listed among the regressors x/controls")
    clash = [v for v in instruments if v in x or v == y]
    if clash:
        raise ConfigError(f"{source}: instrument(s) {clash} are also regressors or the outcome; "
                          "excluded instruments must not enter the equation")
    if len(instruments) < len(endogenous):
        raise EstimationError(f"{source}: under-identified: {len(instruments)} excluded instrument(s) for "
                              f"{len(endogenous)} endogenous regressor(s); add instruments")
    cov = cov if isinstance(cov, CovarianceSpec) else CovarianceSpec.from_dict(cov)
    if isinstance(data, PanelData):
        panel = data
    else:
        panel = build_panel_data(data, y=y, x=x + instruments, entity=entity, time=time, cov=cov,
                            missing=missing, source=source)
    exog = [v for v in x if v not in endogenous]
    col = {v: i for i, v in enumerate(panel.names)}
    raw = np.column_stack([panel.y, panel.X])
    model = EFFECTS[effects]
    tr = within_transform(panel, model, raw) if model else raw
    yt = tr[:, 0]
    cols = tr[:, 1:]
    n = panel.nobs
    names = list(x)
    X = cols[:, [col[v] for v in x]]
    Z1 = cols[:, [col[v] for v in exog]]
    Z2 = cols[:, [col[v] for v in instruments]]
    if effects == "none":
        one = np.ones((n, 1))
        X, Z1 = np.hstack([one, X]), np.hstack([one, Z1])
        names = [INTERCEPT, *names]
    Z = np.hstack([Z1, Z2])
    raw_X = (np.column_stack([np.ones(n), panel.X[:, [col[v] for v in x]]]) if effects == "none"
             else panel.X[:, [col[v] for v in x]])
    check_rank(X, raw_X, names, model or "pooled")
    z_names = ([INTERCEPT] if effects == "none" else []) + exog + instruments
    raw_Z = np.column_stack([np.ones(n), panel.X[:, [col[v] for v in exog + instruments]]]) if effects == "none" \
        else panel.X[:, [col[v] for v in exog + instruments]]
    check_rank(Z, raw_Z, z_names, model or "pooled")
    K, L, L2, K2 = X.shape[1], Z.shape[1], Z2.shape[1], len(endogenous)
    absorbed = _absorbed(panel, effects)
    df_resid = n - absorbed - K
    df_fs = n - absorbed - L
    if df_fs <= 0:
        raise EstimationError(f"{source}: no residual degrees of freedom in the first stage (n={n}, L={L})")

    ZtZ_inv = np.linalg.inv(Z.T @ Z)
    Xhat = Z @ (ZtZ_inv @ (Z.T @ X))
    params = np.linalg.solve(Xhat.T @ X, Xhat.T @ yt)
    resid = yt - X @ params
    vcov, info = sandwich_covariance(Xhat, resid, cov, df_resid=df_resid, entity=panel.entity, time=panel.time,
                                     cluster=panel.cluster, cluster_name=cov.cluster_by or entity)
    df2 = _df2(cov, info, df_resid)
    t_dof = df2 if (t_df == "cluster" and cov.type in ("cluster", "twoway")) else df_resid
    idx2 = list(range(Z1.shape[1], L))

    tests: list[dict] = []
    first_stage = {}
    fs_df2 = None
    for v in endogenous:
        target = X[:, names.index(v)]
        w, parts = _wald_excluded(Z, target, cov, panel, df_fs, idx2)
        fs_df2 = _df2(cov, parts["info"], df_fs)
        f = w / L2
        # partial R² of the excluded instruments (Shea's for K₂ = 1): exogenous regressors partialled out
        r1 = target - Z1 @ np.linalg.lstsq(Z1, target, rcond=None)[0] if Z1.shape[1] else target
        rfull = target - Z @ parts["coef"]
        partial_r2 = 1 - float(rfull @ rfull) / float(r1 @ r1)
        first_stage[v] = {
            "f_stat": f, "df": [L2, fs_df2], "p_value": float(stats.f.sf(f, L2, fs_df2)), "partial_r2": partial_r2,
            "coefficients": {z: float(parts["coef"][i]) for z, i in zip(instruments, idx2)},
            "std_errors": {z: float(np.sqrt(parts["vcov"][i, i])) for z, i in zip(instruments, idx2)},
        }
        tests.append({"name": f"first_stage_f:{v}", "statistic": f, "df": [L2, fs_df2],
                      "p_value": first_stage[v]["p_value"], "note": f"excluded instruments, {cov.type} covariance"})
    # Cragg–Donald (non-robust) with exogenous regressors partialled out
    X2 = X[:, [names.index(v) for v in endogenous]]
    if Z1.shape[1]:
        P1 = np.linalg.lstsq(Z1, np.hstack([X2, Z2]), rcond=None)[0]
        X2p, Z2p = (np.hstack([X2, Z2]) - Z1 @ P1)[:, :K2], (np.hstack([X2, Z2]) - Z1 @ P1)[:, K2:]
    else:
        X2p, Z2p = X2, Z2
    fitted = Z2p @ np.linalg.lstsq(Z2p, X2p, rcond=None)[0]
    explained = X2p.T @ fitted
    unexplained = X2p.T @ (X2p - fitted)
    cd = float(np.min(np.real(np.linalg.eigvals(np.linalg.solve(unexplained, explained))))) * df_fs / L2
    tests.append({"name": "cragg_donald_f", "statistic": cd, "df": [L2, df_fs], "p_value": None,
                  "note": "weak-instrument statistic; compare with Stock–Yogo critical values"})
    kp = kleibergen_paap_rk(X2p, Z2p, cov, panel, df_fs, k=L) / L2
    tests.append({"name": "kleibergen_paap_rk_wald_f", "statistic": kp, "df": [L2, fs_df2], "p_value": None,
                  "note": f"rk Wald / L2 with {cov.type} covariance (K2 = 1: the robust first-stage F); "
                          "compare with Stock–Yogo critical values"})
    if L2 > K2:
        tests.append(_hansen_j(X, Z, yt, resid, cov, panel, L2 - K2))

    extra: dict = {"endogenous": endogenous, "instruments": instruments, "exogenous": exog, "effects": effects,
                   "first_stage": first_stage}
    if t_dof != df_resid:
        extra["t_df"] = t_dof
    if panel.n_dropped_missing:
        extra["n_dropped_missing"] = panel.n_dropped_missing
    if K2 == 1:
        ar = AndersonRubin(yt, X[:, names.index(endogenous[0])], Z, idx2, cov, panel, df_fs)
        stat0, df_ar, p0 = ar.test(0.0)
        tests.append({"name": "anderson_rubin", "statistic": stat0, "df": df_ar, "p_value": p0,
                      "note": f"H0: {endogenous[0]} = 0, weak-instrument robust"})
        j = names.index(endogenous[0])
        extra["anderson_rubin"] = {
            "level": ci_level,
            "intervals": ar.confidence_set(1 - ci_level, params[j], float(np.sqrt(vcov[j, j])), ar_grid),
        }

    rss = float(resid @ resid)
    fit = {"rss": rss, "sigma2": rss / df_resid, "df_resid": df_resid, "df_model": K}
    return IVResult(names=names, params=params, vcov=vcov, cov=cov, cov_info=info, nobs=n,
                    n_entities=panel.n_entities, n_periods=panel.n_periods, df_resid=df_resid, t_df=t_dof,
                    effects=effects, fit=fit, tests=tests, extra=extra)


def kleibergen_paap_rk(X2: np.ndarray, Z2: np.ndarray, cov: CovarianceSpec, panel: PanelData, df_resid: int,
                       *, k: int) -> float:
    """Kleibergen & Paap (2006) rk Wald statistic of H0: rank(Π) = K₂ − 1 in the first stage
    X₂ = Z₂Π + V (exogenous regressors and effects already partialled out of X₂ and Z₂).

    Θ = G Π̂ F' with G'G = Z₂'Z₂ and F'F = Σ̂⁻¹, Σ̂ = V̂'V̂/df_resid; SVD Θ = U S W'. With U₁₂, U₂₂
    (last L₂ − q columns of U, split after row q) and W₁₂, W₂₂ likewise, q = K₂ − 1:
    A = [U₁₂; U₂₂] U₂₂⁻¹ (U₂₂U₂₂')^{1/2}, B = (W₂₂W₂₂')^{1/2} W₂₂'⁻¹ [W₁₂' W₂₂'],
    λ = vec(A'ΘB'), Ω = (B ⊗ A')(F ⊗ G) V̂(vec Π̂) (F ⊗ G)'(B ⊗ A')', rk = λ'Ω⁻¹λ, where
    V̂(vec Π̂) is the covariance of the first-stage coefficients under ``cov`` (small-sample
    factor with ``k`` parameters per equation). Under ``unadjusted`` it equals the Cragg–Donald
    statistic; with K₂ = 1 it is the Wald statistic of the excluded instruments."""
    n, l2 = Z2.shape
    k2 = X2.shape[1]
    ZZ = Z2.T @ Z2
    ZZ_inv = np.linalg.inv(ZZ)
    Pi = ZZ_inv @ (Z2.T @ X2)
    V = X2 - Z2 @ Pi
    sigma = V.T @ V / df_resid
    if cov.type == "unadjusted":
        v_pi = np.kron(sigma, ZZ_inv)
    else:
        # scores of vec(Π) in column-major order: equation j, then instrument
        scores = np.hstack([Z2 * V[:, [j]] for j in range(k2)])
        meat, _ = score_meat(scores, cov, k=k, entity=panel.entity, time=panel.time, cluster=panel.cluster)
        bread = np.kron(np.eye(k2), ZZ_inv)
        v_pi = bread @ meat @ bread
    G = np.linalg.cholesky(ZZ).T  # G'G = Z'Z
    F = np.linalg.cholesky(np.linalg.inv(sigma)).T  # F'F = Σ⁻¹
    theta = G @ Pi @ F.T
    U, _, Wt = np.linalg.svd(theta, full_matrices=True)
    W = Wt.T
    q = k2 - 1
    U12, U22 = U[:q, q:], U[q:, q:]
    W12, W22 = W[:q, q:], W[q:, q:]
    A = np.vstack([U12, U22]) @ np.linalg.inv(U22) @ _sqrtm_psd(U22 @ U22.T)
    B = _sqrtm_psd(W22 @ W22.T) @ np.linalg.inv(W22.T) @ np.hstack([W12.T, W22.T])
    lam = (A.T @ theta @ B.T).ravel(order="F")
    BA = np.kron(B, A.T)
    FG = np.kron(F, G)
    omega = BA @ FG @ v_pi @ FG.T @ BA.T
    return float(lam @ np.linalg.solve(omega, lam))


def _sqrtm_psd(M: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh((M + M.T) / 2)
    return (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T


def _meat(Z: np.ndarray, u: np.ndarray, cov: CovarianceSpec, panel: PanelData) -> np.ndarray:
    """Covariance meat of Z'u for ``cov``'s clustering, without small-sample factor."""
    plain = CovarianceSpec(**{**cov.__dict__, "small_sample": "none"})
    if plain.type == "unadjusted":
        return float(u @ u) / u.size * (Z.T @ Z)
    V, _ = sandwich_covariance(Z, u, plain, df_resid=u.size, entity=panel.entity, time=panel.time,
                               cluster=panel.cluster)
    ZZ = Z.T @ Z
    return ZZ @ V @ ZZ


def _hansen_j(X, Z, y, resid, cov, panel, df) -> dict:
    S_inv = np.linalg.inv(_meat(Z, resid, cov, panel))
    XZ = X.T @ Z
    beta = np.linalg.solve(XZ @ S_inv @ XZ.T, XZ @ S_inv @ (Z.T @ y))
    g = Z.T @ (y - X @ beta)
    j = float(g @ S_inv @ g)
    name = "sargan" if cov.type == "unadjusted" else "hansen_j"
    return chi2_test(name, j, df, f"over-identifying restrictions, {cov.type} weighting (two-step GMM)")


class AndersonRubin:
    """AR test of β = β₀ for one endogenous regressor (module docstring).

    The regression of ``y − β₀x₂`` on Z has coefficients ``γ_y − β₀γ_x`` and residuals
    ``e_y − β₀e_x``; every covariance here is a quadratic form in the residuals, so
    ``V(β₀) = V(e_y) − β₀[V(e_y + e_x) − V(e_y) − V(e_x)] + β₀² V(e_x)`` exactly. Three
    sandwiches are computed once and each β₀ costs a small solve."""

    def __init__(self, y, x2, Z, idx2, cov, panel, df_resid):
        self.idx2 = list(idx2)
        self.L2 = len(self.idx2)
        coef, *_ = np.linalg.lstsq(Z, np.column_stack([y, x2]), rcond=None)
        resid = np.column_stack([y, x2]) - Z @ coef
        self.g_y, self.g_x = coef[self.idx2, 0], coef[self.idx2, 1]
        sub = np.ix_(self.idx2, self.idx2)

        def v(u):
            V, info = sandwich_covariance(Z, u, cov, df_resid=df_resid, entity=panel.entity, time=panel.time,
                                          cluster=panel.cluster)
            return V[sub], info

        self.v_y, info = v(resid[:, 0])
        self.v_x, _ = v(resid[:, 1])
        v_sum, _ = v(resid[:, 0] + resid[:, 1])
        self.v_cross = v_sum - self.v_y - self.v_x
        self.df2 = _df2(cov, info, df_resid)

    def f_stat(self, beta0: float) -> tuple[float, int]:
        g = self.g_y - beta0 * self.g_x
        V = self.v_y - beta0 * self.v_cross + beta0**2 * self.v_x
        return float(g @ np.linalg.solve(V, g)) / self.L2, self.df2

    def test(self, beta0: float) -> tuple[float, list[int], float]:
        f, df2 = self.f_stat(beta0)
        return f, [self.L2, df2], float(stats.f.sf(f, self.L2, df2))

    def confidence_set(self, alpha: float, center: float, se: float, grid: int) -> list[list[float | None]]:
        _, df2 = self.f_stat(center)
        crit = stats.f.isf(alpha, self.L2, df2)
        span = AR_SPAN * (se if se > 0 else max(abs(center), 1.0))
        pts = np.linspace(center - span, center + span, grid)

        def excess(b):
            return self.f_stat(b)[0] - crit

        inside = np.array([excess(b) for b in pts]) <= 0
        intervals: list[list[float | None]] = []
        # accepted at the lower end of the scan: unbounded below (null)
        lo: float | None = None
        for i in range(1, grid):
            if inside[i] and not inside[i - 1]:
                lo = optimize.brentq(excess, pts[i - 1], pts[i], xtol=1e-14, rtol=1e-14)
            elif inside[i - 1] and not inside[i]:
                intervals.append([lo, optimize.brentq(excess, pts[i - 1], pts[i], xtol=1e-14, rtol=1e-14)])
        if inside[-1]:
            intervals.append([lo, None])
        return intervals


def fit_iv_spec(data: pd.DataFrame, spec: Mapping) -> dict:
    s = as_spec(spec)
    name = s.raw.get("name", "iv")
    opts = checked_options(s.options, OPTION_KEYS, spec=dict(spec, name=name), model="iv")
    for key in ("endogenous", "instruments"):
        if key not in opts:
            raise ConfigError(f"specification {name!r}: model 'iv' needs options.{key}")
    as_list = lambda v: [v] if isinstance(v, str) else list(v)  # noqa: E731
    res = fit_iv(
        data, y=s.y, x=s.regressors, endogenous=as_list(opts["endogenous"]),
        instruments=as_list(opts["instruments"]), effects=s.effects_name(default=("entity",)),
        entity=s.entity, time=s.time,
        cov=CovarianceSpec.from_dict(s.cov, source=f"specification {name!r}: cov"),
        missing=opts.get("missing", "error"), t_df=opts.get("t_df", "cluster"),
        ar_grid=int(opts.get("ar_grid", 401)), ci_level=s.ci_level, source=f"specification {name!r}",
    )
    return res.to_document(s.raw, s.y, ci_level=s.ci_level)
