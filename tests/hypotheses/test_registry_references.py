"""Dangling references in the hypothesis registry are config errors at the key (issue 11).

Before this check, a hypothesis citing a specification that no section declares failed only
after every model had run, as a missing result document."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from clusternet.config import load_config
from clusternet.errors import ConfigError
from clusternet.hypotheses.registry import load_registry

ROOT = Path(__file__).resolve().parents[2]


def _project(tmp_path: Path, edit) -> Path:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    path = tmp_path / "config" / "hypotheses.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return tmp_path / "config" / "config.yaml"


def _first(doc, source):
    return next(i for i, h in enumerate(doc["hypotheses"]) if h.get("estimand", {}).get("source", "models") == source)


def test_shipped_registry_references_only_declared_specifications():
    load_registry(load_config(ROOT / "config" / "config.yaml"))


@pytest.mark.parametrize("source", ["models", "spatial"])
def test_primary_estimand_naming_an_undeclared_specification_is_refused(tmp_path, source):
    spatial = yaml.safe_load((ROOT / "config" / "spatial.yaml").read_text(encoding="utf-8"))
    state = {"name": spatial["models"]["specifications"][0]["name"]}

    def edit(doc):
        i = _first(doc, "models")
        state["i"], state["id"] = i, doc["hypotheses"][i]["id"]
        est = doc["hypotheses"][i]["estimand"]
        if source == "spatial":
            est.update(source="spatial", effect="indirect")
        else:
            state["name"] = est["specification"]
        est["specification"] = state["name"] + "x"  # a typo

    cfg = load_config(_project(tmp_path, edit))
    with pytest.raises(ConfigError) as err:
        load_registry(cfg)
    msg = str(err.value)
    assert f"hypotheses[{state['i']}] ({state['id']}).estimand.specification" in msg
    assert f"did you mean ['{state['name']}'" in msg and f"{source}.yaml" in msg


def test_robustness_entry_naming_an_undeclared_specification_is_refused(tmp_path):
    state = {}

    def edit(doc):
        i = next(i for i, h in enumerate(doc["hypotheses"]) if h.get("robustness"))
        state["i"] = i
        doc["hypotheses"][i]["robustness"][0]["specification"] = "no_such_specification"

    cfg = load_config(_project(tmp_path, edit))
    with pytest.raises(ConfigError) as err:
        load_registry(cfg)
    assert f"hypotheses[{state['i']}]" in str(err.value)
    assert "robustness[0].specification 'no_such_specification'" in str(err.value)
