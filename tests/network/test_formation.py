"""Explanatory and dependent matrices of the QAP stage, by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusternet.errors import DataError
from clusternet.network.formation import MatrixSpec, dependent_matrix, explanatory_matrix

NODES = [1, 2, 3]
PANEL = pd.DataFrame({"region_code": NODES, "year": 2015, "x": [1.0, 3.0, 7.0], "d": [0.0, 1.0, 1.0]})


def test_absolute_difference_and_similarity_by_hand():
    gap = explanatory_matrix(MatrixSpec("g", "absolute_difference", "x", "panel"), 2015, NODES, {"panel": PANEL}, {})
    np.testing.assert_array_equal(gap, [[0, 2, 6], [2, 0, 4], [6, 4, 0]])
    sim = explanatory_matrix(MatrixSpec("s", "similarity", "x", "panel"), 2015, NODES, {"panel": PANEL}, {})
    # 1 - |x_i - x_j| / (7 - 1)
    np.testing.assert_allclose(sim, [[0, 2 / 3, 0], [2 / 3, 0, 1 / 3], [0, 1 / 3, 0]])
    dummy = explanatory_matrix(MatrixSpec("p", "similarity", "d", "panel"), 2015, NODES, {"panel": PANEL}, {})
    np.testing.assert_array_equal(dummy, [[0, 0, 0], [0, 0, 1], [0, 1, 0]])  # 1 when both have the policy


def test_geography_matrices_and_log_transform():
    dist = np.array([[0, 100.0, 200.0], [100.0, 0, 50.0], [200.0, 50.0, 0]])
    out = explanatory_matrix(MatrixSpec("d", "great_circle", transform="log"), 2015, NODES, {},
                             {"great_circle": dist})
    np.testing.assert_allclose(out, np.where(dist > 0, np.log(np.where(dist > 0, dist, 1)), 0))
    with pytest.raises(DataError, match="transform log needs positive values"):
        explanatory_matrix(MatrixSpec("c", "contiguity", transform="log"), 2015, NODES, {},
                           {"contiguity": np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])})


def test_missing_values_and_sources_are_clear_errors():
    panel = PANEL.assign(x=[1.0, np.nan, 2.0])
    with pytest.raises(DataError, match="x is missing for region_code 2 in 2015 \\(qap matrix g\\)"):
        explanatory_matrix(MatrixSpec("g", "absolute_difference", "x", "panel"), 2015, NODES, {"panel": panel}, {})
    with pytest.raises(DataError, match="no row for region_code 3 in year 2015"):
        explanatory_matrix(MatrixSpec("g", "absolute_difference", "x", "panel"), 2015, NODES,
                           {"panel": PANEL.iloc[:2]}, {})
    with pytest.raises(DataError, match="source 'indices' was not loaded"):
        explanatory_matrix(MatrixSpec("g", "absolute_difference", "dici", "indices"), 2015, NODES, {}, {})


def test_dependent_matrix_from_edge_table():
    edges = pd.DataFrame({"source": [1, 1, 2, 2, 3, 3], "target": [2, 3, 1, 3, 1, 2], "year": 2015,
                          "weight": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "tie": [0, 1, 1, 1, 0, 0]})
    w = dependent_matrix(edges, 2015, NODES, {"dependent": {"tie": "weight", "transform": "log1p"}})
    np.testing.assert_allclose(w, np.log1p([[0, 1, 2], [3, 0, 4], [5, 6, 0]]))
    b = dependent_matrix(edges, 2015, NODES, {"dependent": {"tie": "binary", "transform": "none"}})
    np.testing.assert_array_equal(b, [[0, 0, 1], [1, 0, 1], [0, 0, 0]])
    with pytest.raises(DataError, match="no ties for year 2016"):
        dependent_matrix(edges, 2016, NODES, {"dependent": {"tie": "weight", "transform": "none"}})
