"""End to end: ``wxnb.notebook.bulk_progress(run)`` in a real JupyterLab against the simulator (issue 14).

ipywidgets render only in a real front end, so this is the proof that the progress view works where
people use it: a kernel logs in to a simulator in this process and applies a remark plan with a small
pace; the test reads the counts and the ETA the view draws, and clicks Pause, Resume and Cancel as a
person would, checking each against what reaches the simulator (its outbox of remark writes).
Screenshot: ``test-output/e2e-bulk-progress.png``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.jupyterlab import (
    PANEL,
    SimLab,
    open_notebook,
    run_cell,
    running_on_simulator,
)
from tests.browser.waits import Deadline, wait_for_js
from wxnb.sim.simulator import Simulator

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

#: Pace of the run: slow enough that a click lands mid-run on a busy machine, fast enough for a test.
PACE = 0.5
#: A few writes through the kernel, or a button's effect reaching the label.
LIVE = Deadline("bulk progress through the kernel", 30_000)
#: How long "nothing is written while paused" is watched: ten paces (see quiet_for).
QUIET_PACES = 10
NOTEBOOK = "bulk.ipynb"
CELLS = [
    "import os\nimport wxnb, wxnb.bulk, wxnb.notebook\n"
    "SIM, DATA = os.environ['WXNB_E2E_SIM'], os.environ['WXNB_E2E_DATA']",
    "session = wxnb.login(SIM, data_dir=DATA, resume=False, show='none')\n_ = session.wait_ready(60)",
    "plan = wxnb.bulk.plan_remarks(session, lambda row: ('B ' + row.nickname)[:16])\n"
    f"run = plan.apply(pace={PACE}, jitter=0, seed=0)\n"
    "wxnb.notebook.bulk_progress(run)",
]
VIEW = 2
LABEL = f"{PANEL} .wxnb-bulk-progress"
COUNTS = re.compile(r"^(\d+)/(\d+) done: ")


@pytest.fixture(scope="module")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimLab]:
    root = tmp_path_factory.mktemp("e2e-bulk")
    # "small": 50 friends, so a run at PACE lasts about half a minute.
    with (
        Simulator(scenario="small", seed=0, hold=2.0, auto_confirm=0.05) as sim,
        running_on_simulator(root, sim, {NOTEBOOK: CELLS}) as served,
    ):
        yield served


def remark_writes(sim: Simulator) -> int:
    return sum(1 for e in sim.world.outbox_since(0) if e.endpoint == "webwxoplog")


def label(page: Any) -> str:
    text: str = page.evaluate("(sel) => document.querySelector(sel)?.textContent ?? ''", LABEL)
    return text


def done_total(text: str) -> tuple[int, int]:
    match = COUNTS.match(text)
    assert match, f"the label does not start with done/total: {text!r}"
    return int(match[1]), int(match[2])


def wait_label(page: Any, pattern: str) -> str:
    """Wait until the view's label matches the regular expression ``pattern``; return the text."""
    text: str = wait_for_js(
        page,
        "([sel, re]) => { const t = document.querySelector(sel)?.textContent ?? '';"
        " return new RegExp(re).test(t) ? t : ''; }",
        [LABEL, pattern],
        deadline=LIVE,
    )
    return text


def wait_done(page: Any, at_least: int) -> str:
    """Wait until the label's done count is at least ``at_least``; return the text."""
    text: str = wait_for_js(
        page,
        "([sel, n]) => { const t = document.querySelector(sel)?.textContent ?? '';"
        " const m = /^(\\d+)\\/\\d+ done: /.exec(t); return m && +m[1] >= n ? t : ''; }",
        [LABEL, at_least],
        deadline=LIVE,
    )
    return text


def wait_writes(sim: Simulator, above: int) -> int:
    """Poll the simulator (bounded by LIVE) until it has more than ``above`` remark writes."""
    end = time.monotonic() + LIVE.ms / 1000
    while time.monotonic() < end:
        if (n := remark_writes(sim)) > above:
            return n
        time.sleep(0.05)  # polling the simulator's outbox, bounded by the named deadline
    raise AssertionError(f"deadline {LIVE.name!r} passed: still {above} remark writes")


def settled(page: Any, sim: Simulator) -> int:
    """Wait (bounded by LIVE) until every remark written so far shows as done in the label."""
    end = time.monotonic() + LIVE.ms / 1000
    while time.monotonic() < end:
        written = remark_writes(sim)
        if done_total(label(page))[0] == written:
            return written
        time.sleep(0.05)  # polling the page and the simulator, bounded by the named deadline
    raise AssertionError(f"deadline {LIVE.name!r} passed: {label(page)!r}, {remark_writes(sim)} written")


def quiet_for(sim: Simulator, seconds: float) -> int:
    """The remark writes count, asserted unchanged for ``seconds``: an observation window.

    "Nothing happens" has no event to wait on; the window is many paces long, so a run that kept
    writing would be caught several times over.
    """
    before = remark_writes(sim)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert remark_writes(sim) == before, "a remark was written while the run was paused"
        time.sleep(0.05)  # watching the outbox over the window
    return before


def button(page: Any, name: str) -> Any:
    return page.locator(f"{PANEL} .jp-Cell").nth(VIEW).locator("button.widget-button", has_text=name)


def test_progress_view_counts_eta_pause_resume_cancel(
    e2e: SimLab, browser: object, screenshots: Path
) -> None:
    sim, errors = e2e.sim, []
    context = browser.new_context(viewport={"width": 1100, "height": 800})  # type: ignore[attr-defined]
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        open_notebook(page, e2e.lab, NOTEBOOK)
        for index in range(VIEW + 1):
            run_cell(page, index)

        # Counts move and the ETA shows while the run goes.
        first = wait_label(page, r"^[1-9]\d*/\d+ done: .*running, ETA \d")
        done_1, total = done_total(first)
        assert total >= 20, first
        later = wait_done(page, done_1 + 1)
        assert done_1 < done_total(later)[0] < total, (first, later)
        bar = page.locator(f"{PANEL} .jp-Cell").nth(VIEW).locator(".progress-bar")
        assert bar.count() == 1

        # Pause: the label says so, Pause greys out, and no remark is written over ten paces.
        button(page, "Pause").click()
        paused = wait_label(page, r"; paused")
        assert "ETA" not in paused
        assert button(page, "Pause").is_disabled() and button(page, "Resume").is_enabled()
        # The write under way when Pause was clicked finishes; its verification ends it "verified".
        written = settled(page, sim)
        held = quiet_for(sim, QUIET_PACES * PACE)
        assert held == written < total
        page.locator(f"{PANEL} .jp-Cell").nth(VIEW).screenshot(
            path=str(screenshots / "e2e-bulk-progress.png")
        )

        # Resume: writes go on, and the counts with them.
        button(page, "Resume").click()
        wait_label(page, r"; running")
        resumed = wait_writes(sim, held + 1)
        wait_done(page, resumed)

        # Cancel: the run ends "cancelled"; the rows not written are skipped; every button greys out.
        button(page, "Cancel").click()
        ended = wait_label(page, r"; cancelled")
        final = remark_writes(sim)
        assert done_total(ended) == (total, total), ended
        assert f"{total - final} skipped" in ended or final == total, ended
        assert final < total
        for name in ("Pause", "Resume", "Cancel"):
            assert button(page, name).is_disabled(), name
        assert remark_writes(sim) == final
        assert errors == []
    finally:
        context.close()
