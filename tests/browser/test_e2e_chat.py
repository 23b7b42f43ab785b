"""End to end: ``session.chat(friend)`` in a real notebook against the simulator, in JupyterLab 4 and
in Notebook 7 (the same test, once per front end).

The kernel logs in to a simulator in this process (its phone confirms by itself); the test plays both
the friend (the simulator's phone) and the person at the keyboard (Chromium). Screenshots go to
``test-output/e2e-chat-*.png`` (``e2e-chat-notebook7-*.png`` for Notebook 7).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.jupyterlab import (
    DARK_THEME,
    EVERY_CELL_IN_DOM,
    PANEL,
    SimLab,
    is_front_end_own_error,
    open_notebook,
    run_cell,
    running_on_simulator,
    set_theme,
)
from tests.browser.waits import Deadline, wait_for_js
from wxnb.sim.simulator import Simulator

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

#: A round trip through the kernel: a message from the phone drawn, a send reaching the simulator.
LIVE = Deadline("a chat message through the kernel", 30_000)
NOTEBOOK = "chat.ipynb"
CELLS = [
    "import os\nimport wxnb\nSIM, DATA = os.environ['WXNB_E2E_SIM'], os.environ['WXNB_E2E_DATA']",
    "session = wxnb.login(SIM, data_dir=DATA, resume=False, show='none')\n_ = session.wait_ready(60)",
    "friend = session.friends.iloc[0]\nprint(friend['user_name'])",
    "session.chat(friend)",
    # After a 1205 the session pauses sends (its rate limiter): this cell returns when the pause ends.
    "import time\nuntil = max((p.until.timestamp() for p in session.status.paused), default=0.0)\n"
    "while time.time() < until:\n    time.sleep(0.1)",
]
CELL = f"{PANEL} .jp-Cell"
CHAT = 3
PAUSE_OVER = 4


@pytest.fixture(scope="module", params=["lab", "notebook"], ids=["jupyterlab4", "notebook7"])
def e2e(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimLab]:
    app: str = request.param
    root = tmp_path_factory.mktemp(f"e2e-chat-{app}")
    with (
        Simulator(scenario="tiny", seed=0, hold=2.0, auto_confirm=0.05) as sim,
        running_on_simulator(root, sim, {NOTEBOOK: CELLS}, app=app, settings=EVERY_CELL_IN_DOM) as served,
    ):
        yield served


def in_chat(selector: str) -> str:
    return f"[...document.querySelectorAll('{CELL}')[{CHAT}].querySelectorAll('{selector}')]"


def bubbles(page: Any) -> list[str]:
    found: list[str] = page.evaluate(f"() => {in_chat('.wxnb-chat__msg')}.map(n => n.textContent)")
    return found


def outbox_texts(sim: Simulator) -> list[str]:
    return [o.content for o in sim.world.outbox_since(0)]


def test_chat_live_in_a_real_notebook(e2e: SimLab, browser: object, screenshots: Path) -> None:
    sim, errors = e2e.sim, []
    context = browser.new_context(viewport={"width": 1100, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.on(
        "pageerror",
        lambda exc: None if is_front_end_own_error(exc.message, exc.stack or "") else errors.append(str(exc)),
    )
    try:
        open_notebook(page, e2e.lab, NOTEBOOK)
        for index in range(3):
            run_cell(page, index)
        output = page.locator(CELL).nth(2).locator(".jp-OutputArea-output pre")
        user_name = (output.text_content() or "").strip()
        run_cell(page, CHAT)
        wait_for_js(page, f"() => {in_chat('.wxnb-chat__input')}.length === 1", deadline=LIVE)

        # The friend writes: the message appears in the open conversation.
        sim.phone.send(user_name, "are you coming tonight?")
        shown = f"() => {in_chat('.wxnb-chat__msg')}.some(n => n.textContent.includes('coming tonight?'))"
        wait_for_js(page, shown, deadline=LIVE)

        # A reply typed with Enter reaches the simulator once and its bubble turns sent.
        box = page.locator(CELL).nth(CHAT).locator(".wxnb-chat__input")
        box.click()
        page.keyboard.type("yes, at 8")
        page.keyboard.press("Enter")
        wait_for_js(
            page,
            f"() => {in_chat('.wxnb-chat__msg--self')}.some(n => n.textContent === 'yes, at 8')"
            f" && {in_chat('.wxnb-chat__status')}.length === 0",
            deadline=LIVE,
        )
        assert outbox_texts(sim).count("yes, at 8") == 1
        assert [b for b in bubbles(page) if b == "yes, at 8"] == ["yes, at 8"]

        # An input method's Enter sends nothing; a later send (the button) proves the order.
        box.evaluate(
            """(input) => {
              input.value = '你好';
              input.dispatchEvent(new CompositionEvent('compositionstart', {data: ''}));
              const key = (init) =>
                input.dispatchEvent(new KeyboardEvent('keydown', {bubbles: true, ...init}));
              key({key: 'Enter', keyCode: 229, isComposing: true});
              input.dispatchEvent(new CompositionEvent('compositionend', {data: '你好'}));
              key({key: 'Enter'});
            }"""
        )
        box.fill("then this")
        page.locator(CELL).nth(CHAT).locator(".wxnb-chat__send").click()
        wait_for_js(
            page,
            f"() => {in_chat('.wxnb-chat__msg--self')}.some(n => n.textContent === 'then this')",
            deadline=LIVE,
        )
        texts = outbox_texts(sim)
        assert "你好" not in texts and texts.count("then this") == 1
        # Nothing older than the window: an echo replacing a pending bubble trims nothing.
        assert not page.locator(CELL).nth(CHAT).locator(".wxnb-chat__earlier").is_visible()
        # A refused send shows failed; Retry sends it once when the server takes it again.
        sim.faults.set_budget("send", 0)
        box.fill("maybe later")
        box.press("Enter")
        failed = f"() => {in_chat('.wxnb-chat__status--failed')}.length === 1"
        wait_for_js(page, failed, deadline=LIVE)
        assert "maybe later" not in outbox_texts(sim)
        sim.faults.set_budget("send", 1000)
        # A Retry while the session's 1205 pause lasts is refused without a request: retry after it.
        run_cell(page, PAUSE_OVER)
        page.locator(CELL).nth(CHAT).locator(".wxnb-chat__retry").click()
        settled = f"() => {in_chat('.wxnb-chat__status')}.length === 0"
        wait_for_js(page, settled, deadline=LIVE)
        assert outbox_texts(sim).count("maybe later") == 1
        assert [b for b in bubbles(page) if b == "maybe later"] == ["maybe later"]
        chat = page.locator(CELL).nth(CHAT).locator(".wxnb-chat")
        shot_prefix = "e2e-chat" if e2e.lab.app == "lab" else "e2e-chat-notebook7"
        chat.screenshot(path=str(screenshots / f"{shot_prefix}-light.png"))
        set_theme(page, DARK_THEME)
        chat.screenshot(path=str(screenshots / f"{shot_prefix}-dark.png"))
        assert errors == []
    finally:
        context.close()
