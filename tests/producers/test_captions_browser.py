"""The WebVTT we write, loaded by a real browser: headless Chromium reads it as a <track> and lists its cues."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from producers.captions import cues, render
from tests.producers.test_captions import spoken

pytestmark = pytest.mark.slow  # starts Chromium

PAGE = """<!doctype html><html><body>
<video id="player" muted><track id="captions" kind="captions" src="captions.vtt" srclang="en" default></video>
</body></html>"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """An HTTP server on loopback for `tmp_path` (a <track> is not loaded from file:// URLs)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()


def test_chromium_loads_every_cue(served: str, tmp_path: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        pytest.fail("Debian's chromium and chromium-driver are needed (make setup installs them)")
    written = cues(spoken("good morning and welcome to the quarterly results call. " * 5))
    (tmp_path / "captions.vtt").write_text(render(written, "vtt"))
    (tmp_path / "index.html").write_text(PAGE)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        browser.get(f"{served}/index.html")
        browser.execute_script("document.getElementById('captions').track.mode = 'hidden';")
        count = "const c = document.getElementById('captions').track.cues; return c ? c.length : 0;"
        WebDriverWait(browser, 30, poll_frequency=0.2).until(lambda b: b.execute_script(count) > 0)
        loaded = browser.execute_script(
            "return Array.from(document.getElementById('captions').track.cues)"
            ".map(c => [c.startTime, c.endTime, c.text]);")
    finally:
        browser.quit()
    assert len(loaded) == len(written) >= 3
    for (start, end, text), cue in zip(loaded, written, strict=True):
        assert (round(start, 3), round(end, 3), text) == (round(cue.start, 3), round(cue.end, 3), "\n".join(cue.lines))
