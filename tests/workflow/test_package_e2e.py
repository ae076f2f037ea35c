"""Replication package end to end (issue 20): build it from the suite's one Snakemake run (the
session fixture on the small test configuration, config/test/), verify it in a clean directory (one
more run of that configuration, reusing this venv), build
it twice (byte-identical archives), corrupt one upstream file (clear failure naming it), and
check the README against the template and the report."""
from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workflow_e2e import BIN, _run

pytestmark = pytest.mark.e2e
VENV = Path(sys.executable).parent.parent  # reuse this interpreter's environment (documented --venv)


@pytest.fixture(scope="module")
def package(snakemake_test_run):
    # the small test configuration (issue 14): `verify` reruns the whole pipeline of the package
    work, env = snakemake_test_run
    _run([str(BIN / "clusternet"), "package", "dist/replication"], work, env)
    return work / "dist" / "replication", env


def test_verify_reruns_the_package_and_every_output_is_identical(package, mirror_dir, tmp_path):
    pkg, env = package
    proc = subprocess.run([str(BIN / "clusternet"), "verify", str(pkg.with_name("replication.zip")),
                           "--venv", str(VENV), "--mirror", str(mirror_dir), "--workdir", str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=3600)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-6000:]
    rows = [line.split() for line in proc.stdout.splitlines()
            if re.search(r"\s(identical|differs|missing|extra)$", line) and not line.startswith(("OK:", "FAILED:"))]
    import json
    expected = json.loads((pkg / "expected" / "outputs.json").read_text())["files"]
    assert len(rows) == len(expected) > 50
    assert {r[-1] for r in rows} == {"identical"}
    assert f"OK: {len(expected)} identical" in proc.stdout


def test_building_twice_gives_byte_identical_archives(package, tmp_path):
    pkg, env = package
    work = pkg.parent.parent
    first = {n: (pkg.parent / n).read_bytes() for n in ("replication.zip", "replication.tar.gz")}
    shutil.rmtree(pkg)
    _run([str(BIN / "clusternet"), "package", "dist/replication"], work, env)
    for n, data in first.items():
        assert (pkg.parent / n).read_bytes() == data, f"{n} differs between two builds"


def test_a_corrupted_upstream_file_fails_naming_it(package, tmp_path, mirror_dir):
    pkg, env = package
    copy = shutil.copytree(pkg, tmp_path / "replication")
    with open(copy / "data" / "download-manifest.csv", encoding="utf-8", newline="") as fh:
        shipped = [r for r in csv.DictReader(fh) if r["in_package"]]
    assert shipped, "no upstream file is redistributed in the package"
    target = copy / shipped[0]["in_package"]
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    proc = subprocess.run([str(BIN / "clusternet"), "verify", str(copy), "--venv", str(VENV),
                           "--mirror", str(mirror_dir), "--workdir", str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0
    assert shipped[0]["in_package"] in proc.stderr and "corrupted" in proc.stderr, proc.stderr
    assert "running the pipeline" not in proc.stdout  # it stops before running anything


def test_readme_has_every_template_section_and_lists_every_report_item(package):
    from clusternet.replication.readme import SECTIONS

    pkg, _ = package
    readme = (pkg / "README.md").read_text(encoding="utf-8")
    headings = [m.group(1).strip() for m in re.finditer(r"^#{2,4} (.+)$", readme, flags=re.M)]
    for section in SECTIONS:
        assert section in headings, f"README lacks the template section {section!r}"
    # Every table and figure of the report (data-item attributes of the page), each with the
    # rule that rendered it and the rule that produced its inputs.
    html = (pkg / "results" / "report" / "index.html").read_text(encoding="utf-8")
    names = re.findall(r'data-item="([^"]+)"', html)
    anchors = re.findall(r'href="\.\./\.\./README\.md#(item-[^"]+)"', html)
    assert len(names) > 20 and len(anchors) == len(names), "every table and figure links to the package's list"
    listed = {}
    with open(pkg / "tables-and-figures.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            listed[row["anchor"]] = row
    assert len(listed) == len(anchors) and set(listed) == set(anchors)
    for anchor in anchors:
        assert f'<a id="{anchor}"></a>' in readme, f"{anchor} has no entry in README.md"
        commands = listed[anchor]["commands"]
        assert re.search(r"rule report: clusternet --log logs/report\.log (--params \S+ )?report ", commands), commands
        assert re.search(r"rule (?!report)[\w@.-]+: clusternet ", commands), f"{anchor}: no producing rule in {commands}"
        assert listed[anchor]["config_entries"], anchor
    # One provenance statement per source, with URL, sha256 and whether it is redistributed.
    with open(pkg / "data" / "download-manifest.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            assert row["url"] in readme and row["sha256"] in readme
    ident = re.search(r'data-package-id="([0-9a-f]{64})"', html).group(1)
    import json
    assert json.loads((pkg / "package.json").read_text())["package"]["id"] == ident
