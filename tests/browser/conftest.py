"""Browser tests: the real bundle in Debian's Chromium, driven by Playwright, on a local harness page.

Skipped (with the reason) only when /usr/bin/chromium is absent; `bash scripts/setup` installs it.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.frontend import ROOT, ensure_bundle

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--no-first-run",
]
HARNESS = Path(__file__).resolve().parent / "harness"
#: Screenshots for people (and the README) to look at; gitignored.
SCREENSHOTS = ROOT / "test-output"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is absent: run `bash scripts/setup` as root to install it")
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(skip)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@pytest.fixture(scope="session")
def harness_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local HTTP server (127.0.0.1, free port) with the harness page and this checkout's bundle."""
    root = tmp_path_factory.mktemp("harness")
    shutil.copytree(HARNESS, root, dirs_exist_ok=True)
    shutil.copytree(ensure_bundle(), root / "static")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="harness-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # Per module, not per session: while Playwright's sync API is open it keeps its asyncio loop
    # marked as running in the main thread, so a later test elsewhere that runs an event loop
    # (asyncio.run, another sync_playwright) would fail if the browser stayed open to the end.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def harness(browser: object, harness_url: str) -> Iterator[object]:
    """A fresh page with the harness; fails the test if the page threw or logged an error."""
    from tests.browser.harness_page import Harness

    page = Harness(browser, harness_url)  # type: ignore[arg-type]
    try:
        yield page
        assert page.errors == [], f"the page reported errors: {page.errors}"
    finally:
        page.close()
