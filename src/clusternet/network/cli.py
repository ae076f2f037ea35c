"""Sub-commands of the network stage."""
from __future__ import annotations


def register(sub) -> None:
    """Add this domain's sub-commands to the `clusternet` parser."""
