"""Holm and Benjamini-Hochberg adjusted p-values against statsmodels.stats.multitest."""
import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from clusternet.errors import ConfigError
from clusternet.models.multitest import adjust, benjamini_hochberg, holm


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_holm_and_bh_match_statsmodels(seed):
    p = np.random.default_rng(seed).uniform(0, 0.2, size=11)
    p[3] = p[5]  # a tie
    np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], atol=1e-12)
    np.testing.assert_allclose(benjamini_hochberg(p), multipletests(p, method="fdr_bh")[1], atol=1e-12)


def test_missing_pvalues_stay_out_of_the_family():
    p = [0.01, None, 0.04, float("nan"), 0.03]
    ref = multipletests([0.01, 0.04, 0.03], method="holm")[1]
    out = holm(p)
    assert out[1] is None and out[3] is None
    np.testing.assert_allclose([out[0], out[2], out[4]], ref, atol=1e-12)


def test_hand_computed_holm():
    # m = 3: sorted 0.01, 0.02, 0.04 -> 0.03, 0.04, 0.04 (step-down maximum)
    np.testing.assert_allclose(holm([0.04, 0.01, 0.02]), [0.04, 0.03, 0.04])


def test_unknown_method_and_bad_pvalue():
    with pytest.raises(ConfigError, match="not one of"):
        adjust([0.1], "bonferonni")
    with pytest.raises(ConfigError, match=r"\[0, 1\]"):
        holm([1.5])
