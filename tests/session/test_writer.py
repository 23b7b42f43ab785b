"""One writer per session: tasks in order, errors to their callers, a death never silent; and the
session's events in one order while the sync thread and senders run at once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.session.conftest import wait_until
from tests.sim.conftest import ANN, TOM
from wxnb.protocol.records import Message
from wxnb.session import Session, SessionClosed, SessionStatus, SyncFailed
from wxnb.session.writer import Writer
from wxnb.sim.simulator import Simulator

# -- the writer alone ------------------------------------------------------------------------------


def test_tasks_run_in_submission_order_on_one_thread() -> None:
    writer = Writer(name="test-writer").start()
    seen: list[tuple[int, str]] = []
    try:

        def task(i: int) -> None:
            seen.append((i, threading.current_thread().name))

        def submit_all(k: int) -> None:
            for j in range(100):
                writer.submit(lambda i=k * 100 + j: task(i))

        senders = [threading.Thread(target=submit_all, args=(k,)) for k in range(3)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        writer.call(lambda: None)
    finally:
        assert writer.stop(5)
    assert {name for _, name in seen} == {"test-writer"}
    for k in range(3):  # each sender's tasks in the order it submitted them
        mine = [i for i, _ in seen if i // 100 == k]
        assert mine == sorted(mine) and len(mine) == 100


def test_a_call_returns_its_result_or_raises_its_error_and_the_writer_goes_on() -> None:
    writer = Writer(name="test-writer").start()
    try:
        assert writer.call(lambda: 6 * 7) == 42

        def broken() -> None:
            raise KeyError("for the caller")

        with pytest.raises(KeyError, match="for the caller"):
            writer.call(broken)
        followed: list[int] = []
        assert writer.call_then(lambda: 1, followed.append) == 1
        assert writer.call(lambda: list(followed)) == [1]  # the follow-up ran before the next task
        inner = writer.call(lambda: writer.call(lambda: "inline"))  # a call from the writer itself
        assert inner == "inline"
    finally:
        writer.stop(5)
    with pytest.raises(SessionClosed):
        writer.submit(lambda: None)


def test_a_failing_task_kills_the_writer_which_says_so_and_fails_every_caller() -> None:
    release = threading.Event()
    deaths: list[BaseException] = []
    writer = Writer(name="test-writer", on_death=deaths.append).start()
    writer.submit(lambda: release.wait(10))  # holds the queue while a caller lines up behind the bug
    writer.submit(lambda: 1 / 0)
    outcome: list[BaseException] = []

    def caller() -> None:
        try:
            writer.call(lambda: "never")
        except SyncFailed as exc:
            outcome.append(exc)

    waiting = threading.Thread(target=caller)
    waiting.start()
    release.set()
    waiting.join(10)
    assert not waiting.is_alive()
    assert [type(e) for e in deaths] == [ZeroDivisionError]
    (failed,) = outcome
    assert isinstance(failed.__cause__, ZeroDivisionError) and "ZeroDivisionError" in str(failed)
    with pytest.raises(SyncFailed):
        writer.submit(lambda: None)
    assert writer.stop(5)


# -- the session's one order -----------------------------------------------------------------------


def test_status_events_arrive_in_version_order_while_sends_and_the_sync_run(
    sim: Simulator, session: Session
) -> None:
    statuses: list[SessionStatus] = []
    threads: set[str] = set()

    def on_status(status: SessionStatus) -> None:
        statuses.append(status)
        threads.add(threading.current_thread().name)

    session.on("status", on_status)
    traffic = sim.run_traffic(rate=None, count=400, mix={"text": 1.0})
    sent: list[Message] = []
    errors: list[BaseException] = []

    def sender(to: str) -> None:
        try:
            for i in range(25):
                sent.append(session.send(to, f"at the same time {i}"))
        except Exception as exc:  # noqa: BLE001 - reported below: a failing sender fails the test
            errors.append(exc)

    senders = [threading.Thread(target=sender, args=(name,)) for name in ("Annie ✨", "Tom & Jerry <3")]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join(60)
    assert errors == [] and len(sent) == 50
    wait_until(lambda: not traffic.is_alive(), timeout=60, what="the traffic")
    wait_until(
        lambda: session.status.messages_received >= traffic.delivered + 50, timeout=30, what="every message"
    )
    wait_until(lambda: statuses and statuses[-1] == session.status, what="the last status event")
    versions = [s.version for s in statuses]
    assert len(versions) >= 50  # one per send at least, many from the sync thread's batches
    assert versions == sorted(versions) and len(set(versions)) == len(versions)  # no reordering
    counts = [s.messages_received for s in statuses]
    assert counts == sorted(counts)  # a later event never shows fewer messages than an earlier one
    assert threads == {"wxnb-writer"}
    assert ANN != TOM


def test_a_listener_sees_a_sends_message_event_before_send_returns(sim: Simulator, session: Session) -> None:
    seen: list[str] = []
    session.on("message", lambda m: seen.append(m.msg_id))
    for i in range(5):
        sent = session.send("Annie ✨", f"seen before the return {i}")
        assert seen.count(sent.msg_id) == 1  # already, once
        assert (session.messages.msg_id == sent.msg_id).sum() == 1


def test_a_send_from_a_message_callback_does_not_deadlock(sim: Simulator, session: Session) -> None:
    replies: list[Message] = []

    def echo(message: Message) -> None:
        if not message.is_self and message.text == "ping":
            replies.append(session.send(message.chat, "pong"))

    session.on("message", echo)
    ping = sim.phone.send(("friend", ANN), "ping")
    session.wait_for(lambda m: m.msg_id == ping, timeout=10)
    wait_until(lambda: replies, what="the reply sent from the callback")
    assert (session.messages.msg_id == replies[0].msg_id).sum() == 1
    assert session.status.state == "online"


def test_a_writer_failure_is_on_the_status_and_raised_to_waiters(
    sim: Simulator, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = session.store
    assert store is not None

    def broken(batch: object) -> None:
        raise RuntimeError("the tables could not take the batch")

    monkeypatch.setattr(store, "publish", broken)  # the writer's publication of the next batch fails
    sim.phone.send(("friend", ANN), "into broken tables")
    with pytest.raises(SyncFailed) as info:
        session.wait_for(lambda m: True, timeout=10)
    assert isinstance(info.value.__cause__, RuntimeError)
    status = session.status
    last_error = status.last_error or ""
    assert status.state == "failed" and "the writer thread failed" in last_error
    assert "the tables could not take the batch" in last_error
    with pytest.raises(SyncFailed):
        session.send("Annie ✨", "after the failure")
    thread = session._thread
    assert thread is not None
    thread.join(5)
    assert not thread.is_alive()  # the sync thread stopped with it


def test_close_from_a_callback_ends_the_session(sim: Simulator, tmp_path: Path, session: Session) -> None:
    closed = threading.Event()

    def close_on_message(message: Message) -> None:
        if message.text == "close now":
            session.close()
            closed.set()

    session.on("message", close_on_message)
    sim.phone.send(("friend", ANN), "close now")
    assert closed.wait(10)
    wait_until(lambda: session.status.state == "closed", what="the closed state")
    with pytest.raises(SessionClosed):
        session.wait_for(lambda m: True, timeout=1)
