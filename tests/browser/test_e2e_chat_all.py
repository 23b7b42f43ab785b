"""End to end: ``session.chat()`` (every conversation) in a real notebook, in JupyterLab 4 and Notebook 7.

What ``test_e2e_chat.py`` (one conversation: live, Enter, input method, Retry) does not cover of
issue 13's end-to-end list: a 10,000-message conversation opened (one window reaches the page), load
earlier, switching conversations, a message sent from code appearing in the open widget, and two
views of one widget staying in step. The kernel logs in to a simulator in this process; the phone
writes the history before the widget is shown, so it all comes from the kernel's archive.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.jupyterlab import (
    EVERY_CELL_IN_DOM,
    PANEL,
    SimLab,
    is_front_end_own_error,
    open_notebook,
    run_cell,
    running_on_simulator,
)
from tests.browser.waits import Deadline, wait_for_js
from wxnb.sim.simulator import Simulator
from wxnb.sim.spec import AccountSpec, FriendSpec, PersonSpec, WorldSpec

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

#: One step through the kernel: a conversation opened, a page loaded, a message drawn.
STEP = Deadline("a chat step through the kernel", 30_000)
FRIENDS = 4
BIG = 10_000
#: The window a conversation sends to the page (wxnb/widgets/chat.py, js/src/lib/chat.js WINDOW).
WINDOW = 200
NOTEBOOK = "chat-all.ipynb"
CELLS = [
    "import os, time\nimport wxnb\nSIM, DATA = os.environ['WXNB_E2E_SIM'], os.environ['WXNB_E2E_DATA']",
    "session = wxnb.login(SIM, data_dir=DATA, resume=False, show='none')\n_ = session.wait_ready(60)",
    # The phone writes before this cell: it returns once the kernel archived all of it.
    f"end = time.monotonic() + 170\nwhile len(session.messages) < {BIG + FRIENDS - 1} "
    "and time.monotonic() < end:\n    time.sleep(0.1)\nprint(len(session.messages))",
    "chat = session.chat()\nchat",
    "chat",  # a second view of the same widget
    "_ = session.send('Friend 2', 'sent from code')",
]
CELL = f"{PANEL} .jp-Cell"
FIRST_VIEW, SECOND_VIEW, FROM_CODE = 3, 4, 5


def crowd() -> WorldSpec:
    persons = [PersonSpec(0, "wxid_owner", "Owner", uin=2663483111)]
    persons += [PersonSpec(p, f"wxid_f{p}", f"Friend {p}") for p in range(1, FRIENDS + 1)]
    return WorldSpec(
        AccountSpec(0), persons, [FriendSpec(p) for p in range(1, FRIENDS + 1)], seed=7, name="chat-all"
    )


@pytest.fixture(scope="module", params=["lab", "notebook"], ids=["jupyterlab4", "notebook7"])
def e2e(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimLab]:
    app: str = request.param
    root = tmp_path_factory.mktemp(f"e2e-chat-all-{app}")
    with (
        Simulator(crowd(), hold=2.0, auto_confirm=0.05, sync_batch=500) as sim,
        running_on_simulator(root, sim, {NOTEBOOK: CELLS}, app=app, settings=EVERY_CELL_IN_DOM) as served,
    ):
        yield served


def view(index: int) -> str:
    return f"document.querySelectorAll('{CELL}')[{index}]"


def texts(page: Any, index: int) -> list[str]:
    """The bubbles' texts in the view of cell ``index``, top to bottom."""
    found: list[str] = page.evaluate(
        f"() => [...{view(index)}.querySelectorAll('.wxnb-chat__msg .wxnb-chat__text')]"
        ".map(n => n.textContent)"
    )
    return found


def header(page: Any, index: int) -> str:
    found: str = page.evaluate(f"() => {view(index)}.querySelector('.wxnb-chat__header').textContent")
    return found


