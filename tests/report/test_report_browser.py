"""The HTML report in a real browser (headless Chromium via Selenium): no
console errors, every image decoded (naturalWidth > 0), every hypothesis of
verdicts.json has its section, every table-of-contents link leads to its section, and at
390 px (a phone) and 1366 px (a laptop) the page has no horizontal overflow: no element is
wider than the viewport except inside a table's own scroll box. Screenshots of the top of the
page and of each hypothesis section go to tests/report/artifacts/."""
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
        check_layout(driver, f"synthetic-{language}")
    finally:
        driver.quit()


VIEWPORTS = {"phone": (390, 844), "laptop": (1366, 900)}
# Elements wider than the viewport, outside a scroll box (.table-wrap scrolls a wide table).
OVERFLOW_JS = """
const w = document.documentElement.clientWidth;
const out = [];
for (const el of document.body.querySelectorAll('*')) {
  if (el.closest('.table-wrap')) continue;
  const r = el.getBoundingClientRect();
  if (r.width > 0 && (r.right > w + 1 || r.left < -1)) out.push(el.tagName + (el.id ? '#' + el.id : '') +
      ' ' + Math.round(r.left) + '..' + Math.round(r.right));
}
return [w, document.documentElement.scrollWidth, out.slice(0, 10)];
"""


def check_layout(driver, tag: str) -> None:
    """Table of contents and responsive layout at each of VIEWPORTS; screenshots of the top of
    the page and of each hypothesis section as test artefacts."""
    links = driver.execute_script(
        "return Array.from(document.querySelectorAll('nav.toc a')).map(a => a.getAttribute('href'));")
    assert links and all(h.startswith("#") for h in links)
    missing = driver.execute_script(
        "return arguments[0].filter(h => !document.getElementById(h.slice(1)));", links)
    assert missing == []
    hypotheses = driver.execute_script(
        "return Array.from(document.querySelectorAll('section.hypothesis')).map(s => s.id);")
    assert [h for h in hypotheses if f"#{h}" not in links] == []
    for name, (width, height) in VIEWPORTS.items():
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": name == "phone"})
        driver.execute_script("window.scrollTo(0, 0);")
        client, scroll, wide = driver.execute_script(OVERFLOW_JS)
        assert width - 20 <= client <= width  # less a vertical scroll bar, if drawn
        assert scroll <= client, f"{name}: the page scrolls sideways ({scroll} > {client} px): {wide}"
        assert wide == [], f"{name}: elements wider than the {client} px viewport: {wide}"
        driver.save_screenshot(str(ARTIFACTS / f"{tag}-{name}-top.png"))
        for section in hypotheses:
            driver.execute_script("document.getElementById(arguments[0]).scrollIntoView();", section)
            driver.save_screenshot(str(ARTIFACTS / f"{tag}-{name}-{section}.png"))
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.mark.browser
@pytest.mark.e2e
def test_default_run_report_layout_in_headless_chromium(snakemake_run, tmp_path):
    """The real report (every table and figure of the default run) at 390 px and 1366 px."""
    page = snakemake_run[0] / "results/report/index.html"
    driver = _driver(tmp_path / "chromium-profile")
    try:
        driver.get(page.resolve().as_uri())
        errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        assert errors == []
        ARTIFACTS.mkdir(exist_ok=True)
        check_layout(driver, "default-run")
    finally:
        driver.quit()
