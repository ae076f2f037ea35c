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


DCDH_OPTIONS = {"treatment": None, "adoption_years": None, "placebo": True, "bootstrap_draws": 0, "seed": None,
                "source": None, "missing": "error"}


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
    return make_result(
        model="did.dcdh", dependent=yname, coefficients=rows,
        covariance={"type": "cluster", "options": {"level": entity, "bootstrap_draws": draws},
                    "n_clusters": int(wide_y.shape[0])},
        nobs=int(wide_y.size), n_entities=int(wide_y.shape[0]), n_periods=int(wide_y.shape[1]),
        effects={"entity": True, "time": True}, extra=extra, spec=spec, provenance={}, ci_level=level,
        label=spec.get("label", name),
    )
