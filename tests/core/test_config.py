"""The config loader: schema validation, unknown keys, section files, mirror override."""
from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import pytest
import yaml

from clusternet.config import MIRROR_ENV, load_config
from clusternet.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def config_dir(tmp_path):
    dst = tmp_path / "config"
    shutil.copytree(ROOT / "config", dst)
    return dst


def _edit(path: Path, fn):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_shipped_config_and_every_section_validate():
    cfg = load_config(ROOT / "config" / "config.yaml")
    for name in cfg.main["sections"]:
        cfg.section(name)
    assert len(cfg.sha256()) == 64


def test_unknown_top_level_key_is_an_error(config_dir):
    _edit(config_dir / "config.yaml", lambda d: d.update(sed=1))
    with pytest.raises(ConfigError, match=r"config\.yaml.*unknown key.*'sed'"):
        load_config(config_dir / "config.yaml")


def test_unknown_nested_key_names_its_path(config_dir):
    _edit(config_dir / "config.yaml", lambda d: d["years"].update(frist=2011))
    with pytest.raises(ConfigError, match=r"at years: unknown key.*'frist'"):
        load_config(config_dir / "config.yaml")


def test_wrong_type_names_key(config_dir):
    _edit(config_dir / "config.yaml", lambda d: d.update(seed="abc"))
    with pytest.raises(ConfigError, match=r"at seed: 'abc' is not of type 'integer'"):
        load_config(config_dir / "config.yaml")


def test_missing_section_file_is_an_error(config_dir):
    cfg = load_config(config_dir / "config.yaml")
    name = next(iter(cfg.main["sections"]))
    (config_dir / cfg.main["sections"][name]).unlink()
    with pytest.raises(ConfigError, match=re.escape(cfg.main["sections"][name]) + " does not exist"):
        cfg.section(name)


def test_unknown_key_in_each_section_is_an_error(config_dir):
    cfg = load_config(config_dir / "config.yaml")
    for name, file in cfg.main["sections"].items():
        path = config_dir / file
        _edit(path, lambda d: d.update(no_such_key_xyz=1))
        fresh = load_config(config_dir / "config.yaml")
        with pytest.raises(ConfigError, match="no_such_key_xyz"):
            fresh.section(name)


def test_mirror_environment_variable_overrides_config(config_dir, monkeypatch):
    cfg = load_config(config_dir / "config.yaml")
    monkeypatch.setenv(MIRROR_ENV, "/some/mirror")
    assert cfg.mirror == Path("/some/mirror")
    monkeypatch.delenv(MIRROR_ENV)
    assert cfg.mirror is None or cfg.mirror == Path(cfg.main["acquire"]["mirror"])


def test_config_hash_changes_with_content(config_dir):
    a = load_config(config_dir / "config.yaml").sha256()
    _edit(config_dir / "config.yaml", lambda d: d.update(seed=d["seed"] + 1))
    assert load_config(config_dir / "config.yaml").sha256() != a


# --------------------------------------------------------------------------- every section, every level
# Each shipped section file is mutated in memory at every structurally distinct place (one node per
# depth and key set: the 124 codebook variables share one shape) and validated against its schema.

from clusternet.config import read_yaml, validate  # noqa: E402

SECTIONS = sorted(yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))["sections"])
# Free-form mappings (any key is allowed there by design): model options passed to the estimator.
FREE_FORM = ("options",)


def _nodes(obj, path=()):
    """(path, node) for every mapping, one per (depth, key set), and every scalar leaf, one per path shape."""
    seen, out = set(), []

    def walk(x, p):
        shape = tuple(0 if isinstance(k, int) else k for k in p)
        if isinstance(x, dict):
            sig = ("dict", len(p), tuple(sorted(map(str, x))))
            if sig not in seen and not any(str(k) in FREE_FORM for k in p):
                seen.add(sig)
                out.append((p, x))
            for k, v in x.items():
                walk(v, (*p, k))
        elif isinstance(x, list):
            for i, v in enumerate(x):
                walk(v, (*p, i))
        else:
            sig = ("leaf", shape if len(p) < 3 or not isinstance(p[-2], str) else (len(p), p[-1]))
            if sig not in seen and not any(str(k) in FREE_FORM for k in p):
                seen.add(sig)
                out.append((p, x))
    walk(obj, path)
    return out


def _get(doc, path):
    for k in path:
        doc = doc[k]
    return doc


def _section(name):
    main = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    file = ROOT / "config" / main["sections"][name]
    return read_yaml(file), ROOT / "config" / "schemas" / f"{name}.schema.yaml"


def _error(doc, schema):
    try:
        validate(doc, schema, "test")
    except ConfigError as exc:
        return str(exc)
    return None


def _shown(path):
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(path))


@pytest.mark.parametrize("name", SECTIONS)
def test_unknown_key_at_every_level_is_an_error(name):
    doc, schema = _section(name)
    for path, node in _nodes(doc):
        if not isinstance(node, dict):
            continue
        bad = copy.deepcopy(doc)
        _get(bad, path)["zz_unknown_key"] = 1
        err = _error(bad, schema)
        assert err is not None and "zz_unknown_key" in err, (name, path, err)


