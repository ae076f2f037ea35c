"""The HTML report in a real browser (headless Chromium via Selenium): no
console errors, every image decoded (naturalWidth > 0), every hypothesis of
verdicts.json has its section. A screenshot goes to tests/report/artifacts/."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from clusternet.config import load_config
from clusternet.report import build
from clusternet.report.build import build_report

from report_fixtures import square_geometries

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def _driver(profile: Path):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if os.environ.get("CI"):
            pytest.fail("CI run without chromium/chromedriver: run `make system-deps`")
        pytest.skip("headless Chromium not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--no-first-run", "--disable-component-update",
                 "--disable-sync", f"--user-data-dir={profile}", "--window-size=1280,2000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "zh"])
def test_report_in_headless_chromium(project, monkeypatch, tmp_path, language):
    monkeypatch.setattr(build, "province_geometries", square_geometries)
    Path("config/report.yaml").write_text(f"language: {language}\ntable_formats: [md]\nfigure_formats: [png]\n")
    build_report(load_config(project))
    page = Path("results/report/index.html").resolve()
    expected = [h["id"] for h in json.loads(Path("results/hypotheses/verdicts.json").read_text())["hypotheses"]]
    driver = _driver(tmp_path / "chromium-profile")
    try:
        driver.get(page.as_uri())
        errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        assert errors == []
        images = driver.execute_script(
            "return Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth]);")
        assert len(images) >= 5
        assert [alt for alt, complete, width in images if not (complete and width > 0)] == []
        sections = driver.execute_script(
            "return Array.from(document.querySelectorAll('section.hypothesis')).map(s => s.dataset.hypothesis);")
        assert sections == expected
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / f"report-{language}.png"))
    finally:
        driver.quit()
