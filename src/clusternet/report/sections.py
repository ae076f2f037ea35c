"""The report's page model: a section holds paragraphs and items (tables and figures).

Kept apart from ``build`` so that the section builders (``hypothesis``, ``policy_section``, other
helpers' extension points) can make items without importing the builder (no import cycle)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Item:
    kind: str  # table | figure
    name: str
    title: str
    caption: str = ""
    html: str = ""  # table fragment
    image: str = ""  # data: URI of the PNG
    files: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)  # files it was made from (provenance), for items.json
    number: str = ""  # T1, F1, ... in page order (set by package_links)
    anchor: str = ""  # unique anchor of its entry in the replication package's list
    source: str = ""  # "artefact": another stage's table, shown as that stage wrote it


@dataclass
class Section:
    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    hypothesis: dict | None = None
