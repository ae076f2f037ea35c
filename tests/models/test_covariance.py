"""Properties of the covariance estimators that follow from their formulas (the numbers
themselves are checked against plm in test_linear_reference.py)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusternet.errors import ConfigError, EstimationError
from clusternet.models.covariance import CovarianceSpec, bandwidth_for, sandwich_covariance


def _panel(seed: int, n_ent: int = 12, n_t: int = 8, k: int = 3):
    rng = np.random.default_rng(seed)
    entity = np.repeat(np.arange(n_ent), n_t)
    time = np.tile(np.arange(2000, 2000 + n_t), n_ent)
    X = rng.normal(size=(n_ent * n_t, k))
    u = rng.normal(size=n_ent * n_t) * (1 + np.abs(X[:, 0]))
    return X, u, entity, time


def _v(X, u, entity, time, **spec):
    V, info = sandwich_covariance(X, u, CovarianceSpec.from_dict({"min_clusters": 2, **spec}),
                                  df_resid=X.shape[0] - X.shape[1], entity=entity, time=time)
    return V, info


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), cov=st.sampled_from(["robust", "cluster", "driscoll_kraay", "unadjusted"]))
def test_symmetric_positive_semidefinite(seed, cov):
    X, u, e, t = _panel(seed)
    V, _ = _v(X, u, e, t, type=cov)
    assert np.allclose(V, V.T, atol=1e-14)
    assert np.min(np.linalg.eigvalsh(V)) > -1e-12


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.1, 100))
def test_equivariant_to_rescaling_a_regressor(seed, scale):
    # x_j -> c x_j rescales b_j by 1/c, so Var(b_j) by 1/c² and Cov(b_j, b_l) by 1/c
    X, u, e, t = _panel(seed)
    V, _ = _v(X, u, e, t, type="cluster")
    Xs = X.copy()
    Xs[:, 0] *= scale
    Vs, _ = _v(Xs, u, e, t, type="cluster")
    D = np.diag([1 / scale, 1, 1])
    assert np.allclose(Vs, D @ V @ D, rtol=1e-9, atol=0)


def test_cluster_with_singleton_clusters_is_white():
    X, u, e, t = _panel(1)
    n = X.shape[0]
    V_cl, _ = _v(X, u, np.arange(n), t, type="cluster", small_sample="none")
    V_w, _ = _v(X, u, e, t, type="robust", small_sample="none")
    assert np.allclose(V_cl, V_w, rtol=1e-12)


def test_driscoll_kraay_bandwidth_zero_is_cluster_by_time():
    X, u, e, t = _panel(2)
    V_dk, info = _v(X, u, e, t, type="driscoll_kraay", bandwidth=0, small_sample="sss")
    V_ct, _ = sandwich_covariance(X, u, CovarianceSpec.from_dict({"type": "cluster", "small_sample": "sss",
                                                                   "min_clusters": 2}),
                                  df_resid=0, entity=e, time=t, cluster=t)
    assert info["bandwidth"] == 0
    assert np.allclose(V_dk, V_ct, rtol=1e-12)


def test_twoway_is_entity_plus_time_minus_white():
    X, u, e, t = _panel(3)
    V2, info = _v(X, u, e, t, type="twoway", small_sample="none")
    Ve, _ = _v(X, u, e, t, type="cluster", small_sample="none")
    Vt, _ = sandwich_covariance(X, u, CovarianceSpec.from_dict({"type": "cluster", "small_sample": "none",
                                                                 "min_clusters": 2}),
                                df_resid=0, entity=e, time=t, cluster=t)
    Vw, _ = _v(X, u, e, t, type="robust", small_sample="none")
    assert np.allclose(V2, Ve + Vt - Vw, rtol=1e-12)
    assert info["n_clusters"] == {"entity": 12, "time": 8}


def test_twoway_min_df_uses_smaller_cluster_count():
    X, u, e, t = _panel(4)
    n, k = X.shape
    V_min, _ = _v(X, u, e, t, type="twoway", small_sample="sss", twoway_df="min")
    V_raw, _ = _v(X, u, e, t, type="twoway", small_sample="none")
    g = 8
    assert np.allclose(V_min, V_raw * g / (g - 1) * (n - 1) / (n - k), rtol=1e-12)


def test_small_sample_factors():
    X, u, e, t = _panel(5)
    n, k = X.shape
    base, _ = _v(X, u, e, t, type="cluster", small_sample="none")
    hc1, _ = _v(X, u, e, t, type="cluster", small_sample="hc1")
    sss, _ = _v(X, u, e, t, type="cluster", small_sample="sss")
    assert np.allclose(hc1, base * n / (n - k), rtol=1e-12)
    assert np.allclose(sss, base * 12 / 11 * (n - 1) / (n - k), rtol=1e-12)


def test_bandwidth_rules():
    spec = CovarianceSpec.from_dict({"type": "driscoll_kraay"})
    assert bandwidth_for(spec, 12) == 1 and bandwidth_for(spec, 16) == 2  # floor(T^(1/4))
    nw = CovarianceSpec.from_dict({"type": "driscoll_kraay", "bandwidth": "newey_west"})
    assert bandwidth_for(nw, 12) == 2 and bandwidth_for(nw, 100) == 4  # floor(4 (T/100)^(2/9))


def test_too_few_clusters_is_an_error():
    X, u, e, t = _panel(6, n_ent=4)
    with pytest.raises(EstimationError, match="only 4 clusters"):
        sandwich_covariance(X, u, CovarianceSpec.from_dict({"type": "cluster"}), df_resid=1, entity=e, time=t)
    with pytest.raises(EstimationError, match="bandwidth 9"):
        _v(X, u, e, t, type="driscoll_kraay", bandwidth=9)


@pytest.mark.parametrize("bad, match", [
    ({"type": "clustered"}, "type"),
    ({"type": "cluster", "small_sample": "stata"}, "small_sample"),
    ({"type": "cluster", "bandwith": 2}, "unknown covariance option"),
    ({"type": "driscoll_kraay", "bandwidth": -1}, "bandwidth"),
    ({"type": "driscoll_kraay", "kernel": "parzen"}, "kernel"),
    ({"type": "twoway", "twoway_df": "max"}, "twoway_df"),
    ({"type": "cluster", "min_clusters": 1}, "min_clusters"),
])
def test_invalid_options_are_config_errors(bad, match):
    with pytest.raises(ConfigError, match=match):
        CovarianceSpec.from_dict(bad, source="spec 'x': cov")
