"""What a view (the notebook's widget, a terminal, a chat) gets from a session, through public API only:
login steps with replay, cheap contact counts, the account's picture, why it stopped, owned resources."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from tests.session.conftest import log_in, make_session, new_qr, wait_until
from tests.sim.conftest import make_spec
from wxnb.protocol.errors import LoginBlocked
from wxnb.session import LoginEvent, NotReady, Session
from wxnb.sim.simulator import Simulator


def test_login_steps_are_replayed_then_live_none_missed_none_twice(sim: Simulator, tmp_path: Path) -> None:
    session = make_session(sim, tmp_path)
    live: list[str] = []
    session.on("login", lambda e: live.append(e.phase))  # no replay: from now on
    recorders: list[list[LoginEvent]] = []
    session.start()
    try:
        first = new_qr(sim, set())
        stop = threading.Event()

        def subscribe_while_it_runs() -> None:  # races the login thread's steps
            while not stop.is_set() and len(recorders) < 300:
                seen: list[LoginEvent] = []
                session.on("login", seen.append, replay=True)
                recorders.append(seen)

        subscriber = threading.Thread(target=subscribe_while_it_runs)
        subscriber.start()
        sim.phone.expire(first)  # more steps while the subscriber runs: expired, starting, waiting
        second = new_qr(sim, {first})
        sim.phone.scan(second)
        sim.phone.confirm(second)
        session.wait_ready(10)
        stop.set()
        subscriber.join(10)
        late: list[LoginEvent] = []
        session.on("login", late.append, replay=True)  # after the login: the whole story
    finally:
        session.close()
    steps = list(session.login_events)
    assert [e.phase for e in steps][-1] == "ready" and "expired" in live
    assert live == [e.phase for e in steps]
    assert late == steps
    assert recorders and all(seen == steps for seen in recorders)


def test_replay_is_for_login_steps_and_bad_callbacks_are_refused(tmp_path: Path) -> None:
    session = Session("http://127.0.0.1:9", data_dir=tmp_path)
    with pytest.raises(ValueError, match="'login' events only"):
        session.on("status", print, replay=True)
    with pytest.raises(TypeError):
        session.on("login", "print", replay=True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown event"):
        session.on("logins", print)  # type: ignore[arg-type]


def test_a_failing_login_callback_is_counted_and_the_login_goes_on(
    sim: Simulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: LoginEvent) -> None:
        raise RuntimeError("a broken view")

    session = make_session(sim, tmp_path)
    session.on("login", broken)
    session.start()
    try:
        with caplog.at_level(logging.ERROR, logger="wxnb.session"):
            sim.phone.confirm(new_qr(sim, set()))
            session.wait_ready(10)
            session.on("login", broken, replay=True)  # a replayed step that fails: counted too
        steps = len(session.login_events)
        assert session.status.callback_errors == 2 * steps
        assert "a broken view" in caplog.text
    finally:
        session.close()


def test_contact_counts_match_the_tables_without_building_them(sim: Simulator, tmp_path: Path) -> None:
    session = make_session(sim, tmp_path)
    assert session.contact_counts() == (0, 0)  # before login
    with log_in(sim, tmp_path) as session:
        contacts, rooms = session.contact_counts()
        assert (contacts, rooms) == (len(session.contacts) - len(session.rooms), len(session.rooms))
        assert (contacts, rooms) == (6, 3)


def test_head_image_is_the_accounts_own_picture(sim: Simulator, tmp_path: Path) -> None:
    session = make_session(sim, tmp_path)
    with pytest.raises(NotReady):
        session.head_image()
    with log_in(sim, tmp_path) as session:
        picture = session.head_image()
    assert picture[:3] == b"\xff\xd8\xff"  # a JPEG


def test_head_image_of_a_room_member_who_is_no_contact(sim: Simulator, tmp_path: Path) -> None:
    with log_in(sim, tmp_path) as session:
        members = session.members
        assert session.me is not None
        known = {*session.contacts.user_name.dropna(), session.me.user_name}
        stranger = members[~members.user_name.isin(known) & members.user_name.notna()].iloc[0]
        picture = session.head_image(str(stranger["user_name"]), room=str(stranger["room_user_name"]))
        assert picture[:3] == b"\xff\xd8\xff" and picture != session.head_image()
        with pytest.raises(ValueError, match="UserName"):
            session.head_image("wxid_not_a_user_name")


def test_failure_says_why_the_session_stopped(tmp_path: Path) -> None:
    with Simulator(make_spec(web_blocked=True), hold=0.3) as sim:
        session = make_session(sim, tmp_path / "blocked", desktop=False).start()
        try:
            assert session.failure is None  # running
            sim.phone.confirm(new_qr(sim, set()))
            with pytest.raises(LoginBlocked):
                session.wait_ready(10)
            wait_until(lambda: session.status.state == "failed", what="the failed state")
            assert isinstance(session.failure, LoginBlocked)
            assert session.status.last_error is not None and "1203" in session.status.last_error
        finally:
            session.close()
    with Simulator(make_spec(), hold=0.3) as sim:
        with log_in(sim, tmp_path / "fine") as session:
            pass
        assert session.failure is None  # a clean close is no failure


def test_close_with_closes_what_the_session_owns_last_added_first(
    sim: Simulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    closed: list[str] = []

    class Resource:
        def __init__(self, name: str, fails: bool = False) -> None:
            self.name, self.fails = name, fails

        def close(self) -> None:
            closed.append(self.name)
            if self.fails:
                raise OSError("cannot close")

    session = log_in(sim, tmp_path)
    session.close_with(Resource("first"))
    session.close_with(Resource("second", fails=True))
    with caplog.at_level(logging.ERROR, logger="wxnb.session"):
        session.close()
        session.close()  # idempotent: nothing closes twice
    assert closed == ["second", "first"]
    assert "cannot close" in caplog.text
