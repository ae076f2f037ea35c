"""The report's links to the replication package (issue 20): results/report/items.json lists
every table and figure of the page with a unique anchor, each item links to its entry in the
package's README, and the page shows the package id."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest


from report_fixtures import build_synthetic_report


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("links")
    return root, build_synthetic_report(root)


def test_every_item_is_listed_once_and_links_to_its_entry(built):
    root, _ = built
    html = (root / "results/report/index.html").read_text(encoding="utf-8")
    listing = json.loads((root / "results/report/items.json").read_text(encoding="utf-8"))
    names = re.findall(r'data-item="([^"]+)"', html)
    anchors = re.findall(r'href="\.\./\.\./README\.md#([^"]+)"', html)
    assert len(names) > 10
    assert [i["name"] for i in listing["items"]] == names  # page order
    assert [i["anchor"] for i in listing["items"]] == anchors
    assert len(set(anchors)) == len(anchors)
    tables = [i["number"] for i in listing["items"] if i["kind"] == "table"]
    assert tables == [f"T{k}" for k in range(1, len(tables) + 1)]
    for item in listing["items"]:
        assert item["inputs"], f"{item['name']} has no recorded inputs"


def test_page_shows_the_package_id(built):
    root, config_sha = built
    html = (root / "results/report/index.html").read_text(encoding="utf-8")
    # The id as documented in clusternet.package_identity.
    expected = hashlib.sha256(json.dumps({"code_version": "test", "config_sha256": config_sha},
                                         sort_keys=True).encode()).hexdigest()
    assert f'data-package-id="{expected}"' in html
    listing = json.loads((root / "results/report/items.json").read_text(encoding="utf-8"))
    assert listing["package"]["id"] == expected and listing["package"]["name"].endswith(expected[:12])
