"""20,000 messages through resets, 5xx, malformed bodies and stale keys (5 % each): none lost, none twice."""

from __future__ import annotations

from pathlib import Path

import pytest

import wxnb
from tests.session.conftest import log_in, wait_until
from wxnb.sim.simulator import Simulator

COUNT = 20_000
FAULTS = (
    ("reset", None),
    ("http_500", None),
    ("http_502", None),
    ("malformed", None),
    ("stale_key", "webwxsync"),
)


@pytest.mark.slow
def test_every_message_arrives_exactly_once_through_faults(tmp_path: Path) -> None:
    with Simulator(scenario="small", seed=5, hold=0.3) as sim:  # 50 messages per batch, as by default
        session = log_in(sim, tmp_path)
        try:
            start = len(sim.world.log)
            for kind, endpoint in FAULTS:
                sim.faults.add(kind, endpoint=endpoint, rate=0.05)
            traffic = sim.run_traffic(rate=None, count=COUNT)
            wait_until(lambda: not traffic.is_alive(), timeout=120, what="the traffic")
            expected = {str(m.msg_id) for m in sim.world.log[start:]}
            assert len(expected) >= COUNT - traffic.skipped
            wait_until(lambda: expected <= set(session.messages.msg_id), timeout=300, what="every message")
            fired = {kind for _, kind in sim.faults.log}
            sim.faults.clear()
            messages = session.messages
            assert messages.msg_id.is_unique
            status = session.status
            assert status.state in ("online", "reconnecting") and session._thread is not None
            assert session._thread.is_alive()
            assert status.reconnects > 0 and {"reset", "http_500", "malformed", "stale_key"} <= fired
            archive = session.archive_path
        finally:
            session.close()
        assert archive is not None
        with wxnb.open_archive(archive) as history:
            archived = history.messages.msg_id
            assert archived.is_unique and expected <= set(archived)
