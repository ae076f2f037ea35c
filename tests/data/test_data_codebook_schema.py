"""Codebook rendering, the pandera panel schema, and the HTTP download path of acquire."""
from __future__ import annotations

import functools
import http.server
import threading

import numpy as np
import pandas as pd
import pytest
from data_helpers import make_project

from clusternet.cli.app import main
from clusternet.config import load_config
from clusternet.data import regions as reg
from clusternet.data import sources as src
from clusternet.data.codebook import codebook_path, render_codebook
from clusternet.data.schema import validate_panel
from clusternet.errors import DataError


def test_codebook_renders_every_variable_and_the_cli_writes_it(tmp_path, capsys):
    cfg = make_project(tmp_path)
    config = load_config(cfg)
    text = render_codebook(config)
    for name, entry in config.section("codebook")["variables"].items():
        assert f"| `{name}` | {entry['label_en']}" in text
    assert "constant 2011 prices" in text and "national CPI" in text
    assert main(["codebook", "--config", str(cfg)]) == 0
    assert codebook_path(config).read_text(encoding="utf-8") == text


def test_codebook_variables_have_complete_entries():
    config = load_config("config/config.yaml")
    variables = config.section("codebook")["variables"]
    items = config.section("items")["items"]
    panel = config.section("panel")
    raw = {it["variable"] for it in items}
    derived = {d["name"] for d in panel["derived"]}
    deflated = {v + panel["deflation"]["suffix"] for v in panel["deflation"]["variables"]}
    assert set(variables) == raw | derived | deflated | {panel["deflation"]["level_variable"]}
    for it in items:  # the codebook names the file each raw variable comes from
        path = config.section("sources")["files"]
        file = next(f["path"] for f in path if f["id"] == it["source"])
        assert file in variables[it["variable"]]["source"], it["variable"]
    dig = [v for v in variables if v.startswith("dig_") and not v.endswith("_real")]
    assert len(dig) == 24  # the 22 indicators + the two employment components of indicator 17


def _tiny_panel(value):
    codes = reg.region_table()
    df = pd.DataFrame({"region_code": codes["region_code"].astype("int64"), "year": np.int64(2020),
                       "region_zh": codes["region_zh"], "region_en": codes["region_en"], "group": codes["group"],
                       "share": value})
    return df


CODEBOOK = {"share": {"label_en": "s", "label_zh": "s", "unit": "share", "category": "x", "source": "x",
                      "transformation": "x", "direction": "+", "min": 0, "max": 1}}


def test_panel_schema_accepts_valid_and_rejects_bounds_inf_and_imbalance():
    validate_panel(_tiny_panel(0.5), CODEBOOK, 2020, 2020)
    with pytest.raises(DataError, match=r"column 'share': less_than_or_equal_to\(1\) \(example failure: 1\.5 at row 0 \(region_code=110000, year=2020\)\)"):
        validate_panel(_tiny_panel(1.5), CODEBOOK, 2020, 2020)
    with pytest.raises(DataError, match="column 'share': infinite value"):
        validate_panel(_tiny_panel(np.inf), CODEBOOK, 2020, 2020)
    with pytest.raises(DataError, match="not balanced: expected 31 rows"):
        validate_panel(_tiny_panel(0.5).iloc[:-1], CODEBOOK, 2020, 2020)
    with pytest.raises(DataError, match=r"column 'region_code': isin\(.*\(example failure: 990000 at row 0 \(region_code=990000, year=2020\)\)"):
        validate_panel(_tiny_panel(0.5).assign(region_code=np.int64(990000)), CODEBOOK, 2020, 2020)


@pytest.fixture
def http_dir(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))

    class Quiet(handler.func):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_download_reads_the_url_and_retries_then_fails(http_dir, monkeypatch):
    served, base = http_dir
    (served / "f.bin").write_bytes(b"payload")
    assert src._download(f"{base}/f.bin", timeout=5, retries=0) == b"payload"
    monkeypatch.setattr(src.time, "sleep", lambda s: None)
    calls = []
    real = src.urllib.request.urlopen

    def counting(url, timeout):
        calls.append(url)
        return real(url, timeout=timeout)

    monkeypatch.setattr(src.urllib.request, "urlopen", counting)
    with pytest.raises(OSError, match="404"):
        src._download(f"{base}/absent.bin", timeout=5, retries=2)
    assert len(calls) == 3


def test_acquire_downloads_and_verifies(tmp_path, http_dir, no_mirror_env, monkeypatch, mirror_dir):
    """The download branch end to end: files fetched over HTTP (a local server standing in for
    raw.githubusercontent.com), verified, and recorded."""
    served, base = http_dir
    config = load_config(make_project(tmp_path))
    files = src.load_sources(config)[:3]
    for f in files:
        (served / f.id).write_bytes((mirror_dir / f.relpath).read_bytes())
    monkeypatch.setattr(src, "load_sources", lambda c: files)
    real = src._download
    monkeypatch.setattr(src, "_download",
                        lambda url, timeout, retries: real(f"{base}/{next(f.id for f in files if f.url == url)}",
                                                           timeout, retries))
    assert set(src.acquire(config).values()) == {"download"}
    for f in files:
        assert src.raw_path(config, f).read_bytes() == (mirror_dir / f.relpath).read_bytes()
