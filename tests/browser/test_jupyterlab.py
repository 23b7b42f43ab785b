"""The login widget in a real JupyterLab 4 (light and dark) and a real Notebook 7 with a real kernel
(anywidget's loader, comms, themes).

Also proves the JupyterLab helper that the end-to-end tests (session + simulator) will use.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.jupyterlab import (
    DARK_THEME,
    LIGHT_THEME,
    JupyterLab,
    is_front_end_own_error,
    open_notebook,
    run_all_cells,
    run_cell,
    running_jupyterlab,
    write_notebook,
)
from tests.browser.waits import RENDER, Deadline, text_of, wait_for_js, wait_for_text

pytestmark = pytest.mark.slow

#: A widget view appearing in a cell's output after the kernel answered (loads the bundle).
WIDGET_SHOWN = Deadline("widget shown in jupyterlab", 30_000)

CELLS = [
    "import time\nfrom wxnb.widgets import LoginWidget, StatusView\n"
    "w = LoginWidget()\n"
    "w.on_new_code(lambda: w.show_phase('starting'))\n"
    "w.show_qr('https://login.weixin.qq.com/l/e2e-Qw==', expires_at=time.time() + 240)\n"
    "w",
    "w.show_status(StatusView(nickname='Ann <b>', contacts=3, rooms=1, messages=7,\n"
    "                         last_sync=time.time() - 4))",
]


@pytest.fixture(
    scope="module",
    params=[("lab", LIGHT_THEME), ("lab", DARK_THEME), ("notebook", LIGHT_THEME)],
    ids=["light", "dark", "notebook7"],
)
def lab(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    app, theme = request.param
    root = tmp_path_factory.mktemp("lab")
    write_notebook(root / "login.ipynb", CELLS)
    write_notebook(root / "plain.ipynb", ["x = 6 * 7", "print('answer', x)"])
    with running_jupyterlab(root, theme=theme, app=app) as server:
        yield server


def test_server_needs_its_token(lab: JupyterLab) -> None:
    assert "started" in lab.api("status")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{lab.base}/api/contents", timeout=10)
    assert refused.value.code == 403


def test_run_all_cells_runs_every_cell(lab: JupyterLab, browser: object) -> None:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        open_notebook(page, lab, "plain.ipynb")
        run_all_cells(page)
        wait_for_text(page, ".jp-OutputArea-output pre", "answer 42\n", deadline=RENDER)
    finally:
        context.close()


def test_login_widget_in_a_real_notebook(lab: JupyterLab, browser: object, screenshots: Path) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 800})  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "pageerror",
        lambda exc: None if is_front_end_own_error(exc.message, exc.stack or "") else errors.append(str(exc)),
    )
    try:
        open_notebook(page, lab, "login.ipynb")
        run_cell(page, 0)
        wait_for_js(
            page, "() => !!document.querySelector('.wxnb-login__qr')?.naturalWidth", deadline=WIDGET_SHOWN
        )
        wait_for_js(
            page,
            "() => /^Expires in [34]:\\d\\d$/"
            ".test(document.querySelector('.wxnb-login__countdown')?.textContent)",
            deadline=RENDER,
        )
        dark = page.evaluate("() => document.body.dataset.jpThemeLight === 'false'")
        theme = ("dark" if dark else "light") + ("-notebook7" if lab.app == "notebook" else "")
        # JupyterLab's own theme variables reach the view; the QR frame stays white in both themes.
        background = page.evaluate(
            "() => getComputedStyle(document.querySelector('.wxnb-login')).backgroundColor"
        )
        frame = page.evaluate(
            "() => getComputedStyle(document.querySelector('.wxnb-login__qr-frame')).backgroundColor"
        )
        assert frame == "rgb(255, 255, 255)"
        assert (background == "rgb(255, 255, 255)") == (not dark)
        page.locator(".wxnb-login").screenshot(path=str(screenshots / f"jupyterlab-waiting-{theme}.png"))

        # The button's message goes through the real comm to the Python callback, which answers.
        page.click(".wxnb-login__new-code")
        wait_for_text(page, ".wxnb-login__title", "Getting a login code…", deadline=WIDGET_SHOWN)

        run_cell(page, 1)
        wait_for_text(page, ".wxnb-login__nickname", "Ann <b>", deadline=WIDGET_SHOWN)
        assert text_of(page, ".wxnb-login__counts") == "3 contacts · 1 room · 7 messages"
        assert text_of(page, ".wxnb-login__sync").startswith("synced ")
        page.screenshot(path=str(screenshots / f"jupyterlab-notebook-{theme}.png"))
        assert errors == []
    except BaseException:
        # What the page looked like when a wait ran out: the fastest way to see why.
        page.screenshot(path=str(screenshots / f"jupyterlab-failure-{lab.root_dir.name}.png"))
        raise
    finally:
        context.close()
