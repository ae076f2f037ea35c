"""de Chaisemartin & D'Haultfoeuille (2020) DID_M for treatments that switch on and off, and
its extension to discrete (non-binary) treatments (model ``did.dcdh``).

Binary treatment (dCDH 2020, eq. 3): for every period t with switchers and matching stable units,

  DID_{+,t} = mean dY over joiners (D_{t-1}=0, D_t=1) - mean dY over the stable untreated (0, 0),
  DID_{-,t} = mean dY over the stable treated (1, 1) - mean dY over leavers (1, 0),
  DID_M     = sum_t (N_{+,t} DID_{+,t} + N_{-,t} DID_{-,t}) / N_S,

N_S the number of switchers in the periods whose comparison group is not empty (cells without
a comparison group are left out, as in the paper).  For a discrete treatment the same
comparison is made within each baseline value d = D_{t-1}: switchers from d are compared with
the units staying at d, and the estimate is per unit of treatment change,

  DID_M = sum_{t,d} sum_{i switches from d} sign(dD_i) (dY_i - mean dY of the stayers at d)
          / sum_{t,d} sum_{i switches from d} |dD_i|,

which is DID_M above when D is binary (joiners count +1, leavers -1).  Stayers are matched on the
exact baseline value, so a continuous intensity should be coarsened first.
``placebo`` (dCDH 2020 sec. 4.2, DID_M^pl): the same weights applied to the previous
first difference Y_{t-1} - Y_{t-2}, keeping units whose treatment did not change from t-2 to t-1.
Standard errors: nonparametric bootstrap over entities (``bootstrap_draws``, seeded; the
authors' did_multiplegt also bootstraps by default); percentile intervals are not used, the
document reports the bootstrap SD with normal intervals.

Dynamic effects DID_ℓ (de Chaisemartin & D'Haultfœuille 2024, "Difference-in-differences
estimators of intertemporal treatment effects", REStat; Stata/R ``did_multiplegt_dyn``), option
``effects: L`` (0 = off, the default) and ``placebos: P``. With D_{g,1} the baseline treatment,
F_g the first period at which D_g changes, S_g the sign of that change, and
T_g = max_{g': D_{g',1} = D_{g,1}} F_{g'} − 1 (the last period at which some group with the same
baseline has not yet changed):

  DID_{g,ℓ} = Y_{g,F_g−1+ℓ} − Y_{g,F_g−1} − mean_{g' ∈ C} (Y_{g',F_g−1+ℓ} − Y_{g',F_g−1}),
  C = {g' : D_{g',1} = D_{g,1}, F_{g'} > F_g − 1 + ℓ},
  DID_ℓ = mean over {g : F_g − 1 + ℓ ≤ T_g} of S_g DID_{g,ℓ};

the placebo DID^pl_ℓ replaces F_g − 1 + ℓ by F_g − 1 − ℓ in the outcomes (same control set C, and
F_g − 1 − ℓ ≥ 1). Groups are weighted equally (no ``weight`` variable), no covariates, no
``trends_nonparam``. The document carries them as ``event[ℓ−1]`` (effects) and ``event[−1−ℓ]``
(placebos), reference period −1 = F_g − 1, with the bootstrap covariance of all of them in
``vcov`` (for uniform bands), and the average cumulative treatment change δ_ℓ of the groups
(DID_ℓ / δ_ℓ is the package's normalised effect; δ_ℓ = 1 for a binary absorbing treatment).
With a binary absorbing treatment DID_ℓ is the Callaway–Sant'Anna not-yet-treated dynamic
aggregation at e = ℓ − 1 (checked against csdid in tests/models/test_did_dcdh.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusternet.errors import ConfigError, DataError, EstimationError


@dataclass
class DCDHResult:
    did_m: float
    placebo: float | None
    n_switchers: int
    n_cells: int
    cells: list[dict]
    se: float | None = None
    placebo_se: float | None = None
    draws: int = 0


def _did_m(Y: np.ndarray, D: np.ndarray, lag: int = 0) -> tuple[float, int, list[dict]]:
    """DID_M of the balanced n x T arrays; ``lag`` = 1 gives the placebo."""
    n, T = Y.shape
    num = den = 0.0
    n_sw = 0
    cells = []
    for j in range(1 + lag, T):
        dy = Y[:, j - lag] - Y[:, j - lag - 1]
        d0, d1 = D[:, j - 1], D[:, j]
        ok = np.ones(n, bool) if not lag else (D[:, j - 2] == D[:, j - 1])
        for d in np.unique(d0[ok]):
            base = ok & (d0 == d)
            stay = base & (d1 == d)
            sw = base & (d1 != d)
            if not sw.any() or not stay.any():
                continue
            change = d1[sw] - d
            contrib = float(np.sum(np.sign(change) * (dy[sw] - dy[stay].mean())))
            num += contrib
            den += float(np.sum(np.abs(change)))
            n_sw += int(sw.sum())
            cells.append({"period_index": j, "baseline": float(d), "n_switchers": int(sw.sum()),
                          "n_stayers": int(stay.sum()),
                          "did": contrib / float(np.sum(np.abs(change)))})
    if den == 0:
        return float("nan"), 0, cells
    return num / den, n_sw, cells


def did_multiple(Y: np.ndarray, D: np.ndarray, *, placebo: bool = True, bootstrap_draws: int = 0,
                 seed: int | np.random.SeedSequence | None = None) -> DCDHResult:
    """DID_M (and its placebo) of an n x T outcome panel ``Y`` and treatment panel ``D``."""
    Y = np.asarray(Y, dtype=float)
    D = np.asarray(D, dtype=float)
    if Y.shape != D.shape or np.isnan(Y).any() or np.isnan(D).any():
        raise DataError("DID_M needs balanced outcome and treatment panels of the same shape without gaps")
    est, n_sw, cells = _did_m(Y, D)
    if not n_sw:
        raise EstimationError("no switcher has a comparison group of units with the same baseline treatment")
    pl = _did_m(Y, D, lag=1)[0] if placebo and Y.shape[1] >= 3 else None
    if pl is not None and np.isnan(pl):
        pl = None
    res = DCDHResult(did_m=est, placebo=pl, n_switchers=n_sw, n_cells=len(cells), cells=cells)
    if bootstrap_draws:
        if seed is None:
            raise ConfigError("the DID_M bootstrap needs a seed")
        rng = np.random.default_rng(seed)
        n = Y.shape[0]
        b_est, b_pl = [], []
        for _ in range(int(bootstrap_draws)):
            idx = rng.integers(0, n, size=n)
            e, k, _c = _did_m(Y[idx], D[idx])
            if k:
                b_est.append(e)
            if pl is not None:
                p = _did_m(Y[idx], D[idx], lag=1)[0]
                if np.isfinite(p):
                    b_pl.append(p)
        res.se = float(np.std(b_est, ddof=1)) if len(b_est) > 1 else None
        res.placebo_se = float(np.std(b_pl, ddof=1)) if len(b_pl) > 1 else None
        res.draws = int(bootstrap_draws)
    return res


@dataclass
class DynamicResult:
    effects: list[dict]   # {"l", "estimate", "n_groups", "dose"}
    placebos: list[dict]  # {"l", "estimate", "n_groups"}
    vcov: np.ndarray | None = None
    draws: int = 0


def _first_change(D: np.ndarray) -> np.ndarray:
    """0-based column of each row's first treatment change (T when it never changes)."""
    n, T = D.shape
    changed = D[:, :1] != D
    return np.where(changed.any(axis=1), changed.argmax(axis=1), T)


