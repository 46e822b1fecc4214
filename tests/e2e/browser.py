"""Headless Chromium (Debian's chromium and chromium-driver) through Selenium, as a phone.

Selenium Manager downloads nothing: the driver and the browser are given by path. Every call
here blocks, so async tests run them in a thread (``asyncio.to_thread``) while the event loop
serves the console and the bot.
"""

from __future__ import annotations

from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PHONE_WIDTH = 360
TIMEOUT = 15
# While the page replaces an element (the queue refreshes its rows; a form posts and the next
# page loads), Chromium answers a find, read or click with one of several errors (stale element,
# no such element, click intercepted, "Node with given id does not belong to the document"):
# look again until the time-out.
RETRIED = (WebDriverException,)


def phone_browser() -> webdriver.Chrome:
    """A 360 px wide, touch-sized viewport (Chrome's mobile emulation)."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=zh-CN"):
        options.add_argument(argument)
    options.add_experimental_option(
        "mobileEmulation",
        {"deviceMetrics": {"width": PHONE_WIDTH, "height": 760, "pixelRatio": 2.0}},
    )
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


class Phone:
    """What the adviser (or the office) does in the browser, one blocking step at a time."""

    def __init__(self, driver: webdriver.Chrome, base_url: str) -> None:
        self.driver, self.base_url = driver, base_url

    def open(self, url: str) -> None:
        self.driver.get(url if url.startswith("http") else self.base_url + url)

    def find(self, css: str) -> WebElement:
        return WebDriverWait(self.driver, TIMEOUT).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, css))
        )

    def click(self, css: str) -> None:
        """Click the element, finding it again if the page replaced it meanwhile (the queue
        refreshes its rows by itself, so an element found a moment ago may be gone)."""

        def clicked(driver: webdriver.Chrome) -> bool:
            element = driver.find_element(By.CSS_SELECTOR, css)
            if not (element.is_displayed() and element.is_enabled()):
                return False
            element.click()
            return True

        WebDriverWait(self.driver, TIMEOUT, ignored_exceptions=RETRIED).until(clicked)

    def wait_for_text(self, css: str, text: str) -> str:
        """Wait until the element shows ``text``; its whole text."""

        def shown(driver: webdriver.Chrome) -> str | bool:
            content = str(driver.find_element(By.CSS_SELECTOR, css).text)
            return content if text in content else False

        return str(WebDriverWait(self.driver, TIMEOUT, ignored_exceptions=RETRIED).until(shown))

    def text(self, css: str = "body") -> str:
        """The element's text, read again if the page replaced the element while reading."""
        return WebDriverWait(self.driver, TIMEOUT, ignored_exceptions=RETRIED).until(
            lambda driver: driver.find_element(By.CSS_SELECTOR, css).text
        )

    def path(self) -> str:
        return str(self.driver.current_url).removeprefix(self.base_url)

    def overflows_horizontally(self) -> bool:
        return bool(
            self.driver.execute_script(
                "return document.documentElement.scrollWidth > window.innerWidth"
            )
        )

    def viewport_width(self) -> int:
        return int(self.driver.execute_script("return window.innerWidth"))

    def fetch_bytes(self, path: str) -> tuple[int, str, list[int]]:
        """Fetch ``path`` with the browser's own session: (status, content type, bytes)."""
        return tuple(  # type: ignore[return-value]
            self.driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "fetch(arguments[0], {credentials: 'same-origin'})"
                ".then(r => r.arrayBuffer().then(b => done("
                "[r.status, r.headers.get('content-type'), Array.from(new Uint8Array(b))])))"
                ".catch(e => done([0, String(e), []]));",
                path,
            )
        )

    def screenshot(self, path: Path, css: str | None = None) -> None:
        """The viewport, or only the element ``css`` (scrolled into view)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if css is None:
            self.driver.save_screenshot(str(path))
        else:
            self.find(css).screenshot(str(path))
