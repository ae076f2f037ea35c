"""Regional disparity: Dagum Gini decomposition and Theil index.

Dagum (1997), "A new approach to the decomposition of the Gini income
inequality ratio", *Empirical Economics* 22: 515-531. With k groups, group j
of size n_j and mean mu_j, n = sum n_j, overall mean mu, and groups ordered so
that mu_j >= mu_h in each pair (j, h):

    G      = sum_j sum_h sum_i sum_r |y_ji - y_hr| / (2 n^2 mu)
    G_jj   = sum_i sum_r |y_ji - y_jr| / (2 n_j^2 mu_j)
    G_jh   = sum_i sum_r |y_ji - y_hr| / (n_j n_h (mu_j + mu_h))
    d_jh   = sum_i sum_r max(y_ji - y_hr, 0) / (n_j n_h)   (gross economic affluence)
    p_jh   = sum_i sum_r max(y_hr - y_ji, 0) / (n_j n_h)   (first-order transvariation)
    D_jh   = (d_jh - p_jh) / (d_jh + p_jh)
    p_j = n_j / n,  s_j = n_j mu_j / (n mu)
    G_w  = sum_j G_jj p_j s_j
    G_nb = sum_{j != h pairs} G_jh (p_j s_h + p_h s_j) D_jh
    G_t  = sum_{j != h pairs} G_jh (p_j s_h + p_h s_j) (1 - D_jh)
    G = G_w + G_nb + G_t

Convention: a group (or pair of groups) whose values are all zero has a Gini
of 0 (the 0/0 is taken as no inequality). The double sums are computed in O(n log n) by sorting: for samples a and b,
sum_i sum_r max(a_i - b_r, 0) = sum_i (a_i c_i - S_i) where c_i is the number of
b below a_i and S_i their sum.

Theil (1967) index with the additive decomposition of Shorrocks (1980):
T = (1/n) sum_i (y_i/mu) ln(y_i/mu); T_w = sum_g s_g T_g; T_b = sum_g s_g ln(mu_g/mu),
with s_g = n_g mu_g / (n mu) and the limit 0 ln 0 = 0 for zero values.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusternet.data.regions import GROUPS
from clusternet.errors import DataError


def gross_affluence(a, b) -> float:
    """sum_i sum_r max(a_i - b_r, 0) in O((n_a + n_b) log n_b)."""
    a = np.asarray(a, dtype=float)
    b = np.sort(np.asarray(b, dtype=float))
    cum = np.concatenate([[0.0], np.cumsum(b)])
    c = np.searchsorted(b, a, side="left")
    return float(np.sum(a * c - cum[c]))


def _check_values(y: np.ndarray, what: str) -> None:
    if not np.isfinite(y).all():
        raise DataError(f"{what}: missing or non-finite values; inequality measures need complete data")
    if (y < 0).any():
        raise DataError(f"{what}: negative values (min {y.min()}); Gini and Theil need non-negative values")
    if not y.sum() > 0:
        raise DataError(f"{what}: all values are zero; inequality is undefined")


def _group_rank(label: str):
    """Report pairs in the NBS group order (East, Central, West, Northeast), else alphabetically."""
    return (GROUPS.index(label) if label in GROUPS else len(GROUPS), label)


@dataclass
class DagumResult:
    gini: float
    within: float
    between: float  # net between-group contribution G_nb
    transvariation: float
    groups: list  # group labels in the order of decreasing mean
    group_gini: dict  # G_jj
    pair_gini: dict  # "j-h" (NBS group order) -> G_jh
    pair_D: dict  # "j-h" -> D_jh, computed with the higher-mean group first (so D >= 0)

    def row(self) -> dict:
        out = {"gini": self.gini, "within": self.within, "between": self.between,
               "transvariation": self.transvariation}
        total = self.gini if self.gini > 0 else np.nan
        out.update({"share_within": self.within / total, "share_between": self.between / total,
                    "share_transvariation": self.transvariation / total})
        out.update({f"gini_{g}": v for g, v in self.group_gini.items()})
        out.update({f"gini_{k}": v for k, v in self.pair_gini.items()})
        return out


def dagum_gini(y, groups, what: str = "values") -> DagumResult:
    """Dagum decomposition of the Gini coefficient of ``y`` by ``groups``."""
    y = np.asarray(y, dtype=float)
    groups = np.asarray(groups)
    _check_values(y, what)
    n, mu = y.size, y.mean()
    labels = list(pd.unique(groups))
    parts = {g: y[groups == g] for g in labels}
    labels.sort(key=lambda g: (-parts[g].mean(), str(g)))
    p = {g: parts[g].size / n for g in labels}
    s = {g: parts[g].sum() / (n * mu) for g in labels}
    total_abs = 2.0 * gross_affluence(y, y)  # sum_i sum_r |y_i - y_r|
    gini = total_abs / (2 * n * n * mu)
    group_gini, pair_gini, pair_D = {}, {}, {}
    within = between = trans = 0.0
    for g in labels:
        yg = parts[g]
        gg = 2.0 * gross_affluence(yg, yg) / (2 * yg.size ** 2 * yg.mean()) if yg.mean() > 0 else 0.0
        group_gini[str(g)] = gg
        within += gg * p[g] * s[g]
    for a, j in enumerate(labels):
        for h in labels[a + 1:]:
            yj, yh = parts[j], parts[h]
            d = gross_affluence(yj, yh)
            q = gross_affluence(yh, yj)
            nn = yj.size * yh.size
            gjh = (d + q) / (nn * (yj.mean() + yh.mean())) if yj.mean() + yh.mean() > 0 else 0.0
            D = (d - q) / (d + q) if d + q > 0 else 0.0
            key = "-".join(sorted((str(j), str(h)), key=_group_rank))
            pair_gini[key], pair_D[key] = gjh, D
            weight = gjh * (p[j] * s[h] + p[h] * s[j])
            between += weight * D
            trans += weight * (1 - D)
    return DagumResult(gini, within, between, trans, [str(g) for g in labels], group_gini, pair_gini, pair_D)


@dataclass
class TheilResult:
    theil: float
    within: float
    between: float
    group_theil: dict

    def row(self) -> dict:
        out = {"theil": self.theil, "within": self.within, "between": self.between}
        out.update({f"theil_{g}": v for g, v in self.group_theil.items()})
        return out


def _theil(y: np.ndarray) -> float:
    r = y / y.mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.mean(np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)))


def theil(y, groups, what: str = "values") -> TheilResult:
    y = np.asarray(y, dtype=float)
    groups = np.asarray(groups)
    _check_values(y, what)
    n, mu = y.size, y.mean()
    within = between = 0.0
    group_theil = {}
    for g in pd.unique(groups):
        yg = y[groups == g]
        share = yg.sum() / (n * mu)
        tg = _theil(yg) if yg.mean() > 0 else 0.0
        group_theil[str(g)] = tg
        within += share * tg
        if share > 0:
            between += share * np.log(yg.mean() / mu)
    return TheilResult(_theil(y), within, between, group_theil)


def by_year(df: pd.DataFrame, variable: str, group: str = "group") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dagum and Theil tables, one row per year."""
    dagum_rows, theil_rows = [], []
    for year, d in df.groupby("year", sort=True):
        what = f"{variable} in {year}"
        dagum_rows.append({"year": year, **dagum_gini(d[variable], d[group], what).row()})
        theil_rows.append({"year": year, **theil(d[variable], d[group], what).row()})
    return pd.DataFrame(dagum_rows), pd.DataFrame(theil_rows)
