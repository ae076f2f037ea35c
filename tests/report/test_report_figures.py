"""Figures: the CJK font is selected and Chinese text renders without missing
glyphs; figures are saved as PNG + PDF with identical bytes on a rerun."""
from __future__ import annotations

import os
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib import pyplot as plt

from clusternet import plotting
from clusternet.report import figures
from clusternet.report.settings import ReportSettings

from report_fixtures import CODES, panel_doc, square_geometries


@pytest.fixture
def cjk():
    if plotting.cjk_font() is None:
        if os.environ.get("CI"):
            pytest.fail("CI run without a CJK font: run `make system-deps` (installs fonts-noto-cjk)")
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    return plotting.cjk_font()


def test_cjk_font_is_selected_first(cjk):
    plotting.setup()
    assert "CJK" in cjk or cjk in plotting.CJK_CANDIDATES
    assert matplotlib.rcParams["font.sans-serif"][0] == cjk
    path = font_manager.findfont(font_manager.FontProperties(family=[cjk]), fallback_to_default=False)
    assert "CJK" in path


def test_chinese_labels_render_without_missing_glyphs(cjk):
    s = ReportSettings(language="zh", labels={"digital": "数字资源禀赋"})
    doc = panel_doc("基准回归", {"digital": 0.5}, {"digital": 0.1})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for boxes
        fig = figures.coefficient_plot({"a": doc}, ["digital"], s, "系数估计值及置信区间")
        fig.canvas.draw()
    plt.close(fig)


def test_choropleth_and_rerun_bytes(tmp_path):
    values = pd.DataFrame({"region_code": CODES * 2, "year": [2011] * 6 + [2014] * 6,
                           "dci": np.r_[np.linspace(0, 1, 6), [np.nan] + list(np.linspace(1, 2, 5))]})
    digests = []
    for run in ("a", "b"):
        fig = figures.choropleth(values, "dci", [2011, 2014], square_geometries(), ReportSettings(), "DCI")
        assert len(fig.axes) == 3  # two maps and the colour bar
        paths = plotting.save_formats(fig, tmp_path / run / "map", ("png", "pdf"), {"code_version": "t"})
        digests.append([open(p, "rb").read() for p in paths])
    assert digests[0] == digests[1]


def test_province_geometries_from_spatial_geo():
    from clusternet.data.regions import codes
    from clusternet.report.build import province_geometries

    geometries = province_geometries()
    assert sorted(geometries) == sorted(codes())
    assert all(g.is_valid and not g.is_empty for g in geometries.values())
    # Beijing lies inside Hebei's outer ring, both near 40°N 116°E.
    beijing, hebei = geometries[110000], geometries[130000]
    assert 115 < beijing.centroid.x < 118 and 39 < beijing.centroid.y < 42
    assert hebei.convex_hull.contains(beijing.centroid)


def test_coefficient_plot_has_one_axis_per_outcome():
    a = panel_doc("A", {"digital": 0.5}, {"digital": 0.1})
    b = panel_doc("B", {"digital": 30.0}, {"digital": 5.0})
    b["dependent"] = "flow"
    c = panel_doc("C", {"digital": 0.4}, {"digital": 0.1})
    fig = figures.coefficient_plot({"a": a, "b": b, "c": c}, ["digital"], ReportSettings(), "T")
    axes = [ax for ax in fig.axes if ax.get_gid()]
    assert [ax.get_gid() for ax in axes] == ["outcome-innov", "outcome-flow"]
    # each axis spans its own outcome's estimates (and the zero line): 30 +- 9.8 is not on the innov axis
    assert axes[0].get_xlim()[1] < 5 and axes[1].get_xlim()[1] > 39
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["(1) A", "(3) C"]
    plt.close(fig)
