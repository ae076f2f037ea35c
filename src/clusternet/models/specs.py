"""Specifications: the one check of a specification's ``options``.

Each family declares its option keys in code (``OPTION_KEYS`` of linear, iv, gmm, threshold and
spatial/estimators; the ``*_OPTIONS`` default tables of mechanisms and did) and
:func:`checked_options` rejects any other key with one message. The families whose options the
config schema enumerates (``$defs/<family>_options`` of config/schemas/models.schema.yaml,
``$defs/options`` of spatial.schema.yaml) are tested to agree with it
(tests/models/test_specs.py), so the schema and the code cannot drift apart.
"""
from __future__ import annotations

from collections.abc import Iterable

from clusternet.errors import ConfigError


def checked_options(options: dict | None, allowed: Iterable[str], *, spec: dict | None = None,
                    model: str | None = None) -> dict:
    """A copy of ``options``; a ConfigError naming the specification, the model, the unknown and
    the allowed keys when a key is not in ``allowed``."""
    opts = dict(options or {})
    allowed = set(allowed)
    unknown = sorted(set(opts) - allowed)
    if unknown:
        name = (spec or {}).get("name")
        model = model or (spec or {}).get("model")
        where = f"specification {name!r}: " if name is not None else ""
        for_model = f" for model {model!r}" if model else ""
        raise ConfigError(f"{where}unknown option(s) {unknown}{for_model}; allowed: {sorted(allowed)}")
    return opts
