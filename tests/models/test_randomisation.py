"""Randomisation inference: the vectorised FWL refits against a refit loop with explicit dummies,
the seeded draws against v0.1's loop, and a full enumeration on a small design."""
import itertools

import numpy as np
import pandas as pd
import pytest

from clusternet.models.randomisation import randomisation_pvalue
from clusternet.models.wildboot import linear_design


def _panel(seed=0, n=8, t=6, effect=0.0):
    rng = np.random.default_rng(seed)
    codes = np.arange(1, n + 1) * 10000 + 100000
    ids = np.repeat(codes, t)
    years = np.tile(np.arange(2010, 2010 + t), n)
    a = rng.normal(size=n)[np.repeat(np.arange(n), t)]
    lam = rng.normal(size=t)[np.tile(np.arange(t), n)]
    z = rng.normal(size=n * t)
    adoption = {int(codes[0]): 2012, int(codes[1]): 2013, int(codes[2]): 2013}
    d = np.array([1.0 if c in adoption and y >= adoption[c] else 0.0 for c, y in zip(ids, years)])
    y = effect * d + 0.5 * z + a + lam + rng.normal(size=n * t)
    return pd.DataFrame({"region_code": ids, "year": years, "y": y, "z": z}), adoption


def _spec(adoption):
    return {"name": "ri", "model": "twfe", "y": "y", "x": ["d"], "controls": ["z"],
            "policy_dummy": {"name": "d", "adoption_years": adoption}, "cov": {"type": "cluster", "small_sample": "sss"}}


def _loop_pvalue(df, adoption, perms, regions):
    """v0.1's algorithm written out: rebuild the dummy, refit by OLS with explicit dummies."""
    ent = pd.get_dummies(df["region_code"], drop_first=True, dtype=float).to_numpy()
    yr = pd.get_dummies(df["year"], drop_first=True, dtype=float).to_numpy()
    first = np.array([adoption.get(int(r), np.inf) for r in regions], float)
    pos = np.searchsorted(regions, df["region_code"].to_numpy())

    def beta(f):
        d = (df["year"].to_numpy() >= f[pos]).astype(float)
        X = np.column_stack([d, df["z"], np.ones(len(df)), ent, yr])
        return np.linalg.lstsq(X, df["y"].to_numpy(), rcond=None)[0][0]

    b0 = beta(first)
    hits = sum(abs(beta(first[p])) >= abs(b0) - 1e-12 * max(1, abs(b0)) for p in perms)
    return (1 + hits) / (1 + len(perms))


def test_vectorised_refits_equal_the_loop():
    df, adoption = _panel(1, effect=0.8)
    design = linear_design(df.assign(d=0.0), _spec(adoption))
    out = randomisation_pvalue(design, "d", np.random.default_rng(3), 199, adoption)
    regions = np.unique(df["region_code"])
    rng = np.random.default_rng(3)
    perms = [rng.permutation(np.arange(regions.size)) for _ in range(199)]
    assert out["p_value"] == pytest.approx(_loop_pvalue(df, adoption, perms, regions), abs=1e-12)
    assert out["n_treated_clusters"] == 3


def test_full_enumeration_of_assignments():
    """With every distinct assignment of the three adoption years to 8 regions (8·7·6/2 = 168),
    the p-value is the exact randomisation p-value, computed here by brute force."""
    df, adoption = _panel(2, effect=0.0)
    design = linear_design(df.assign(d=0.0), _spec(adoption))
    regions = np.unique(df["region_code"])
    years = sorted(adoption.values())
    assignments = []
    for who in itertools.permutations(range(regions.size), 3):
        a = {int(regions[w]): y for w, y in zip(who, years)}
        if a not in assignments:
            assignments.append(a)
    from clusternet.models.randomisation import _paths, permutation_coefficients
    P, pos, tpos = _paths(design, adoption, None)
    # each assignment as a permutation of the observed rows of P
    first = np.array([adoption.get(int(r), np.inf) for r in regions])
    perms = []
    for a in assignments:
        target = np.array([a.get(int(r), np.inf) for r in regions])
        perm, used = [], set()
        for tgt in target:
            j = next(j for j in range(regions.size) if first[j] == tgt and j not in used)
            used.add(j)
            perm.append(j)
        perms.append(perm)
    betas = permutation_coefficients(design, "d", np.array(perms), P, pos, tpos)
    b_obs = betas[assignments.index(adoption)]
    p_exact = np.mean(np.abs(betas) >= abs(b_obs) - 1e-12)
    assert len(assignments) == 168
    # brute force: refit each assignment with lstsq
    ent = pd.get_dummies(df["region_code"], drop_first=True, dtype=float).to_numpy()
    yr = pd.get_dummies(df["year"], drop_first=True, dtype=float).to_numpy()
    ref = []
    for a in assignments:
        d = np.array([1.0 if c in a and y >= a[c] else 0.0 for c, y in zip(df.region_code, df.year)])
        X = np.column_stack([d, df["z"], np.ones(len(df)), ent, yr])
        ref.append(np.linalg.lstsq(X, df["y"].to_numpy(), rcond=None)[0][0])
    np.testing.assert_allclose(betas, ref, rtol=1e-9, atol=1e-10)
    assert 0 < p_exact <= 1


def test_intensity_paths_permuted_whole():
    df, adoption = _panel(3)
    paths = {int(c): {2012: 0.5, 2014: 1.0} for c in list(adoption)[:2]}
    df = df.assign(d=0.0)
    spec = {**_spec(adoption), "policy_dummy": {"name": "d", "intensity": paths}}
    design = linear_design(df, spec)
    out = randomisation_pvalue(design, "d", np.random.default_rng(0), 99, paths=paths)
    assert out["n_treated_clusters"] == 2 and 0 < out["p_value"] <= 1
