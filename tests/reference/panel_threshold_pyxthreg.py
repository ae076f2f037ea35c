"""Reference values for clusternet.models.threshold from an independent implementation, pyxthreg
(a numba port of Stata's xthreg), on a simulated balanced panel with two thresholds. Writes the data
and pyxthreg's estimates to tests/reference/fixtures/panel_threshold_pyxthreg.json, read by
tests/models/test_threshold_reference.py (the tests never run pyxthreg).

pyxthreg is not a clusternet dependency; run in a throw-away environment from the repository root:

    python -m venv /tmp/xthreg && /tmp/xthreg/bin/pip install pyxthreg==0.0.3
    /tmp/xthreg/bin/python tests/reference/panel_threshold_pyxthreg.py

Compared: thresholds, the SSR after each sequential stage (with Hansen's refinement), slopes and
non-robust standard errors (sigma2 = SSR / (nT - n - k)) of the final model, exhaustive grid
(``grid=0``: every distinct value of q). Not compared: bootstrap p-values (different random streams),
F statistics (xthreg divides by nT - T, Hansen 1999 and clusternet by n(T - 1)), quantile grids and
trimming at the edges of the grid (defined differently; the optimum here is interior).
"""
from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from pyxthreg import ThresholdPanel

OUT = Path("tests/reference/fixtures/panel_threshold_pyxthreg.json")


def simulate(n=60, T=8, seed=20240501):
    rng = np.random.default_rng(seed)
    q = np.round(rng.uniform(0, 1, (n, T)), 6)
    x = rng.normal(size=(n, T))
    z = rng.normal(size=(n, T))
    slope = np.where(q <= 0.3, 1.0, np.where(q <= 0.7, -1.0, 0.5))
    y = rng.normal(size=(n, 1)) + 0.5 * z + slope * x + rng.normal(size=(n, T))
    return pd.DataFrame({"id": np.repeat(np.arange(1, n + 1), T), "year": np.tile(np.arange(2001, 2001 + T), n),
                         "y": y.ravel(), "x": x.ravel(), "z": z.ravel(), "q": q.ravel()})


def main() -> None:
    df = simulate()
    cases = []
    for thnum in (1, 2):
        model = ThresholdPanel(df, dep="y", rx=["x"], qx="q", indep=["z"], entity_col="id", time_col="year")
        model.fit(thnum=thnum, trim=0.05, grid=0, bs=5, n_jobs=1, robust=False)
        res = model.results
        cases.append({
            "n_thresholds": thnum,
            "thresholds": [float(v) for v in res["thresholds"]],
            "ssr_by_stage": [float(v) for v in res["ssrs"]],
            "coefficients": [float(v) for v in np.ravel(res["beta"])],
            "std_errors": [float(v) for v in np.ravel(res["se"])],
            "coefficient_order": ["z"] + [f"x[regime{r + 1}]" for r in range(thnum + 1)],
        })
    OUT.write_text(json.dumps({"source": f"pyxthreg {version('pyxthreg')}", "trim": 0.05, "grid": "full",
                               "columns": {c: df[c].tolist() for c in df.columns}, "cases": cases},
                              indent=1) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
