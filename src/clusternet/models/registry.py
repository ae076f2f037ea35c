"""Estimator registry: model name -> fit function.

Every estimator that `clusternet fit` and the `models` stage can run registers
here as ``ESTIMATORS[name] = fit_function`` with the signature::

    fit_function(data: pandas.DataFrame, spec: dict) -> dict   # a result document body

``spec`` is one specification as declared in ``config/models.yaml`` (or built
from CLI arguments), with at least ``name``, ``model``, ``y``, ``x``; common
optional keys: ``controls``, ``entity`` (default ``region_code``), ``time``
(default ``year``), ``cov`` ({type, ...}), ``options`` (model-specific). The
function returns the dict of ``clusternet.results.make_result`` arguments
except ``provenance``/``spec`` (the caller adds them), i.e. it calls
``make_result(..., spec=spec, provenance={})``; the runner fills provenance.

Modules register themselves at import; ``load_all()`` imports them.
"""
from __future__ import annotations

import importlib
from typing import Callable

import pandas as pd

from clusternet.errors import ConfigError

ESTIMATORS: dict[str, Callable[[pd.DataFrame, dict], dict]] = {}

# Modules that register estimators when imported. Add yours here.
ESTIMATOR_MODULES: list[str] = ["clusternet.models.linear", "clusternet.models.iv", "clusternet.models.mechanisms", "clusternet.models.did",
                                   "clusternet.models.gmm", "clusternet.models.threshold",
                                   "clusternet.spatial.estimators"]


def register(name: str):
    def deco(fn):
        if name in ESTIMATORS and ESTIMATORS[name] is not fn:
            raise RuntimeError(f"estimator {name!r} registered twice")
        ESTIMATORS[name] = fn
        return fn

    return deco


def load_all() -> dict[str, Callable]:
    for mod in ESTIMATOR_MODULES:
        importlib.import_module(mod)
    return ESTIMATORS


def get(name: str) -> Callable:
    load_all()
    if name not in ESTIMATORS:
        raise ConfigError(f"unknown model {name!r}; available: {', '.join(sorted(ESTIMATORS))}")
    return ESTIMATORS[name]
