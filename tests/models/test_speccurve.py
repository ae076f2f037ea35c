"""Specification curve (clusternet.models.speccurve.run_curve): the shared work (spatial lags
computed once per curve, one fit for grid points that differ only in a label, e.g. `wild` and
`cluster` inference) gives exactly the rows of fitting every point on its own through
``fit_specification`` with its full specification."""
import zlib

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from clusternet.models import runner, speccurve
from clusternet.models.wildboot import draw_weights, linear_design, wild_pvalue
from clusternet.spatial.weights import SpatialWeights, row_standardise


def _data(n=14, t=8, seed=2):
    rng = np.random.default_rng(seed)
    ids = np.repeat((np.arange(n) + 11) * 10000, t)
    years = np.tile(np.arange(2011, 2011 + t), n)
    a = rng.normal(size=n)[np.repeat(np.arange(n), t)]
    x = rng.normal(size=n * t) + 0.4 * a
    z = rng.normal(size=n * t)
    y = 0.5 * x + 0.2 * z + a + rng.normal(size=n * t)
    y2 = 0.3 * x + a + rng.normal(size=n * t)
    return pd.DataFrame({"region_code": ids, "year": years, "y": y, "y2": y2, "x": x, "z": z})


@pytest.fixture
def ring(tmp_path):
    n = 14
    r = np.arange(n)
    M = sp.csr_matrix((np.ones(2 * n), (np.r_[r, r], np.r_[(r + 1) % n, (r - 1) % n])), shape=(n, n))
    w = SpatialWeights(tuple(int(i) for i in (np.arange(n) + 11) * 10000), row_standardise(M), {"name": "ring"})
    path = tmp_path / "ring.npz"
    w.save(path)
    return path


def test_shared_work_gives_the_rows_of_separate_fits(ring, monkeypatch):
    data = _data()
    spec = {"name": "h", "model": "twfe", "y": "y", "x": ["x", "W_x"], "controls": ["z"],
            "spatial_lags": {"weights": str(ring), "variables": ["x"]},
            "cov": {"type": "cluster", "small_sample": "sss", "min_clusters": 10}, "options": {"missing": "drop"}}
    grid = {"outcome": ["y", "y2"], "controls": ["primary", "none"],
            "years": [{"first": 2011, "last": 2018}, {"first": 2013, "last": 2018}],
            "inference": ["cluster", "driscoll_kraay", "wild"]}
    prim = {"outcome": "y", "controls": "primary", "years": {"first": 2011, "last": 2018}, "inference": "cluster"}
    sets = {"primary": ["z"], "none": []}
    calls = []
    real_fit = runner.fit_specification
    monkeypatch.setattr(runner, "fit_specification", lambda *a, **k: calls.append(1) or real_fit(*a, **k))
    curve = speccurve.run_curve(data, spec, "W_x", grid, prim, sets, expected=1, alpha=0.05, seed=5,
                                max_specs=1000, wild_reps=99, wild_weights="webb", hypothesis_id="H")
    monkeypatch.setattr(runner, "fit_specification", real_fit)
    rows = curve["specifications"]
    assert len(rows) == 24 and all(r["failed"] is None for r in rows)
    assert len(calls) == 16  # the 8 `wild` points reuse the fit of their `cluster` twin

    # reference: every point on its own, the full specification (lags computed inside the fit)
    rng = np.random.default_rng(np.random.SeedSequence([5, zlib.crc32(b"speccurve:H")]))
    w_cache = {}
    for point, row in zip(speccurve.expand(grid, prim), rows):
        choice = {**point, "controls_set": sets[point["controls"]]}
        s, coef = speccurve.variant(spec, choice, data.columns, "W_x")
        s["name"] = f"h__curve{row['id']:04d}"
        doc = runner.fit_specification(data, s)
        c = next(c for c in doc["coefficients"] if c["name"] == coef)
        p = c["p_value"]
        if point["inference"] == "wild":
            from clusternet.models.spatial_lags import add_spatial_lags

            design = linear_design(add_spatial_lags(data, s), s)
            G = design.n_clusters
            if G not in w_cache:
                w_cache[G] = draw_weights(rng, G, 99, "webb")
            p = wild_pvalue(design, coef, weights=w_cache[G])["p_value"]
        assert (row["estimate"], row["std_error"], row["p_value"], row["nobs"]) == \
            (c["estimate"], c["std_error"], p, doc["nobs"]), point
    # the inference choice matters (the test can fail): DK and wild p-values differ from the cluster ones
    by = {(r["outcome"], r["controls"], str(r["years"]), r["inference"]): r["p_value"] for r in rows}
    assert any(by[k[:3] + ("wild",)] != by[k[:3] + ("cluster",)] for k in by if k[3] == "cluster")


def test_missing_weights_fail_each_point_not_the_curve(tmp_path):
    data = _data()
    spec = {"name": "h", "model": "twfe", "y": "y", "x": ["x", "W_x"], "controls": ["z"],
            "spatial_lags": {"weights": str(tmp_path / "absent.npz"), "variables": ["x"]}}
    curve = speccurve.run_curve(data, spec, "W_x", {"outcome": ["y", "y2"]}, {"outcome": "y"}, {},
                                expected=1, alpha=0.05, seed=1, max_specs=10, wild_reps=9, wild_weights="webb")
    rows = curve["specifications"]
    assert len(rows) == 2 and all(r["estimate"] is None and "absent.npz" in r["failed"] for r in rows)
