"""The browser page in real headless Chromium: a fake microphone plays the test speech, the page
streams it over /v1/stream, and the spoken words must appear on the page as captions. The
screenshot it takes is the one in docs/gateway.md."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.gateway.conftest import KEYS, MAX_WER, Speech, Stack

pytestmark = [pytest.mark.broker, pytest.mark.model, pytest.mark.slow]  # the stack loads the shipped model

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required", "--window-size=1100,720",
)
SCREENSHOT = os.environ.get("STREAMSCRIBE_PAGE_SCREENSHOT")  # set to refresh docs/img/gateway-page.png
HEARD = 0.6  # share of the spoken words that must show on the page (the model's held-out WER is ~0.2)


def browser(fake_audio: Path, profile: Path):  # noqa: ANN201 - selenium WebDriver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.fail("Debian's chromium and chromium-driver are needed (make setup installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--use-file-for-fake-audio-capture={fake_audio}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(executable_path=driver))


def test_spoken_words_appear_as_live_captions(stack: Stack, speech: Speech, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    spoken = set(speech.reference.split())
    driver = browser(speech.wav, tmp_path / "profile")
    try:
        driver.get(stack.gateway.url(f"/?token={KEYS[1]}"))
        driver.find_element(By.ID, "mic-start").click()

        def heard(drv) -> bool:  # noqa: ANN001
            shown = set(drv.find_element(By.ID, "captions").text.lower().split())
            return len(spoken & shown) >= HEARD * len(spoken)

        WebDriverWait(driver, 120, poll_frequency=0.25).until(
            heard, message=lambda: f"captions: {driver.find_element(By.ID, 'captions').text!r}")
        if SCREENSHOT:
            driver.save_screenshot(SCREENSHOT)  # live: finals, and the interim text of the words being spoken
        driver.find_element(By.ID, "mic-stop").click()
        WebDriverWait(driver, 120, poll_frequency=0.25).until(
            lambda drv: drv.find_element(By.ID, "status").text.startswith("done"))
        finals = [p.text for p in driver.find_elements(By.CSS_SELECTOR, "#captions p.final")]
        assert finals, "no final results on the page"
        first_pass = " ".join(finals).lower().split()[: len(speech.reference.split())]
        assert speech.wer(" ".join(first_pass)) <= MAX_WER + 0.2, finals
        driver.find_element(By.ID, "download-vtt").click()  # the gateway cuts the cues; the page saves them
        WebDriverWait(driver, 30, poll_frequency=0.25).until(
            lambda drv: drv.find_element(By.ID, "status").text.startswith("captions saved: "))
        assert int(driver.find_element(By.ID, "status").text.split()[2]) >= 1
    finally:
        driver.quit()
