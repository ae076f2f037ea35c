"""`clusternet indices` and `clusternet disparity` end to end on a synthetic panel
shaped like the real one (31 provinces x 2011-2022, every variable of the default
indicator system), with the repository's config files."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from clusternet.cli.app import main
from clusternet.data import regions
from clusternet.indices import stages
from clusternet.io import read_json

ROOT = Path(__file__).resolve().parents[2]


def default_variables() -> list[str]:
    spec = yaml.safe_load((ROOT / "config" / "indicators.yaml").read_text(encoding="utf-8"))
    out = []

    def walk(dims):
        for d in dims:
            out.extend(i["variable"] for i in d.get("indicators", []))
            walk(d.get("sub_dimensions", []))

    walk(spec["index"]["dimensions"])
    for lq in spec["agglomeration"]["location_quotients"]:
        out += lq["numerator"] + lq["denominator"]
    return sorted(set(out))


def synthetic_panel(seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    reg = regions.region_table()
    years = np.arange(2011, 2023)
    df = reg[["region_code", "region_zh", "region_en", "group"]].merge(pd.DataFrame({"year": years}), how="cross")
    size = rng.normal(size=len(reg))[df.index // len(years)]
    trend = 0.08 * (df["year"] - 2011)
    for v in default_variables():
        df[v] = np.exp(2 + size * rng.uniform(0.5, 1.5) + trend + rng.normal(scale=0.3, size=len(df)))
        if v.startswith("dig_"):  # as in the real panel, the digital-economy series start in 2013
            df.loc[df["year"] < 2013, v] = np.nan
    df.loc[(df["year"] == 2013) & (df["region_code"] == 110000), "dig_ipv4"] = np.nan
    return df[["region_code", "year", "region_zh", "region_en", "group"] + default_variables()]


def fake_knn(codes, k):
    """Stand-in for clusternet.data.geo: k nearest codes on the line of sorted codes."""
    n = len(codes)
    W = np.zeros((n, n))
    for i in range(n):
        for j in np.argsort(np.abs(np.arange(n) - i), kind="stable")[1:k + 1]:
            W[i, j] = 1.0
    return W


@pytest.fixture()
def project(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "config", tmp_path / "config")
    (tmp_path / "data" / "processed").mkdir(parents=True)
    synthetic_panel().to_parquet(tmp_path / "data" / "processed" / "panel.parquet", index=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(stages, "spatial_weights", fake_knn)
    return tmp_path


def run(*argv) -> int:
    return main(list(argv) + ["--config", "config/config.yaml"])


def test_indices_and_disparity_outputs(project):
    assert run("indices") == 0
    table = pd.read_parquet("data/processed/indices.parquet")
    assert len(table) == 31 * 12
    for col in ["dici", "dici_infrastructure", "dici_industry", "dici_innovation", "dici_application",
                "dici__critic", "dici__entropy_topsis", "dici_application__pca_variance",
                "lq_digital_revenue", "lq_digital_employment"]:
        assert col in table.columns, col
    np.testing.assert_array_equal(table["dici"], table["dici__entropy"])
    # index.missing: complete_years -> the index exists only where every indicator is observed
    assert table.loc[table["year"] >= 2014].filter(like="dici").notna().all().all()
    assert table.loc[table["year"] <= 2013].filter(like="dici").isna().all().all()
    assert table.loc[table["year"] == 2013, "lq_digital_employment"].notna().all()
    w = pd.read_csv("results/indices/weights.csv")
    sums = w.groupby(["method", "node"])["weight"].sum()
    np.testing.assert_allclose(sums, 1.0, atol=1e-12)
    assert set(w["method"]) == {"entropy", "critic", "pca_first", "pca_variance", "equal", "entropy_topsis"}
    assert "软件业务收入" in set(w["label_zh"])  # labels from the codebook
    corr = pd.read_csv("results/indices/rank_correlation.csv", index_col="method")
    np.testing.assert_allclose(np.diag(corr), 1.0)
    ranks = pd.read_csv("results/indices/ranks.csv")
    assert sorted(ranks["2015"]) == list(range(1, 32))
    assert "2013" not in ranks.columns
    art = read_json("results/indices/artefacts.json")
    assert all(Path(i["path"]).exists() for i in art["items"])
    assert [Path(i["path_zh"]).name for i in art["items"] if i["kind"] == "figure"] == ["group_trend.zh.png"]
    assert all(Path(i["path_zh"]).exists() for i in art["items"] if "path_zh" in i)

    assert run("disparity") == 0
    dagum = pd.read_csv("results/disparity/dagum.csv")
    assert set(dagum["variable"]) >= {"dici", "dici_innovation"}
    assert sorted(set(dagum["year"])) == list(range(2014, 2023))
    np.testing.assert_allclose(dagum["within"] + dagum["between"] + dagum["transvariation"], dagum["gini"],
                               atol=1e-12)
    markov = pd.read_csv("results/disparity/markov.csv")
    np.testing.assert_allclose(markov.groupby(["variable", "from_class"])["probability"].sum(), 1.0)
    sm = pd.read_csv("results/disparity/spatial_markov.csv")
    assert set(sm["lag_class"]) == {1, 2, 3, 4}
    beta = read_json("results/disparity/beta_conditional.json")
    assert beta["model"] == "convergence.beta_conditional" and beta["effects"]["entity"]
    art = read_json("results/disparity/artefacts.json")
    assert all(Path(i["path"]).exists() for i in art["items"])
    assert [Path(i["path_zh"]).name for i in art["items"] if i["kind"] == "figure"] == ["kde.zh.png"]
    assert all(Path(i["path_zh"]).exists() for i in art["items"] if "path_zh" in i)

    # Determinism: a second run gives byte-identical files (data, tables, documents, figures).
    files = ["data/processed/indices.parquet", "results/indices/weights.csv", "results/indices/group_trend.png",
             "results/indices/group_trend.pdf", "results/disparity/dagum.csv", "results/disparity/beta_absolute.json",
             "results/disparity/kde.png", "results/disparity/kde.pdf", "results/disparity/spatial_markov.csv"]
    first = {f: Path(f).read_bytes() for f in files}
    assert run("indices") == 0 and run("disparity") == 0
    for f in files:
        assert Path(f).read_bytes() == first[f], f


def test_missing_panel_is_a_clear_error(project, capsys):
    Path("data/processed/panel.parquet").unlink()
    assert run("indices") == 2
    assert "panel.parquet does not exist" in capsys.readouterr().err


def test_unknown_config_key_is_rejected(project, capsys):
    spec = yaml.safe_load(Path("config/indicators.yaml").read_text(encoding="utf-8"))
    spec["index"]["weighting"] = "entropy"
    Path("config/indicators.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    assert run("indices") == 2
    err = capsys.readouterr().err
    assert "unknown key" in err and "weighting" in err


def test_disparity_variable_not_in_indices(project, capsys):
    pd.read_parquet("data/processed/panel.parquet")[["region_code", "year"]].assign(dici=1.0).to_parquet(
        "data/processed/indices.parquet")
    spec = yaml.safe_load(Path("config/indicators.yaml").read_text(encoding="utf-8"))
    spec["disparity"]["variables"] = ["dici_nonexistent"]
    Path("config/indicators.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    assert run("disparity") == 2
    assert "disparity.variables: 'dici_nonexistent'" in capsys.readouterr().err


def test_knn_weights_from_province_centroids():
    codes = regions.codes()
    W = stages.spatial_weights(codes, 4)
    assert W.shape == (31, 31)
    np.testing.assert_array_equal((W > 0).sum(axis=1), 4)
    np.testing.assert_allclose(W.sum(axis=1), 1.0)
    assert np.trace(W) == 0
    index = {c: i for i, c in enumerate(codes)}
    assert W[index[110000], index[120000]] == 0.25  # Tianjin is among Beijing's 4 nearest
    assert (W[index[460000]] > 0).sum() == 4  # Hainan (no land neighbour) still has neighbours
