"""The ``clusternet`` command: :mod:`clusternet.cli.app` builds the parser from the domain
CLIs; :mod:`clusternet.cli.common` holds what they share. (The parser module is not called
``main``: importing a submodule of that name would replace this function on the package.)"""
from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Entry point kept at ``clusternet.cli:main`` for installed console scripts; imports the
    parser (and with it every domain CLI) only when called."""
    from clusternet.cli.app import main as run

    return run(argv)
