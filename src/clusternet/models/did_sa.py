"""Sun & Abraham (2021) interaction-weighted (IW) event study (model ``did.sa``).

Step 1, the saturated regression: with cohorts G_i (first treated period) and relative time
e = t - G_i, regress y_it on entity and time effects and a dummy for every treated cohort g
and every relative time e != -1 observed for it (``CATT(g,e)``); the comparison cohort is
the never treated (``control: never``) or the last-treated cohort (``control: last``: every
observation from that cohort's first treated period on is dropped and the cohort has no
dummies, SA 2021 sec. 4.2).  Optional covariates enter linearly.
Step 2, the IW estimate for relative time e: sum_g w(g,e) CATT(g,e) with w(g,e) the share of
cohort g among the estimation sample's observations at relative time e (the cohort shares of
SA; fixest ``sunab`` and pyfixest's saturated event study use the same), and its standard
error sqrt(w'Vw) from the clustered covariance of step 1, the weights treated as known
(as fixest and pyfixest do; eventstudyinteract in Stata adds a term for the estimated shares).
``att``: all post-treatment CATT(g,e) (e >= 0) weighted by their numbers of observations
(fixest's ``aggregate(..., "att")``).
Covariance: clustered by entity with fixest's small-sample factor (``did_fe``), t tests with
G - 1 degrees of freedom; ``pretrends_joint_zero`` is the Wald/F test of the IW leads e <= -2.
No binning of distant relative times (SA advise against it; fixest ``sunab`` does not bin).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from clusternet.errors import ConfigError, EstimationError
from clusternet.models.did_fe import twfe_ols


@dataclass
class SAResult:
    cells: list[tuple[int, int]]     # (g, e) of each CATT
    catt: np.ndarray
    catt_vcov: np.ndarray
    counts: np.ndarray               # observations per (g, e) in the estimation sample
    event_times: list[int]
    iw: np.ndarray
    iw_vcov: np.ndarray
    weights: np.ndarray              # len(event_times) x len(cells)
    att: float
    att_se: float
    n_clusters: int
    nobs: int
    control: str

    @property
    def iw_se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.iw_vcov))

    def pretest(self) -> dict | None:
        pre = [k for k, e in enumerate(self.event_times) if e <= -2]
        if not pre:
            return None
        b = self.iw[pre]
        V = self.iw_vcov[np.ix_(pre, pre)]
        if np.linalg.cond(V) > 1e14:
            return None
        q = len(pre)
        f = float(b @ np.linalg.solve(V, b) / q)
        return {"statistic": f, "df": [q, self.n_clusters - 1],
                "p_value": float(stats.f.sf(f, q, self.n_clusters - 1))}


def sun_abraham(y: np.ndarray, entity: np.ndarray, time: np.ndarray, cohort: np.ndarray,
                X: np.ndarray | None = None, *, control: str = "never") -> SAResult:
    """The IW event study on long data (one row per entity-period; ``cohort`` per row, NaN =
    never treated)."""
    if control not in ("never", "last"):
        raise ConfigError(f"options.control must be never or last, got {control!r}")
    y = np.asarray(y, dtype=float)
    time = np.asarray(time).astype(int)
    g = np.asarray(cohort, dtype=float)
    keep = np.ones(len(y), bool)
    g = np.where(g > time.max(), np.nan, g)   # treated after the sample: never treated within it
    if control == "last":
        last = np.nanmax(g)
        keep &= time < last
        g = np.where(g == last, np.nan, g)
    elif not np.isnan(g).any():
        raise EstimationError("no never-treated entity: use options.control: last (the last-treated cohort "
                              "as comparison)")
    first = time[keep].min()
    keep &= ~(g <= first)  # cohorts treated in the first period have no pre-period (SA drop them)
    y, entity, time, g = y[keep], np.asarray(entity)[keep], time[keep], g[keep]
    Xk = None if X is None else np.asarray(X, dtype=float).reshape(len(keep), -1)[keep]
    e = np.where(np.isnan(g), np.nan, time - np.nan_to_num(g))
    cells = sorted({(int(a), int(b)) for a, b in zip(g[~np.isnan(g)], e[~np.isnan(g)]) if b != -1})
    if not cells:
        raise EstimationError("no treated cohort with a relative time other than -1 in the sample")
    D = np.column_stack([((g == c) & (e == k)).astype(float) for c, k in cells])
    design = D if Xk is None else np.column_stack([D, Xk])
    fit = twfe_ols(y, design, entity, time)
    m = len(cells)
    catt, V = fit.beta[:m], fit.vcov[:m, :m]
    counts = D.sum(axis=0)
    ets = sorted({k for _, k in cells})
    W = np.zeros((len(ets), m))
    for r, k in enumerate(ets):
        idx = [j for j, (_, kk) in enumerate(cells) if kk == k]
        W[r, idx] = counts[idx] / counts[idx].sum()
    post = np.array([k >= 0 for _, k in cells])
    if not post.any():
        raise EstimationError("no post-treatment relative time in the sample")
    w_att = np.where(post, counts, 0.0) / counts[post].sum()
    return SAResult(cells=cells, catt=catt, catt_vcov=V, counts=counts, event_times=ets, iw=W @ catt,
                    iw_vcov=W @ V @ W.T, weights=W, att=float(w_att @ catt), att_se=float(np.sqrt(w_att @ V @ w_att)),
                    n_clusters=fit.n_clusters, nobs=fit.nobs, control=control)


SA_OPTIONS = {"adoption_years": None, "control": "never", "source": None, "missing": "error"}


def fit_did_sa(data: pd.DataFrame, spec: dict) -> dict:
    """The ``did_sa`` estimator of config/models.yaml (options: adoption_years, control
    never|last, missing error|drop, source)."""
    from clusternet.models.did import cohort_sizes, event_name, staggered_long_sample
    from clusternet.models.mechanisms import spec_ci_level, spec_name, spec_options
    from clusternet.results import coefficient_table, make_result

    opts = spec_options(spec, SA_OPTIONS)
    frame, dropped, yname, controls, common, gser, arrays = staggered_long_sample(data, spec, opts)
    try:
        res = sun_abraham(*arrays, control=opts["control"])
    except (ConfigError, EstimationError) as exc:
        raise type(exc)(f"specification {spec_name(spec)!r}: {exc}") from exc
    level = spec_ci_level(spec)
    dfr = res.n_clusters - 1
    names = ["att", *[event_name(k) for k in res.event_times]]
    rows = coefficient_table(names, [res.att, *res.iw], [res.att_se, *res.iw_se], df_resid=dfr, ci_level=level)
    tests = []
    pre = res.pretest()
    if pre:
        tests.append({"name": "pretrends_joint_zero", **pre,
                      "note": "H0: every IW lead (e <= -2) is zero; Wald/q against F(q, G-1)"})
    catt = [{"cohort": c, "event_time": k, "estimate": float(b), "std_error": float(np.sqrt(v)), "n_obs": int(n)}
            for (c, k), b, v, n in zip(res.cells, res.catt, np.diag(res.catt_vcov), res.counts)]
    extra = {"did": {
        "estimator": "sun_abraham", "control": res.control, "reference_period": -1, "catt": catt,
        "cohorts": cohort_sizes(frame, gser, common["entity"]), "n_dropped_missing": dropped,
        "covariates": controls, "weights": "cohort shares of the observations at each relative time",
        "inference": "entity-clustered, fixest small-sample factor, t(G-1); weights treated as known",
        "source": opts["source"],
    }}
    ev = names[1:]
    return make_result(
        model="did.sa", dependent=yname, coefficients=rows,
        covariance={"type": "cluster", "options": {"level": common["entity"], "small_sample": "fixest"},
                    "n_clusters": res.n_clusters},
        nobs=res.nobs, n_entities=int(frame[common["entity"]].nunique()),
        n_periods=int(frame[common["time"]].nunique()), effects={"entity": True, "time": True},
        tests=tests, extra=extra, vcov={"names": ev, "matrix": res.iw_vcov}, spec=spec, provenance={},
        ci_level=level, label=spec.get("label", spec_name(spec)),
    )
