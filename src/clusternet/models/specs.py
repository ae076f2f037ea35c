"""Specifications: one typed :class:`Spec`, parsed once from a specification dict, and the one
check of a specification's ``options``.

``Spec.from_dict(spec)`` (or :func:`as_spec`, which passes a ``Spec`` through) reads the keys
every family shares: ``name``, ``model``, ``label``, ``y``, ``x``, ``controls``, ``effects``,
``entity``, ``time``, ``cov``, ``ci_level``, ``sample``, ``options``, ``seed``. The runner
(:func:`clusternet.models.runner.fit_specification`) parses a specification once and hands the
``Spec`` to the family's fit function. A ``Spec`` is also a read-only mapping over the resolved
dict, so family-specific keys (``weights``, ``policy_dummy``, ``compare``, ...) are read as before
and the document records the dict exactly as configured.

**Effects: one vocabulary.** ``effects`` lists the absorbed fixed-effect dimensions, a subset of
``[entity, time]``; its names are :data:`EFFECTS_NAMES` ``none | entity | time | twoways``
(:attr:`Spec.effects_name`). ``effects`` is ``None`` when the specification does not state it and
each family applies its default (:meth:`Spec.effects_or`): the linear models take the effects
their name implies (``twfe`` = ``[entity, time]``; stating other effects is an error); IV and
threshold ``[entity]``; GMM (which always removes entity effects), mechanisms, DID and the spatial
models ``[entity, time]``. Two older spellings are still accepted for backwards compatibility and
translated here only (:data:`LEGACY_EFFECTS`): the IV option ``options.effects: none | entity |
time | twoways`` and the GMM option ``options.time_effects: true | false``. Stating one of them
and a contradicting ``effects`` is an error. (The spatial estimators' internal labels
``individual``/``twoway`` are a translation of the same value, see
:func:`clusternet.spatial.estimators.effects_kind`.)

**Options.** Each family declares its option keys in code (``OPTION_KEYS`` of linear, iv, gmm,
threshold and spatial/estimators; the ``*_OPTIONS`` default tables of mechanisms and did) and
:func:`checked_options` rejects any other key with one message. The families whose options the
config schema enumerates (``$defs/<family>_options`` of config/schemas/models.schema.yaml,
``$defs/options`` of spatial.schema.yaml) are tested to agree with it
(tests/models/test_specs.py), so the schema and the code cannot drift apart.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from clusternet.errors import ConfigError

DIMENSIONS = ("entity", "time")
EFFECTS_NAMES = {(): "none", ("entity",): "entity", ("time",): "time", ("entity", "time"): "twoways"}
EFFECTS_DIMENSIONS = {name: dims for dims, name in EFFECTS_NAMES.items()}
DEFAULT_ENTITY = "region_code"
DEFAULT_TIME = "year"
DEFAULT_CI_LEVEL = 0.95
# model -> (option key, translation to effects dimensions) of the older spellings
LEGACY_EFFECTS = {
    "iv": "effects",            # options.effects: none | entity | time | twoways
    "gmm_difference": "time_effects",  # options.time_effects: bool (entity effects always removed)
    "gmm_system": "time_effects",
}


def _where(raw: Mapping) -> str:
    name = raw.get("name")
    return f"specification {name!r}: " if name is not None else ""


def effects_dimensions(value: Any, *, where: str = "") -> tuple[str, ...]:
    """``effects`` as the canonical ordered tuple of dimensions (a subset of ``(entity, time)``).

    Accepts the list form (``[entity, time]``, ``[]``) and a name of :data:`EFFECTS_NAMES`
    (``none``, ``entity``, ``time``, ``twoways``); anything else is a ConfigError."""
    if isinstance(value, str):
        if value not in EFFECTS_DIMENSIONS:
            raise ConfigError(f"{where}effects {value!r} unknown; use a subset of [entity, time] "
                              f"(or one of {list(EFFECTS_DIMENSIONS)})")
        return EFFECTS_DIMENSIONS[value]
    values = list(value or [])
    bad = sorted({str(v) for v in values} - set(DIMENSIONS))
    if bad:
        raise ConfigError(f"{where}effects {bad} unknown; use entity and/or time")
    return tuple(d for d in DIMENSIONS if d in values)


def _legacy_effects(raw: Mapping, model: str) -> tuple[str, ...] | None:
    key = LEGACY_EFFECTS.get(model)
    options = raw.get("options")
    if key is None or not isinstance(options, Mapping) or key not in options:
        return None
    value = options[key]
    if key == "time_effects":
        return ("entity", "time") if bool(value) else ("entity",)
    if not isinstance(value, str) or value not in EFFECTS_DIMENSIONS:
        raise ConfigError(f"{_where(raw)}options.effects: {value!r} is not one of {list(EFFECTS_DIMENSIONS)}")
    return EFFECTS_DIMENSIONS[value]


def _names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


class Spec(Mapping):
    """One specification, parsed once (module docstring). Read-only; a mapping over ``raw``."""

    __slots__ = ("raw", "name", "model", "label", "y", "x", "controls", "effects", "entity", "time",
                 "cov", "ci_level", "sample", "options", "seed")
    raw: dict
    name: str
    model: str
    label: str
    y: Any
    x: tuple[str, ...]
    controls: tuple[str, ...]
    effects: tuple[str, ...] | None  # None: not stated (the family's default applies)
    entity: str
    time: str
    cov: dict | None
    ci_level: float
    sample: dict
    options: dict
    seed: int | None

    def __init__(self, raw: Mapping) -> None:
        raw = dict(raw)
        model = str(raw.get("model", ""))
        where = _where(raw)
        stated = effects_dimensions(raw["effects"], where=where) if "effects" in raw else None
        legacy = _legacy_effects(raw, model)
        if stated is not None and legacy is not None and stated != legacy:
            key = LEGACY_EFFECTS[model]
            raise ConfigError(f"{where}effects {list(stated)} contradict options.{key} "
                              f"({raw['options'][key]!r}); state the effects once, as `effects`")
        values = {
            "raw": raw, "name": str(raw.get("name", model)), "model": model,
            "label": str(raw.get("label", raw.get("name", ""))), "y": raw.get("y"),
            "x": _names(raw.get("x")), "controls": _names(raw.get("controls")),
            "effects": stated if stated is not None else legacy,
            "entity": str(raw.get("entity", DEFAULT_ENTITY)), "time": str(raw.get("time", DEFAULT_TIME)),
            "cov": raw.get("cov"), "ci_level": float(raw.get("ci_level", DEFAULT_CI_LEVEL)),
            "sample": dict(raw.get("sample") or {}), "options": dict(raw.get("options") or {}),
            "seed": raw.get("seed"),
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)

    @classmethod
    def from_dict(cls, spec: Mapping) -> Spec:
        return spec if isinstance(spec, Spec) else cls(spec)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"Spec is read-only (tried to set {key!r})")

    # the mapping over the resolved dict (family-specific keys, the document's `spec`)
    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def __repr__(self) -> str:
        return f"Spec({self.raw!r})"

    @property
    def regressors(self) -> list[str]:
        """``x`` then the ``controls`` not already in ``x``."""
        return [*self.x, *(c for c in self.controls if c not in self.x)]

    def effects_or(self, default: Iterable[str]) -> tuple[str, ...]:
        """The stated effects, else the family's ``default`` (canonical order)."""
        return self.effects if self.effects is not None else effects_dimensions(tuple(default))

    def effects_name(self, default: Iterable[str]) -> str:
        """``none | entity | time | twoways`` of :meth:`effects_or`."""
        return EFFECTS_NAMES[self.effects_or(default)]

    def where(self) -> str:
        """``specification 'name': `` for messages."""
        return f"specification {self.name!r}: "


def as_spec(spec: Mapping) -> Spec:
    """``spec`` parsed (a :class:`Spec` is passed through, so a specification is parsed once)."""
    return Spec.from_dict(spec)


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
