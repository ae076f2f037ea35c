"""National map conventions: Taiwan, Hong Kong and Macau drawn (grey without data), the South
China Sea islands and the maritime boundary line in an inset, print size from config."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib import pyplot as plt

from clusternet.data.regions import codes
from clusternet.report import figures, maps
from clusternet.report.build import province_geometries
from clusternet.report.settings import ReportSettings


def gids(ax) -> dict:
    return {a.get_gid(): a for a in [*ax.collections, *ax.lines, *ax.child_axes] if a.get_gid()}


@pytest.fixture(scope="module")
def national_figure():
    regions = list(codes())
    values = pd.DataFrame({"region_code": regions * 2, "year": [2014] * 31 + [2022] * 31,
                           "dici": np.linspace(0, 1, 62)})
    fig = figures.choropleth(values, "dici", [2014, 2022], province_geometries(), ReportSettings(), "DICI")
    yield fig
    plt.close(fig)


def test_taiwan_hong_kong_macau_and_inset_are_drawn(national_figure):
    main = national_figure.axes[0]
    drawn = gids(main)
    for code in (710000, 810000, 820000, 460000, 440000):
        assert f"region-{code}" in drawn, code
    # no data in the panel for Taiwan, Hong Kong, Macau: grey
    for code in maps.EXTRA_REGIONS:
        face = drawn[f"region-{code}"].get_facecolor()[0]
        assert np.allclose(face[:3], [0xd9 / 255] * 3), code
    assert not np.allclose(drawn["region-110000"].get_facecolor()[0][:3], [0xd9 / 255] * 3)
    assert "maritime-boundary" in drawn
    inset = drawn["south-china-sea-inset"]
    inner = gids(inset)
    assert "maritime-boundary" in inner and "region-460000" in inner and "region-710000" in inner
    lon0, lon1 = inset.get_xlim()
    lat0, lat1 = inset.get_ylim()
    # the inset shows the southernmost islands (Zengmu Ansha ~4 N) and the whole maritime line
    line = maps.maritime_boundary()
    minx, miny, maxx, maxy = line.bounds
    assert lon0 <= minx and maxx <= lon1 and lat0 <= miny and maxy <= lat1
    hainan = maps.region_geometry(460000)
    assert hainan.bounds[1] < 10  # the South China Sea islands are part of the drawn geometry
    assert main.get_ylim()[0] >= 15  # and the main map is cut above them


def test_print_width_from_config(national_figure):
    assert national_figure.get_size_inches()[0] == pytest.approx(16 / 2.54)
    s = ReportSettings.from_section({"maps": {"width_cm": 8, "dpi": 150}})
    assert maps.figure_size(s, 1, 1)[0] == pytest.approx(8 / 2.54) and s.map_dpi == 150


def test_hong_kong_and_macau_keep_their_shape():
    for code in (810000, 820000):
        g = maps.region_geometry(code)
        assert g.is_valid and not g.is_empty and g.area > 0