def _dynamic(Y: np.ndarray, D: np.ndarray, n_effects: int, n_placebos: int) -> tuple[list, list]:
    n, T = Y.shape
    F = _first_change(D)
    base = D[:, 0]
    T_g = np.empty(n, int)
    for d in np.unique(base):
        same = base == d
        T_g[same] = min(T - 1, int(F[same].max()) - 1)
    switchers = np.flatnonzero(F < T)
    sign = np.zeros(n)
    sign[switchers] = np.sign(D[switchers, F[switchers]] - base[switchers])
    effects, placebos = [], []
    for ell in range(1, n_effects + 1):
        num, dose, k = 0.0, 0.0, 0
        pnum, pk = 0.0, 0
        for g in switchers:
            f0, c = F[g] - 1, F[g] - 1 + ell
            if c > T_g[g]:
                continue
            ctrl = (base == base[g]) & (c < F)
            num += sign[g] * (Y[g, c] - Y[g, f0] - float(np.mean(Y[ctrl, c] - Y[ctrl, f0])))
            dose += sign[g] * float(np.sum(D[g, F[g]:c + 1] - base[g]))
            k += 1
            if ell <= n_placebos and f0 - ell >= 0:
                pc = f0 - ell
                pnum += sign[g] * (Y[g, pc] - Y[g, f0] - float(np.mean(Y[ctrl, pc] - Y[ctrl, f0])))
                pk += 1
        effects.append({"l": ell, "estimate": num / k if k else float("nan"), "n_groups": k,
                        "dose": dose / k if k else float("nan")})
        if ell <= n_placebos:
            placebos.append({"l": ell, "estimate": pnum / pk if pk else float("nan"), "n_groups": pk})
    return effects, placebos


