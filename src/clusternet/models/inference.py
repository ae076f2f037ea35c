"""Test statistics: one row shape and one Wald computation for every family.

A test row of a result document is ``{name, statistic, df, p_value, note}`` (``df`` an int, a
pair ``[df1, df2]`` for F tests, or null; ``p_value`` null when the test has no reference
distribution, e.g. a weak-instrument F compared with tabulated critical values). Like
linearmodels' ``WaldTestStatistic``, :class:`TestStatistic` holds one test and writes its row.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class TestStatistic:
    name: str
    statistic: float | None
    df: int | list | None
    p_value: float | None
    note: str = ""

    def row(self) -> dict:
        return {"name": self.name, "statistic": self.statistic, "df": self.df, "p_value": self.p_value,
                "note": self.note}


def test_row(name: str, statistic, df, p_value, note: str = "") -> dict:
    """The document row of one test."""
    return TestStatistic(name, statistic, df, p_value, note).row()


def chi2_p_value(statistic: float, df: int) -> float:
    """Upper-tail chi-squared p-value; NaN (null) when ``df`` is not positive."""
    return float(stats.chi2.sf(statistic, df)) if df > 0 else float("nan")


def chi2_test(name: str, statistic: float, df: int, note: str = "") -> dict:
    """A chi-squared test row (Wald, LM, Hausman, Sargan/Hansen)."""
    return test_row(name, statistic, df, chi2_p_value(statistic, df), note)


def wald_statistic(b: np.ndarray, V: np.ndarray, *, singular_is_nan: bool = False) -> float:
    """``b' V^{-1} b``. With ``singular_is_nan`` a rank-deficient ``V`` (e.g. more tested
    coefficients than clusters) gives NaN instead of an error."""
    b, V = np.asarray(b, dtype=float), np.asarray(V, dtype=float)
    if singular_is_nan and np.linalg.matrix_rank(V) < b.size:
        return float("nan")
    return float(b @ np.linalg.solve(V, b))


def wald_test(name: str, b: np.ndarray, V: np.ndarray, note: str = "", *, singular_is_nan: bool = False) -> dict:
    """Wald chi-squared test of H0: b = 0 with covariance V (df = len(b))."""
    return chi2_test(name, wald_statistic(b, V, singular_is_nan=singular_is_nan), int(np.size(b)), note)
