"""Spatially lagged regressors for linear panel specifications (an SLX model fitted by the
linear estimators, so that it gets their clustered covariances, the wild cluster bootstrap
and the specification curve of the hypothesis stage).

A specification may declare::

    spatial_lags: {weights: queen, variables: [ln_rd_funds_ent_real]}

and then use the column ``W_<variable>`` (``W_ln_rd_funds_ent_real``) in ``x`` or
``controls``. ``W_<v>`` of region i in year t is ``Σ_j w_ij v_jt`` with the row-standardised
weights matrix of ``data/interim/weights/<weights>.npz`` (written by ``clusternet weights``),
computed per year on all regions *before* the sample is selected (a neighbour outside the
sample still counts). A region-year whose neighbours miss ``v`` gets a missing lag.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from clusternet.errors import ConfigError, DataError

WEIGHTS_DIR = Path("data/interim/weights")
PREFIX = "W_"


def lag_name(variable: str) -> str:
    return f"{PREFIX}{variable}"


def add_spatial_lags(data: pd.DataFrame, spec: dict, weights_dir: Path | None = None) -> pd.DataFrame:
    """``data`` with the ``W_<v>`` columns that ``spec.spatial_lags`` declares (unchanged without)."""
    block = spec.get("spatial_lags")
    if not block:
        return data
    from clusternet.spatial.weights import load_weights, row_standardise

    name = spec.get("name", "?")
    ref = block.get("weights")
    variables = list(block.get("variables") or [])
    if not ref or not variables:
        raise ConfigError(f"specification {name!r}: spatial_lags needs `weights` and a non-empty `variables` list")
    wdir = Path(weights_dir) if weights_dir is not None else WEIGHTS_DIR
    path = Path(str(ref)) if str(ref).endswith(".npz") else wdir / f"{ref}.npz"
    W = load_weights(path)
    M = row_standardise(W.matrix).toarray()
    entity, time = spec.get("entity", "region_code"), spec.get("time", "year")
    out = data.copy()
    ids = np.asarray(W.ids)
    missing_regions = sorted(set(out[entity].astype(int)) - set(ids.tolist()))
    if missing_regions:
        raise DataError(f"specification {name!r}: regions {missing_regions} are not in the weights {path}")
    for v in variables:
        if v not in out.columns:
            raise DataError(f"specification {name!r}: spatial_lags variable {v!r} is not a column of the analysis data")
        wide = out.pivot(index=time, columns=entity, values=v).reindex(columns=ids)
        vals = wide.to_numpy(dtype=float)
        lagged = pd.DataFrame(np.nan_to_num(vals) @ M.T, index=wide.index, columns=ids)
        # a missing value of a neighbour (w_ij != 0) makes the lag missing
        nan_hit = (np.isnan(vals).astype(float) @ (M.T > 0)) > 0
        lagged = lagged.mask(nan_hit)
        long = lagged.stack(future_stack=True).rename(lag_name(v)).reset_index()
        long.columns = [time, entity, lag_name(v)]
        if lag_name(v) in out.columns:
            out = out.drop(columns=[lag_name(v)])
        out = out.merge(long, on=[entity, time], how="left")
    return out
