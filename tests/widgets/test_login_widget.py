"""LoginWidget without a browser: traits after each call, coalescing, QR hygiene, messages."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator

import ipywidgets
import pytest

from tests.pictures import JPEG_HEAD, png_data_url, wechat_avatar
from tests.widgets.conftest import FakeTime
from wxnb.widgets import LoginWidget, StatusView
from wxnb.widgets.errors import InvalidImageDataUrl, WidgetClosed, WidgetInputError

UUID = "gZ-ab_12Qw=="
LOGIN_URL = f"https://login.weixin.qq.com/l/{UUID}"
SCHEMA = {"phase", "expires_at", "avatar", "message", "hint", "status"}


@pytest.fixture
def widget(fake_time: FakeTime) -> Iterator[LoginWidget]:
    w = LoginWidget(clock=fake_time.clock, schedule=fake_time.schedule)
    yield w
    w.close()


def synced(w: LoginWidget) -> dict[str, object]:
    """What a front end is shown: the synced traits of our schema, and the QR (sent as a message)."""
    state = w.get_state()
    return {**{k: state[k] for k in SCHEMA}, "qr": w.qr}


def test_the_synced_state_is_exactly_the_documented_schema(widget: LoginWidget) -> None:
    ours = (
        set(widget.get_state()) - set(ipywidgets.DOMWidget().get_state()) - {"_esm", "_css", "_anywidget_id"}
    )
    assert ours == SCHEMA
    assert synced(widget) == {
        "phase": "starting",
        "qr": "",
        "expires_at": 0,
        "avatar": "",
        "message": "",
        "hint": "",
        "status": {},
    }


def test_esm_and_css_are_the_built_files(widget: LoginWidget) -> None:
    state = widget.get_state()
    assert "export" in state["_esm"] and ".wxnb-login" in state["_css"]


def test_show_qr_sets_a_svg_data_url_and_expiry_in_ms(widget: LoginWidget) -> None:
    widget.show_qr(LOGIN_URL, expires_at=1_800_000_000.25)
    s = synced(widget)
    assert s["phase"] == "waiting"
    assert isinstance(s["qr"], str) and s["qr"].startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(s["qr"].split(",", 1)[1]).startswith(b"<svg")
    assert s["expires_at"] == 1_800_000_000_250


def test_scanned_normalises_the_avatar_and_drops_the_qr(widget: LoginWidget, fake_time: FakeTime) -> None:
    widget.show_qr(LOGIN_URL, expires_at=time.time() + 240)
    fake_time.advance(1)
    widget.show_scanned(wechat_avatar())
    s = synced(widget)
    assert s["phase"] == "scanned" and s["qr"] == "" and s["expires_at"] == 0
    assert s["avatar"] == "data:image/jpeg;base64," + base64.b64encode(JPEG_HEAD).decode()
    fake_time.advance(1)
    widget.show_phase("confirming")
    assert widget.phase == "confirming" and widget.avatar == s["avatar"]  # still whose login it is
    fake_time.advance(1)
    widget.show_scanned(None)
    assert widget.avatar == ""


@pytest.mark.parametrize("bad", ["https://wx.qq.com/a.jpg", "data:text/html;base64,PGI+", "data:img/jpg,xx"])
def test_bad_avatars_are_refused_and_change_nothing(widget: LoginWidget, bad: str) -> None:
    widget.show_phase("starting")
    with pytest.raises(InvalidImageDataUrl):
        widget.show_scanned(bad)
    with pytest.raises(InvalidImageDataUrl):
        widget.show_status(StatusView(avatar=bad))
    widget.flush()
    assert widget.phase == "starting" and widget.avatar == ""


def test_blocked_and_failed_carry_message_and_hint(widget: LoginWidget, fake_time: FakeTime) -> None:
    widget.show_qr(LOGIN_URL, expires_at=time.time() + 240)
    fake_time.advance(1)
    widget.show_blocked("为了你的帐号安全，此微信号不能登录网页微信。")
    s = synced(widget)
    assert s["phase"] == "blocked" and s["qr"] == ""
    assert s["message"] == "为了你的帐号安全，此微信号不能登录网页微信。"
    assert "WeChat for Windows or macOS" in str(s["hint"])
    fake_time.advance(1)
    widget.show_failed("<b>timed out</b>", hint="try again")
    s = synced(widget)
    assert (s["phase"], s["message"], s["hint"]) == ("failed", "<b>timed out</b>", "try again")
    fake_time.advance(1)
    widget.show_phase("starting")
    assert (widget.message, widget.hint) == ("", "")  # no stale error under a new attempt


def test_expired_removes_the_old_code(widget: LoginWidget, fake_time: FakeTime) -> None:
    widget.show_qr(LOGIN_URL, expires_at=time.time() + 240)
    fake_time.advance(1)
    widget.show_phase("expired")
    assert (widget.phase, widget.qr, widget.expires_at) == ("expired", "", 0)


def test_show_phase_refuses_phases_that_need_data(widget: LoginWidget) -> None:
    for phase in ("waiting", "scanned", "ready", "blocked", "failed", "nonsense"):
        with pytest.raises(WidgetInputError, match="show_phase"):
            widget.show_phase(phase)  # type: ignore[arg-type]


def test_bad_inputs_get_typed_errors(widget: LoginWidget) -> None:
    with pytest.raises(WidgetInputError, match="expires_at"):
        widget.show_qr(LOGIN_URL, expires_at=float("nan"))
    with pytest.raises(WidgetInputError, match="non-empty"):
        widget.show_qr("", expires_at=time.time())
    with pytest.raises(WidgetInputError, match="contacts"):
        widget.show_status(StatusView(contacts=-1))
    with pytest.raises(WidgetInputError, match="state"):
        widget.show_status(StatusView(state="asleep"))  # type: ignore[arg-type]
    with pytest.raises(WidgetInputError, match="StatusView"):
        widget.show_status({"nickname": "x"})  # type: ignore[arg-type]
    with pytest.raises(WidgetInputError, match="message"):
        widget.show_failed(RuntimeError("x"))  # type: ignore[arg-type]


def test_status_after_login_and_the_qr_is_gone_from_saved_state(
    widget: LoginWidget, fake_time: FakeTime
) -> None:
    widget.show_qr(LOGIN_URL, expires_at=time.time() + 240)
    fake_time.advance(1)
    widget.show_scanned(wechat_avatar())
    fake_time.advance(1)
    widget.show_status(
        StatusView(
            nickname="Ann <3",
            avatar=png_data_url(8),
            contacts=120,
            rooms=8,
            messages=42,
            last_sync=1_800_000_000.5,
            reconnects=1,
        )
    )
    s = synced(widget)
    assert s["phase"] == "ready" and s["qr"] == "" and s["expires_at"] == 0
    assert s["status"] == {
        "nickname": "Ann <3",
        "avatar": png_data_url(8),
        "contacts": 120,
        "rooms": 8,
        "messages": 42,
        "last_sync_ms": 1_800_000_000_500,
        "state": "online",
        "reason": "",
        "reconnects": 1,
    }
    # What a saved notebook would embed: no QR, so no usable login code.
    embedded = json.dumps(ipywidgets.Widget.get_manager_state(widgets=[widget]))
    assert "image/svg+xml" not in embedded and UUID not in embedded


def test_reconnecting_and_logged_out_keep_the_reason(widget: LoginWidget, fake_time: FakeTime) -> None:
    widget.show_status(
        StatusView(nickname="Ann", state="reconnecting", reason="connection reset", reconnects=2)
    )
    assert widget.status["state"] == "reconnecting" and widget.status["reason"] == "connection reset"
    fake_time.advance(1)
    widget.show_status(StatusView(nickname="Ann", state="logged_out", reason="logged in elsewhere (1102)"))
    assert widget.status["state"] == "logged_out"


def test_a_burst_is_coalesced_and_the_latest_state_wins(widget: LoginWidget, fake_time: FakeTime) -> None:
    changes: list[str] = []
    widget.observe(lambda change: changes.append(change["name"]), names=["status"])
    for n in range(50):
        widget.show_status(StatusView(nickname="Ann", messages=n, last_sync=1_800_000_000 + n))
    assert widget.status["messages"] == 0  # the first was applied at once, the rest wait
    fake_time.advance(0.1)
    assert widget.status["messages"] == 49
    assert changes == ["status", "status"]


def test_a_repeated_state_sends_nothing_and_takes_no_slot(widget: LoginWidget, fake_time: FakeTime) -> None:
    sent: list[dict[str, object]] = []
    widget._send = lambda msg, buffers=None: sent.append(msg)  # the comm boundary, not the logic
    view = StatusView(nickname="Ann", contacts=3, last_sync=1_800_000_000)
    widget.show_status(view)
    fake_time.advance(0.05)
    for _ in range(5):  # status events that change nothing shown
        widget.show_status(view)
    assert len(sent) == 1 and fake_time.booked == []
    fake_time.advance(0.06)
    widget.show_status(StatusView(nickname="Ann", contacts=4, last_sync=1_800_000_000))
    assert len(sent) == 2 and widget.status["contacts"] == 4  # at once: the repeats took no slot


def test_one_coalesced_apply_is_one_state_message_and_the_qr_goes_first_as_a_message(
    widget: LoginWidget, fake_time: FakeTime
) -> None:
    sent: list[dict[str, object]] = []
    widget._send = lambda msg, buffers=None: sent.append(msg)  # the comm boundary, not the logic
    widget.show_qr(LOGIN_URL, expires_at=time.time() + 240)
    assert [m["method"] for m in sent] == ["custom", "update"]
    qr = sent[0]["content"]
    assert isinstance(qr, dict) and qr["type"] == "qr" and str(qr["qr"]).startswith("data:image/svg+xml")
    assert set(sent[1]["state"]) >= {"phase", "expires_at"}  # type: ignore[arg-type]
    assert "qr" not in sent[1]["state"]  # type: ignore[operator]


def test_a_view_drawn_later_asks_and_gets_the_current_qr(widget: LoginWidget) -> None:
    widget.show_qr(LOGIN_URL, expires_at=time.time() + 240)
    sent: list[object] = []
    widget.send = lambda content, buffers=None: sent.append(content)
    widget._handle_custom_msg({"type": "clock", "t0": 1}, [])
    kinds = [m["type"] for m in sent if isinstance(m, dict)]
    assert kinds == ["clock", "qr"] and sent[1]["qr"] == widget.qr  # type: ignore[index]
    assert "image/svg" not in json.dumps(ipywidgets.Widget.get_manager_state(widgets=[widget]))


def test_the_heartbeat_tells_views_the_kernel_is_alive_with_its_clock(widget: LoginWidget) -> None:
    from wxnb.widgets.heartbeat import Heartbeat

    sent: list[dict[str, object]] = []
    widget.send = lambda content, buffers=None: sent.append(content)
    heart = Heartbeat(every=0.01)
    try:
        before = round(time.time() * 1000)
        heart.add(widget)
        deadline = time.monotonic() + 10
        while not sent and time.monotonic() < deadline:
            threading.Event().wait(0.01)  # poll with a deadline: the beat comes from its own thread
        assert sent, "no heartbeat within 10 s"
        beat = sent[0]
        assert beat["type"] == "alive" and int(beat["now"]) >= before  # type: ignore[call-overload]
        heart.discard(widget)
        sent.clear()
        heart.beat_once()
        assert sent == []  # a closed widget's views hear nothing more
    finally:
        heart.stop()


def test_new_code_button_calls_the_registered_callbacks(widget: LoginWidget) -> None:
    clicked = threading.Event()
    calls: list[str] = []
    unregister = widget.on_new_code(clicked.set)
    widget.on_new_code(lambda: calls.append("second"))
    widget._handle_custom_msg({"type": "new_code"}, [])
    assert clicked.is_set() and calls == ["second"]
    unregister()
    clicked.clear()
    widget._handle_custom_msg({"type": "new_code"}, [])
    assert not clicked.is_set() and calls == ["second", "second"]
    with pytest.raises(WidgetInputError, match="callable"):
        widget.on_new_code("not callable")  # type: ignore[arg-type]


def test_clock_request_is_answered_with_the_kernels_time(widget: LoginWidget) -> None:
    sent: list[object] = []
    widget.send = lambda content, buffers=None: sent.append(content)
    before = round(time.time() * 1000)
    widget._handle_custom_msg({"type": "clock", "t0": 12345}, [])
    after = round(time.time() * 1000)
    assert len(sent) == 1
    reply = sent[0]
    assert isinstance(reply, dict) and reply["type"] == "clock" and reply["t0"] == 12345
    assert before <= reply["now"] <= after


def test_unknown_messages_are_logged_not_raised(
    widget: LoginWidget, caplog: pytest.LogCaptureFixture
) -> None:
    widget._handle_custom_msg({"type": "hack"}, [])
    widget._handle_custom_msg(["not", "a", "dict"], [])
    assert "unknown type 'hack'" in caplog.text and "not an object" in caplog.text


def test_close_flushes_pending_and_refuses_later_updates(widget: LoginWidget, fake_time: FakeTime) -> None:
    widget.show_phase("starting")
    widget.show_failed("boom")
    widget.close()
    assert widget.phase == "failed"
    with pytest.raises(WidgetClosed):
        widget.show_phase("starting")


def test_updates_from_a_thread_arrive_with_the_real_timer() -> None:
    w = LoginWidget(min_interval=0.05)
    arrived = threading.Event()
    w.observe(lambda change: arrived.set() if change["new"] == "confirming" else None, names=["phase"])
    worker = threading.Thread(target=lambda: [w.show_phase("starting"), w.show_phase("confirming")])
    worker.start()
    worker.join(timeout=10)
    assert arrived.wait(timeout=10), "deadline 'deferred update' (10 s) passed"
    w.close()


def test_the_plain_text_fallback_says_what_the_widget_shows(widget: LoginWidget, fake_time: FakeTime) -> None:
    assert repr(widget) == "wxnb login: getting a login code…"
    widget.show_qr(LOGIN_URL, expires_at=time.time() + 240)
    assert repr(widget) == "wxnb login: scan the QR code with WeChat on your phone"
    fake_time.advance(1)
    since = time.mktime((2026, 12, 6, 18, 42, 5, 0, 0, -1))  # 18:42 in the kernel's local time
    widget.show_status(StatusView(nickname="阿杰", contacts=800, rooms=63, mps=30, messages=1, since=since))
    expected = "wxnb login: 阿杰, online since 18:42 · 800 friends · 63 rooms · 30 official accounts"
    assert repr(widget) == expected
    fake_time.advance(1)
    out = StatusView(nickname="阿杰", contacts=1, rooms=1, mps=0, state="logged_out", reason="1102")
    widget.show_status(out)
    assert repr(widget) == "wxnb login: 阿杰, logged out: 1102 · 1 friend · 1 room"
    fake_time.advance(1)
    widget.show_failed("The login server did not answer.")
    assert repr(widget) == "wxnb login: the login failed: The login server did not answer."
