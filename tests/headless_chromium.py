"""Headless Chromium through selenium and chromedriver, for the tests that
look at a page in a real browser (Neo4j Browser, the cell-type report)."""

from __future__ import annotations

import shutil


def headless_chromium(window_size: str = "1400,1000"):
    """A selenium Chrome driver on the system's Chromium, headless (quit it
    when done). Fails with the install line when Chromium or chromedriver
    is missing (``make test`` installs both: scripts/system-deps.sh)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    assert chromium and driver_path, (
        "Chromium and chromedriver are needed (Debian: apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={window_size}"):
        options.add_argument(arg)
    options.binary_location = chromium
    return webdriver.Chrome(service=Service(driver_path), options=options)