def did_dynamic(Y: np.ndarray, D: np.ndarray, n_effects: int, n_placebos: int = 0, *, bootstrap_draws: int = 0,
                seed: int | np.random.SeedSequence | None = None) -> DynamicResult:
    """DID_ℓ, ℓ = 1..n_effects, and the placebos DID^pl_ℓ, ℓ = 1..n_placebos (module docstring),
    with the entity-bootstrap covariance of (effects, placebos) when ``bootstrap_draws``."""
    Y = np.asarray(Y, dtype=float)
    D = np.asarray(D, dtype=float)
    if Y.shape != D.shape or np.isnan(Y).any() or np.isnan(D).any():
        raise DataError("DID_l needs balanced outcome and treatment panels of the same shape without gaps")
    if n_placebos > n_effects:
        raise ConfigError("DID_l: placebos cannot exceed effects (a placebo uses the control set of its effect)")
    effects, placebos = _dynamic(Y, D, int(n_effects), int(n_placebos))
    if not any(e["n_groups"] for e in effects):
        raise EstimationError("DID_l: no switcher has a not-yet-switched group with the same baseline treatment")
    res = DynamicResult(effects=effects, placebos=placebos)
    if bootstrap_draws:
        if seed is None:
            raise ConfigError("the DID_l bootstrap needs a seed")
        rng = np.random.default_rng(seed)
        n = Y.shape[0]
        draws = []
        for _ in range(int(bootstrap_draws)):
            idx = rng.integers(0, n, size=n)
            e, p = _dynamic(Y[idx], D[idx], int(n_effects), int(n_placebos))
            draws.append([r["estimate"] for r in e] + [r["estimate"] for r in p])
        arr = np.asarray(draws, float)
        ok = np.isfinite(arr).all(axis=1)
        res.vcov = np.cov(arr[ok], rowvar=False, ddof=1).reshape(arr.shape[1], arr.shape[1]) if ok.sum() > 1 else None
        res.draws = int(bootstrap_draws)
    return res


DCDH_OPTIONS = {"treatment": None, "adoption_years": None, "placebo": True, "bootstrap_draws": 0, "seed": None,
                "source": None, "missing": "error", "effects": 0, "placebos": 0}


