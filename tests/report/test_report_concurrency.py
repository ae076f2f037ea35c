"""A report run while the result documents are rewritten cannot certify documents it did not use:
inputs are hashed as they are read (clusternet.reads), a document that changes before the report
is written is refused, and the report holds the result-document locks shared while it runs."""
from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import pytest
import yaml

from clusternet.cli.app import main
from clusternet.config import load_config
from clusternet.errors import DataError
from clusternet.report import build
from clusternet.reads import lock_directory
from clusternet.report.build import build_report


def _fast():
    Path("config/report.yaml").write_text(yaml.safe_dump({"table_formats": ["md"], "figure_formats": ["png"]}))


def _rewrite(path: Path, estimate: float) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["coefficients"][0]["estimate"] = estimate
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def test_report_refuses_documents_rewritten_while_it_runs(project, monkeypatch, capsys):
    """`clusternet models` rewriting results/models/baseline.json after the report read it: the
    report used the old numbers and must not certify the new document's hash (exit 2, no report)."""
    _fast()
    doc = Path("results/models/baseline.json")
    original = build.data_section

    def rewritten_meanwhile(b):
        _rewrite(doc, 9.99)  # another process, between reading and writing
        return original(b)

    monkeypatch.setattr(build, "data_section", rewritten_meanwhile)
    assert main(["report", "--config", str(project)]) == 2
    err = capsys.readouterr().err
    assert "changed while this stage ran" in err and "results/models/baseline.json" in err
    assert not Path("results/report/index.html").exists() and not Path("results/manifest.json").exists()


def test_report_certifies_the_bytes_it_read(project):
    _fast()
    build_report(load_config(project))
    manifest = json.loads(Path("results/manifest.json").read_text(encoding="utf-8"))
    page = Path("results/report/index.html").read_text(encoding="utf-8")
    sha = manifest["files"]["results/models/baseline.json"]["sha256"]
    assert sha in page  # the report's provenance names the hash of the document it read


def test_report_holds_the_result_document_locks_shared(project, monkeypatch):
    """While the report runs, a writer of result documents (models, spatial-models, hypotheses)
    cannot take its exclusive lock; another reader can share it."""
    _fast()
    original = build.data_section
    seen = {}

    def probe(b):
        for name in ("models", "spatial-models", "hypotheses"):
            fd = os.open(lock_directory("results", name), os.O_RDONLY)
            try:
                with pytest.raises(BlockingIOError):
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # readers do not block each other
                seen[name] = True
            finally:
                os.close(fd)
        return original(b)

    monkeypatch.setattr(build, "data_section", probe)
    build_report(load_config(project))
    assert seen == {"models": True, "spatial-models": True, "hypotheses": True}
    assert not list(Path("results").rglob("*.lock"))  # no lock files left behind


def test_hashing_at_read_and_refusing_a_changed_input(tmp_path):
    from clusternet import reads
    from clusternet.provenance import input_hashes

    path = tmp_path / "doc.json"
    path.write_text('{"a": 1}\n')
    reads.reset()
    assert reads.read_json_input(path) == {"a": 1}
    import hashlib

    assert input_hashes([path]) == {path.as_posix(): hashlib.sha256(b'{"a": 1}\n').hexdigest()}
    path.write_text('{"a": 2}\n')
    with pytest.raises(DataError, match=r"(?s)changed while this stage ran.*doc\.json"):
        input_hashes([path])
    reads.reset()


def test_results_lock_is_exclusive_for_writers(tmp_path):
    from clusternet.reads import results_lock

    with results_lock(tmp_path, exclusive=["models"]):
        fd = os.open(tmp_path, os.O_RDONLY)  # the models documents are guarded by results/ itself
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released at the end of the block
    finally:
        os.close(fd)
