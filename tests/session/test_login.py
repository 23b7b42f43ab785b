"""The login state machine against the simulator: QR, scan, cancel, expiry, new codes, blocked, close."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

import wxnb
from tests.session.conftest import log_in, make_session, wait_until
from tests.sim.conftest import make_spec
from wxnb.protocol.errors import LoginBlocked, LoginExpired
from wxnb.session import SessionClosed
from wxnb.sim.simulator import Simulator


def _newest(sim: Simulator, other_than: str = "") -> str:
    return wait_until(
        lambda: next((p.uuid for p in reversed(sim.phone.pending_logins()) if p.uuid != other_than), None),
        what="a new QR code",
    )


def test_a_qr_login_goes_through_every_phase_with_timestamps(sim: Simulator, tmp_path: Path) -> None:
    session = make_session(sim, tmp_path).start()
    try:
        uuid = _newest(sim)
        sim.phone.scan(uuid)
        wait_until(lambda: any(e.phase == "scanned" for e in session.login_events), what="scanned")
        sim.phone.confirm(uuid)
        session.wait_ready(10)
        events = session.login_events
        phases = [e.phase for e in events]
        assert phases == [
            "starting",
            "waiting",
            "scanned",
            "confirmed",
            "initialising",
            "initialising",
            "ready",
        ]
        waiting = events[1]
        assert waiting.qr_text == f"https://login.weixin.qq.com/l/{uuid}" and waiting.code == 1
        assert waiting.expires_at is not None
        assert events[2].avatar.startswith("data:img/jpg;base64,")
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert session.status.state == "online" and session.status.nickname == "Me 🐼"
        assert session.me is not None and session.me.user_name.startswith("@")
        assert "QR login" in events[-1].detail
    finally:
        session.close()


def test_cancel_on_the_phone_shows_the_same_code_again(sim: Simulator, tmp_path: Path) -> None:
    session = make_session(sim, tmp_path).start()
    try:
        uuid = _newest(sim)
        sim.phone.scan(uuid)
        sim.phone.cancel(uuid)
        wait_until(lambda: any(e.phase == "cancelled" for e in session.login_events), what="cancelled")
        sim.phone.confirm(uuid)  # the old QR code still works
        session.wait_ready(10)
        phases = [e.phase for e in session.login_events]
        assert phases[phases.index("cancelled") + 1] == "waiting"
        qr_texts = {e.qr_text for e in session.login_events if e.phase == "waiting"}
        assert qr_texts == {f"https://login.weixin.qq.com/l/{uuid}"}
    finally:
        session.close()


def test_an_expired_code_is_replaced_a_bounded_number_of_times(sim: Simulator, tmp_path: Path) -> None:
    session = make_session(sim, tmp_path, max_refreshes=1).start()
    try:
        first = _newest(sim)
        sim.phone.expire(first)
        second = _newest(sim, other_than=first)
        sim.phone.expire(second)
        with pytest.raises(LoginExpired, match="expired 2 times"):
            session.wait_ready(10)
        phases = [e.phase for e in session.login_events]
        assert phases == ["starting", "waiting", "expired", "starting", "waiting", "failed"]
        assert session.status.state == "failed" and "expired" in (session.status.last_error or "")
        with pytest.raises(LoginExpired):
            session.wait_for(lambda m: True, timeout=1)
    finally:
        session.close()


def test_an_interactive_login_waits_for_new_code_after_the_last_expiry(
    sim: Simulator, tmp_path: Path
) -> None:
    session = make_session(sim, tmp_path, max_refreshes=0, interactive=True).start()
    try:
        first = _newest(sim)
        sim.phone.expire(first)
        wait_until(lambda: [e.phase for e in session.login_events][-1:] == ["expired"], what="parked")
        assert session.status.state == "logging_in"
        session.request_new_code()
        second = _newest(sim, other_than=first)
        sim.phone.confirm(second)
        session.wait_ready(10)
        assert [e.code for e in session.login_events if e.phase == "waiting"] == [1, 2]
    finally:
        session.close()


def test_new_code_while_waiting_interrupts_the_held_poll(sim: Simulator, tmp_path: Path) -> None:
    sim.hold = 60.0  # the held poll could not end on its own within the test
    session = make_session(sim, tmp_path).start()
    try:
        first = _newest(sim)
        wait_until(lambda: len(sim.protocol.waiters) == 1, what="the login poll to be held")
        session.request_new_code()
        second = _newest(sim, other_than=first)
        sim.phone.confirm(second)
        session.wait_ready(10)
        waiting = [e.qr_text for e in session.login_events if e.phase == "waiting"]
        assert [w.rsplit("/", 1)[1] for w in waiting] == [first, second]
    finally:
        session.close()


def test_a_blocked_account_gets_the_servers_reason(tmp_path: Path) -> None:
    with Simulator(make_spec(web_blocked=True), hold=0.3) as sim:
        session = make_session(sim, tmp_path, desktop=False).start()
        try:
            sim.phone.confirm(_newest(sim))
            with pytest.raises(LoginBlocked) as info:
                session.wait_ready(10)
            assert "此微信号不能登录网页微信" in info.value.server_message
            blocked = session.login_events[-1]
            assert blocked.phase == "blocked" and "此微信号" in blocked.detail
            assert session.status.state == "failed"
        finally:
            session.close()
        # The desktop mode (the default) is let in.
        with log_in(sim, tmp_path / "desktop") as desktop:
            assert desktop.status.state == "online"


def test_close_during_a_held_login_poll_stops_the_thread(sim: Simulator, tmp_path: Path) -> None:
    sim.hold = 60.0
    session = make_session(sim, tmp_path).start()
    _newest(sim)
    wait_until(lambda: len(sim.protocol.waiters) == 1, what="the login poll to be held")
    thread = session._thread
    assert thread is not None
    session.close(timeout=1.0)
    assert not thread.is_alive()
    assert session.status.state == "closed"
    with pytest.raises(SessionClosed):
        session.wait_ready(1)


def test_login_in_a_terminal_prints_the_qr_as_text_and_blocks_until_ready(
    sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim.phone.auto_confirm(0.05)
    session = wxnb.login(sim.base_url, data_dir=tmp_path, resume=False, show="terminal", timeout=10)
    try:
        assert session.status.state == "online"
        out = capsys.readouterr().out
        assert "Scan this QR code with WeChat" in out and "▄" in out and "Logged in. Me 🐼" in out
    finally:
        session.close()


def test_login_events_reach_a_listener_and_a_broken_one_does_not_stop_the_login(
    sim: Simulator, tmp_path: Path
) -> None:
    seen: list[str] = []

    def broken(event: object) -> None:
        raise RuntimeError("a broken view")

    session = make_session(sim, tmp_path, on_login_event=lambda e: seen.append(e.phase))
    session._login_listeners.insert(0, broken)
    session.start()
    try:
        sim.phone.confirm(_newest(sim))
        session.wait_ready(10)
        assert seen[-1] == "ready"
    finally:
        session.close()


def test_wait_ready_times_out_without_stopping_the_login(sim: Simulator, tmp_path: Path) -> None:
    session = make_session(sim, tmp_path).start()
    try:
        with pytest.raises(TimeoutError, match="login_events"):
            session.wait_ready(0.05)
        sim.phone.confirm(_newest(sim))
        assert session.wait_ready(10) is session
    finally:
        session.close()


def test_a_terminal_view_writes_each_phase(tmp_path: Path) -> None:
    from wxnb.session.terminal import TerminalLoginView

    out = io.StringIO()
    view = TerminalLoginView(out)
    with Simulator(make_spec(), hold=0.3) as sim:
        sim.phone.auto_confirm(0.05)
        session = make_session(sim, tmp_path, on_login_event=view).start()
        try:
            session.wait_ready(10)
        finally:
            session.close()
    text = out.getvalue()
    assert text.index("Scan this QR code") < text.index("Confirmed.") < text.index("Logged in.")
    assert threading.active_count() >= 1
