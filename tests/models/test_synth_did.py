"""Synthetic DID against the `synthdid` port of the authors' R package (synthdid-py 0.1.0) on its
California Proposition 99 example, and against the published estimate (Arkhangelsky et al. 2021,
AER 111(12), Table 1: SDID −15.6)."""
import numpy as np
import pytest

from clusternet.models.synth_did import synthdid_estimate

sd = pytest.importorskip("synthdid")


def test_california_prop99_equals_the_package_and_the_paper():
    panel = sd.panel_matrices(sd.load_california_prop99())
    ours = synthdid_estimate(np.asarray(panel.Y, float), panel.N0, panel.T0)
    ref = sd.synthdid_estimate(panel.Y, panel.N0, panel.T0)
    # same algorithm (Frank-Wolfe with the same stopping rule): equal to rounding
    assert ours.estimate == pytest.approx(float(ref), abs=1e-8)
    np.testing.assert_allclose(ours.omega, np.asarray(ref.weights.omega).ravel(), atol=1e-10)
    np.testing.assert_allclose(ours.lam, np.asarray(ref.weights.lambda_).ravel(), atol=1e-10)
    assert round(ours.estimate, 1) == -15.6  # published, Table 1


def test_recovers_a_constant_effect_on_a_factor_panel():
    rng = np.random.default_rng(0)
    N0, N1, T0, T1 = 30, 3, 12, 5
    N, T = N0 + N1, T0 + T1
    f = rng.normal(size=(T, 2))
    load = rng.normal(size=(N, 2))
    Y = load @ f.T + rng.normal(size=(N, 1)) + rng.normal(size=(1, T)) + 0.05 * rng.normal(size=(N, T))
    Y[N0:, T0:] += 2.0
    assert synthdid_estimate(Y, N0, T0).estimate == pytest.approx(2.0, abs=0.15)
