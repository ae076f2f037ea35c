"""The panel schema's errors name the column, the check and the failing row's region and year."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusternet.data import regions
from clusternet.data.schema import validate_panel
from clusternet.errors import DataError


def _panel(first=2020, last=2021):
    table = regions.region_table()
    rows = table.merge(pd.DataFrame({"year": range(first, last + 1)}), how="cross")
    rows["x"] = 1.0
    return rows[["region_code", "year", "region_zh", "region_en", "group", "x"]]


def test_valid_panel_passes():
    validate_panel(_panel(), {"x": {"min": 0}}, 2020, 2021)


def test_bound_violation_names_column_region_and_year():
    panel = _panel()
    i = panel.index[(panel["region_code"] == 440000) & (panel["year"] == 2021)][0]
    panel.loc[i, "x"] = -5.0
    with pytest.raises(DataError, match=r"column 'x'.*-5\.0.*region_code=440000, year=2021"):
        validate_panel(panel, {"x": {"min": 0}}, 2020, 2021)


def test_infinite_value_and_unbalanced_panel_are_errors():
    panel = _panel()
    panel.loc[0, "x"] = np.inf
    with pytest.raises(DataError, match=r"column 'x'.*infinite"):
        validate_panel(panel, {"x": {}}, 2020, 2021)
    with pytest.raises(DataError, match="not balanced"):
        validate_panel(_panel().iloc[1:], {"x": {}}, 2020, 2021)
