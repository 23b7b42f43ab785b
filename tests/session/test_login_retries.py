"""A login survives one bad reply after the phone's confirm (issue 10): webwxinit, the contact pages and
the room members are retried a bounded number of times before the login fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.session.conftest import log_in, make_session, new_qr, wait_until
from wxnb.protocol.errors import ProtocolError, ServerError, TransportError
from wxnb.sim.simulator import Simulator


@pytest.mark.parametrize(
    ("kind", "endpoint", "times"),
    [
        ("malformed", "webwxinit", 1),
        ("http_500", "webwxinit", 3),  # the transport's 3 tries all fail: the login step retries
        ("reset", "webwxinit", 3),
        ("malformed", "webwxgetcontact", 1),
        ("malformed", "webwxbatchgetcontact", 1),
    ],
)
def test_one_bad_reply_after_the_confirm_does_not_cost_another_login(
    sim: Simulator, tmp_path: Path, kind: str, endpoint: str, times: int
) -> None:
    sim.faults.add(kind, endpoint=endpoint, times=times)
    with log_in(sim, tmp_path) as session:
        assert session.status.state == "online"
        phases = [e.phase for e in session.login_events]
        assert phases.count("waiting") == 1 and phases.count("confirmed") == 1  # one QR code, one confirm
        assert sum(1 for _, fired in sim.faults.log if fired == kind) == times
        assert [e.phase for e in session.login_events][-1] == "ready"
        assert not session.contacts.empty


def test_a_push_login_survives_a_malformed_webwxinit(sim: Simulator, tmp_path: Path) -> None:
    log_in(sim, tmp_path).close()
    sim.phone.logout()  # the saved session is dead: a push is tried
    sim.faults.add("malformed", endpoint="webwxinit", times=2)  # the resume's, then the push login's
    session = make_session(sim, tmp_path).start()
    try:
        push = wait_until(lambda: next((p for p in sim.phone.pending_logins() if p.push), None), what="push")
        sim.phone.approve_push(push.uuid)
        session.wait_ready(10)
        assert "push login" in session.login_events[-1].detail
        phases = [e.phase for e in session.login_events]
        assert phases.count("push") == 1 and "waiting" not in phases  # no second push, no QR code
    finally:
        session.close()


def test_a_reply_that_stays_bad_fails_the_login_after_a_bounded_number_of_tries(
    sim: Simulator, tmp_path: Path
) -> None:
    sim.faults.add("malformed", endpoint="webwxinit")
    session = make_session(sim, tmp_path).start()
    try:
        sim.phone.confirm(new_qr(sim, set()))
        with pytest.raises((ProtocolError, ServerError, TransportError)):
            session.wait_ready(10)
        assert session.status.state == "failed"
        assert sum(1 for endpoint, _ in sim.faults.log if endpoint == "webwxinit") == 3
    finally:
        session.close()
