"""End to end: ``wxnb.login()`` in a real Notebook 7 notebook against the simulator (issue 12's
"works in JupyterLab 4 and Notebook 7"). The JupyterLab 4 test (test_e2e_login.py) covers every state
and the timing; this one follows the main path in Notebook 7's page: the QR, the phone's scan (avatar,
no QR), its confirm (the status line with the simulator's own counts), and ``session`` printed as its
one line.
Screenshots: ``test-output/e2e-notebook7-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.jupyterlab import (
    EVERY_CELL_IN_DOM,
    SimLab,
    is_front_end_own_error,
    open_notebook,
    run_cell,
    running_on_simulator,
)
from tests.browser.test_e2e_login import (
    SIM_WAIT,
    STEP_DRAWN,
    cell_text,
    in_cell,
    new_code,
    qr_src,
    shot,
    wait_for_phase,
    wait_for_qr,
    world_of,
)
from tests.browser.waits import Deadline, wait_for_js
from wxnb.sim.simulator import Simulator

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

#: The ready status line after the phone confirmed (medium scenario, as the JupyterLab test).
READY_DRAWN = Deadline("ready status drawn in Notebook 7", 60_000)
NOTEBOOK = "login-nb7.ipynb"
CELLS = [
    "import os\nimport wxnb\nSIM, DATA = os.environ['WXNB_E2E_SIM'], os.environ['WXNB_E2E_DATA']",
    "session = wxnb.login(SIM, data_dir=DATA, resume=False)",
    "session",
]
LOGIN, SHOW_AGAIN = 1, 2


@pytest.fixture(scope="module")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimLab]:
    root = tmp_path_factory.mktemp("e2e-login-nb7")
    with (
        Simulator(scenario="medium", seed=0, hold=5.0) as sim,
        running_on_simulator(
            root, sim, {NOTEBOOK: CELLS}, app="notebook", settings=EVERY_CELL_IN_DOM
        ) as served,
    ):
        yield served


def test_login_in_notebook7(e2e: SimLab, browser: object, screenshots: Path) -> None:
    sim, errors = e2e.sim, []
    world = world_of(sim)
    context = browser.new_context(viewport={"width": 1100, "height": 900})  # type: ignore[attr-defined]
    page: Any = context.new_page()
    page.on(
        "pageerror",
        lambda exc: None if is_front_end_own_error(exc.message, exc.stack or "") else errors.append(str(exc)),
    )
    try:
        open_notebook(page, e2e.lab, NOTEBOOK)
        assert "/notebooks/" in page.url
        run_cell(page, 0)
        known = {p.uuid for p in sim.phone.pending_logins()}
        run_cell(page, LOGIN)

        wait_for_qr(page, LOGIN)
        uuid = new_code(sim, known)
        assert cell_text(page, LOGIN, ".wxnb-login__title") == "Scan with WeChat on your phone"
        shot(page, LOGIN, screenshots, "notebook7-waiting")

        sim.phone.scan(uuid)
        wait_for_js(
            page,
            f"() => {{ const a = {in_cell(LOGIN, '.wxnb-login__avatar')};"
            " return !!a && !a.hidden && a.complete && a.naturalWidth > 0; }",
            deadline=STEP_DRAWN,
        )
        assert qr_src(page, LOGIN) == ""

        sim.phone.wait_for(lambda: len(sim.protocol.waiters) >= 1, timeout=SIM_WAIT, what="a held login poll")
        sim.phone.confirm(uuid)
        wait_for_phase(page, LOGIN, "ready", deadline=READY_DRAWN)
        # Counted as people read them (issue 12): friends, rooms, official accounts apart.
        counted = f"{world.friends:,} friends · {world.rooms:,} rooms · "
        if world.mps:
            counted += f"{world.mps:,} official account{'s' if world.mps != 1 else ''} · "
        wait_for_js(
            page,
            f"(want) => !!{in_cell(LOGIN, '.wxnb-login__counts')}?.textContent.startsWith(want)",
            counted,
            deadline=STEP_DRAWN,
        )
        assert cell_text(page, LOGIN, ".wxnb-login__nickname") == world.nickname
        counts = cell_text(page, LOGIN, ".wxnb-login__counts")
        assert counts.startswith(counted), counts
        shot(page, LOGIN, screenshots, "notebook7-ready")

        # `session` at the end of a cell: its one-line text; the status line is drawn once per login.
        run_cell(page, SHOW_AGAIN)
        shown_again = cell_text(page, SHOW_AGAIN, ".jp-OutputArea-output")
        assert shown_again.startswith(f"<wxnb.Session {world.nickname}"), shown_again
        assert page.evaluate(f"() => {in_cell(SHOW_AGAIN, '.wxnb-login')} === null")
        assert errors == []
    finally:
        context.close()
