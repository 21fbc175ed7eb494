"""What the browser tests of the rendered book share: the built site served locally, headless Chromium that
records every request it makes, and the built pages' text.

Needs a built book (`make book`, or BOOK_HTML=<dir> for one built elsewhere) and Debian's `chromium` and `chromium-driver`. Without them the tests skip and
say how to install them; under CI (CI=true) they fail instead.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import json
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from _book import ROOT

BUILD = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html"))  # BOOK_HTML: test a book built elsewhere


def unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output readable
        pass


@pytest.fixture(scope="module")
def site():
    """Serve _build/html on 127.0.0.1 for the module; yields the base URL."""
    if not (BUILD / "index.html").exists():
        unavailable("No built book in _build/html: run `make book` first.")
    handler = functools.partial(QuietHandler, directory=str(BUILD))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        unavailable("Chromium not found: install it with `apt-get install chromium chromium-driver` (Debian/Ubuntu).")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="bertkit-chromium-")
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
        "--disable-quic", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        f"--user-data-dir={profile}", "--window-size=1280,1600",
    ):
        options.add_argument(flag)
    # "performance" holds the DevTools Network events: every request a page makes, its type and its size
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})  # every load is a first load
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def requests_made(driver) -> list[dict]:
    """Requests since the last call: ``{"url", "type", "bytes"}`` (bytes on the wire, headers included)."""
    sent: dict[str, dict] = {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            sent[params["requestId"]] = {"url": params["request"]["url"], "type": params.get("type", "Other"), "bytes": 0}
        elif message["method"] == "Network.loadingFinished" and params["requestId"] in sent:
            sent[params["requestId"]]["bytes"] = int(params.get("encodedDataLength", 0))
    return [r for r in sent.values() if urlparse(r["url"]).scheme in ("http", "https")]


def off_host(requests: list[dict], site: str) -> list[str]:
    host = urlparse(site).netloc
    return sorted({r["url"] for r in requests if urlparse(r["url"]).netloc != host})


def settle(driver) -> None:
    """Wait for the web fonts and one more frame (math is MathML in the page: nothing to wait for)."""
    driver.execute_async_script(
        "const done = arguments[0];"
        "document.fonts.ready.catch(() => null).then(() => requestAnimationFrame(() => setTimeout(() => done(true), 200)));"
    )


def built_pages() -> list[Path]:
    """Every HTML page of the built book (not the theme's static files)."""
    return sorted(p for p in BUILD.rglob("*.html") if "_static" not in p.relative_to(BUILD).parts
                  and "_sources" not in p.relative_to(BUILD).parts)


class _ArticleText(html.parser.HTMLParser):
    """The text inside a page's ``<article>`` (what Sphinx indexes), scripts and styles left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.depth += 1
        elif tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag == "article" and self.depth:
            self.depth -= 1
        elif tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.parts.append(data)


def article_text(page: Path) -> str:
    parser = _ArticleText()
    parser.feed(page.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", " ".join(parser.parts))
