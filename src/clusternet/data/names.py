"""Province-name normaliser: every spelling found in the upstream files -> GB/T 2260 code.

The real files spell the 31 provinces in several ways:

* full names with an administrative suffix (``北京市``, ``广西壮族自治区``) in the NBS exports
  and the .xlsx workbooks, short names (``北京``) in techme;
* stray ASCII or full-width spaces inside the name (``北   京``, ``内蒙 古``) in techme's
  RDLaborHour, RDSource, RDPatentAccept and RDPatentAuthority tables (OCR of yearbook PDFs);
* OCR look-alike characters in the same tables: ``内蒙占`` (古->占), ``江两``/``江四`` and
  ``山两`` (西->两/四), ``两藏``/``四藏`` (西->两/四), ``浙汀`` (江->汀), ``尔部地区``
  (东->尔, an aggregate row).

Aggregate rows (national total, the four NBS macro-regions) are recognised explicitly and
dropped by the caller; a name that matches nothing is an error that lists each unmatched name,
where it occurs and the closest registry names.

Below the province level (``regions.level: prefecture | county``, issue 17) the same functions
answer for the active registry: a name matches with or without its suffix (市, 地区, 盟,
自治州 with the ethnic names before it, e.g. 恩施土家族苗族自治州 = 恩施; counties also 区,
县, 旗, 自治县, 自治旗, 林区, 特区), with or without a leading province (安徽省合肥市); a short
name shared by two regions (鼓楼区 in four cities) matches only with its parent's name in
front. Former names of renamed or merged units (巢湖, 莱芜, 襄樊, 毕节地区, ...) match their
former code, which :mod:`clusternet.data.crosswalk` maps to the current code(s) by year. A
province name written with its suffix (安徽省) or the national total is an aggregate row; a bare
name that is both a province and a prefecture (北京, 吉林) means the prefecture. The OCR
look-alikes are a property of the province-level techme tables and are used there only.
"""
from __future__ import annotations

import difflib
import itertools
import re
from functools import lru_cache

from clusternet.data import regions as _registry
from clusternet.data.regions import ETHNIC, LOWER_SUFFIXES, regions, strip_suffix  # noqa: F401 (re-exported)
from clusternet.errors import DataError


_SPACES = re.compile(r"[\s\u3000\u00a0]+")

#: Administrative suffixes, longest first so that 维吾尔自治区 is removed before 自治区.
SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市")

#: Rows that are not provinces: the national total and the NBS macro-regions.
AGGREGATES = frozenset({"全国", "总计", "合计", "东部地区", "中部地区", "西部地区", "东北地区",
                        "东部", "中部", "西部", "东北"})

#: OCR look-alikes seen in the techme tables: printed character -> intended character.
#: Applied only when a name does not match as printed, and only if exactly one reading of
#: the substituted characters gives a known name (so 四川 is never read as 西川).
LOOKALIKES = {"两": "西", "四": "西", "占": "古", "汀": "江", "尔": "东"}


AGGREGATE = 0  # code returned for aggregate rows


@lru_cache(maxsize=None)
def _known() -> dict[str, int]:
    """Every accepted spelling (after space removal) -> code; aggregates -> 0."""
    known: dict[str, int] = {name: AGGREGATE for name in AGGREGATES}
    for r in _registry.registry("province"):  # all 31, also when config.yaml regions.codes keeps fewer
        known[r.short_zh] = r.code
        known[r.name_zh] = r.code
        known[_SPACES.sub("", r.name_en).lower()] = r.code
    return known


def _strip(name: str) -> str:
    s = _SPACES.sub("", str(name))
    if s in _known():
        return s
    for suffix in SUFFIXES:
        if s.endswith(suffix) and s[: -len(suffix)] in _known():
            return s[: -len(suffix)]
    return s


def _lookalike_readings(name: str) -> set[int]:
    positions = [i for i, ch in enumerate(name) if ch in LOOKALIKES]
    found: set[int] = set()
    for k in range(1, len(positions) + 1):
        for subset in itertools.combinations(positions, k):
            chars = list(name)
            for i in subset:
                chars[i] = LOOKALIKES[chars[i]]
            candidate = _strip("".join(chars))
            if candidate in _known():
                found.add(_known()[candidate])
    return found


def region_code(name) -> int | None:
    """GB/T 2260 code of a region name of the active level; 0 for an aggregate row; None if unknown
    (at a lower level a former name gives its former code: see :mod:`clusternet.data.crosswalk`)."""
    if name is None:
        return None
    if _registry.active_level() != "province":
        return _lower_code(name)
    s = _strip(name)
    if not s:
        return None
    if s in _known():
        return _known()[s]
    if s.lower() in _known():
        return _known()[s.lower()]
    readings = _lookalike_readings(s)
    return readings.pop() if len(readings) == 1 else None


