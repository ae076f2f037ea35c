"""A small synthetic project for the report tests: config files, a 6-region x
4-year panel with index and node-metric files, result documents with known
numbers (panel, threshold, spatial, moderation), artefact lists and verdicts."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from clusternet.io import write_json
from clusternet.artefacts import artefact, write_artefacts
from clusternet.results import coefficient_table, make_result, write_result

ROOT = Path(__file__).resolve().parents[2]
CODES = [110000, 120000, 310000, 320000, 440000, 510000]
YEARS = [2011, 2012, 2013, 2014]
PROV = {"code_version": "test", "inputs": {}}


def panel_doc(label, estimates, std_errors, *, controls=(), entity=True, time=True, r2w=0.4, clusters=6,
              model="panel.twfe", extra=None, spec_extra=None, vcov=None, df_resid=20):
    names = list(estimates)
    return make_result(
        model=model, dependent="innov", label=label,
        coefficients=coefficient_table(names, list(estimates.values()), [std_errors[n] for n in names],
                                       df_resid=df_resid),
        covariance={"type": "cluster", "options": {"cluster_by": "region_code"}, "n_clusters": clusters},
        nobs=24, n_entities=6, n_periods=4, effects={"entity": entity, "time": time},
        fit={"r2_within": r2w}, spec={"controls": list(controls), **(spec_extra or {})}, provenance=PROV,
        extra=extra, vcov=vcov)


def make_project(root: Path, *, verdicts=True, data=True) -> Path:
    cfg = root / "config"
    (cfg / "schemas").mkdir(parents=True)
    shutil.copy(ROOT / "config/schemas/config.schema.yaml", cfg / "schemas")
    shutil.copy(ROOT / "config/schemas/report.schema.yaml", cfg / "schemas")
    # The codebook section is the data engineer's; a permissive schema stands in for it here.
    (cfg / "schemas/codebook.schema.yaml").write_text("type: object\n")
    (cfg / "codebook.yaml").write_text(yaml.safe_dump({"variables": {
        "innov": {"label_en": "Innovation output", "label_zh": "创新产出"},
        "digital": {"label_en": "Digital endowment", "label_zh": "数字资源禀赋"},
        "policy": {"label_en": "Policy support", "label_zh": "政策激励"}}}, allow_unicode=True))
    (cfg / "report.yaml").write_text(yaml.safe_dump({"language": "en"}))
    (cfg / "config.yaml").write_text(yaml.safe_dump({
        "seed": 1, "years": {"first": 2011, "last": 2014},
        "paths": {"raw": "data/raw", "interim": "data/interim", "processed": "data/processed",
                  "results": "results"},
        "acquire": {"mirror": None},
        "sections": {"report": "report.yaml", "codebook": "codebook.yaml"}}))
    rng = np.random.default_rng(7)
    if data:
        proc = root / "data/processed"
        proc.mkdir(parents=True)
        idx = pd.MultiIndex.from_product([CODES, YEARS], names=["region_code", "year"]).to_frame(index=False)
        panel = idx.assign(region_en="x", region_zh="x", group="East",
                           innov=rng.normal(size=24), digital=rng.normal(size=24), policy=rng.normal(size=24))
        panel.to_parquet(proc / "panel.parquet", index=False)
        # dci lacks 2011 (as an index of series that start later); empty_index has no values at all.
        idx.assign(dci=np.where(idx.year == 2011, np.nan, np.linspace(0, 1, 24)),
                   dci__entropy=np.linspace(1, 0, 24), empty_index=np.nan).to_parquet(
            proc / "indices.parquet", index=False)
        idx.assign(degree=rng.integers(0, 5, 24).astype(float)).to_parquet(proc / "network_nodes.parquet",
                                                                           index=False)
    res = root / "results"
    write_result(res / "models/baseline.json", panel_doc("Baseline", {"digital": 0.5, "policy": 0.2, "gdp": 1.0},
                                                         {"digital": 0.1, "policy": 0.15, "gdp": 0.5},
                                                         controls=["gdp"]))
    write_result(res / "models/year_fe.json", panel_doc("Two-way FE", {"digital": 0.3, "policy": -0.05},
                                                        {"digital": 0.2, "policy": 0.1}, time=False))
    # Layouts as the models stage writes them (clusternet.models.threshold / mechanisms); write_result
    # validates each against the family's extra in the result schema.
    write_result(res / "models/threshold.json", panel_doc(
        "Threshold", {"digital_low": 0.1, "digital_high": 0.6}, {"digital_low": 0.05, "digital_high": 0.2},
        model="panel.threshold",
        extra={"threshold": {
            "variable": "digital", "ci_level": 0.95, "lr_critical_value": 7.352,
            "estimates": [{"threshold": 1, "estimate": 0.42, "ci_lower": 0.3, "ci_upper": 0.5}],
            "bootstrap": {"reps": 300, "seed": 1, "stages": [{"stage": 1, "F": 15.2, "p_value": 0.012}]},
            "lr_curve": [{"threshold": 1, "gamma": [0.2, 0.3, 0.42, 0.5, 0.6], "lr": [12, 6, 0, 5, 14]}]}}))
    grid = np.linspace(-1, 2, 7)
    write_result(res / "models/moderation.json", panel_doc(
        "Moderation", {"digital": 0.4, "policy": 0.1, "digital:policy": 0.2},
        {"digital": 0.1, "policy": 0.1, "digital:policy": 0.05}, model="mechanism.moderation",
        extra={"moderation": {"treatment": "digital", "moderator": "policy", "interaction": "digital:policy",
                              "centring": {"x_mean": 0.0, "z_mean": 0.5},
                              "marginal_effects": {"moderator_values": grid, "effect": 0.4 + 0.2 * (grid - 0.5),
                                                   "std_error": np.full(7, 0.1),
                                                   "ci_lower": 0.4 + 0.2 * (grid - 0.5) - 0.196,
                                                   "ci_upper": 0.4 + 0.2 * (grid - 0.5) + 0.196,
                                                   "ci_level": 0.95}}}))
    write_result(res / "models/did.json", panel_doc(
        "Pilot zones DID", {"att": 0.2, "event[-2]": 0.01, "event[0]": 0.15, "event[1]": 0.25},
        {"att": 0.05, "event[-2]": 0.05, "event[0]": 0.06, "event[1]": 0.07}, model="did.twfe",
        extra={"did": {"estimator": "twfe", "reference_period": -1}}))
    write_result(res / "spatial/models/sdm.json", panel_doc(
        "SDM", {"digital": 0.3, "W_digital": 0.1}, {"digital": 0.1, "W_digital": 0.2}, model="spatial.sdm",
        extra={"spatial": {"weights": "queen", "fixed_effects": "twoway", "effects": {
            "method": "simulation, 1000 draws", "variables": {"digital": {
            "direct": {"estimate": 0.31, "std_error": 0.1, "p_value": 0.002},
            "indirect": {"estimate": 0.12, "std_error": 0.2, "p_value": 0.55},
            "total": {"estimate": 0.43, "std_error": 0.22, "p_value": 0.05}}}}}}))
    (res / "indices").mkdir(parents=True)
    pd.DataFrame({"indicator": ["a", "b"], "weight": [0.25, 0.75]}).to_csv(res / "indices/weights.csv", index=False)
    pd.DataFrame({"x": np.arange(70), "density": np.linspace(0, 1, 70)}).to_csv(res / "indices/kde.csv", index=False)
    write_artefacts(res / "indices/artefacts.json", "indices", "Indices", "指数",
                    [artefact("table", "results/indices/weights.csv", "Index weights", "指数权重"),
                     artefact("table", "results/indices/kde.csv", "Kernel density", "核密度")])
    (res / "disparity").mkdir(parents=True)
    from PIL import Image

    Image.new("RGB", (40, 30), (200, 30, 30)).save(res / "disparity/dagum.png")
    (res / "disparity/dagum.pdf").write_bytes(b"%PDF-1.4 stand-in")
    write_artefacts(res / "disparity/artefacts.json", "disparity", "Regional disparity", "区域差异",
                    [artefact("figure", "results/disparity/dagum.pdf", "Dagum Gini", "Dagum 基尼系数")])
    if verdicts:
        # H1 as clusternet.hypotheses.registry writes it; H2 in the minimal layout the report also reads.
        write_json(res / "hypotheses/verdicts.json", {"schema_version": "1", "kind": "hypothesis_verdicts",
                                                     "hypotheses": [
            {"id": "H1", "mechanism": "M1", "title_en": "Digital endowment sharing",
             "title_zh": "数字资源禀赋共享", "statement_en": "Digital endowment raises innovation.",
             "statement_zh": "数字资源禀赋促进创新。", "reasoning": "Shared data lower search costs.",
             "expected_sign": "positive", "alpha": 0.05, "verdict": "supported", "downgraded": False,
             "estimate": 0.5, "p_value": 0.0001,
             "evidence": [{"result": "results/models/baseline.json", "source": "models",
                           "specification": "baseline", "coefficient": "digital", "test": None, "effect": None,
                           "estimate": 0.5, "std_error": 0.1, "p_value": 0.0001, "ci_lower": 0.3,
                           "ci_upper": 0.7, "verdict": "supported", "sign_agrees": True}],
             "robustness": [{"result": "results/models/year_fe.json", "source": "models",
                             "specification": "year_fe", "coefficient": "digital", "test": None, "effect": None,
                             "estimate": 0.3, "std_error": 0.2, "p_value": 0.15, "ci_lower": -0.1,
                             "ci_upper": 0.7, "verdict": "not_supported", "sign_agrees": True},
                            {"result": "results/spatial/models/sdm.json", "source": "spatial",
                             "specification": "sdm", "coefficient": "digital", "test": None,
                             "effect": "indirect", "estimate": 0.12, "std_error": 0.2, "p_value": 0.55,
                             "ci_lower": -0.27, "ci_upper": 0.51, "verdict": "not_supported",
                             "sign_agrees": True}],
             "robustness_summary": {"n": 2, "agree": 2, "significant": 0}},
            {"id": "H2", "mechanism": "M2", "title_en": "Policy incentives", "verdict": "contradicted",
             "evidence": [{"result": "baseline", "coefficient": "policy"}]},
        ]})
    return root / "config/config.yaml"


def square_geometries():
    """Unit squares in a row, one per synthetic region, standing in for province boundaries."""
    from shapely.geometry import box

    return {code: box(i, 0, i + 1, 1) for i, code in enumerate(CODES)}


def build_synthetic_report(root: Path) -> str:
    """make_project(root), then the report stage on it (square geometries, a fixed code
    version); returns the project's config hash."""
    import pytest

    from clusternet.config import load_config
    from clusternet.report import build

    make_project(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("CLUSTERNET_CODE_VERSION", "test")
        mp.setattr(build, "province_geometries", square_geometries)
        build.build_report(load_config("config/config.yaml"))
        return load_config("config/config.yaml").sha256()
