"""Region registry: the 31 mainland provinces of China.

Codes are GB/T 2260 administrative division codes. Region groups follow the
National Bureau of Statistics convention (东部/中部/西部/东北, "East / Central /
West / Northeast", as used in the NBS statistical communiqués since 2011).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd


@dataclass(frozen=True)
class Region:
    code: int
    name_zh: str  # standard full Chinese name
    short_zh: str  # short name without administrative suffix
    name_en: str
    group: str  # East | Central | West | Northeast


_REGIONS = (
    Region(110000, "北京市", "北京", "Beijing", "East"),
    Region(120000, "天津市", "天津", "Tianjin", "East"),
    Region(130000, "河北省", "河北", "Hebei", "East"),
    Region(140000, "山西省", "山西", "Shanxi", "Central"),
    Region(150000, "内蒙古自治区", "内蒙古", "Inner Mongolia", "West"),
    Region(210000, "辽宁省", "辽宁", "Liaoning", "Northeast"),
    Region(220000, "吉林省", "吉林", "Jilin", "Northeast"),
    Region(230000, "黑龙江省", "黑龙江", "Heilongjiang", "Northeast"),
    Region(310000, "上海市", "上海", "Shanghai", "East"),
    Region(320000, "江苏省", "江苏", "Jiangsu", "East"),
    Region(330000, "浙江省", "浙江", "Zhejiang", "East"),
    Region(340000, "安徽省", "安徽", "Anhui", "Central"),
    Region(350000, "福建省", "福建", "Fujian", "East"),
    Region(360000, "江西省", "江西", "Jiangxi", "Central"),
    Region(370000, "山东省", "山东", "Shandong", "East"),
    Region(410000, "河南省", "河南", "Henan", "Central"),
    Region(420000, "湖北省", "湖北", "Hubei", "Central"),
    Region(430000, "湖南省", "湖南", "Hunan", "Central"),
    Region(440000, "广东省", "广东", "Guangdong", "East"),
    Region(450000, "广西壮族自治区", "广西", "Guangxi", "West"),
    Region(460000, "海南省", "海南", "Hainan", "East"),
    Region(500000, "重庆市", "重庆", "Chongqing", "West"),
    Region(510000, "四川省", "四川", "Sichuan", "West"),
    Region(520000, "贵州省", "贵州", "Guizhou", "West"),
    Region(530000, "云南省", "云南", "Yunnan", "West"),
    Region(540000, "西藏自治区", "西藏", "Tibet", "West"),
    Region(610000, "陕西省", "陕西", "Shaanxi", "West"),
    Region(620000, "甘肃省", "甘肃", "Gansu", "West"),
    Region(630000, "青海省", "青海", "Qinghai", "West"),
    Region(640000, "宁夏回族自治区", "宁夏", "Ningxia", "West"),
    Region(650000, "新疆维吾尔自治区", "新疆", "Xinjiang", "West"),
)

GROUPS = ("East", "Central", "West", "Northeast")
GROUP_ZH = {"East": "东部", "Central": "中部", "West": "西部", "Northeast": "东北"}


def regions() -> tuple[Region, ...]:
    """All 31 provinces in GB/T 2260 code order."""
    return _REGIONS


def codes() -> list[int]:
    return [r.code for r in _REGIONS]


@lru_cache(maxsize=None)
def by_code() -> dict[int, Region]:
    return {r.code: r for r in _REGIONS}


def region_table() -> pd.DataFrame:
    """The registry as a DataFrame indexed by nothing, one row per province."""
    return pd.DataFrame(
        {
            "region_code": [r.code for r in _REGIONS],
            "region_zh": [r.name_zh for r in _REGIONS],
            "region_short_zh": [r.short_zh for r in _REGIONS],
            "region_en": [r.name_en for r in _REGIONS],
            "group": [r.group for r in _REGIONS],
        }
    )
