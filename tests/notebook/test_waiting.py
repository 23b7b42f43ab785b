"""The notebook's waits: ``await session.ready()`` / ``received()`` (the event loop keeps running while
they wait) and a timeout in one sentence. Against the simulator, in a plain event loop (the kernel's
part, widget messages handled during the wait, is tests/browser/test_notebook_waits.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.notebook.test_login_view import DEADLINE, new_qr
from tests.session.conftest import FAST_RETRY, FAST_SYNC
from tests.sim.conftest import ANN
from wxnb.notebook import NotebookSession
from wxnb.notebook import waiting as waiting_module
from wxnb.notebook.waiting import WaitTimedOut
from wxnb.sim.simulator import Simulator


def started(sim: Simulator, data_dir: Any) -> NotebookSession:
    session = NotebookSession(sim.base_url, data_dir=data_dir, retry=FAST_RETRY, sync=FAST_SYNC)
    session.start()
    return session


def test_ready_lets_the_loop_run_while_it_waits_and_returns_the_session(
    sim: Simulator, tmp_path: Any
) -> None:
    known = {p.uuid for p in sim.phone.pending_logins()}
    session = started(sim, tmp_path)
    ticks = 0

    async def main() -> NotebookSession:
        nonlocal ticks

        async def meanwhile() -> None:  # what the kernel does with widget messages during the wait
            nonlocal ticks
            uuid = await asyncio.to_thread(new_qr, sim, known)
            while ticks < 3:
                ticks += 1
                await asyncio.sleep(0)
            sim.phone.confirm(uuid)

        other = asyncio.create_task(meanwhile())
        ready = await session.ready(DEADLINE)
        await other
        return ready

    try:
        assert asyncio.run(main()) is session
        assert ticks == 3 and session.status.state == "online"
    finally:
        session.close()


def test_a_timeout_is_one_sentence(sim: Simulator, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(waiting_module, "SLICE", 0.05)  # two slices, quickly
    session = started(sim, tmp_path)
    try:
        with pytest.raises(WaitTimedOut) as timed_out:
            asyncio.run(session.ready(0.12))
        assert isinstance(timed_out.value, TimeoutError)
        (line,) = timed_out.value._render_traceback_()
        assert line.startswith("TimeoutError: not logged in after 0.12 s: scan the QR code above")
        # The blocking form outside a kernel stays the session's own TimeoutError.
        with pytest.raises(TimeoutError) as plain:
            session.wait_ready(0.05)
        assert not isinstance(plain.value, WaitTimedOut)
    finally:
        session.close()


def test_received_returns_the_matching_message(sim: Simulator, tmp_path: Any) -> None:
    known = {p.uuid for p in sim.phone.pending_logins()}
    session = started(sim, tmp_path)
    try:
        sim.phone.confirm(new_qr(sim, known))
        session.wait_ready(DEADLINE)

        async def main() -> str:
            waiting = asyncio.create_task(session.received(lambda m: m.text == "ping", timeout=DEADLINE))
            # The waiter registers on its worker thread: ping until it has heard one (bounded by DEADLINE).
            while not waiting.done():
                await asyncio.to_thread(sim.phone.send, ("friend", ANN), "ping")
                await asyncio.wait({waiting}, timeout=1.0)
            return (await waiting).text

        assert asyncio.run(main()) == "ping"
        with pytest.raises(WaitTimedOut, match=r"no matching message within 0\.05 s"):
            asyncio.run(session.received(lambda m: False, timeout=0.05))
    finally:
        session.close()