def fit_did_dcdh(data: pd.DataFrame, spec: dict) -> dict:
    """The ``did_dcdh`` estimator of config/models.yaml.  The treatment is the column
    ``options.treatment`` (binary or discrete, may switch off) or, with ``adoption_years``,
    the absorbing dummy 1[t >= G_i]."""
    from clusternet.models.did import adoption_series, balanced_sample, cohort_sizes
    from clusternet.models.mechanisms import (
        as_list, common_args, single_outcome_name, spec_ci_level, spec_name, spec_options,
    )
    from clusternet.results import coefficient_table, make_result
    from clusternet.seeds import required_seed, seed_sequence

    opts = spec_options(spec, DCDH_OPTIONS)
    name = spec_name(spec)
    if as_list(spec.get("controls")):
        raise ConfigError(f"specification {name!r}: did_dcdh is implemented without covariates; remove `controls`")
    if (opts["treatment"] is None) == (opts["adoption_years"] is None):
        raise ConfigError(f"specification {name!r}: did_dcdh needs exactly one of options.treatment (a column) "
                          "and options.adoption_years")
    yname = single_outcome_name(spec)
    common = common_args(spec)
    entity, time = common["entity"], common["time"]
    cols = [yname] + ([opts["treatment"]] if opts["treatment"] else [])
    frame, dropped_entities = balanced_sample(data, spec, cols, opts["missing"])
    cohorts = None
    if opts["treatment"]:
        dcol = opts["treatment"]
    else:
        gser = adoption_series(frame, spec, opts)
        frame["_treated"] = ((frame[time] >= gser) & gser.notna()).astype(float)
        dcol = "_treated"
        cohorts = cohort_sizes(frame, gser, entity)
    wide_y = frame.pivot(index=entity, columns=time, values=yname)
    wide_d = frame.pivot(index=entity, columns=time, values=dcol).reindex_like(wide_y)
    if wide_y.isna().any().any() or wide_d.isna().any().any():
        raise DataError(f"specification {name!r}: did_dcdh needs a balanced panel of {yname!r} and the treatment")
    draws = int(opts["bootstrap_draws"])
    seed = seed_sequence(required_seed(spec, opts, "the DID_M bootstrap"), f"{name}:dcdh") if draws else None
    try:
        res = did_multiple(wide_y.to_numpy(float), wide_d.to_numpy(float), placebo=bool(opts["placebo"]),
                           bootstrap_draws=draws, seed=seed)
    except (DataError, EstimationError) as exc:
        raise type(exc)(f"specification {name!r}: {exc}") from exc
    level = spec_ci_level(spec)
    names, est, se = ["did_m"], [res.did_m], [res.se if res.se is not None else np.nan]
    if res.placebo is not None:
        names.append("placebo")
        est.append(res.placebo)
        se.append(res.placebo_se if res.placebo_se is not None else np.nan)
    vcov: dict | None = None
    dynamic = None
    if int(opts["effects"]):
        try:
            dyn = did_dynamic(wide_y.to_numpy(float), wide_d.to_numpy(float), int(opts["effects"]),
                              int(opts["placebos"]), bootstrap_draws=draws,
                              seed=seed_sequence(required_seed(spec, opts, "the DID_l bootstrap"), f"{name}:dcdh_l")
                              if draws else None)
        except (ConfigError, DataError, EstimationError) as exc:
            raise type(exc)(f"specification {name!r}: {exc}") from exc
        ev_names = [f"event[{e['l'] - 1}]" for e in dyn.effects] + [f"event[{-1 - p['l']}]" for p in dyn.placebos]
        ev_est = [e["estimate"] for e in dyn.effects] + [p["estimate"] for p in dyn.placebos]
        ev_se = list(np.sqrt(np.diag(dyn.vcov))) if dyn.vcov is not None else [np.nan] * len(ev_names)
        order = sorted(range(len(ev_names)), key=lambda i: int(ev_names[i][6:-1]))
        names += [ev_names[i] for i in order]
        est += [ev_est[i] for i in order]
        se += [ev_se[i] for i in order]
        if dyn.vcov is not None:
            vcov = {"names": [ev_names[i] for i in order], "matrix": dyn.vcov[np.ix_(order, order)]}
        dynamic = {"effects": dyn.effects, "placebos": dyn.placebos, "reference": "F_g - 1 (event[-1])",
                   "estimator": "DID_l, de Chaisemartin & D'Haultfoeuille (2024)"}
    rows = coefficient_table(names, est, se, df_resid=None, ci_level=level)
    periods = [int(p) for p in wide_y.columns]
    cells = [{**c, "period": periods[c.pop("period_index")]} for c in [dict(c) for c in res.cells]]
    extra = {"did": {
        "estimator": "de_chaisemartin_dhaultfoeuille", "n_switchers": res.n_switchers, "cells": cells,
        "treatment": opts["treatment"] or "absorbing adoption dummy", "cohorts": cohorts,
        "dropped_entities": dropped_entities,
        "inference": f"entity bootstrap, {draws} draws" if draws else "none (set options.bootstrap_draws)",
        "source": opts["source"],
    }}
    if dynamic is not None:
        extra["did"]["dynamic"] = dynamic
    return make_result(
        model="did.dcdh", dependent=yname, coefficients=rows,
        covariance={"type": "cluster", "options": {"level": entity, "bootstrap_draws": draws},
                    "n_clusters": int(wide_y.shape[0])},
        nobs=int(wide_y.size), n_entities=int(wide_y.shape[0]), n_periods=int(wide_y.shape[1]),
        effects={"entity": True, "time": True}, extra=extra, spec=spec, provenance={}, ci_level=level,
        label=spec.get("label", name), vcov=vcov,
    )
