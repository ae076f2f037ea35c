"""The shared panel kernel (models/panel.py, issues 10 and 19) against brute-force versions."""
from __future__ import annotations

import numpy as np
import pytest

from clusternet.errors import EstimationError
from clusternet.models import panel


def test_group_sums_bitwise_equal_to_ufunc_at():
    """bincount accumulates in row order like np.add.at: the v0.1 results to the last bit."""
    rng = np.random.default_rng(0)
    values = rng.normal(size=(5000, 4)) * 10 ** rng.uniform(-3, 3, size=(5000, 1))
    codes = rng.integers(0, 37, size=5000)
    ref = np.zeros((40, 4))
    np.add.at(ref, codes, values)
    np.testing.assert_array_equal(panel.group_sums(values, codes, 40), ref)


@pytest.mark.parametrize("balanced", [True, False])
def test_two_way_demean_equals_dummy_regression(balanced):
    rng = np.random.default_rng(1)
    n, t = 30, 6
    ent, tim = np.repeat(np.arange(n), t), np.tile(np.arange(t), n)
    if not balanced:
        keep = rng.uniform(size=n * t) > 0.15
        keep[:t] = True
        ent, tim = ent[keep], tim[keep]
    v = rng.normal(size=(len(ent), 2))
    D = np.column_stack([ent == i for i in range(n)] + [tim == s for s in range(1, t)]).astype(float)
    brute = v - D @ np.linalg.lstsq(D, v, rcond=None)[0]
    got = panel.two_way_demean(v, ent, n, tim, t, balanced=balanced)
    np.testing.assert_allclose(got, brute, atol=1e-12)


def test_check_rank_names_the_collinear_column():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 3))
    X = np.column_stack([X, X[:, 0] - 2 * X[:, 2]])
    with pytest.raises(EstimationError, match="'d' is a linear combination"):
        panel.check_rank(X, X, ["a", "b", "c", "d"], "twfe")
    panel.check_rank(X[:, :3], X[:, :3], ["a", "b", "c"], "twfe")  # full rank passes
