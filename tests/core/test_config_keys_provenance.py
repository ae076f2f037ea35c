"""provenance.config_keys_sha256 (issue 14): a stage that reads only some keys of another section
records only those, so editing the rest of that section leaves its documents' bytes alone."""
import copy

from clusternet.provenance import config_keys_sha256


class _Config:
    def __init__(self, sections):
        self._sections = sections
        self.main = {"sections": {name: f"{name}.yaml" for name in sections}}

    def section(self, name):
        return self._sections[name]


MODELS = {"merge_tables": ["indices", "nodes"], "specifications": [{"name": "a", "y": "y1"}, {"name": "b", "y": "y2"}]}


def test_other_keys_do_not_change_the_hash():
    base = config_keys_sha256(_Config({"models": MODELS}), {"models": ("merge_tables",)})
    edited = copy.deepcopy(MODELS)
    edited["specifications"][1]["y"] = "y3"
    assert config_keys_sha256(_Config({"models": edited}), {"models": ("merge_tables",)}) == base


def test_the_named_key_changes_the_hash():
    base = config_keys_sha256(_Config({"models": MODELS}), {"models": ("merge_tables",)})
    edited = copy.deepcopy(MODELS)
    edited["merge_tables"] = ["indices"]
    assert config_keys_sha256(_Config({"models": edited}), {"models": ("merge_tables",)}) != base


def test_missing_section_hashes_null_values():
    out = config_keys_sha256(_Config({}), {"models": ("merge_tables",)})
    assert set(out) == {"models"} and len(out["models"]) == 64
