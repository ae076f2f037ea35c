"""The package id shown in the report and recorded in the package.

The id is the sha256 of the canonical JSON of ``{"code_version", "config_sha256"}``: the code
version pins the code and the lock file (both committed), and the config hash covers every
config section, including the sha256 of every upstream file (config/sources.yaml). It can be
computed before the report exists, so the report can show it. It is not the hash of the
archive, which cannot appear inside itself: the archive's sha256 is written next to it
(``<archive>.sha256``).
"""
from __future__ import annotations

import hashlib
import json

from clusternet import __version__
from clusternet.provenance import code_version


def package_identity(config) -> dict:
    """{"version", "code_version", "config_sha256", "id", "name"} of the package the current
    configuration and code would produce."""
    payload = {"code_version": code_version(), "config_sha256": config.sha256()}
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return {"version": __version__, **payload, "id": digest, "name": f"clusternet-{__version__}-{digest[:12]}"}


def item_anchor(name: str) -> str:
    """HTML/Markdown anchor of a report item's entry in the package's list of tables and figures."""
    return f"item-{name}"


# Where the package's README lies relative to results/report/index.html inside the package
# (results/ is copied to the package root).
README_FROM_REPORT = "../../README.md"
