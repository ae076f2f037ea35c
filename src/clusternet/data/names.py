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
"""
from __future__ import annotations

import difflib
import itertools
import re
from functools import lru_cache

from clusternet.data.regions import regions
from clusternet.errors import DataError

#: Administrative suffixes, longest first so that 维吾尔自治区 is removed before 自治区.
SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市")

#: Rows that are not provinces: the national total and the NBS macro-regions.
AGGREGATES = frozenset({"全国", "总计", "合计", "东部地区", "中部地区", "西部地区", "东北地区",
                        "东部", "中部", "西部", "东北"})

#: OCR look-alikes seen in the techme tables: printed character -> intended character.
#: Applied only when a name does not match as printed, and only if exactly one reading of
#: the substituted characters gives a known name (so 四川 is never read as 西川).
LOOKALIKES = {"两": "西", "四": "西", "占": "古", "汀": "江", "尔": "东"}

_SPACES = re.compile(r"[\s\u3000\u00a0]+")

AGGREGATE = 0  # code returned for aggregate rows


@lru_cache(maxsize=None)
def _known() -> dict[str, int]:
    """Every accepted spelling (after space removal) -> code; aggregates -> 0."""
    known: dict[str, int] = {name: AGGREGATE for name in AGGREGATES}
    for r in regions():
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
    """GB/T 2260 code of a province name; 0 for an aggregate row; None if unknown."""
    if name is None:
        return None
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
        raise DataError(
            f"{len(unknown)} unknown province name(s):\n" + "\n".join(lines)
            + "\nFix the name in the source file, or add the spelling to clusternet.data.names "
              "(SUFFIXES / LOOKALIKES / AGGREGATES) if it is a genuine variant."
        )
    return mapping
