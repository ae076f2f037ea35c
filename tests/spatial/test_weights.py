"""Weights builders, normalisation, island rule, checks, storage and bad input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from clusternet.data import regions
from clusternet.errors import DataError
from clusternet.spatial.weights import (SpatialWeights, apply_island_rule, build_weights, distance_decay_matrix,
                                        economic_matrix, knn_matrix, load_weights, row_standardise)

CODES = regions.codes()


def test_queen_hainan_rule_links_guangdong_symmetrically():
    w = build_weights("queen", {"type": "queen", "islands": {"rule": "nearest", "k": 1}, "normalise": "none"})
    i, j = CODES.index(460000), CODES.index(440000)
    assert w.matrix[i, j] == 1 and w.matrix[j, i] == 1
    assert w.meta["island_links"] == [[460000, 440000]]
    assert w.checks()["islands"] == [] and w.checks()["symmetric"]


def test_centroid_rule_picks_guangxi():
    w = build_weights("q", {"type": "queen", "islands": {"rule": "nearest", "by": "centroid"}, "normalise": "none"})
    assert w.meta["island_links"] == [[460000, 450000]]


def test_queen_without_rule_names_hainan():
    with pytest.raises(DataError, match=r"460000 \(Hainan\).*islands"):
        build_weights("queen", {"type": "queen"})


def test_islands_allowed_keep_zero_row():
    w = build_weights("queen", {"type": "queen", "islands": {"rule": "allow"}})
    assert w.islands() == [460000]
    assert np.asarray(w.matrix.sum(1)).ravel()[CODES.index(460000)] == 0


def test_row_standardised_rows_sum_to_one():
    w = build_weights("knn4", {"type": "knn", "k": 4})
    np.testing.assert_allclose(np.asarray(w.matrix.sum(1)).ravel(), 1.0)
    assert not w.checks()["symmetric"]  # kNN is asymmetric in general


def test_spectral_normalisation_unit_radius_keeps_symmetry():
    w = build_weights("q", {"type": "queen", "islands": {"rule": "nearest"}, "normalise": "spectral"})
    assert np.max(np.abs(np.linalg.eigvals(w.dense()))) == pytest.approx(1.0, abs=1e-10)
    assert w.checks()["symmetric"]


def test_knn_by_hand():
    # points on a line at 0, 1, 3, 7: nearest of 0 is 1, of 1 is 0, of 3 is 1, of 7 is 3
    x = np.array([0.0, 1.0, 3.0, 7.0])
    d = np.abs(x[:, None] - x[None, :])
    assert knn_matrix(d, 1).tolist() == [[0, 1, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]


def test_distance_decay_by_hand():
    d = np.array([[0, 100, 300], [100, 0, 200], [300, 200, 0]], dtype=float)
    inv = distance_decay_matrix(d, "inverse_distance", power=2, cutoff_km=250)
    assert inv[0, 1] == pytest.approx(1e-4) and inv[0, 2] == 0 and inv[1, 2] == pytest.approx(1 / 40000)
    ne = distance_decay_matrix(d, "negative_exponential", scale_km=100)
    assert ne[0, 2] == pytest.approx(np.exp(-3)) and ne[1, 1] == 0


def test_economic_weights_and_equal_means_error():
    assert economic_matrix(np.array([1.0, 3.0, 7.0]), [1, 2, 3])[0, 2] == pytest.approx(1 / 6)
    with pytest.raises(DataError, match=r"regions 110000 \(Beijing\).*120000 \(Tianjin\) have equal means"):
        economic_matrix(np.array([1.0, 1.0, 2.0]), [110000, 120000, 130000])


def test_nested_weights_mix_row_standardised_parts():
    panel = pd.DataFrame({"region_code": CODES, "year": 2020, "v": np.arange(len(CODES), dtype=float) ** 1.5})
    geo_part = build_weights("g", {"type": "inverse_distance"}).dense()
    econ = build_weights("e", {"type": "economic", "variable": "v"}, panel=panel).dense()
    nested = build_weights("n", {"type": "nested", "variable": "v", "phi": 0.3}, panel=panel).dense()
    np.testing.assert_allclose(nested, 0.3 * geo_part + 0.7 * econ, atol=1e-14)


def test_save_load_roundtrip_is_byte_identical(tmp_path):
    w = build_weights("knn4", {"type": "knn", "k": 4})
    w.save(tmp_path / "a.npz")
    w.save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    back = load_weights(tmp_path / "a.npz")
    assert back.ids == w.ids and (back.matrix != w.matrix).nnz == 0


def test_bad_matrices_are_named():
    with pytest.raises(DataError, match=r"not square \(2 x 3\)"):
        SpatialWeights((1, 2), sp.csr_matrix(np.ones((2, 3))))
    with pytest.raises(DataError, match=r"negative weights in the rows of regions 120000"):
        SpatialWeights((110000, 120000), sp.csr_matrix(np.array([[0, 1.0], [-1.0, 0]])))


def test_alignment_names_missing_and_extra_regions():
    w = SpatialWeights((110000, 120000, 130000), row_standardise(np.ones((3, 3)) - np.eye(3)), {"name": "t"})
    with pytest.raises(DataError, match=r"not in the weights: 140000 \(Shanxi\).*not in the data: 130000"):
        w.aligned([110000, 120000, 140000], source="data")
    re = w.aligned([130000, 110000, 120000])
    assert re.ids == (130000, 110000, 120000)


def test_island_rule_error_names_regions():
    m = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], dtype=float)
    with pytest.raises(DataError, match=r"weights 'x': regions 130000 \(Hebei\) have no neighbour"):
        apply_island_rule(m, [110000, 120000, 130000], None, {}, "x")


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 12).flatmap(lambda n: st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 5)),
                                                   min_size=n * n, max_size=n * n)))
def test_row_standardise_property(values):
    n = int(round(len(values) ** 0.5))
    m = np.array(values).reshape(n, n)
    w = row_standardise(m).toarray()
    rows = m.sum(axis=1)
    np.testing.assert_allclose(w.sum(axis=1)[rows > 0], 1.0)
    assert np.all(w[rows == 0] == 0) and np.all(w >= 0)
    # zero pattern preserved
    assert np.array_equal(w > 0, m > 0)
