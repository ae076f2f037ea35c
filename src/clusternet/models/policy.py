"""Policy dummies for linear panel specifications, and randomisation inference for them.

A specification may declare::

    policy_dummy: {name: pilot_zone, adoption_years: {520000: 2016, 110000: 2017, ...}}

and use ``pilot_zone`` (1 from the adoption year on, 0 before and for never-adopters) as a
regressor: a static two-way FE difference-in-differences. ``policy_dummy: {name, policy: <key>}``
names a policy of ``config/policies.yaml`` instead (resolved by
``clusternet.models.treatments.resolve_specification`` before fitting); an intensity policy gives
``intensity`` ({code: {year: share from that year on}}) and the column is the province-year share
of treated prefectures (a dose-response static TWFE).
``clusternet.models.randomisation.randomisation_pvalue`` is Fisher's randomisation test of the
sharp null of no effect: the observed vector of adoption years (never-adopters included) is
permuted across regions, the dummy rebuilt and the coefficient refitted;
``p = (1 + #{|β_perm| ≥ |β_obs|}) / (1 + R)`` (Young 2019, QJE 134(2);
MacKinnon & Webb 2020, J. Econometrics 218(2), who discuss its size with few treated clusters).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from clusternet.errors import ConfigError, DataError


def add_policy_dummy(data: pd.DataFrame, spec: dict) -> pd.DataFrame:
    block = spec.get("policy_dummy")
    if not block:
        return data
    name = spec.get("name", "?")
    col = block.get("name")
    adoption = block.get("adoption_years") or {}
    entity, time = spec.get("entity", "region_code"), spec.get("time", "year")
    if col and block.get("intensity") is not None:
        return _add_intensity(data, col, block["intensity"], entity, time)
    if not col or not adoption:
        if block.get("policy") is not None:
            raise ConfigError(f"specification {name!r}: policy_dummy.policy {block['policy']!r} was not resolved; "
                              "fit through clusternet.models.runner (it reads config/policies.yaml)")
        raise ConfigError(f"specification {name!r}: policy_dummy needs `name` and `adoption_years` (or `policy`)")
    codes = {int(k): int(v) for k, v in adoption.items()}
    unknown = sorted(set(codes) - set(data[entity].astype(int)))
    if unknown:
        raise DataError(f"specification {name!r}: policy_dummy.adoption_years regions {unknown} are not in the data")
    out = data.copy()
    first = out[entity].astype(int).map(codes)
    out[col] = (first.notna() & (out[time] >= first.fillna(np.inf))).astype(float)
    return out


def _add_intensity(data: pd.DataFrame, col: str, steps: dict, entity: str, time: str) -> pd.DataFrame:
    out = data.copy()
    table = {int(c): sorted((int(t), float(v)) for t, v in by_year.items()) for c, by_year in steps.items()}

    def share(code: int, year: int) -> float:
        value = 0.0
        for t, v in table.get(code, []):
            if year >= t:
                value = v
        return value

    out[col] = [share(int(c), int(t)) for c, t in zip(out[entity], out[time])]
    return out
