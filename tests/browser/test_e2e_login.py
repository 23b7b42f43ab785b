"""End to end: ``wxnb.login()`` in a real JupyterLab notebook against the simulator, its phone in this test.

A simulator (medium scenario) runs in this process; JupyterLab runs on 127.0.0.1 with a token, and its
kernel logs in to the simulator over HTTP. The test plays the person: it watches the page (Chromium)
while the virtual phone scans, confirms, lets a code expire; a second simulator refuses web login.

Screenshots of each state go to ``test-output/e2e-*.png``; the time from the phone's confirm to the
ready status drawn in the page goes to ``test-output/e2e-timings.json`` (reported, not asserted).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.jupyterlab import (
    DARK_THEME,
    EVERY_CELL_IN_DOM,
    LIGHT_THEME,
    PANEL,
    SAVE_WIDGET_STATE,
    JupyterLab,
    open_notebook,
    run_cell,
    running_on_simulator,
    save_notebook,
    set_theme,
)
from tests.browser.waits import Deadline, wait_for_js
from wxnb.sim.scenario import build_spec
from wxnb.sim.simulator import Simulator

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

#: The QR drawn after the login cell ran (the kernel imports wxnb, builds the widget, gets a code).
QR_SHOWN = Deadline("login QR shown in the notebook", 60_000)
#: One login step reaching the page (scan, expiry, refusal): a round trip through the kernel.
STEP_DRAWN = Deadline("login step drawn in the notebook", 30_000)
#: The ready status line after the phone confirmed (medium scenario: ~2,600 contacts and members).
READY_DRAWN = Deadline("ready status drawn in the notebook", 60_000)
#: The simulator seeing the kernel's requests (a new code, a held poll).
SIM_WAIT = 60.0

NOTEBOOK = "login.ipynb"
CELLS = [
    # 0: the test's plumbing (where the simulators are), not what a person writes.
    "import json, os, time\nimport wxnb\n"
    "SIM, BLOCKED_SIM = os.environ['WXNB_E2E_SIM'], os.environ['WXNB_E2E_BLOCKED_SIM']\n"
    "DATA, DATA_2, DATA_3 = (os.path.join(os.environ['WXNB_E2E_DATA'], d) for d in ('1', '2', '3'))",
    # 1: what a person writes (the README's first line, pointed at the simulator).
    "session = wxnb.login(SIM, data_dir=DATA, resume=False)",
    # 2: kernel-side timestamps for the latency breakdown.
    "_phases = []\nsession.widget.observe(lambda c: _phases.append((c['new'], time.time())), names='phase')",
    # 3: the session as the last expression shows its status widget again.
    "session",
    # 4: the kernel's view of the login, for the breakdown.
    "print(json.dumps({'events': [[e.phase, e.at.timestamp()] for e in session.login_events],"
    " 'phases': _phases}))",
    # 5: a second login whose code expires.
    "second = wxnb.login(SIM, data_dir=DATA_2, resume=False)",
    # 6: an account WeChat refuses on the web, without the desktop mode.
    "refused = wxnb.login(BLOCKED_SIM, data_dir=DATA_3, resume=False, desktop=False)",
]
LOGIN, INSTRUMENT, SHOW_AGAIN, BREAKDOWN, SECOND, REFUSED = 1, 2, 3, 4, 5, 6

#: Records (once) when the ready status line is in the DOM and when the frame after it is drawn.
READY_OBSERVER = """(cell) => {
  const now = () => performance.timeOrigin + performance.now();
  window.__wxnbReady = null;
  const probe = () => {
    const root = document.querySelectorAll(cell)[%d]?.querySelector('.wxnb-login[data-phase="ready"]');
    const counts = root?.querySelector('.wxnb-login__counts');
    const shown = counts && counts.textContent && !root.querySelector('.wxnb-login__status').hidden;
    if (!window.__wxnbReady && shown) {
      const mark = { dom: now(), frame: null };
      window.__wxnbReady = mark;
      requestAnimationFrame(() => { mark.frame = now(); });
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(probe);
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  probe();
}"""

CELL = f"{PANEL} .jp-Cell"


@dataclass(frozen=True)
class World:
    """What the session should report, from the simulator's own lists (not from wxnb)."""

    nickname: str
    contacts: int
    rooms: int
    friends: int
    mps: int


@dataclass
class Lab:
    lab: JupyterLab
    sim: Simulator
    refusing: Simulator
    notebook: Path


@pytest.fixture(scope="module")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("e2e")
    refusing_spec = build_spec("medium", seed=1)
    refusing_spec.person(refusing_spec.account.pid).web_blocked = True
    # Saved notebooks carry the widget state, as many people set it: it must hold no code.
    settings = {**SAVE_WIDGET_STATE, **EVERY_CELL_IN_DOM}
    with (
        Simulator(scenario="medium", seed=0, hold=5.0) as sim,
        Simulator(refusing_spec, hold=5.0) as refusing,
        running_on_simulator(
            root, sim, {NOTEBOOK: CELLS}, settings=settings, env={"WXNB_E2E_BLOCKED_SIM": refusing.base_url}
        ) as served,
    ):
        yield Lab(served.lab, sim, refusing, served.notebook)
    assert refusing.errors == []


def world_of(sim: Simulator) -> World:
    import requests

    contacts = requests.get(f"{sim.base_url}/_sim/contacts", timeout=10).json()
    rooms = requests.get(f"{sim.base_url}/_sim/rooms", timeout=10).json()
    return World(
        nickname=sim.spec.person(sim.spec.account.pid).nickname,
        contacts=len(contacts),  # friends, official accounts and filehelper
        rooms=sum(1 for r in rooms if r["saved"] and r["joined"]),  # the rooms in the contact list
        friends=sum(1 for c in contacts if not c["mp"] and c["wxid"] != "filehelper"),
        mps=sum(1 for c in contacts if c["mp"]),
    )


def in_cell(index: int, selector: str) -> str:
    """A JS expression for the first element matching ``selector`` in the output of cell ``index``."""
    return f"document.querySelectorAll('{CELL}')[{index}]?.querySelector('{selector}')"


def qr_src(page: Any, index: int) -> str:
    """The QR image URL drawn in cell ``index`` once it is decoded ("" while none)."""
    value: str = page.evaluate(
        f"() => {{ const q = {in_cell(index, '.wxnb-login__qr')};"
        " return q && !q.hidden && q.complete && q.naturalWidth > 0 ? q.src : ''; }"
    )
    return value


def wait_for_qr(page: Any, index: int, *, other_than: str = "", deadline: Deadline = QR_SHOWN) -> str:
    wait_for_js(
        page,
        f"(old) => {{ const q = {in_cell(index, '.wxnb-login__qr')};"
        " return !!q && !q.hidden && q.complete && q.naturalWidth > 0 && q.src !== old; }",
        other_than,
        deadline=deadline,
    )
    src = qr_src(page, index)
    assert src.startswith("data:image/svg+xml;base64,")
    return src


def wait_for_phase(page: Any, index: int, phase: str, deadline: Deadline = STEP_DRAWN) -> None:
    expression = f"() => {in_cell(index, '.wxnb-login')}?.dataset.phase === '{phase}'"
    wait_for_js(page, expression, deadline=deadline)


def cell_text(page: Any, index: int, selector: str) -> str:
    value: str = page.evaluate(f"() => {in_cell(index, selector)}?.textContent ?? ''")
    return value


def new_code(sim: Simulator, known: set[str]) -> str:
    """The uuid of a code the kernel asked for that is not in ``known``."""
    return sim.phone.wait_for(
        lambda: next((p.uuid for p in reversed(sim.phone.pending_logins()) if p.uuid not in known), None),
        timeout=SIM_WAIT,
        what="a new login code",
    )


def shot(page: Any, index: int, screenshots: Path, name: str) -> None:
    """The whole cell (code and widget) of ``index``, as a person sees it."""
    page.locator(CELL).nth(index).screenshot(path=str(screenshots / f"e2e-{name}.png"))


def confirm_and_time_ready(page: Any, sim: Simulator, uuid: str, index: int) -> dict[str, float]:
    """Confirm ``uuid`` on the phone; wait for cell ``index``'s ready line; the times, in epoch ms."""
    page.evaluate(READY_OBSERVER % index, CELL)
    # Held long polls answer at once on a confirm; give the kernel's poll time to be held first.
    sim.phone.wait_for(lambda: len(sim.protocol.waiters) >= 1, timeout=SIM_WAIT, what="a held login poll")
    confirmed = time.time() * 1000
    sim.phone.confirm(uuid)
    mark = wait_for_js(page, "() => window.__wxnbReady?.frame && window.__wxnbReady", deadline=READY_DRAWN)
    return {"confirm": confirmed, "dom": float(mark["dom"]), "frame": float(mark["frame"])}


def test_login_in_a_real_notebook(e2e: Lab, browser: object, screenshots: Path) -> None:
    sim, page_errors = e2e.sim, []
    world = world_of(sim)
    context = browser.new_context(viewport={"width": 1100, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    timings: dict[str, Any] = {"scenario": "medium", "contacts": world.contacts, "rooms": world.rooms}
    try:
        open_notebook(page, e2e.lab, NOTEBOOK)
        run_cell(page, 0)
        known = {p.uuid for p in sim.phone.pending_logins()}
        run_cell(page, LOGIN)
        run_cell(page, INSTRUMENT)

        # The QR appears, with its countdown.
        first_qr = wait_for_qr(page, LOGIN)
        uuid = new_code(sim, known)
        assert cell_text(page, LOGIN, ".wxnb-login__title") == "Scan with WeChat on your phone"
        assert cell_text(page, LOGIN, ".wxnb-login__countdown").startswith("Expires in ")
        shot(page, LOGIN, screenshots, "waiting")

        # The phone scans: its avatar shows, the QR is gone.
        sim.phone.scan(uuid)
        wait_for_js(
            page,
            f"() => {{ const a = {in_cell(LOGIN, '.wxnb-login__avatar')};"
            " return !!a && !a.hidden && a.complete && a.naturalWidth > 0; }",
            deadline=STEP_DRAWN,
        )
        assert qr_src(page, LOGIN) == ""
        assert cell_text(page, LOGIN, ".wxnb-login__title") == "Scanned: confirm the login on your phone"
        shot(page, LOGIN, screenshots, "scanned")

        # The phone confirms: the status line, with the world's counts.
        first = confirm_and_time_ready(page, sim, uuid, LOGIN)
        assert cell_text(page, LOGIN, ".wxnb-login__nickname") == world.nickname
        counts = cell_text(page, LOGIN, ".wxnb-login__counts")
        # Counted as people read them (issue 12): friends, rooms, official accounts apart.
        expected = f"{world.friends:,} friends · {world.rooms:,} rooms · "
        if world.mps:
            expected += f"{world.mps:,} official account{'s' if world.mps != 1 else ''} · "
        assert counts.startswith(expected), counts
        assert cell_text(page, LOGIN, ".wxnb-login__sync").startswith(("synced ", "not synced yet"))
        wait_for_js(page, f"() => {in_cell(LOGIN, '.wxnb-login__sync')}?.textContent.startsWith('synced ')",
                    deadline=STEP_DRAWN)  # fmt: skip
        shot(page, LOGIN, screenshots, "ready")

        # `session` at the end of a cell: its one-line text; the status line is drawn once per login
        # (issue 12), in the login cell above.
        run_cell(page, SHOW_AGAIN)
        shown_again = cell_text(page, SHOW_AGAIN, ".jp-OutputArea-output")
        assert shown_again.startswith(f"<wxnb.Session {world.nickname}"), shown_again
        assert page.evaluate(f"() => {in_cell(SHOW_AGAIN, '.wxnb-login')} === null")

        # Where the time went, from the kernel's side.
        run_cell(page, BREAKDOWN)
        kernel = json.loads(cell_text(page, BREAKDOWN, ".jp-OutputArea-output pre"))
        timings["first_login"] = _breakdown(first, kernel)

        # A saved notebook (with its widget state) carries no usable code.
        saved = save_notebook(page, e2e.notebook)
        text = json.dumps(saved, ensure_ascii=False)
        assert "application/vnd.jupyter.widget-state+json" in saved["metadata"]["widgets"]
        assert uuid not in text and "data:image/svg+xml" not in text

        # A second login: its code expires on the phone, and a new one appears by itself.
        known = {p.uuid for p in sim.phone.pending_logins()}
        run_cell(page, SECOND)
        old_qr = wait_for_qr(page, SECOND)
        assert old_qr != first_qr
        expiring = new_code(sim, known)
        sim.phone.expire(expiring)
        fresh = new_code(sim, known | {expiring})
        new_qr = wait_for_qr(page, SECOND, other_than=old_qr, deadline=STEP_DRAWN)
        assert new_qr != old_qr
        shot(page, SECOND, screenshots, "new-code")
        # The New code button: through the comm to the session's login, which fetches another code.
        page.locator(CELL).nth(SECOND).locator(".wxnb-login__new-code").click()
        clicked = new_code(sim, known | {expiring, fresh})
        wait_for_qr(page, SECOND, other_than=new_qr, deadline=STEP_DRAWN)
        fresh = clicked
        # The same in the dark theme: the QR stays black on white.
        set_theme(page, DARK_THEME)
        shot(page, SECOND, screenshots, "waiting-dark")
        second = confirm_and_time_ready(page, sim, fresh, SECOND)
        timings["second_login"] = _breakdown(second, None)
        shot(page, SECOND, screenshots, "ready-dark")
        set_theme(page, LIGHT_THEME)
        # Logging in again elsewhere ends the first session: its line says so, with the reason.
        wait_for_js(
            page, f"() => {in_cell(LOGIN, '.wxnb-login__status')}?.dataset.state === 'logged_out'",
            deadline=STEP_DRAWN,
        )  # fmt: skip
        assert "1101" in cell_text(page, LOGIN, ".wxnb-login__state")
        shot(page, LOGIN, screenshots, "logged-out")

        # An account WeChat refuses on the web: the server's sentence and what to do.
        known_refused = {p.uuid for p in e2e.refusing.phone.pending_logins()}
        run_cell(page, REFUSED)
        wait_for_qr(page, REFUSED)
        e2e.refusing.phone.confirm(new_code(e2e.refusing, known_refused))
        wait_for_phase(page, REFUSED, "blocked")
        assert "此微信号不能登录网页微信" in cell_text(page, REFUSED, ".wxnb-login__message")
        assert "desktop=True" in cell_text(page, REFUSED, ".wxnb-login__hint")
        assert cell_text(page, REFUSED, ".wxnb-login__title") == "WeChat refused web login for this account"
        shot(page, REFUSED, screenshots, "refused")
        assert page_errors == []
    except BaseException:
        page.screenshot(path=str(screenshots / "e2e-failure.png"))
        raise
    finally:
        context.close()
        (screenshots / "e2e-timings.json").write_text(json.dumps(timings, indent=1) + "\n")
    for name in ("first_login", "second_login"):
        figure = timings[name]
        print(f"{name}: confirm -> ready drawn {figure['confirm_to_frame_ms']:.0f} ms ({figure})")


def _breakdown(marks: dict[str, float], kernel: dict[str, Any] | None) -> dict[str, float]:
    """Milliseconds from the phone's confirm to each step (page marks, and the kernel's when given)."""
    t0 = marks["confirm"]
    out = {
        "confirm_to_dom_ms": round(marks["dom"] - t0, 1),
        "confirm_to_frame_ms": round(marks["frame"] - t0, 1),
    }
    if kernel is not None:
        for phase, at in kernel["events"]:
            if at * 1000 >= t0 - 1:
                out[f"kernel_event_{phase}_ms"] = round(at * 1000 - t0, 1)  # the last of a repeated phase
        for phase, at in kernel["phases"]:
            if phase == "ready":
                out["kernel_widget_ready_ms"] = round(at * 1000 - t0, 1)
                break
    return out
