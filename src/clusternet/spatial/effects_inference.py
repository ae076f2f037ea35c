"""Analytic (delta-method) inference for LeSage & Pace direct, indirect and total effects.

For the lag models (SAR, SDM, SAC) the effects of regressor k are smooth functions of
(β_k, θ_k, ρ)::

    direct_k = β_k a(ρ) + θ_k b(ρ),    total_k = β_k t0(ρ) + θ_k t1(ρ),    indirect = total - direct

with a = tr(S⁻¹)/N, b = tr(S⁻¹W)/N, t0 = 1'S⁻¹1/N, t1 = 1'S⁻¹W1/N and S = I - ρW (the factors of
``clusternet.spatial.models.effect_factors``). Their gradients are

    ∂direct/∂β_k = a,  ∂direct/∂θ_k = b,  ∂direct/∂ρ = β_k a'(ρ) + θ_k b'(ρ)    (same for total)

with a' = tr(S⁻¹WS⁻¹)/N = mean ω/(1-ρω)², b' = mean ω²/(1-ρω)² from the eigenvalues ω of W, and
t0' = t1' = 1/(1-ρ)² for a row-standardised W. The delta-method variance is g'V̂g with V̂ the ML
covariance of the parameters. Without eigenvalues (large N) or for a W that is not
row-standardised, the ρ-derivatives are central differences of the core's factors (which are
smooth in ρ; step 1e-5 gives ~1e-10 relative error).

For SEM, SDEM and SLX the effects are linear in the coefficients (direct β_k, indirect
θ_k·mean row sum of W), so the delta method is exact; it is reported for uniformity.

The simulated inference (``effects_table``'s draws from N(θ̂, V̂)) stays in the table; this
module adds a ``delta_method`` block to every effect row and can make it the primary one
(option ``effects_inference: delta_method``).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy import stats

from clusternet.spatial.models import DURBIN_MODELS, EIGEN_MAX_N, effect_factors

KINDS = ("direct", "indirect", "total")
FD_STEP = 1e-5


def _factor_derivatives(W: sp.csr_matrix, rho: float, seed: int, eig) -> tuple[np.ndarray, np.ndarray]:
    """(a, b, t0, t1) and their derivatives in ρ."""
    f = effect_factors(W, np.array([rho]), seed, eig)[0]
    rows = np.asarray(W.sum(axis=1)).ravel()
    if eig is not None and np.allclose(rows, 1.0, atol=1e-10):
        q = 1 / (1 - rho * eig)
        da = float(np.mean(eig * q ** 2).real)
        db = float(np.mean(eig ** 2 * q ** 2).real)
        dt = 1 / (1 - rho) ** 2
        return f, np.array([da, db, dt, dt])
    hi = effect_factors(W, np.array([rho + FD_STEP]), seed, eig)[0]
    lo = effect_factors(W, np.array([rho - FD_STEP]), seed, eig)[0]
    return f, (hi - lo) / (2 * FD_STEP)


def effect_gradients(res, W: sp.csr_matrix, seed: int = 0) -> dict[str, dict[str, np.ndarray]]:
    """{variable: {direct|indirect|total: (estimate, gradient over res.params)}} as arrays
    [estimate, *gradient]."""
    p = len(res.params)
    kx = res.k_x
    off = 1 if res.effects == "none" else 0
    beta_idx = np.arange(off, off + kx)
    theta_idx = np.arange(off + kx, off + 2 * kx) if res.model in DURBIN_MODELS else None
    out: dict[str, dict[str, np.ndarray]] = {}
    lag_model = res.model in ("sar", "sdm", "sac") or getattr(res, "has_lag", False)
    if not lag_model:
        rowsum_mean = float(np.asarray(W.sum(axis=1)).mean())
        for j, name in enumerate(res.x_names):
            gd, gi = np.zeros(p), np.zeros(p)
            gd[beta_idx[j]] = 1.0
            if theta_idx is not None:
                gi[theta_idx[j]] = rowsum_mean
            rows = {"direct": gd, "indirect": gi, "total": gd + gi}
            out[name] = {k: np.r_[g @ res.params, g] for k, g in rows.items()}
        return out
    rho_idx = res.names.index("rho")
    rho = float(res.params[rho_idx])
    eig = np.linalg.eigvals(W.toarray()) if W.shape[0] <= EIGEN_MAX_N else None
    (a, b, t0, t1), (da, db, dt0, dt1) = _factor_derivatives(W, rho, seed, eig)
    for j, name in enumerate(res.x_names):
        beta = res.params[beta_idx[j]]
        theta = res.params[theta_idx[j]] if theta_idx is not None else 0.0
        gd, gt = np.zeros(p), np.zeros(p)
        gd[beta_idx[j]], gt[beta_idx[j]] = a, t0
        if theta_idx is not None:
            gd[theta_idx[j]], gt[theta_idx[j]] = b, t1
        gd[rho_idx] = beta * da + theta * db
        gt[rho_idx] = beta * dt0 + theta * dt1
        d_est, t_est = beta * a + theta * b, beta * t0 + theta * t1
        out[name] = {"direct": np.r_[d_est, gd], "indirect": np.r_[t_est - d_est, gt - gd], "total": np.r_[t_est, gt]}
    return out


def delta_method_effects(res, W: sp.csr_matrix, seed: int = 0, ci_level: float = 0.95) -> dict:
    """{variable: {kind: {estimate, std_error, z, p_value, ci_lower, ci_upper}}} by the delta method."""
    q = stats.norm.ppf(0.5 + ci_level / 2)
    out: dict = {}
    for name, rows in effect_gradients(res, W, seed).items():
        out[name] = {}
        for kind in KINDS:
            est, g = float(rows[kind][0]), rows[kind][1:]
            se = float(np.sqrt(max(g @ res.vcov @ g, 0.0)))
            z = est / se if se > 0 else float("nan")
            out[name][kind] = {"estimate": est, "std_error": se, "z": z,
                               "p_value": float(2 * stats.norm.sf(abs(z))) if se > 0 else float("nan"),
                               "ci_lower": est - q * se, "ci_upper": est + q * se}
    return out


def add_delta_method(table: dict, res, W: sp.csr_matrix, seed: int = 0, ci_level: float = 0.95,
                     primary: str = "simulation") -> dict:
    """Add a ``delta_method`` block beside every effect row of ``effects_table``'s output. With
    ``primary="delta_method"`` the row's own std_error/z/p_value/ci come from the delta method and
    the simulated ones move to a ``simulation`` block (the report reads the row's own fields)."""
    if primary not in ("simulation", "delta_method"):
        raise ValueError(primary)
    dm = delta_method_effects(res, W, seed, ci_level)
    simulated = table.get("method", "").startswith("simulation")
    for name, rows in table["variables"].items():
        for kind in KINDS:
            row, d = rows[kind], dm[name][kind]
            if primary == "delta_method" and simulated:
                row["simulation"] = {k: row[k] for k in ("std_error", "z", "p_value", "ci_lower", "ci_upper")}
                row.update({k: d[k] for k in ("std_error", "z", "p_value", "ci_lower", "ci_upper")})
            else:
                row["delta_method"] = {k: d[k] for k in ("std_error", "z", "p_value", "ci_lower", "ci_upper")}
    if primary == "delta_method" and simulated:
        table["method"] = "delta method (analytic gradient, ML covariance), normal intervals; " \
                          "simulated inference in each row's `simulation` block"
    else:
        table["delta_method"] = "analytic gradient of each effect times the ML covariance, normal intervals"
    return table