def closest(name, n: int = 3) -> list[str]:
    """The registry names most similar to ``name`` (difflib ratio), best first."""
    if _registry.active_level() != "province":
        return difflib.get_close_matches(strip_suffix(name), sorted(_lower_known(_registry.active_level())[0]),
                                         n=n, cutoff=0.0)
    choices = [r.short_zh for r in regions()] + sorted(AGGREGATES)
    s = _strip(name)
    for suffix in SUFFIXES:  # compare without the suffix even if the rest is unknown
        if s.endswith(suffix) and len(s) > len(suffix):
            s = s[: -len(suffix)]
            break
    return difflib.get_close_matches(s, choices, n=n, cutoff=0.0)


def map_names(names, where) -> dict:
    """Map each distinct name to a code (0 = aggregate); raise DataError for unknown names.

    ``names`` is an iterable of raw names; ``where(name)`` describes where a name occurs
    (file and rows) for the error message.
    """
    mapping, unknown = {}, []
    for name in dict.fromkeys(names):
        code = region_code(name)
        if code is None:
            unknown.append(name)
        else:
            mapping[name] = code
    if unknown:
        lines = [f"  {name!r} at {where(name)}; closest registry names: {', '.join(closest(name))}"
                 for name in unknown]
        level = _registry.active_level()
        raise DataError(
            f"{len(unknown)} unknown {level} name(s):\n" + "\n".join(lines)
            + "\nFix the name in the source file, or add the spelling to clusternet.data.names "
              "(SUFFIXES / LOOKALIKES / AGGREGATES) if it is a genuine variant"
            + ("; a name shared by two regions needs its parent's name in front (安徽省合肥市), and a former "
               "name must be in clusternet.data.crosswalk." if level != "province" else ".")
        )
    return mapping


# --------------------------------------------------------------------------- below the province


@lru_cache(maxsize=None)
def _lower_known(level: str) -> tuple[dict[str, int], frozenset]:
    """Every accepted spelling of the level's regions -> code, and the ambiguous short names.

    Keys: full name, short name (suffix and ethnic names removed), and both prefixed by the
    province (full and short) and, for counties, by the prefecture; former names from the
    crosswalk map to their former codes. A short name shared by two regions is left out
    (only its prefixed forms match)."""
    from clusternet.data.crosswalk import former_names

    every = _registry.registry(level)
    provinces = {r.code: r for r in _registry.registry("province")}
    prefectures = {r.code: r for r in _registry.registry("prefecture")} if level == "county" else {}
    counts: dict[str, set[int]] = {}

    def add(key: str, code: int) -> None:
        counts.setdefault(key, set()).add(code)

    for r in every:
        p = provinces[r.code // 10000 * 10000]
        parents = [p.name_zh, p.short_zh]
        pref = prefectures.get(r.code // 100 * 100)
        if pref is not None:
            parents += [pref.name_zh, pref.short_zh, p.name_zh + pref.name_zh, p.short_zh + pref.short_zh]
        for own in {r.name_zh, r.short_zh}:
            add(own, r.code)
            for parent in parents:
                add(parent + own, r.code)
    for name, code, former_level in former_names():
        if former_level == level:
            add(name, code)
            add(strip_suffix(name), code)
    known = {k: next(iter(v)) for k, v in counts.items() if len(v) == 1}
    ambiguous = frozenset(k for k, v in counts.items() if len(v) > 1)
    for name in AGGREGATES:
        known.setdefault(name, AGGREGATE)
    for p in provinces.values():  # a province row in a lower-level file is an aggregate
        known.setdefault(p.name_zh, AGGREGATE)
        known.setdefault(p.short_zh, AGGREGATE)
    return known, ambiguous


def _lower_code(name) -> int | None:
    level = _registry.active_level()
    known, _ = _lower_known(level)
    s = _SPACES.sub("", str(name))
    if not s:
        return None
    for candidate in (s, strip_suffix(s)):
        if candidate in known:
            return _active_or_none(known[candidate])
    return None


def _active_or_none(code: int) -> int | None:
    """A code of the level (or a former code / aggregate); a region outside ``regions.codes`` is
    still recognised, so that the caller can say so instead of calling the name unknown."""
    if code == AGGREGATE or code in {r.code for r in _registry.registry(_registry.active_level())}:
        return code
    from clusternet.data.crosswalk import is_former_code

    return code if is_former_code(code) else None


def ambiguous_names() -> frozenset:
    """Short names shared by two regions of the active (lower) level; empty for provinces."""
    level = _registry.active_level()
    return frozenset() if level == "province" else _lower_known(level)[1]
