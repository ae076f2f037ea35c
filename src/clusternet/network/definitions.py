"""Which networks the `network` stage builds, and the node-table columns of each.

The default network (``source`` and the top-level keys of config/network.yaml) writes its node
measures as ``net_<measure>``; each entry of ``alternatives`` (a name, a ``source`` and optional
``binarize`` / ``flow`` / ``gravity`` overrides, merged key by key over the top-level ones) writes
``net_<name>__<measure>``. The circularity guard uses the same mapping to find the network a
``net_*`` column comes from.
"""
from __future__ import annotations

from clusternet.errors import ConfigError

DEFAULT = "default"
PREFIX = "net_"


def network_definitions(section: dict) -> dict[str, dict]:
    """name -> {"prefix", "section" (a full network section for that network)}; default first."""
    out = {DEFAULT: {"prefix": PREFIX, "section": section}}
    for i, alt in enumerate(section.get("alternatives") or []):
        name = alt["name"]
        if name in out:
            raise ConfigError(f"config/network.yaml: alternatives[{i}].name {name!r} is used twice (or is "
                              f"the reserved name {DEFAULT!r})")
        merged = dict(section)
        merged["source"] = alt["source"]
        merged["binarize"] = alt.get("binarize", section["binarize"])
        for key in ("flow", "gravity"):
            if key in alt:
                base = dict(section.get(key) or {})
                base.update(alt[key])
                merged[key] = base
        merged.pop("alternatives", None)
        out[name] = {"prefix": f"{PREFIX}{name}__", "section": merged}
    return out


def network_of_column(column: str, section: dict) -> tuple[str, dict] | None:
    """(network name, its section) of a node-table column, or None when it is not a network column."""
    if not column.startswith(PREFIX):
        return None
    defs = network_definitions(section)
    for name, d in defs.items():
        if name != DEFAULT and column.startswith(d["prefix"]):
            return name, d["section"]
    return DEFAULT, section
