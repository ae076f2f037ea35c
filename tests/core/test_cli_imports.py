"""`clusternet --help` and each stage import only what they need (issue 19: lazy imports).

Checked from ``sys.modules`` in a fresh interpreter, not by timing (the machine's load varies)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "pandas", "scipy", "yaml", "jsonschema", "igraph", "matplotlib", "docx", "jinja2", "sklearn",
         "statsmodels", "pyarrow")

_PROBE = r'''
import json, sys
wanted = set(json.loads(sys.stdin.read()))
from clusternet.cli.app import build_parser
parser = build_parser()
argv = sys.argv[1:]
if argv:
    args = parser.parse_args(argv)
    try:
        args.func(args)  # imports the stage's modules, then fails on the missing config file
    except Exception:
        pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in wanted)))
'''


def _imported(*argv: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", _PROBE, *argv], input=json.dumps(HEAVY), capture_output=True,
                         text=True, check=True)
    return {m.split(".")[0] for m in json.loads(out.stdout)}


def test_parser_imports_no_third_party_package():
    assert _imported() == set()


@pytest.mark.parametrize("stage,absent", [
    ("spatial-models", {"igraph", "matplotlib", "docx", "jinja2", "sklearn"}),
    ("models", {"igraph", "matplotlib", "docx", "jinja2"}),
    ("qap", {"docx", "jinja2", "sklearn"}),
    ("efficiency", {"igraph", "matplotlib", "docx", "jinja2"}),
    ("acquire", {"pandas", "scipy", "igraph", "matplotlib", "docx"}),
])
def test_stage_imports_only_what_it_needs(stage, absent):
    assert not _imported(stage, "--config", "/nonexistent/config.yaml") & absent
