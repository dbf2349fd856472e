"""The web page in headless Chromium: loads, draws the ladder of a simulated event from
the API, logs no console errors; the screenshot goes to docs/img/api-ladder.png."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx
import pytest

from kalshi_tape.sim.server import SimServer
from tests.api.conftest import SETTLED_EVENT, ServeFn

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "api-ladder.png"
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMEDRIVER is None, reason="needs Debian chromium + chromium-driver (.ci/run installs them)"
)


def test_page_draws_the_ladder_without_console_errors(sim: SimServer, serve: ServeFn) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    api = serve(sim.base_url)
    # the page lists what the warehouse holds: fetch one event through the API first
    warm = httpx.get(f"{api.url}/v1/events/{SETTLED_EVENT}/candles", params={"period": 60})
    assert warm.status_code == 200
    markets = httpx.get(f"{api.url}/v1/markets", params={"event_ticker": SETTLED_EVENT}).json()

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(flag)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get(f"{api.url}/?event={SETTLED_EVENT}&period=60")
        deadline = time.monotonic() + 30
        while driver.execute_script("return document.body.dataset.ready") != "true":
            assert time.monotonic() < deadline, driver.find_element("id", "status").text
            time.sleep(0.1)
        chart = driver.find_element("id", "chart")
        assert int(chart.get_attribute("data-traces")) == len(markets["rows"]) >= 4
        assert int(chart.get_attribute("data-points")) > 100
        lines = driver.find_elements("css selector", "#chart .scatterlayer .trace path.js-line")
        assert len(lines) == len(markets["rows"])  # one line per bracket
        marks = driver.find_elements("css selector", "#chart .scatterlayer .trace path.point")
        assert len(marks) == len(markets["rows"])  # every bracket's settled result
        assert "source kalshi" in driver.find_element("id", "status").text
        results = driver.find_elements("css selector", "#results td.yes")
        assert len(results) == 1  # exactly one bracket settled YES
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SCREENSHOT))
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
    finally:
        driver.quit()
