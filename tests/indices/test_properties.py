"""Property-based tests (hypothesis) of the index engine and the Dagum decomposition."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from clusternet.errors import DataError
from clusternet.indices import disparity, weighting
from clusternet.indices.composite import IndexOptions, compute_index
from clusternet.indices.normalise import normalise
from clusternet.indices.system import parse_system

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
values = st.floats(min_value=0.01, max_value=1e4, allow_nan=False, allow_infinity=False)


@st.composite
def matrices(draw, min_cols=2, max_cols=6):
    n = draw(st.integers(4, 25))
    m = draw(st.integers(min_cols, max_cols))
    X = draw(arrays(np.float64, (n, m), elements=values))
    # Keep at least two varying, not perfectly correlated columns so every method is defined
    # (CRITIC has no information at all when every pair has r = 1).
    X[:, 0] = X[:, 0] + np.arange(n)
    X[:, 1] = X[:, 1] + (np.arange(n) ** 2)[::-1] * 3.0
    return X


@SETTINGS
@given(X=matrices(), method=st.sampled_from(weighting.WEIGHT_METHODS), norm=st.sampled_from(["minmax_panel", "zscore"]))
def test_weights_nonnegative_sum_to_one(X, method, norm):
    if method == "entropy" and norm == "zscore":
        return
    w = weighting.weights(method, normalise(X, np.ones(X.shape[1]), norm))
    assert np.all(np.isfinite(w))
    assert np.all(w >= 0)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)


@SETTINGS
@given(X=matrices(), method=st.sampled_from(weighting.WEIGHT_METHODS), c=values, col=st.integers(0, 5))
def test_constant_indicator_gets_zero_weight_without_nan(X, method, c, col):
    X = np.column_stack([X[:, :col], np.full(X.shape[0], c), X[:, col:]])
    col = min(col, X.shape[1] - 1)
    w = weighting.weights(method, normalise(X, np.ones(X.shape[1])))
    assert np.all(np.isfinite(w))
    assert w[col] == 0.0
    assert w.sum() == pytest.approx(1.0, abs=1e-12)


@SETTINGS
@given(X=matrices(), scale=st.floats(min_value=1e-3, max_value=1e3), j=st.integers(0, 5),
       norm=st.sampled_from(["minmax_panel", "minmax_year"]))
def test_positive_rescaling_leaves_minmax_scores_unchanged(X, scale, j, norm):
    j = j % X.shape[1]
    years = np.arange(X.shape[0]) % 2
    d = np.ones(X.shape[1])
    Y = X.copy()
    Y[:, j] *= scale
    np.testing.assert_allclose(normalise(Y, d, norm, years), normalise(X, d, norm, years), atol=1e-9)


def _panel(X):
    n = X.shape[0]
    df = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    df.insert(0, "region_code", np.arange(n))
    df.insert(1, "year", 2020)
    return df


def _contributions(res, X, names, directions):
    """Per-indicator contributions w_j z_j of a flat index, with z from min-max scores."""
    g = res.weights.set_index("item")["global_weight"]
    Z = normalise(X, directions)
    return {v: g[v] * Z[:, k] for k, v in enumerate(names)}


@SETTINGS
@given(X=matrices(), j=st.integers(0, 5), method=st.sampled_from(["equal", "entropy", "critic", "pca_first"]))
def test_flipping_direction_flips_the_indicator_contribution(X, j, method):
    """Direction - maps the min-max score z_j to 1 - z_j: the indicator's contribution to the
    index is w_j z_j under + and w'_j (1 - z_j) under -, and the index is the sum of contributions."""
    j = j % X.shape[1]
    df = _panel(X)
    names = list(df.columns[2:])
    opts = IndexOptions(aggregation="flat", constant_indicators="drop")  # generated columns may be constant
    runs = {}
    for sign in (1.0, -1.0):
        d = np.ones(len(names))
        d[j] = sign
        spec = {"name": "i", "dimensions": [{"key": "d", "indicators": [
            {"variable": v, "direction": "+" if dk > 0 else "-"} for v, dk in zip(names, d)]}]}
        res = compute_index(df, parse_system(spec), method, opts)
        contrib = _contributions(res, X, names, d)
        np.testing.assert_allclose(res.scores["overall"], sum(contrib.values()), atol=1e-9)
        runs[sign] = (res.weights.set_index("item")["global_weight"][names[j]], contrib[names[j]])
    z = normalise(X[:, [j]], [1.0])[:, 0]
    (w_up, c_up), (w_down, c_down) = runs[1.0], runs[-1.0]
    np.testing.assert_allclose(c_up, w_up * z, atol=1e-9)
    np.testing.assert_allclose(c_down, w_down * (1 - z), atol=1e-9)
    if method == "equal":
        # Equal weights do not depend on the data: the two contributions are mirror images, w z and w (1 - z).
        np.testing.assert_allclose(c_up + c_down, w_up, atol=1e-9)


