"""Atomic writes, deterministic JSON and result documents."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from clusternet.errors import ClusternetError
from clusternet.io import atomic_directory, atomic_path, dumps_json, write_json
from clusternet.results import coefficient_table, make_result, read_result, write_result


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(ValueError), atomic_path(target) as tmp:
        tmp.write_text("new")
        raise ValueError
    assert target.read_text() == "old"


def test_outputs_get_the_umask_mode_not_the_private_temporary_mode(tmp_path):
    """mkstemp/mkdtemp make 0600/0700; the final file and directory get 0666/0777 minus the umask."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        write_json(tmp_path / "a.json", {"a": 1})
        with atomic_directory(tmp_path / "out") as d:
            (d / "x.txt").write_text("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o755


def test_atomic_directory_replaces_whole_or_not_at_all(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "stale.txt").write_text("old")
    with pytest.raises(RuntimeError), atomic_directory(target) as d:
        (d / "new.txt").write_text("new")
        raise RuntimeError("boom")
    assert sorted(p.name for p in target.iterdir()) == ["stale.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary left behind
    with atomic_directory(target) as d:
        (d / "new.txt").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_json_is_deterministic_and_nan_becomes_null(tmp_path):
    obj = {"b": np.float64(1.5), "a": [np.int64(2), float("nan")], "c": np.bool_(True)}
    assert dumps_json(obj) == dumps_json(dict(reversed(list(obj.items()))))
    assert '"a": [\n    2,\n    null\n  ]' in dumps_json(obj)
    write_json(tmp_path / "x.json", obj)
    assert (tmp_path / "x.json").read_text() == dumps_json(obj)


def test_coefficient_table_matches_t_and_normal_formulas():
    rows = coefficient_table(["a", "b"], [1.0, -0.5], [0.5, 0.25], df_resid=10)
    t = stats.t(10)
    assert rows[0]["statistic"] == 2.0
    assert math.isclose(rows[0]["p_value"], 2 * t.sf(2.0), rel_tol=1e-12)
    assert math.isclose(rows[1]["ci_lower"], -0.5 - t.ppf(0.975) * 0.25, rel_tol=1e-12)
    rows = coefficient_table(["a"], [1.0], [0.5])
    assert math.isclose(rows[0]["p_value"], 2 * stats.norm.sf(2.0), rel_tol=1e-12)


def _doc(**kw):
    base = dict(model="panel.twfe", dependent="y", coefficients=coefficient_table(["x"], [1.0], [0.1]),
                covariance={"type": "cluster"}, nobs=10, spec={"y": "y"},
                provenance={"code_version": "t", "inputs": {}})
    base.update(kw)
    return make_result(**base)


def test_result_round_trip(tmp_path):
    write_result(tmp_path / "r.json", _doc())
    assert read_result(tmp_path / "r.json")["coefficients"][0]["name"] == "x"


def test_invalid_result_is_refused_and_not_written(tmp_path):
    doc = _doc()
    doc["model"] = "Not A Model"
    with pytest.raises(ClusternetError, match=r"r\.json: result document invalid at model: 'Not A Model'"):
        write_result(tmp_path / "r.json", doc)
    assert not (tmp_path / "r.json").exists()


def test_covariance_type_is_enumerated(tmp_path):
    """A covariance type no estimator writes (e.g. a fixture's "clustering") is refused."""
    doc = _doc(covariance={"type": "clustering"})
    with pytest.raises(ClusternetError, match=r"covariance/type: 'clustering' is not one of"):
        write_result(tmp_path / "r.json", doc)
