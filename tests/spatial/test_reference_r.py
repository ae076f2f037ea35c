"""Agreement with R spdep / spatialreg on the Columbus data (fixture from tests/reference/spatial.R)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from clusternet.spatial.explore import geary, moran
from clusternet.spatial.models import SpatialPanel, effects_table, fit_spatial_panel
from clusternet.spatial.weights import row_standardise

FIXTURE = Path(__file__).resolve().parents[1] / "reference" / "fixtures" / "spatial_spdep.json"


@pytest.fixture(scope="module")
def ref():
    return json.loads(FIXTURE.read_text())


def _binary(ref):
    n = len(ref["neighbours"])
    m = np.zeros((n, n))
    for i, js in enumerate(ref["neighbours"]):
        m[i, np.asarray(js, dtype=int) - 1] = 1.0
    return sp.csr_matrix(m)


@pytest.mark.parametrize("style", ["W", "B"])
def test_moran_and_geary_match_spdep(ref, style):
    W = row_standardise(_binary(ref)) if style == "W" else _binary(ref)
    x = np.array(ref["crime"])
    m, g = moran(x, W, 0), geary(x, W, 0)
    for kind in ("norm", "rand"):
        r = ref[style][kind]
        assert m["I"] == pytest.approx(r["I"], abs=1e-10)
        assert m["EI"] == pytest.approx(r["EI"], abs=1e-12)
        assert m[f"var_{kind}"] == pytest.approx(r["VI"], abs=1e-10)
        assert m[f"p_{kind}"] == pytest.approx(r["p_I"], abs=1e-10)
        assert g["C"] == pytest.approx(r["C"], abs=1e-10)
        assert g[f"var_{kind}"] == pytest.approx(r["VC"], abs=1e-10)
        assert g[f"p_{kind}"] == pytest.approx(r["p_C"], abs=1e-10)


def _cross_section(ref):
    W = row_standardise(_binary(ref))
    n = W.shape[0]
    X = np.column_stack([ref["inc"], ref["hoval"]]).reshape(1, n, 2)
    return SpatialPanel(np.array(ref["crime"]).reshape(1, n), X, W, tuple(range(1, n + 1)), (0,), "crime",
                        ["INC", "HOVAL"])


@pytest.mark.parametrize("model,key", [("sar", "rho"), ("sem", "lambda")])
def test_cross_section_ml_matches_spatialreg(ref, model, key):
    res = fit_spatial_panel(_cross_section(ref), model, "none", logdet="eigen")
    r = ref[model]
    np.testing.assert_allclose(res.params[:3], r["coefficients"], atol=1e-6, rtol=1e-7)
    assert res.delta == pytest.approx(r[key], abs=1e-6)
    np.testing.assert_allclose(res.std_errors[:3], r["se"], rtol=1e-6)
    assert res.std_errors[3] == pytest.approx(r[f"{key}_se"], rel=1e-6)
    assert res.sigma2 == pytest.approx(r["sigma2"], rel=1e-7)
    assert res.loglik == pytest.approx(r["loglik"], abs=1e-6)


def test_sar_impacts_match_spatialreg(ref):
    res = fit_spatial_panel(_cross_section(ref), "sar", "none", logdet="eigen")
    eff = effects_table(res, res_W(ref), draws=50, seed=0)["variables"]
    for j, name in enumerate(["INC", "HOVAL"]):
        for kind in ("direct", "indirect", "total"):
            assert eff[name][kind]["estimate"] == pytest.approx(ref["sar_impacts"][kind][j][0], rel=1e-6)


def res_W(ref):
    return row_standardise(_binary(ref))
