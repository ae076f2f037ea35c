"""clusternet.indices against base-R implementations of the published formulas
(tests/reference/indices_reference.R -> fixtures/indices_reference.json)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clusternet.indices import agglomeration, disparity, dynamics, weighting
from clusternet.indices.composite import IndexOptions, compute_index
from clusternet.indices.normalise import normalise
from clusternet.indices.system import parse_system

FIXTURE = Path(__file__).resolve().parents[1] / "reference" / "fixtures" / "indices_reference.json"
TOL = 1e-6


@pytest.fixture(scope="module")
def ref():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def data(ref):
    inp = ref["input"]
    X = np.column_stack(inp["X"])
    df = pd.DataFrame(X, columns=inp["names"])
    df.insert(0, "region_code", inp["region"])
    df.insert(1, "year", inp["year"])
    df["group"] = inp["group"]
    return df, X, np.array(inp["direction"]), np.array(inp["year"])


def system(names, directions):
    dims = [{"key": "dim1", "indicators": [{"variable": v, "direction": "+" if d > 0 else "-"}
                                           for v, d in zip(names[:2], directions[:2])]},
            {"key": "dim2", "indicators": [{"variable": v, "direction": "+" if d > 0 else "-"}
                                           for v, d in zip(names[2:], directions[2:])]}]
    return parse_system({"name": "idx", "dimensions": dims})


@pytest.mark.parametrize("method", ["minmax_panel", "minmax_year", "zscore"])
def test_normalisation(ref, data, method):
    _, X, d, years = data
    Z = normalise(X, d, method, years)
    np.testing.assert_allclose(Z, np.column_stack(ref["normalised"][method]), atol=TOL, rtol=0)


@pytest.mark.parametrize("method,key,kwargs,norm", [
    ("entropy", "entropy", {}, "minmax_panel"),
    ("entropy", "entropy_shift", {"entropy_zero": "shift", "entropy_shift": 1e-4}, "minmax_panel"),
    ("critic", "critic", {}, "minmax_panel"),
    ("pca_first", "pca_first", {}, "minmax_panel"),
    ("pca_variance", "pca_variance", {}, "minmax_panel"),
    ("pca_variance", "pca_variance_050", {"variance_share": 0.5}, "minmax_panel"),
    ("equal", "equal", {}, "minmax_panel"),
    ("critic", "critic_zscore", {}, "zscore"),
    ("pca_first", "pca_first_zscore", {}, "zscore"),
])
def test_weights_match_r(ref, data, method, key, kwargs, norm):
    _, X, d, years = data
    w = weighting.weights(method, normalise(X, d, norm, years), **kwargs)
    np.testing.assert_allclose(w, ref["weights"][key], atol=TOL, rtol=0)


def test_topsis_matches_r(ref, data):
    _, X, d, _ = data
    Z = normalise(X, d)
    np.testing.assert_allclose(weighting.topsis_scores(Z, weighting.entropy_weights(Z)), ref["topsis"], atol=TOL)


@pytest.mark.parametrize("method", ["entropy", "critic"])
def test_hierarchical_index_matches_r(ref, data, method):
    df, _, d, _ = data
    res = compute_index(df, system(list(df.columns[2:7]), d), method)
    r = ref["hierarchical"][method]
    np.testing.assert_allclose(res.scores["overall"], r["overall"], atol=TOL)
    np.testing.assert_allclose(res.scores["dim1"], r["dim1"], atol=TOL)
    np.testing.assert_allclose(res.scores["dim2"], r["dim2"], atol=TOL)
    w = res.weights.set_index(["node", "item"])["weight"]
    np.testing.assert_allclose([w[("idx", "dim1")], w[("idx", "dim2")]], r["w_top"], atol=TOL)
    np.testing.assert_allclose([w[("idx/dim2", v)] for v in "cde"], r["w_dim2"], atol=TOL)


def test_flat_index_matches_r(ref, data):
    df, _, d, _ = data
    sysm = system(list(df.columns[2:7]), d)
    res = compute_index(df, sysm, "entropy", IndexOptions(aggregation="flat"))
    r = ref["flat"]["entropy"]
    for col in ("overall", "dim1", "dim2"):
        np.testing.assert_allclose(res.scores[col], r[col], atol=TOL)
    g = res.weights[res.weights["level"] == "indicator"].set_index("item")["global_weight"]
    np.testing.assert_allclose(g[list("abcde")], r["w"], atol=TOL)
    top = compute_index(df, sysm, "entropy_topsis", IndexOptions(aggregation="flat"))
    np.testing.assert_allclose(top.scores["overall"], ref["flat"]["topsis_overall"], atol=TOL)
    np.testing.assert_allclose(top.scores["dim1"], ref["flat"]["topsis_dim1"], atol=TOL)


def test_year_by_year_weights_match_r(ref, data):
    df, _, d, _ = data
    res = compute_index(df, system(list(df.columns[2:7]), d), "entropy",
                        IndexOptions(aggregation="flat", scope="year"))
    ind = res.weights[res.weights["level"] == "indicator"]
    for i, year in enumerate(sorted(df["year"].unique())):
        g = ind[ind["year"] == year].set_index("item")["global_weight"]
        np.testing.assert_allclose(g[list("abcde")], ref["weights"]["year_entropy"][i], atol=TOL)


def test_dagum_and_theil_match_r(ref, data):
    df, *_ = data
    dg, th = disparity.by_year(df, "a")
    for i, r in enumerate(ref["dagum"]):
        row = dg.iloc[i]
        for k in ("gini", "within", "between", "transvariation"):
            assert row[k] == pytest.approx(r[k], abs=TOL)
        for g, v in r["group"].items():
            assert row[f"gini_{g}"] == pytest.approx(v, abs=TOL)
        for pair, v in r["pair"].items():
            a, b = pair.split("|")
            col = f"gini_{a}-{b}" if f"gini_{a}-{b}" in row.index else f"gini_{b}-{a}"
            assert row[col] == pytest.approx(v, abs=TOL)
    for i, r in enumerate(ref["theil"]):
        for k in ("theil", "within", "between"):
            assert th.iloc[i][k] == pytest.approx(r[k], abs=TOL)


def test_location_quotient_and_concentration_match_r(ref, data):
    df, *_ = data
    np.testing.assert_allclose(agglomeration.location_quotient(df, ["a", "e"], ["b"]), ref["lq"], atol=TOL)
    c = agglomeration.concentration(df, ["a", "e"], ["b"])
    np.testing.assert_allclose(c["hhi"], ref["hhi"], atol=TOL)
    np.testing.assert_allclose(c["hoover"], ref["hoover"], atol=TOL)


@pytest.mark.parametrize("kind", ["absolute", "conditional"])
def test_beta_convergence_matches_r(ref, data, kind):
    df, *_ = data
    r = dynamics.beta_convergence(df, "a", kind, "log")
    i = r.names.index("initial")
    assert r.params[i] == pytest.approx(ref["beta"][kind]["beta"], abs=TOL)
    assert r.std_errors[i] == pytest.approx(ref["beta"][kind]["se"], abs=TOL)


def test_spearman_matrix_matches_scipy(data):
    from scipy.stats import spearmanr

    from clusternet.indices.composite import spearman_matrix

    df, *_ = data
    cols = df[["a", "b", "c", "d"]]  # c has ties: average ranks
    np.testing.assert_allclose(spearman_matrix(cols).to_numpy(), spearmanr(cols.to_numpy()).statistic, atol=1e-12)


def test_rank_table_by_year():
    from clusternet.indices.composite import rank_table

    df = pd.DataFrame({"region_code": [1, 2, 3, 1, 2, 3], "year": [2020] * 3 + [2021] * 3,
                       "v": [0.5, 0.9, 0.5, 0.1, 0.2, np.nan]})
    t = rank_table(df, "v").set_index("region_code")
    assert t["2020"].tolist() == [2, 1, 2]  # ties share the smallest rank
    assert t.loc[[1, 2], "2021"].tolist() == [2, 1]