def wait_shown(page: Any, index: int, text: str) -> None:
    wait_for_js(
        page,
        f"(t) => [...{view(index)}.querySelectorAll('.wxnb-chat__msg .wxnb-chat__text')]"
        ".some(n => n.textContent === t)",
        text,
        deadline=STEP,
    )


def click_item(page: Any, index: int, name: str) -> None:
    page.locator(CELL).nth(index).locator(f".wxnb-chat__item:has(.wxnb-chat__name:text-is('{name}'))").click()


def test_every_conversation_a_long_history_two_views_and_code_sends(e2e: SimLab, browser: object) -> None:
    sim, errors = e2e.sim, []
    context = browser.new_context(viewport={"width": 1100, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.on(
        "pageerror",
        lambda exc: None if is_front_end_own_error(exc.message, exc.stack or "") else errors.append(str(exc)),
    )
    try:
        open_notebook(page, e2e.lab, NOTEBOOK)
        run_cell(page, 0)
        run_cell(page, 1)
        for p in range(2, FRIENDS + 1):
            sim.phone.send(("person", p), f"hello {p}")
        for i in range(BIG):
            sim.phone.send(("person", 1), f"m{i:05d}")
        run_cell(page, 2)
        archived = page.locator(CELL).nth(2).locator(".jp-OutputArea-output pre").text_content() or "0"
        assert int(archived.strip()) >= BIG + FRIENDS - 1, "the kernel did not archive the phone's messages"
        run_cell(page, FIRST_VIEW)
        run_cell(page, SECOND_VIEW)
        for index in (FIRST_VIEW, SECOND_VIEW):
            wait_for_js(
                page,
                f"() => {view(index)}.querySelectorAll('.wxnb-chat__item').length === {FRIENDS}",
                deadline=STEP,
            )

        # The 10,000-message conversation: its newest message, and one window only reaches the page.
        click_item(page, FIRST_VIEW, "Friend 1")
        wait_shown(page, FIRST_VIEW, f"m{BIG - 1:05d}")
        first = texts(page, FIRST_VIEW)
        assert len(first) <= WINDOW and first[-1] == f"m{BIG - 1:05d}"
        assert first == [f"m{i:05d}" for i in range(BIG - len(first), BIG)]
        # The other view of the same widget follows: same conversation, same messages.
        wait_shown(page, SECOND_VIEW, f"m{BIG - 1:05d}")
        assert header(page, SECOND_VIEW) == header(page, FIRST_VIEW)

        # Load earlier: the page before the oldest shown arrives above it, in order, nothing twice.
        oldest = int(first[0][1:])
        page.locator(CELL).nth(FIRST_VIEW).locator(".wxnb-chat__earlier").click()
        wait_shown(page, FIRST_VIEW, f"m{oldest - 1:05d}")
        more = texts(page, FIRST_VIEW)
        assert len(more) > len(first)
        assert more == [f"m{i:05d}" for i in range(BIG - len(more), BIG)]

        # Switching: another conversation replaces the pane; nothing of the first stays.
        click_item(page, FIRST_VIEW, "Friend 2")
        wait_shown(page, FIRST_VIEW, "hello 2")
        assert not any(t.startswith("m0") for t in texts(page, FIRST_VIEW))
        assert "Friend 2" in header(page, FIRST_VIEW)

        # A message sent from code appears in the open conversation, once, as the account's own, in
        # both views.
        run_cell(page, FROM_CODE)
        for index in (FIRST_VIEW, SECOND_VIEW):
            wait_shown(page, index, "sent from code")
            own = page.evaluate(
                f"() => [...{view(index)}.querySelectorAll('.wxnb-chat__msg--self .wxnb-chat__text')]"
                ".map(n => n.textContent)"
            )
            assert own.count("sent from code") == 1
        # A friend's message while the conversation is open reaches both views too.
        sim.phone.send(("person", 2), "seen in both")
        for index in (FIRST_VIEW, SECOND_VIEW):
            wait_shown(page, index, "seen in both")
        assert [o.content for o in sim.world.outbox_since(0)].count("sent from code") == 1
        assert errors == []
    finally:
        context.close()