@pytest.mark.parametrize("name", SECTIONS)
def test_wrong_type_at_every_leaf_names_the_key_and_the_allowed_type(name):
    doc, schema = _section(name)
    for path, leaf in _nodes(doc):
        if isinstance(leaf, dict) or not path:
            continue
        wrong = [1, 2] if isinstance(leaf, str) or leaf is None else "abc"
        bad = copy.deepcopy(doc)
        _get(bad, path[:-1])[path[-1]] = wrong
        err = _error(bad, schema)
        assert err is not None, (name, path)
        assert f"at {_shown(path)}" in err and "allowed:" in err, (name, path, err)


@pytest.mark.parametrize("name", SECTIONS)
def test_missing_required_key_says_which_key_to_add(name):
    doc, schema = _section(name)
    hits = 0
    for path, node in _nodes(doc):
        if not isinstance(node, dict):
            continue
        for key in list(node):
            bad = copy.deepcopy(doc)
            del _get(bad, path)[key]
            err = _error(bad, schema)
            if err is not None and "is a required property" in err:
                # usually the deleted key; where a requirement is conditional (a hypothesis without
                # `class` is class B, which needs an `estimand`) the key the condition now needs
                named = re.search(r"'([^']+)' is a required property — add the key '([^']+)'", err)
                assert named and named.group(1) == named.group(2), (name, path, key, err)
                assert named.group(1) == key or named.group(1) not in _get(bad, path), (name, path, key, err)
                hits += 1
    assert hits, f"no required key found in {name}"


@pytest.mark.parametrize("section, path, value, expected", [
    ("panel", ("interpolation", "max_gap"), 0, "allowed: a whole number >= 1"),
    ("panel", ("duplicates", "rtol"), -1, "allowed: a number >= 0"),
    ("panel", ("winsorize", "lower"), 0.7, "allowed: a number >= 0, <= 0.5"),
    ("panel", ("interpolation", "method"), "cubic", 'allowed: one of "linear", "none"'),
    ("codebook", ("variables", "rd_exp", "change", "bound"), 0, "allowed: a number > 0"),
    ("codebook", ("variables", "rd_exp", "change", "measure"), "ratio", 'one of "log", "difference"'),
    ("items", ("items", 0, "scale"), -1.0, "allowed: a number > 0"),
    ("items", ("items", 0, "scale"), "1e-4x", "allowed: a number > 0"),
])
def test_out_of_range_values_get_the_allowed_range_in_words(section, path, value, expected):
    doc, schema = _section(section)
    _get(doc, path[:-1])[path[-1]] = value
    err = _error(doc, schema)
    assert err is not None and f"at {_shown(path)}" in err and expected in err, err


def test_yaml_1_2_float_without_a_dot_is_a_number(config_dir):
    """`scale: 1e-4` is a float in YAML 1.2 but text in YAML 1.1 (PyYAML): it is read as the number."""
    path = config_dir / "items.yaml"
    text = path.read_text(encoding="utf-8")
    assert "scale: 1.0e-4" in text
    path.write_text(text.replace("scale: 1.0e-4", "scale: 1e-4"), encoding="utf-8")
    items = load_config(config_dir / "config.yaml").section("items")["items"]
    assert items[0]["scale"] == 1e-4 and isinstance(items[0]["scale"], float)


def test_quoted_number_is_explained(config_dir):
    path = config_dir / "items.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("scale: 1.0e-4", "scale: '1e-4'", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"items\[0\]\.scale: '1e-4' is not of type 'number' — allowed: a number > 0 "
                                          r"\('1e-4' was read as text"):
        load_config(config_dir / "config.yaml").section("items")


def test_missing_section_file_names_the_key(config_dir):
    cfg = load_config(config_dir / "config.yaml")
    (config_dir / cfg.main["sections"]["models"]).unlink()
    with pytest.raises(ConfigError, match=r"config\.yaml: sections\.models: the section file .*models\.yaml does not exist"):
        cfg.section("models")


@pytest.mark.parametrize("name", SECTIONS)
def test_out_of_range_at_every_leaf_names_the_key_and_the_allowed_range(name):
    """Every number set far out of range and every word set to a value no enum has: where the schema
    refuses it, the message names the key path and says what is allowed."""
    doc, schema = _section(name)
    refused = 0
    for path, leaf in _nodes(doc):
        if isinstance(leaf, dict) or not path or isinstance(leaf, bool) or leaf is None:
            continue
        for wrong in ([-1e9, 1e9] if isinstance(leaf, (int, float)) else ["zz_not_allowed"]):
            if isinstance(leaf, int) and isinstance(wrong, float):
                wrong = int(wrong)
            bad = copy.deepcopy(doc)
            _get(bad, path[:-1])[path[-1]] = wrong
            err = _error(bad, schema)
            if err is not None:
                refused += 1
                assert f"at {_shown(path)}" in err and "allowed:" in err, (name, path, err)
    assert refused, f"no bounded value found in {name}"
