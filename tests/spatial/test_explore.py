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


def _naive_local_moran_p(x, W, draws):
    """Conditional randomisation written out: for region i and draw r, region i's weights are
    applied to the regions at the drawn positions among the n - 1 others (a double loop)."""
    z = x - x.mean()
    m2 = np.sum(z ** 2) / len(z)
    Wd = W.toarray()
    p = np.empty(len(z))
    for i in range(len(z)):
        others = np.delete(np.arange(len(z)), i)
        nb = np.flatnonzero(Wd[i])
        obs = z[i] * (Wd[i, nb] @ z[nb]) / m2
        sims = np.array([z[i] * (Wd[i, nb] @ z[others[d[: len(nb)]]]) / m2 for d in draws])
        extreme = np.sum(sims >= obs) if obs >= 0 else np.sum(sims <= obs)
        p[i] = (extreme + 1) / (len(draws) + 1)
    return p


def test_local_moran_vectorised_equals_naive_loop_with_the_same_draws(data):
    from clusternet.spatial.explore import _neighbour_draws

    W, x = data
    W = W.tocsr()
    loc = local_moran(x, W, permutations=99, seed=7)
    draws = _neighbour_draws(len(x), W, 99, 7)
    assert draws.shape == (99, int(np.diff(W.indptr).max()))
    np.testing.assert_array_equal(loc["p_sim"], _naive_local_moran_p(x, W, draws))


_ESDA_CRAND = """
import json, sys
import numpy as np, scipy.sparse as sp, libpysal, esda, esda.crand
d = json.load(sys.stdin)
W = sp.csr_matrix((d["data"], d["indices"], d["indptr"]), shape=(d["n"], d["n"]))
draws = np.array(d["draws"], dtype=np.int64)
esda.crand.vec_permutations = lambda max_card, n, k, seed: draws
esda.crand.boolean = np.bool_  # numba's type name, meaningless with the JIT off
w = libpysal.weights.WSP(W).to_W(silence_warnings=True)
w.transform = "o"
lm = esda.Moran_Local(np.array(d["x"]), w, transformation="o", permutations=len(draws), keep_simulations=True,
                      n_jobs=1, seed=3)
print(json.dumps({"sim": lm.sim.T.tolist(), "Is": lm.Is.tolist(), "p_sim": lm.p_sim.tolist()}))
"""


def test_local_moran_simulations_equal_esda_given_the_same_draws(data):
    """esda's Moran_Local (crand) fed our table of neighbour draws returns the same simulated
    statistics up to its scaling ((n-1)/Σz² instead of n/Σz²) and the same pseudo p-values
    where esda's folded p equals our one-sided one. esda runs in a subprocess with numba's JIT
    off (compiling crand costs minutes on a loaded machine; the Python path is the same code)."""
    import json
    import os
    import subprocess
    import sys

    from clusternet.spatial.explore import _neighbour_draws, conditional_permutation_sims

    W, x = data
    W = W.tocsr()
    n, P = len(x), 199
    draws = _neighbour_draws(n, W, P, 3)
    payload = {"data": W.data.tolist(), "indices": W.indices.tolist(), "indptr": W.indptr.tolist(), "n": n,
               "x": x.tolist(), "draws": draws.tolist()}
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", _ESDA_CRAND], input=json.dumps(payload),
                         capture_output=True, text=True, check=True, env={**os.environ, "NUMBA_DISABLE_JIT": "1"})
    lm = json.loads(out.stdout)
    z = x - x.mean()
    m2 = np.sum(z ** 2) / n
    ours = conditional_permutation_sims(z, W, m2, draws)
    Ii = z * (W @ z) / m2
    np.testing.assert_allclose(ours / Ii[:, None], np.array(lm["sim"]) / np.array(lm["Is"])[:, None], rtol=1e-10)
    loc = local_moran(x, W, permutations=P, seed=3)
    larger = np.where(Ii >= 0, np.sum(ours >= Ii[:, None], axis=1), np.sum(ours <= Ii[:, None], axis=1))
    same_side = larger <= P - larger  # where esda's fold picks the same tail as our sign rule
    assert same_side.sum() >= n // 2
    np.testing.assert_allclose(loc["p_sim"][same_side], np.array(lm["p_sim"])[same_side], rtol=1e-12)
