"""Close, forced logout, restart and resume (saved credentials, push login), history, failures, readers."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest

import wxnb
from tests.session.conftest import log_in, make_session, new_qr, wait_until
from tests.sim.conftest import ANN, SAVED_ROOM, TOM
from wxnb.protocol.errors import LoggedOut
from wxnb.session import Session, SessionClosed, SyncFailed
from wxnb.sim.simulator import Simulator


def test_close_during_a_held_synccheck_stops_the_thread(sim: Simulator, session: Session) -> None:
    sim.hold = 60.0
    wait_until(lambda: len(sim.protocol.waiters) >= 1, what="a held synccheck")
    thread = session._thread
    assert thread is not None and thread.is_alive()
    session.close(timeout=1.0)
    assert not thread.is_alive()
    assert session.status.state == "closed"
    with pytest.raises(SessionClosed):
        session.wait_for(lambda m: True, timeout=1)
    session.close()  # twice is fine


def test_a_forced_logout_says_why_and_a_restart_resumes_by_push(sim: Simulator, tmp_path: Path) -> None:
    first = log_in(sim, tmp_path)
    before = sim.phone.send(("friend", ANN), "before the logout")
    first.wait_for(lambda m: m.msg_id == before, timeout=10)
    sim.phone.logout()
    with pytest.raises(LoggedOut) as info:
        first.wait_for(lambda m: False, timeout=10)
    assert info.value.code == 1100
    status = first.status
    assert (status.state, status.logout_code) == ("logged_out", 1100)
    assert "logged out on the phone" in (status.logout_reason or "")
    thread = first._thread
    assert thread is not None
    thread.join(5)
    assert not thread.is_alive()
    archive = first.archive_path
    assert archive is not None
    with wxnb.open_archive(archive) as history:
        assert before in set(history.messages.msg_id)
    first.close()

    # A restart: a new Session on the same data dir. The saved session is dead (1100), the account
    # is known: the phone is asked to confirm (no QR scan), and history comes back.
    second = make_session(sim, tmp_path).start()
    try:
        push = wait_until(lambda: next((p for p in sim.phone.pending_logins() if p.push), None), what="push")
        sim.phone.approve_push(push.uuid)
        second.wait_ready(10)
        phases = [e.phase for e in second.login_events]
        assert phases[:2] == ["resuming", "push"] and "waiting" not in phases
        assert "push login" in second.login_events[-1].detail
        assert before in set(second.messages.msg_id)
        after = sim.phone.send(("friend", ANN), "after the restart")
        second.wait_for(lambda m: m.msg_id == after, timeout=10)
        assert second.messages.msg_id.is_unique
    finally:
        second.close()


def test_a_restart_resumes_the_saved_session_and_gets_what_came_meanwhile(
    sim: Simulator, tmp_path: Path
) -> None:
    first = log_in(sim, tmp_path)
    seen = sim.phone.send(("friend", ANN), "seen live")
    first.wait_for(lambda m: m.msg_id == seen, timeout=10)
    first.close()
    meanwhile = [sim.phone.send(("room", SAVED_ROOM), f"while away {i}", sender=TOM) for i in range(3)]
    logins_before = len(sim.phone.pending_logins())
    with make_session(sim, tmp_path).start() as second:
        second.wait_ready(10)
        assert [e.phase for e in second.login_events] == ["resuming", "initialising", "ready"]
        assert "resumed" in second.login_events[-1].detail
        assert len(sim.phone.pending_logins()) == logins_before  # no QR code, no push
        wait_until(lambda: set(meanwhile) <= set(second.messages.msg_id), what="what came meanwhile")
        ids = second.messages.msg_id
        assert ids.is_unique and seen in set(ids)
        assert list(ids[ids.isin(meanwhile)]) == meanwhile


def test_a_push_the_phone_ignores_falls_back_to_a_qr_code(sim: Simulator, tmp_path: Path) -> None:
    log_in(sim, tmp_path).close()
    sim.phone.logout()  # the saved session is dead: resume fails, a push is tried
    session = make_session(sim, tmp_path, push_timeout=0.3).start()
    try:
        pushed = wait_until(lambda: next((p for p in sim.phone.pending_logins() if p.push), None))
        qr = new_qr(sim, {pushed.uuid})
        sim.phone.confirm(qr)
        session.wait_ready(10)
        phases = [e.phase for e in session.login_events]
        assert phases[:4] == ["resuming", "push", "starting", "waiting"]
    finally:
        session.close()


def test_resume_false_always_shows_a_qr_code(sim: Simulator, tmp_path: Path) -> None:
    log_in(sim, tmp_path).close()
    with log_in(sim, tmp_path, resume=False) as session:
        assert [e.phase for e in session.login_events][:2] == ["starting", "waiting"]


def test_failing_callbacks_are_counted_and_never_stop_the_sync(sim: Simulator, session: Session) -> None:
    got: list[str] = []

    def broken(payload: object) -> None:
        raise RuntimeError("a bug in user code")

    session.on("message", broken)
    session.on("status", broken)
    session.on("message", lambda m: got.append(m.msg_id))
    first = sim.phone.send(("friend", ANN), "one")
    second = sim.phone.send(("friend", ANN), "two")
    session.wait_for(lambda m: m.msg_id == second, timeout=10)
    wait_until(lambda: second in got, what="the healthy callback")
    status = session.status
    assert status.callback_errors >= 2 and status.state == "online"
    assert first in got


def test_wait_for_times_out_and_passes_predicate_errors_on(sim: Simulator, session: Session) -> None:
    with pytest.raises(TimeoutError):
        session.wait_for(lambda m: False, timeout=0.05)

    def picky(message: object) -> bool:
        raise KeyError("bad predicate")

    sim.phone.send(("friend", ANN), "x")
    with pytest.raises(KeyError, match="bad predicate"):
        session.wait_for(picky, timeout=10)
    assert session.status.state == "online"


def test_an_unexpected_worker_error_is_recorded_and_raised_to_waiters(
    sim: Simulator, session: Session
) -> None:
    assert session.store is not None
    session.store.archive.close()  # the next batch cannot be written: not a retryable failure
    sim.phone.send(("friend", ANN), "into a closed archive")
    with pytest.raises(SyncFailed) as info:
        session.wait_for(lambda m: True, timeout=10)
    assert info.value.__cause__ is not None
    assert "ArchiveClosedError" in str(info.value)
    status = session.status
    assert status.state == "failed" and "closed" in (status.last_error or "")
    with pytest.raises(SyncFailed):
        session.wait_ready(1)


def test_snapshots_are_whole_while_the_worker_appends(sim: Simulator, session: Session) -> None:
    total = 2000
    sim.run_traffic(rate=None, count=total, mix={"text": 1.0})
    problems: list[str] = []
    done = threading.Event()

    def reader() -> None:
        last = 0
        while not done.is_set():
            frame = session.messages
            lengths = {len(frame[c].to_numpy()) for c in frame.columns}
            if len(lengths) != 1:
                problems.append(f"columns of unequal length: {lengths}")
            for column in ("msg_id", "time", "chat", "type", "text"):
                if frame[column].isna().any():
                    problems.append(f"a half-written row: {column} is missing")
            if len(frame) < last:
                problems.append("a snapshot shrank")
            last = len(frame)
            kept = frame.msg_id.tolist()
            if session.messages.msg_id.tolist()[: len(kept)] != kept:
                problems.append("an older snapshot disagrees with a newer one")

    readers = [threading.Thread(target=reader) for _ in range(2)]
    for thread in readers:
        thread.start()
    try:
        wait_until(lambda: sim.traffic is not None and not sim.traffic.is_alive(), what="the traffic")
        delivered = sim.traffic.delivered if sim.traffic else 0
        wait_until(lambda: session.status.messages_received >= delivered, timeout=30, what="all messages")
    finally:
        done.set()
        for thread in readers:
            thread.join(10)
    assert problems == []
    assert session.messages.msg_id.is_unique


def test_a_second_login_of_the_same_account_replaces_the_first(sim: Simulator, tmp_path: Path) -> None:
    first = log_in(sim, tmp_path)
    second = log_in(sim, tmp_path, resume=False)
    try:
        assert first.status.state == "closed" and second.status.state == "online"
        assert first.account == second.account
    finally:
        second.close()


def test_history_across_logins_and_parquet_export(sim: Simulator, tmp_path: Path) -> None:
    ids = []
    for n in range(2):
        with log_in(sim, tmp_path, resume=False) as session:
            ids.append(sim.phone.send(("friend", ANN), f"login {n}"))
            session.wait_for(lambda m, i=ids[-1]: m.msg_id == i, timeout=10)
            archive = session.archive_path
    assert archive is not None
    with wxnb.open_archive(archive.parent) as history:
        messages = history.messages
        assert set(ids) <= set(messages.msg_id) and messages.msg_id.is_unique
        assert set(messages.set_index("msg_id").loc[ids, "chat_name"]) == {"Annie ✨"}
        # The same person has the same key in both logins.
        assert messages.set_index("msg_id").loc[ids, "chat_key"].nunique() == 1
        written = history.export_parquet(tmp_path / "export")
    exported = pd.read_parquet(written["messages"])
    assert set(ids) <= set(exported.msg_id)
