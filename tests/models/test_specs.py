"""Each family's option keys agree with the config schema; unknown options have one message."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from clusternet import estimators
from clusternet.errors import ConfigError
from clusternet.models import gmm, iv, linear, threshold
from clusternet.models.specs import checked_options
from clusternet.spatial import estimators as spatial_estimators

SCHEMAS = Path(__file__).resolve().parents[2] / "config" / "schemas"


def _defs(name: str) -> dict:
    return yaml.safe_load((SCHEMAS / f"{name}.schema.yaml").read_text(encoding="utf-8"))["$defs"]


@pytest.mark.parametrize("module,definition", [(linear, "linear_options"), (iv, "iv_options"),
                                               (gmm, "gmm_options"), (threshold, "threshold_options")])
def test_model_option_keys_are_the_schema_properties(module, definition):
    assert set(module.OPTION_KEYS) == set(_defs("models")[definition]["properties"])


def test_spatial_option_keys_are_the_schema_properties():
    # one options schema for every spatial model: the union of the core's and the extended models' keys
    from clusternet.spatial import estimators_extended

    keys = set(spatial_estimators.OPTION_KEYS) | set(estimators_extended.OPTION_KEYS)
    assert keys == set(_defs("spatial")["options"]["properties"])


def test_estimator_rows_name_existing_option_schemas():
    defs = _defs("models")
    for row in estimators.ESTIMATORS.values():
        assert row.options is None or row.options in defs, row


def test_unknown_option_message():
    with pytest.raises(ConfigError, match=r"^specification 's': unknown option\(s\) \['b'\] for model 'fe'; "
                                          r"allowed: \['a'\]$"):
        checked_options({"a": 1, "b": 2}, {"a"}, spec={"name": "s", "model": "fe"})
    assert checked_options(None, {"a"}) == {}


# ---------------------------------------------------------------- the typed Spec (issue 10)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from clusternet.models.specs import EFFECTS_NAMES, Spec, as_spec, effects_dimensions  # noqa: E402


def test_spec_reads_the_shared_keys_once_and_is_a_read_only_mapping():
    raw = {"name": "s", "model": "twfe", "y": "y", "x": "a", "controls": ["b", "a"], "cov": {"type": "robust"},
           "options": {"missing": "drop"}, "seed": 7, "weights": "queen"}
    s = Spec.from_dict(raw)
    assert (s.name, s.model, s.y, s.x, s.controls) == ("s", "twfe", "y", ("a",), ("b", "a"))
    assert s.regressors == ["a", "b"]
    assert (s.entity, s.time, s.ci_level, s.seed, s.effects) == ("region_code", "year", 0.95, 7, None)
    assert s.options == {"missing": "drop"} and s.cov == {"type": "robust"}
    assert dict(s) == raw and s["weights"] == "queen" and s.get("compare", True) is True
    assert as_spec(s) is s  # parsed once: a Spec passes through
    with pytest.raises(AttributeError):
        s.y = "z"  # type: ignore[misc]
    with pytest.raises(TypeError):
        s["y"] = "z"  # type: ignore[index]


@pytest.mark.parametrize("value,dims", [([], ()), (["time", "entity"], ("entity", "time")), (["entity"], ("entity",)),
                                        ("none", ()), ("twoways", ("entity", "time")), ("time", ("time",))])
def test_effects_vocabulary(value, dims):
    assert effects_dimensions(value) == dims
    assert Spec.from_dict({"name": "s", "model": "twfe", "effects": value}).effects_name(()) == EFFECTS_NAMES[dims]


def test_unknown_effects_named():
    with pytest.raises(ConfigError, match=r"^specification 's': effects \['region'\] unknown; use entity and/or time"):
        Spec.from_dict({"name": "s", "model": "sar", "effects": ["entity", "region"]})
    with pytest.raises(ConfigError, match=r"effects 'twoway' unknown"):
        Spec.from_dict({"name": "s", "model": "sar", "effects": "twoway"})


@pytest.mark.parametrize("model,options,dims", [
    ("iv", {"effects": "twoways"}, ("entity", "time")), ("iv", {"effects": "none"}, ()),
    ("gmm_system", {"time_effects": False}, ("entity",)), ("gmm_difference", {"time_effects": True}, ("entity", "time")),
    ("twfe", {"effects": "none"}, None),  # only iv and GMM had the older spellings
])
def test_older_spellings_translated_in_one_place(model, options, dims):
    assert Spec.from_dict({"name": "s", "model": model, "options": options}).effects == dims


def test_older_spelling_contradicting_effects_is_an_error():
    with pytest.raises(ConfigError, match=r"specification 's': effects \['entity'\] contradict options.effects"):
        Spec.from_dict({"name": "s", "model": "iv", "effects": ["entity"], "options": {"effects": "twoways"}})
    assert Spec.from_dict({"name": "s", "model": "iv", "effects": [], "options": {"effects": "none"}}).effects == ()


def _iv_panel(seed=3, n=30, t=6):
    rng = np.random.default_rng(seed)
    e, yr = np.repeat(np.arange(n), t), np.tile(np.arange(2010, 2010 + t), n)
    z = rng.normal(size=n * t)
    u = rng.normal(size=n * t)
    x = 0.8 * z + 0.5 * u + rng.normal(size=n * t) + 0.3 * (e % 5)
    y = 1.5 * x + u + 0.2 * (e % 7) + 0.1 * (yr - 2010)
    return pd.DataFrame({"region_code": e, "year": yr, "y": y, "x": x, "z": z})


@pytest.mark.parametrize("name,dims", [("twoways", ["entity", "time"]), ("entity", ["entity"]), ("none", [])])
def test_iv_effects_and_the_older_option_fit_the_same_model(name, dims):
    fit = estimators.get("iv")
    base = {"name": "s", "model": "iv", "y": "y", "x": ["x"], "cov": {"type": "robust"}}
    iv_opts = {"endogenous": ["x"], "instruments": ["z"]}
    new = fit(_iv_panel(), {**base, "effects": dims, "options": iv_opts})
    old = fit(_iv_panel(), {**base, "options": {**iv_opts, "effects": name}})
    for doc in (new, old):
        doc.pop("spec")
    assert new == old
    assert new["extra"]["effects"] == name  # the document keeps the name it always wrote
    assert new["effects"] == {"entity": "entity" in dims, "time": "time" in dims}


def test_config_files_use_the_one_effects_vocabulary():
    """The project's own configs state effects as `effects: [...]`, never in an older spelling."""
    from clusternet.models.specs import LEGACY_EFFECTS

    root = SCHEMAS.parents[0]
    files = sorted({*root.glob("models.yaml"), *root.glob("*/models.yaml"), *root.glob("spatial.yaml"),
                    *root.glob("*/spatial.yaml")})
    assert len(files) >= 4
    checked = 0
    for path in files:
        section = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        section = section.get("models", section) if path.name == "spatial.yaml" else section
        for spec in [section.get("defaults") or {}, *(section.get("specifications") or [])]:
            checked += 1
            key = LEGACY_EFFECTS.get(spec.get("model"))
            assert key is None or key not in (spec.get("options") or {}), (path, spec.get("name"))
            if "effects" in spec:
                assert isinstance(spec["effects"], list), (path, spec.get("name"))
                Spec.from_dict(spec)  # a valid list of the vocabulary
    assert checked > 40
