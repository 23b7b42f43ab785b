"""The tables as a person sees them in JupyterLab 4 at 1280 px (issue 12): the columns people read first,
clipped text, times in the kernel's zone, nothing off-screen; light and dark screenshots.

The kernel runs ``wxnb.demo()`` (a simulator in the kernel, people talking) in Asia/Shanghai.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.jupyterlab import (
    DARK_THEME,
    LIGHT_THEME,
    PANEL,
    JupyterLab,
    open_notebook,
    run_all_cells,
    running_jupyterlab,
    write_notebook,
)
from tests.browser.waits import RENDER, wait_for_js
from tests.frontend import ensure_bundle

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

NOTEBOOK = "tables.ipynb"
CELLS = [
    "import wxnb\nsession = wxnb.demo('small', traffic=4)",
    "session.wait_ready(60)\nfor _ in range(8):\n    session.wait_for(lambda m: not m.is_self, timeout=60)",
    "session.messages.tail(8)",
    "session.contacts.head(6)",
    "session.rooms.head(4)",
]
MESSAGES, CONTACTS, ROOMS = 2, 3, 4
CELL = f"{PANEL} .jp-Cell"


@pytest.fixture(scope="module", params=[LIGHT_THEME, DARK_THEME], ids=["light", "dark"])
def lab(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    ensure_bundle()
    root = tmp_path_factory.mktemp("tables")
    write_notebook(root / NOTEBOOK, CELLS)
    settings = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}
    env = {"TZ": "Asia/Shanghai"}
    with running_jupyterlab(root, theme=request.param, env=env, settings=settings) as server:
        yield server


def headers(page: object, index: int) -> list[str]:
    found: list[str] = page.evaluate(  # type: ignore[attr-defined]
        f"() => [...document.querySelectorAll('{CELL}')[{index}]"
        ".querySelectorAll('table.wxnb-table thead th')].map(th => th.textContent)"
    )
    return found


def test_tables_read_left_to_right_at_1280_px(
    lab: JupyterLab, browser: object, screenshots: Path, request: pytest.FixtureRequest
) -> None:
    theme = "dark" if "dark" in request.node.callspec.id else "light"
    context = browser.new_context(viewport={"width": 1280, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        open_notebook(page, lab, NOTEBOOK)
        run_all_cells(page)
        wait_for_js(
            page,
            f"() => document.querySelectorAll('{CELL}')[{ROOMS}]?.querySelector('table.wxnb-table')",
            deadline=RENDER,
        )
        assert headers(page, MESSAGES) == ["", "time", "chat_name", "sender_name", "type", "text"]
        assert headers(page, CONTACTS)[:4] == ["", "display_name", "kind", "remark"]
        assert headers(page, ROOMS)[:3] == ["", "display_name", "member_count"]
        caption: str = page.evaluate(
            f"() => document.querySelectorAll('{CELL}')[{MESSAGES}]"
            ".querySelector('.wxnb-caption').textContent"
        )
        assert "times in Asia/Shanghai" in caption and "5 of 18 columns shown" in caption
        # Nothing off-screen: every table fits in the cell at 1280 px.
        overflow: list[bool] = page.evaluate(
            f"() => [...document.querySelectorAll('{CELL} table.wxnb-table')]"
            ".map(t => t.scrollWidth > t.closest('.jp-OutputArea-output').clientWidth + 1)"
        )
        assert overflow and not any(overflow)
        for index, name in ((MESSAGES, "messages"), (CONTACTS, "contacts"), (ROOMS, "rooms")):
            page.locator(CELL).nth(index).screenshot(path=str(screenshots / f"table-{name}-{theme}.png"))
        assert errors == []
    finally:
        context.close()
