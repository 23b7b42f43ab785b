"""The tutorial notebooks in the demo's JupyterLab, run in Chromium as a person would, with screenshots.

Each notebook is opened in a real JupyterLab (127.0.0.1, a token) serving a copy of ``notebooks/``, run
with Run > Run All Cells, and must end with every cell counted and no error output. Screenshots of what
the README shows go to ``test-output/notebook-*.png`` (copied into docs/images by hand when they change).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.jupyterlab import (
    DARK_THEME,
    PANEL,
    open_notebook,
    running_jupyterlab,
    set_theme,
    wait_for_kernel_idle,
)
from tests.browser.waits import Deadline, wait_for_js
from tests.frontend import ROOT, ensure_bundle

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(900)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]
SCREENSHOTS = ROOT / "test-output"
#: Run All on a tutorial notebook: a login, four weeks of history, charts (each runs in ~10 s headless).
SVG = "[data-mime-type='image/svg+xml']"  # a chart
NOTEBOOK_RUN = Deadline("tutorial notebook run", 180_000)


@pytest.fixture
def page() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: run `bash scripts/setup` as root to install it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium.new_page(viewport={"width": 1280, "height": 900})
        finally:
            chromium.close()


def _output(page: Any, selector: str, index: int = 0) -> Any:
    """The ``index``-th output of the notebook on show that matches ``selector``, scrolled into view."""
    locator = page.locator(f"{PANEL} .jp-OutputArea-output{selector}").nth(index)
    locator.scroll_into_view_if_needed()
    return locator


def run_all_but_the_last_cell(page: Any) -> None:
    """Select the last cell (``session.close()``) and Run > Run All Above Selected Cell, as a person
    would, so that the screenshots show a live session; wait until those code cells have a count and
    the kernel is idle (tests.browser.jupyterlab's run_all_cells is for code-only notebooks)."""
    page.locator(f"{PANEL} .jp-Cell").last.locator(".jp-InputPrompt").click()
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Above Selected Cell").first.click()
    wait_for_js(
        page,
        f"() => {{ const p = [...document.querySelectorAll('{PANEL} .jp-CodeCell .jp-InputPrompt')]"
        r".slice(0, -1); return p.length > 0 && p.every(n => /\[\d+\]/.test(n.textContent)); }",
        deadline=NOTEBOOK_RUN,
    )
    wait_for_kernel_idle(page, NOTEBOOK_RUN)


def _no_errors(page: Any) -> None:
    errors = page.locator(f"{PANEL} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    texts = [errors.nth(i).text_content() for i in range(errors.count())]
    assert texts == [], f"error output in the notebook: {texts}"


def test_each_notebook_runs_in_jupyterlab_and_is_screenshotted(page: Any, tmp_path: Path) -> None:
    ensure_bundle()
    root = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns("__pycache__"))
    SCREENSHOTS.mkdir(exist_ok=True)
    # Every cell in the DOM (no windowing), so that a scrolled-to output is drawn at once.
    settings = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}
    with running_jupyterlab(root, env={"WXNB_DEMO_SCENARIO": "small"}, settings=settings) as lab:
        open_notebook(page, lab, "01-login-and-explore.ipynb")
        run_all_but_the_last_cell(page)
        _no_errors(page)
        status = page.locator(f"{PANEL} .wxnb-login").first
        status.scroll_into_view_if_needed()
        # Logged in: the status line counts friends, rooms and official accounts apart (issue 12).
        assert " friends · " in (status.text_content() or "")
        page.screenshot(path=SCREENSHOTS / "notebook-01-login.png")
        _output(page, " table", 1)
        page.screenshot(path=SCREENSHOTS / "notebook-01-dataframe.png")
        _output(page, SVG, 0)
        page.screenshot(path=SCREENSHOTS / "notebook-01-chart.png")

        open_notebook(page, lab, "03-chat.ipynb")
        run_all_but_the_last_cell(page)
        _no_errors(page)
        chat = page.locator(f"{PANEL} .wxnb-chat").first  # session.chat(): every conversation
        chat.scroll_into_view_if_needed()
        chat.locator(".wxnb-chat__item").first.click()  # open one, as a person would
        wait_for_js(
            page,
            f"() => document.querySelector('{PANEL} .wxnb-chat .wxnb-chat__msg') !== null",
            deadline=Deadline("the opened conversation's messages", 30_000),
        )
        chat.scroll_into_view_if_needed()
        page.screenshot(path=SCREENSHOTS / "notebook-03-chat-widget.png")
        _output(page, " table", 1)
        page.screenshot(path=SCREENSHOTS / "notebook-03-chat.png")

        open_notebook(page, lab, "04-bulk-remarks-and-topics.ipynb")
        run_all_but_the_last_cell(page)
        _no_errors(page)
        _output(page, " .wxnb-plan", 0)
        page.screenshot(path=SCREENSHOTS / "notebook-04-plan.png")
        progress = page.locator(f"{PANEL} .wxnb-bulk-progress").first
        progress.scroll_into_view_if_needed()
        assert "5 verified, 1 unverified" in (progress.text_content() or "")
        page.screenshot(path=SCREENSHOTS / "notebook-04-progress.png")

        open_notebook(page, lab, "02-analyse-messages.ipynb")
        run_all_but_the_last_cell(page)
        _no_errors(page)
        _output(page, SVG, 0)
        page.screenshot(path=SCREENSHOTS / "notebook-02-calendar.png")
        _output(page, SVG, 4)
        page.screenshot(path=SCREENSHOTS / "notebook-02-answers.png")
        set_theme(page, DARK_THEME)  # last: the theme is a user setting, it stays
        _output(page, SVG, 1)
        page.screenshot(path=SCREENSHOTS / "notebook-02-hours-dark.png")
