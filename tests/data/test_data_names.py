"""Province-name normaliser: the real variants, aggregates, unknown names, and a property test."""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusternet.data import regions as reg
from clusternet.data.names import AGGREGATE, closest, map_names, region_code
from clusternet.errors import DataError

# Every OCR / spacing variant found in the techme tables, with the province it stands for
# (identified by its position in the yearbook table: the rows are in GB/T 2260 order).
REAL_VARIANTS = {
    "内蒙占": 150000, "江两": 360000, "江四": 360000, "山两": 140000, "两藏": 540000, "四藏": 540000,
    "浙汀": 330000, "北   京": 110000, "内蒙 古": 150000, "黑龙 江": 230000, "西   藏": 540000,
    "广西壮族自治区": 450000, "新疆维吾尔自治区": 650000, "宁夏回族自治区": 640000, "内蒙古自治区": 150000,
    "西藏自治区": 540000, "北京市": 110000, "安徽省": 340000, "四川": 510000, "山西": 140000, "陕西": 610000,
}


@pytest.mark.parametrize("name,code", sorted(REAL_VARIANTS.items()))
def test_real_variants_map_to_their_province(name, code):
    assert region_code(name) == code


@pytest.mark.parametrize("name", ["全国", "全   国", "尔部地区", "东部地区", "西部地区", "东北地区"])
def test_aggregates_are_recognised(name):
    assert region_code(name) == AGGREGATE


def test_every_registry_name_maps_to_itself():
    for r in reg.regions():
        assert region_code(r.name_zh) == region_code(r.short_zh) == region_code(r.name_en) == r.code


@settings(deadline=None)
@given(st.sampled_from(reg.regions()), st.lists(st.sampled_from([" ", "\u3000", "  "]), max_size=3),
       st.booleans(), st.data())
def test_spaces_and_suffix_never_change_the_code(region, spaces, full, data):
    name = region.name_zh if full else region.short_zh
    chars = list(name)
    for space in spaces:
        chars.insert(data.draw(st.integers(0, len(chars))), space)
    assert region_code("".join(chars)) == region.code


def test_unknown_name_error_lists_name_place_and_closest():
    names = pd.Series(["北京", "火星省", "江苏", "北京"])
    with pytest.raises(DataError) as err:
        map_names(names, lambda n: f"file.csv row {list(names).index(n) + 1}")
    msg = str(err.value)
    assert "'火星省'" in msg and "file.csv row 2" in msg and "closest registry names" in msg
    assert "北京" not in msg.split("'火星省'")[0]  # only the unknown name is reported


def test_closest_suggests_the_intended_province():
    assert closest("江苏苏")[0] == "江苏"
    assert closest("黑龙")[0] == "黑龙江"


def test_every_province_name_in_the_real_files_maps(acquired_raw):
    """All region labels of every upstream table (also the tables not used by the panel)."""
    import pyreadr

    from clusternet.data.readers import read_nbs_csv, read_xlsx

    names: dict[str, str] = {}
    for rda in sorted((acquired_raw / "upstream" / "huhuaping__techme" / "data").glob("*.rda")):
        df = next(iter(pyreadr.read_r(str(rda)).values()))
        if "province" in df.columns:
            names.update({n: rda.name for n in df["province"].astype(str)})
    hudm = acquired_raw / "upstream" / "airuimeng1__hudm6122-pca-manova" / "data"
    for file, sheet, header in [(hudm / "original_data.xlsx", "original data", 3),
                                (hudm / "panel_data.xlsx", "panel data", 1),
                                (hudm / "interpolation_processing.xlsx", "interpolation processing", 3),
                                (acquired_raw / "upstream" / "airuimeng1__UG_thesis_code_repository" / "control V.xlsx",
                                 "Control variables", 1)]:
        df = read_xlsx(file, {"sheet": sheet, "header_row": header, "region_column": "province",
                              "year_column": "year"}, codes=[])
        names.update({n: file.name for n in df["region"]})
    for csv in sorted((acquired_raw / "upstream" / "Liushenwuzhu-Alpaca__province-economy").rglob("*.csv")):
        df = read_nbs_csv(csv)
        if not df.empty and not df["region"].str.contains("指数").any():  # the national price file has no regions
            names.update({n: csv.name for n in df["region"]})
    mapping = map_names(list(names), lambda n: names[n])
    provinces = {c for c in mapping.values() if c != AGGREGATE}
    assert provinces == set(reg.codes())
    assert {n for n, c in mapping.items() if c == AGGREGATE} >= {"全国", "尔部地区"}
