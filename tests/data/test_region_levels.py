"""Region levels below the province (issue 17): registry, code patterns, names, crosswalk, geography."""
from __future__ import annotations

import re

import numpy as np
import pytest

from clusternet.data import crosswalk, regions
from clusternet.data.names import AGGREGATE, map_names, region_code, strip_suffix
from clusternet.errors import ConfigError, DataError


def test_default_level_is_the_31_provinces():
    assert regions.active_level() == "province"
    assert len(regions.codes()) == 31
    assert regions.codes()[0] == 110000


def test_prefecture_registry_counts_and_patterns():
    with regions.using("prefecture"):
        rs = regions.regions()
        # 333 prefecture-level units (民政部 2023: 293 地级市, 7 地区, 30 自治州, 3 盟) + 4 municipalities
        assert len(rs) == 337
        pattern = re.compile(regions.CODE_PATTERNS["prefecture"])
        assert all(pattern.match(f"{r.code:06d}") for r in rs)
        codes = {r.code for r in rs}
        assert {110100, 120100, 310100, 500100, 340100, 370100} <= codes
        assert 371200 not in codes and 341400 not in codes  # Laiwu and Chaohu are gone
        assert 429004 not in codes  # 仙桃: province-administered, county level
        by = regions.by_code()
        assert by[340100].group == "Central" and by[210100].group == "Northeast" and by[650100].group == "West"
        assert regions.province_of(340100).code == 340000
    assert len(regions.codes()) == 31  # restored


def test_code_patterns_distinguish_levels():
    p, f, c = (re.compile(regions.CODE_PATTERNS[k]) for k in regions.LEVELS)
    assert p.match("340000") and not p.match("340100")
    assert f.match("340100") and not f.match("340000") and not f.match("429004") and not f.match("340102")
    assert c.match("340102") and c.match("429004")


def test_subset_and_unknown_codes():
    with regions.using("prefecture", [340100, 340200]):
        assert regions.codes() == [340100, 340200]
    with pytest.raises(ConfigError, match="371200"):
        regions.use("prefecture", [340100, 371200])
    with pytest.raises(ConfigError, match="region level"):
        regions.use("city")


@pytest.mark.parametrize("raw, short", [
    ("恩施土家族苗族自治州", "恩施"), ("海西蒙古族藏族自治州", "海西"), ("阿克苏地区", "阿克苏"),
    ("锡林郭勒盟", "锡林郭勒"), ("合肥市", "合肥"), ("恩施州", "恩施"), ("广州", "广州"), ("矿区", "矿区"),
])
def test_strip_suffix(raw, short):
    assert strip_suffix(raw) == short


@pytest.mark.parametrize("name, code", [
    ("合肥市", 340100), ("合肥", 340100), ("安徽省合肥市", 340100), ("安徽合肥", 340100),
    ("恩施土家族苗族自治州", 422800), ("恩施州", 422800), ("阿克苏地区", 652900), ("锡林郭勒盟", 152500),
    ("北京市", 110100), ("吉林", 220200), ("吉林省", AGGREGATE), ("全国", AGGREGATE),
    ("巢湖市", 341400), ("莱芜市", 371200), ("襄樊市", 420600), ("毕节地区", 522400),
])
def test_prefecture_names(name, code):
    with regions.using("prefecture"):
        assert region_code(name) == code


def test_unknown_prefecture_name_error_lists_place_and_closest():
    with regions.using("prefecture"), pytest.raises(DataError) as err:
        map_names(["合肥市", "合肥肥市"], lambda n: "file.csv row 3")
    msg = str(err.value)
    assert "unknown prefecture name" in msg and "file.csv row 3" in msg and "合肥" in msg


def test_county_names_need_the_parent_when_shared():
    with regions.using("county"):
        assert region_code("鼓楼区") is None  # four cities have one
        assert region_code("福州市鼓楼区") == 350102
        assert region_code("北京市朝阳区") == 110105


def test_crosswalk_chaohu_and_laiwu():
    chaohu = crosswalk.change_of(341400, 2010)
    assert chaohu is not None and chaohu.kind == "split" and chaohu.successors[0] == 340100
    assert "国函〔2011〕84号" in chaohu.source
    assert crosswalk.defunct_after(341400, 2011) is not None
    laiwu = crosswalk.change_of(371200, 2018)
    assert laiwu is not None and laiwu.kind == "merge" and laiwu.successors == (370100,)
    assert crosswalk.change_of(371200, 2019) is None and crosswalk.defunct_after(371200, 2019) is not None
    assert crosswalk.change_of(522400, 2010).successors == (520500,)  # 毕节地区 -> 毕节市
    assert crosswalk.change_of(420600, 2005) is None  # a rename keeps its code
    with regions.using("prefecture"):
        known = set(regions.codes())
    assert all(s in known for c in crosswalk.changes() for s in c.successors)
    assert all(c.source for c in crosswalk.changes())


def test_prefecture_geography_islands_and_centroids():
    from clusternet.data import geo

    codes = [340100, 340200, 340500, 341100, 460100, 460200]  # Hefei, Wuhu, Ma'anshan, Chuzhou; Haikou, Sanya
    with regions.using("prefecture"):
        nb = geo.neighbours("queen", codes)
        assert 340500 in nb[340200] and 341100 in nb[340100]
        assert nb[460100] == [] and nb[460200] == []  # Hainan's prefectures: no land neighbour in the registry
        c = geo.centroids([340100]).iloc[0]
        assert 116.5 < c["lon"] < 118.0 and 31.0 < c["lat"] < 32.5  # Hefei
        d = geo.great_circle_km([340100, 340200])
        assert 80 < d[0, 1] < 150
        from clusternet.spatial.weights import build_weights

        w = build_weights("q", {"type": "queen", "islands": {"rule": "nearest", "k": 1}}, codes)
        dense = w.matrix.toarray()
        assert np.all(dense.sum(axis=1) > 0)
        assert [460100, 460200] in w.meta.get("island_links", []) or dense[4, 5] > 0
