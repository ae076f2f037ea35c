"""Gravity networks and binarisation, checked against hand computations."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from clusternet.errors import ConfigError, DataError
from clusternet.network.gravity import (GravitySpec, binarize, combined_distance, composite_mass, economic_gap,
                                        gravity_matrix)

GRAVITY_SECTION = {
    "masses": [{"variable": "patent_grant", "exponent": 0.5}, {"variable": "rd_exp_real", "exponent": 0.5}],
    "direction_weight": "share",
    "distance": {"kind": "geographic"},
    "decay": {"form": "power", "parameter": 2},
}


def test_three_region_gravity_by_hand():
    # masses sqrt(4*9)=6, sqrt(1*16)=4, sqrt(2*8)=4 ; distances 1-2: 2, 1-3: 4, 2-3: 1
    masses = composite_mass(np.array([[4.0, 9.0], [1.0, 16.0], [2.0, 8.0]]), [0.5, 0.5])
    np.testing.assert_allclose(masses, [6.0, 4.0, 4.0], rtol=1e-12)
    d = np.array([[0, 2, 4], [2, 0, 1], [4, 1, 0]], dtype=float)
    spec = GravitySpec.from_config(GRAVITY_SECTION)
    t = gravity_matrix(masses, d, spec)
    # T_12 = 6/(6+4) * 6*4 / 2^2 = 0.6 * 6 = 3.6 ; T_21 = 0.4 * 6 = 2.4
    # T_13 = 0.6 * 24 / 16 = 0.9 ; T_31 = 0.4 * 1.5 = 0.6 ; T_23 = T_32 = 0.5 * 16 = 8
    expected = np.array([[0, 3.6, 0.9], [2.4, 0, 8.0], [0.6, 8.0, 0]])
    np.testing.assert_allclose(t, expected, rtol=1e-12)


def test_exponential_decay_and_no_direction_weight_by_hand():
    spec = GravitySpec.from_config({**GRAVITY_SECTION, "direction_weight": "none",
                                    "decay": {"form": "exponential", "parameter": 100.0}})
    t = gravity_matrix(np.array([2.0, 3.0]), np.array([[0, 50.0], [50.0, 0]]), spec)
    np.testing.assert_allclose(t, [[0, 6 * np.exp(-0.5)], [6 * np.exp(-0.5), 0]], rtol=1e-12)


def test_distance_kinds_by_hand():
    geo = np.array([[0, 100.0], [100.0, 0]])
    gap = economic_gap(np.array([1.0, 5.0]))
    np.testing.assert_allclose(gap, [[0, 4], [4, 0]])
    assert combined_distance("economic", geo, gap)[0, 1] == 4
    assert combined_distance("geographic_times_economic", geo, gap)[0, 1] == 400
    assert combined_distance("geographic_over_economic", geo, gap)[0, 1] == 25


def test_economic_distance_needs_variable():
    with pytest.raises(ConfigError, match="economic_variable"):
        GravitySpec.from_config({**GRAVITY_SECTION, "distance": {"kind": "economic"}})


def test_nonpositive_mass_is_a_clear_error():
    with pytest.raises(DataError, match="region 120000.*mass #2"):
        composite_mass(np.array([[1.0, 2.0], [1.0, 0.0]]), [1, 1], labels=[110000, 120000])
    with pytest.raises(DataError, match="positive and not missing"):
        composite_mass(np.array([[1.0, np.nan]]), [1, 1])


def test_zero_economic_gap_is_a_clear_error():
    with pytest.raises(DataError, match="regions 1 and 2 have the same"):
        economic_gap(np.array([3.0, 3.0, 4.0]), labels=[1, 2, 3])


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, 6, elements=st.floats(0.1, 100)), arrays(np.float64, (6, 6), elements=st.floats(1, 1000)))
def test_share_weights_split_the_symmetric_flow(masses, d):
    # k_ij + k_ji = 1, so T_ij + T_ji equals the undirected gravity M_i M_j D^-2
    d = (d + d.T) / 2
    share = gravity_matrix(masses, d, GravitySpec.from_config(GRAVITY_SECTION))
    sym = gravity_matrix(masses, d, GravitySpec.from_config({**GRAVITY_SECTION, "direction_weight": "none"}))
    np.testing.assert_allclose(share + share.T, sym, rtol=1e-10)
    np.testing.assert_allclose(sym, sym.T, rtol=1e-12)
    assert np.all(np.diag(share) == 0)
    # the larger mass sends the larger flow
    i, j = np.argmax(masses), np.argmin(masses)
    if masses[i] > masses[j]:
        assert share[i, j] > share[j, i]


W = np.array([[0, 5, 1, 3], [2, 0, 2, 2], [9, 1, 0, 1], [0, 0, 4, 0]], dtype=float)


def test_row_mean_rule_by_hand():
    # row means over j != i: 3, 2, 11/3, 4/3
    expected = [[0, 1, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0]]
    np.testing.assert_array_equal(binarize(W, "row_mean"), expected)


def test_quantile_rule_by_hand():
    # off-diagonal values sorted: 0 0 1 1 1 2 2 2 3 4 5 9 ; 0.75-quantile (linear
    # interpolation at position 0.75 * 11 = 8.25) = 3 + 0.25 * (4 - 3) = 3.25
    a = binarize(W, "quantile", quantile=0.75)
    np.testing.assert_array_equal(a, [[0, 1, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0]])


def test_top_k_rule_by_hand_with_ties():
    a = binarize(W, "top_k", k=2)
    # row 1 ties (2, 2, 2) are broken by the lower column index; row 3 keeps only positive ties
    np.testing.assert_array_equal(a, [[0, 1, 0, 1], [1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 1, 0]])
    with pytest.raises(ConfigError, match="k must be between 1 and n-1"):
        binarize(W, "top_k", k=4)


def test_nonzero_rule_and_unknown_rule():
    np.testing.assert_array_equal(binarize(W, "nonzero"), (W > 0).astype(int))
    with pytest.raises(ConfigError, match="binarize.rule"):
        binarize(W, "median")