@SETTINGS
@given(X=matrices(), method=st.sampled_from(list(weighting.SCORE_METHODS)),
       agg=st.sampled_from(["hierarchical", "flat"]))
def test_minmax_index_lies_in_unit_interval(X, method, agg):
    df = _panel(X)
    names = list(df.columns[2:])
    half = max(1, len(names) // 2)
    spec = {"name": "i", "dimensions": [
        {"key": "a", "indicators": [{"variable": v, "direction": "+"} for v in names[:half]]},
        {"key": "b", "indicators": [{"variable": v, "direction": "-"} for v in names[half:]]}]}
    try:
        res = compute_index(df, parse_system(spec), method,
                            IndexOptions(aggregation=agg, constant_indicators="drop"))
    except DataError as exc:  # a dimension whose indicators are all constant has no weights
        assert "constant" in str(exc)
        return
    s = res.scores.to_numpy()
    assert np.isfinite(s).all()
    assert (s >= -1e-12).all() and (s <= 1 + 1e-12).all()


def brute_force_dagum(y, g):
    """Dagum (1997) written out pair by pair (O(n^2) loops), independent of the module."""
    y = list(map(float, y))
    g = list(g)
    n, mu = len(y), sum(y) / len(y)
    G = sum(abs(a - b) for a in y for b in y) / (2 * n * n * mu)
    labels = sorted(set(g), key=lambda l: -np.mean([v for v, h in zip(y, g) if h == l]))
    part = {l: [v for v, h in zip(y, g) if h == l] for l in labels}
    p = {l: len(part[l]) / n for l in labels}
    s = {l: sum(part[l]) / (n * mu) for l in labels}
    def ratio(num, den):
        return num / den if den > 0 else 0.0  # an all-zero group has no inequality
    Gw = sum(ratio(sum(abs(a - b) for a in part[l] for b in part[l]), 2 * len(part[l]) ** 2 * np.mean(part[l]))
             * p[l] * s[l] for l in labels)
    Gnb = Gt = 0.0
    for hi, lo in itertools.combinations(labels, 2):  # hi has the larger mean
        A, B = part[hi], part[lo]
        Gjh = ratio(sum(abs(a - b) for a in A for b in B), len(A) * len(B) * (np.mean(A) + np.mean(B)))
        d = sum(a - b for a in A for b in B if a > b) / (len(A) * len(B))
        q = sum(b - a for a in A for b in B if b > a) / (len(A) * len(B))
        D = (d - q) / (d + q) if d + q > 0 else 0.0
        wgt = Gjh * (p[hi] * s[lo] + p[lo] * s[hi])
        Gnb += wgt * D
        Gt += wgt * (1 - D)
    return G, Gw, Gnb, Gt


@SETTINGS
@given(data=st.data())
def test_dagum_components_add_up_and_match_brute_force(data):
    n = data.draw(st.integers(4, 30))
    y = data.draw(arrays(np.float64, n, elements=st.floats(0.0, 100.0)))
    if y.sum() <= 0:
        y[0] = 1.0
    g = np.array(data.draw(st.lists(st.sampled_from(["East", "Central", "West", "Northeast"]),
                                    min_size=n, max_size=n)))
    res = disparity.dagum_gini(y, g)
    assert res.within + res.between + res.transvariation == pytest.approx(res.gini, abs=1e-10)
    G, Gw, Gnb, Gt = brute_force_dagum(y, g)
    assert res.gini == pytest.approx(G, abs=1e-10)
    assert res.within == pytest.approx(Gw, abs=1e-10)
    assert res.between == pytest.approx(Gnb, abs=1e-10)
    assert res.transvariation == pytest.approx(Gt, abs=1e-10)
    assert 0 <= res.gini <= 1


@SETTINGS
@given(y=arrays(np.float64, st.integers(4, 40), elements=st.floats(0.01, 100.0)),
       groups=st.integers(1, 4))
def test_theil_within_plus_between_is_total(y, groups):
    g = np.arange(y.size) % groups
    res = disparity.theil(y, g)
    assert res.within + res.between == pytest.approx(res.theil, abs=1e-10)
    assert res.theil >= -1e-12
