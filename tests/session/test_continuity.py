"""Continuity across logins (issue 10): a new login goes on from the archived SyncKey; when the server
refuses it, the session goes on from webwxinit's key and records the gap (status, event, archive)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import wxnb
from tests.session.conftest import log_in, make_session, wait_until
from tests.sim.conftest import ANN
from wxnb.session import Session
from wxnb.session.status import Gap
from wxnb.sim.simulator import Simulator


def _forced_logout_then_push_login(sim: Simulator, data_dir: Path) -> tuple[Session, list[str], list[Gap]]:
    """The issue's reproduction: A logs in and gets m1; A's next webwxsync is answered 1101; the phone
    sends m2 (A never fetches it) and, once A is logged out, m3; B = Session(same data_dir,
    resume=True) logs in by push; the phone sends m4. Returns B (ready, m4 received), [m1..m4] and
    the gaps B announced."""
    first = log_in(sim, data_dir)
    try:
        m1 = sim.phone.send(("friend", ANN), "m1")
        first.wait_for(lambda m: m.msg_id == m1, timeout=10)
        sim.faults.once("logout", endpoint="webwxsync", code=1101)
        m2 = sim.phone.send(("friend", ANN), "m2")
        wait_until(lambda: first.status.state == "logged_out", what="A logged out")
        assert first.status.logout_code == 1101
        assert m2 not in set(first.messages.msg_id)
    finally:
        first.close()
    m3 = sim.phone.send(("friend", ANN), "m3")
    second = make_session(sim, data_dir, resume=True)
    gaps: list[Gap] = []
    second.on("gap", gaps.append)
    second.start()
    try:
        push = wait_until(lambda: next((p for p in sim.phone.pending_logins() if p.push), None), what="push")
        sim.phone.approve_push(push.uuid)
        second.wait_ready(10)
        assert "push login" in second.login_events[-1].detail
        m4 = sim.phone.send(("friend", ANN), "m4")
        second.wait_for(lambda m: m.msg_id == m4, timeout=10)
    except BaseException:
        second.close()
        raise
    return second, [m1, m2, m3, m4], gaps


def test_a_push_login_after_a_forced_logout_gets_what_came_in_between_once(
    sim: Simulator, tmp_path: Path
) -> None:
    assert sim.world.old_keys == "honour"
    session, sent, gaps = _forced_logout_then_push_login(sim, tmp_path)
    with session:
        wait_until(lambda: set(sent) <= set(session.messages.msg_id), what="m1..m4")
        ids = session.messages.msg_id
        assert ids.is_unique
        assert list(ids[ids.isin(sent)]) == sent
        assert session.status.gap is None and gaps == []
        archive = session.archive_path
    assert archive is not None
    with wxnb.open_archive(archive) as history:
        assert history.gaps.empty
        assert set(sent) <= set(history.messages.msg_id)


def test_a_refused_archived_key_is_a_recorded_gap_holding_what_was_missed(
    sim: Simulator, tmp_path: Path
) -> None:
    sim.world.set_old_keys("refuse")
    session, sent, gaps = _forced_logout_then_push_login(sim, tmp_path)
    m1, m2, m3, m4 = sent
    with session:
        ids = set(session.messages.msg_id)
        assert {m1, m4} <= ids and not {m2, m3} & ids
        assert session.messages.msg_id.is_unique
        status = session.status
        assert status.state == "online" and status.gap is not None
        assert gaps == [status.gap]
        gap = status.gap
        for missed in (m2, m3):
            at = sim.world.message(int(missed)).create_time
            assert gap.start.timestamp() <= at <= gap.end.timestamp()
        assert "may be missing" in str(gap) and "may be missing" in repr(status)
        assert "may be missing" in status.describe()
        # The session goes on from the new key: a live message arrives once.
        m5 = sim.phone.send(("friend", ANN), "m5")
        session.wait_for(lambda m: m.msg_id == m5, timeout=10)
        archive = session.archive_path
    assert archive is not None
    with wxnb.open_archive(archive) as history:
        rows = history.gaps
        assert len(rows) == 1
        assert (rows.start[0], rows.end[0]) == (pd.Timestamp(gap.start), pd.Timestamp(gap.end))
        assert {m1, m4, m5} <= set(history.messages.msg_id)


def test_a_restart_after_a_refused_key_finds_no_new_gap(sim: Simulator, tmp_path: Path) -> None:
    """The key archived after a refusal is this login's: a resume (same login) is not a gap."""
    sim.world.set_old_keys("refuse")
    session, _, gaps = _forced_logout_then_push_login(sim, tmp_path)
    session.close()
    assert len(gaps) == 1
    meanwhile = sim.phone.send(("friend", ANN), "while the kernel was down")
    with make_session(sim, tmp_path).start() as again:
        again.wait_ready(10)
        assert "resumed" in again.login_events[-1].detail
        wait_until(lambda: meanwhile in set(again.messages.msg_id), what="what came meanwhile")
        assert again.status.gap is None
        archive = again.archive_path
    assert archive is not None
    with wxnb.open_archive(archive) as history:
        assert len(history.gaps) == 1


@pytest.mark.parametrize("mode", ["honour", "refuse"])
def test_a_qr_login_of_a_known_account_goes_on_from_the_archive(
    sim: Simulator, tmp_path: Path, mode: str
) -> None:
    sim.world.set_old_keys(mode)
    first = log_in(sim, tmp_path)
    seen = sim.phone.send(("friend", ANN), "seen")
    first.wait_for(lambda m: m.msg_id == seen, timeout=10)
    first.close()
    sim.phone.logout()
    away = sim.phone.send(("friend", ANN), "while logged out")
    with log_in(sim, tmp_path, resume=False) as second:
        if mode == "honour":
            wait_until(lambda: away in set(second.messages.msg_id), what="the message sent meanwhile")
            assert second.status.gap is None
        else:
            gap = wait_until(lambda: second.status.gap, what="the gap")
            assert away not in set(second.messages.msg_id)
            at = sim.world.message(int(away)).create_time
            assert gap.start.timestamp() <= at <= gap.end.timestamp()
        assert second.messages.msg_id.is_unique
