"""The estimator table: model name -> fit function and option schema.

Every estimator that `clusternet fit`, the `models` stage and the `spatial` stage can run
is one row of ``ESTIMATORS`` below, an explicit frozen table (no registration at import,
so there is no import cycle and no module has to be imported for its side effects). A
fit function has the signature::

    fit_function(data: pandas.DataFrame, spec: dict) -> dict   # a result document body

``spec`` is one specification as declared in ``config/models.yaml`` (or built
from CLI arguments), with at least ``name``, ``model``, ``y``, ``x``; common
optional keys: ``controls``, ``entity`` (default ``region_code``), ``time``
(default ``year``), ``cov`` ({type, ...}), ``options`` (model-specific). The
function returns the dict of ``clusternet.results.make_result`` arguments
except ``provenance``/``spec`` (the caller adds them), i.e. it calls
``make_result(..., spec=spec, provenance={})``; the runner fills provenance.

This module is on the ground floor (it imports no estimator): a row names its fit
function as ``"module:function"`` and :func:`get` imports that module on first use.
``options`` names the ``$defs`` entry of ``config/schemas/models.schema.yaml`` that
validates the specification's ``options`` (``None``: the family checks them itself).
To add an estimator, write its fit function and add its row here.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import MappingProxyType
from collections.abc import Callable, Mapping

from clusternet.errors import ConfigError


@dataclass(frozen=True)
class Estimator:
    """One row of the table: the family (the module owning the maths), the fit function
    as ``"module:function"`` and the name of the option schema."""

    name: str
    family: str
    fit: str
    options: str | None = None

    def load(self) -> Callable:
        module, function = self.fit.split(":")
        return getattr(importlib.import_module(module), function)


def _rows(*rows: Estimator) -> Mapping[str, Estimator]:
    table = {}
    for row in rows:
        if row.name in table:
            raise RuntimeError(f"estimator {row.name!r} listed twice")
        table[row.name] = row
    return MappingProxyType(table)


_LINEAR = "clusternet.models.linear:fit_linear_spec"

ESTIMATORS: Mapping[str, Estimator] = _rows(
    Estimator("pooled", "linear", _LINEAR, "linear_options"),
    Estimator("fe", "linear", _LINEAR, "linear_options"),
    Estimator("fe_time", "linear", _LINEAR, "linear_options"),
    Estimator("twfe", "linear", _LINEAR, "linear_options"),
    Estimator("re", "linear", _LINEAR, "linear_options"),
    Estimator("fd", "linear", _LINEAR, "linear_options"),
    Estimator("iv", "iv", "clusternet.models.iv:fit_iv_spec", "iv_options"),
    Estimator("mediation", "mechanisms", "clusternet.models.mechanisms:fit_mediation"),
    Estimator("moderation", "mechanisms", "clusternet.models.mechanisms:fit_moderation"),
    Estimator("heterogeneity", "mechanisms", "clusternet.models.mechanisms:fit_heterogeneity"),
    Estimator("did_twfe", "did", "clusternet.models.did:fit_did_twfe"),
    Estimator("did_cs", "did", "clusternet.models.did:fit_did_cs"),
    Estimator("did_sa", "did", "clusternet.models.did_sa:fit_did_sa"),
    Estimator("did_imputation", "did", "clusternet.models.did_imputation:fit_did_imputation"),
    Estimator("did_bacon", "did", "clusternet.models.did_bacon:fit_did_bacon"),
    Estimator("did_dcdh", "did", "clusternet.models.did_dcdh:fit_did_dcdh"),
    Estimator("synth", "synth", "clusternet.models.synth_spec:fit_synth_spec"),
    Estimator("synth_did", "synth", "clusternet.models.synth_spec:fit_synth_did_spec"),
    Estimator("gmm_difference", "gmm", "clusternet.models.gmm:fit_gmm_difference", "gmm_options"),
    Estimator("gmm_system", "gmm", "clusternet.models.gmm:fit_gmm_system", "gmm_options"),
    Estimator("threshold", "threshold", "clusternet.models.threshold:fit_threshold_spec", "threshold_options"),
    Estimator("sar", "spatial", "clusternet.spatial.estimators:fit_sar"),
    Estimator("sem", "spatial", "clusternet.spatial.estimators:fit_sem"),
    Estimator("sdm", "spatial", "clusternet.spatial.estimators:fit_sdm"),
    Estimator("sdem", "spatial", "clusternet.spatial.estimators:fit_sdem"),
    Estimator("slx", "spatial", "clusternet.spatial.estimators:fit_slx"),
    Estimator("sar_re", "spatial", "clusternet.spatial.estimators_extended:fit_sar_re"),
    Estimator("sdm_re", "spatial", "clusternet.spatial.estimators_extended:fit_sdm_re"),
    Estimator("sem_re", "spatial", "clusternet.spatial.estimators_extended:fit_sem_re"),
    Estimator("sac", "spatial", "clusternet.spatial.estimators_extended:fit_sac_spec"),
    Estimator("sar_dynamic", "spatial", "clusternet.spatial.estimators_extended:fit_sar_dynamic"),
    Estimator("sdm_dynamic", "spatial", "clusternet.spatial.estimators_extended:fit_sdm_dynamic"),
    Estimator("sem_kkp", "spatial", "clusternet.spatial.estimators_extended:fit_sem_kkp"),
    Estimator("sem_gspre", "spatial", "clusternet.spatial.estimators_extended:fit_sem_gspre"),
    Estimator("sem_kkp_gm", "spatial", "clusternet.spatial.estimators_extended:fit_sem_kkp_gm"),
)


def get(name: str) -> Callable:
    """The fit function of model ``name`` (a ConfigError listing the table otherwise)."""
    if name not in ESTIMATORS:
        raise ConfigError(f"unknown model {name!r}; available: {', '.join(sorted(ESTIMATORS))}")
    return ESTIMATORS[name].load()
