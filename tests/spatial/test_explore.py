"""Moran's I and Geary's C against esda (an independent implementation)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spatial_testdata import knn_weights

from clusternet.spatial.explore import geary, local_moran, moran


@pytest.fixture(scope="module")
def data():
    W = knn_weights(40, 4, seed=2)
    rng = np.random.default_rng(0)
    x = rng.lognormal(size=40) + 0.5 * (W @ rng.normal(size=40))
    return W, x


def _esda_w(W):
    import libpysal

    w = libpysal.weights.WSP(W).to_W(silence_warnings=True)
    w.transform = "o"
    return w


def test_moran_matches_esda(data):
    import esda

    W, x = data
    ours = moran(x, W, permutations=0)
    ref = esda.Moran(x, _esda_w(W), transformation="o", permutations=0, two_tailed=True)
    assert ours["I"] == pytest.approx(ref.I, abs=1e-10)
    assert ours["EI"] == pytest.approx(ref.EI, abs=1e-12)
    assert ours["var_norm"] == pytest.approx(ref.VI_norm, abs=1e-10)
    assert ours["var_rand"] == pytest.approx(ref.VI_rand, abs=1e-10)
    assert ours["p_norm"] == pytest.approx(ref.p_norm, abs=1e-10)
    assert ours["p_rand"] == pytest.approx(ref.p_rand, abs=1e-10)


def test_geary_matches_esda(data):
    import esda

    W, x = data
    ours = geary(x, W, permutations=0)
    ref = esda.Geary(x, _esda_w(W), transformation="o", permutations=0)
    assert ours["C"] == pytest.approx(ref.C, abs=1e-10)
    assert ours["var_norm"] == pytest.approx(ref.VC_norm, abs=1e-10)
    assert ours["var_rand"] == pytest.approx(ref.VC_rand, abs=1e-10)


def test_permutation_is_seeded_and_sensible(data):
    W, x = data
    a, b = moran(x, W, 199, seed=5), moran(x, W, 199, seed=5)
    assert a == b
    assert 1 / 200 <= a["p_sim"] <= 1


def test_local_moran_sums_to_global(data):
    W, x = data
    loc = local_moran(x, W, permutations=49, seed=1)
    glob = moran(x, W, permutations=0)
    # Σ I_i / S0 = I (Anselin 1995)
    assert np.sum(loc["Ii"]) / W.sum() == pytest.approx(glob["I"], abs=1e-10)
    assert set(loc["cluster"]) <= {"HH", "LL", "HL", "LH", "ns"}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=12, max_size=12).filter(lambda v: np.std(v) > 1e-3),
       st.floats(0.1, 10))
def test_moran_invariant_to_affine_maps(values, scale):
    W = knn_weights(12, 3, seed=0)
    x = np.array(values)
    assert moran(x, W, 0)["I"] == pytest.approx(moran(scale * x + 7, W, 0)["I"], abs=1e-8)
