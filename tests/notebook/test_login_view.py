"""The login widget wired to a session: every login step, the status line, New code, threads, secrets.

Each test logs in to a real simulator over HTTP with ``wxnb.login(show="widget")`` (outside a kernel
``display()`` prints the widget's repr), which returns a ``NotebookSession``, and reads its widget's
traits, or the messages it sent to the front end (``LoginWidget._send`` is recorded: what a browser
would have received).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import unquote

import pytest

import wxnb
from tests.frontend import ensure_bundle
from tests.session.conftest import FAST_RETRY, FAST_SYNC, log_in
from tests.session.conftest import wait_until as _wait_until
from tests.sim.conftest import ANN, make_spec
from wxnb.notebook import (
    DESKTOP_HINT,
    ENDED_HINT,
    NEW_CODE_HINT,
    NotebookLoginView,
    NotebookSession,
    NotMainThread,
)
from wxnb.notebook import notebook_session as notebook_module
from wxnb.protocol.errors import LoginBlocked, LoginExpired, TransportError
from wxnb.session.login import STEP_ATTEMPTS
from wxnb.sim.simulator import Simulator

ensure_bundle()

from wxnb.widgets import LoginWidget  # noqa: E402  (needs the bundle built above)

T = TypeVar("T")

NOT_SECRET_COOKIES = {"mm_lang", "wxloadtime"}
#: Generous deadlines: these tests also run beside a JupyterLab and a browser on 2 shared cores.
DEADLINE = 30.0


def wait_until(probe: Callable[[], T], what: str = "a condition") -> T:
    return _wait_until(probe, timeout=DEADLINE, what=what)


def new_qr(sim: Simulator, known: set[str]) -> str:
    """The uuid of a QR code the session asked for that is not in ``known``."""
    return wait_until(
        lambda: next((p.uuid for p in reversed(sim.phone.pending_logins()) if p.uuid not in known), None),
        what="a new QR code",
    )


def notebook_log_in(sim: Simulator, data_dir: Any) -> NotebookSession:
    """What ``wxnb.login(show="none")`` gives in a kernel: a NotebookSession, logged in, no widget yet."""
    known = {p.uuid for p in sim.phone.pending_logins()}
    session = NotebookSession(sim.base_url, data_dir=data_dir, retry=FAST_RETRY, sync=FAST_SYNC)
    session.start()
    try:
        sim.phone.confirm(new_qr(sim, known))
        session.wait_ready(DEADLINE)
    except BaseException:
        session.close()
        raise
    return session


@dataclass
class Sent:
    """Every message the login widgets sent to the front end, in order, with when and from where."""

    messages: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)

    def states(self) -> list[dict[str, Any]]:
        return [m["state"] for _, _, m in self.messages if m.get("method") == "update"]

    def text(self) -> str:
        return json.dumps([m for _, _, m in self.messages], ensure_ascii=False)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Sent:
    record = Sent()
    original = LoginWidget._send

    def send(self: LoginWidget, msg: dict[str, Any], buffers: Any = None) -> None:
        record.messages.append((time.monotonic(), threading.current_thread().name, msg))
        original(self, msg, buffers)

    monkeypatch.setattr(LoginWidget, "_send", send)
    return record


@pytest.fixture
def quiet_display(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    yield
    capsys.readouterr()  # display() outside a kernel prints the widget's repr


def widget_login(sim: Simulator, data_dir: object, **options: Any) -> tuple[NotebookSession, LoginWidget]:
    options.setdefault("retry", FAST_RETRY)
    options.setdefault("sync", FAST_SYNC)
    options.setdefault("resume", False)
    session = wxnb.login(sim.base_url, data_dir=data_dir, show="widget", **options)  # type: ignore[arg-type]
    assert isinstance(session, NotebookSession) and session._view is not None
    return session, session.widget


def test_every_login_step_then_the_live_status_line(
    sim: Simulator, tmp_path: Any, sent: Sent, quiet_display: None
) -> None:
    session, widget = widget_login(sim, tmp_path)
    try:
        first = new_qr(sim, set())
        wait_until(lambda: widget.phase == "waiting" and widget.qr.startswith("data:image/svg+xml"))
        first_qr = widget.qr
        assert widget.expires_at > time.time() * 1000

        # An expired code is replaced by itself.
        sim.phone.expire(first)
        second = new_qr(sim, {first})
        wait_until(lambda: widget.phase == "waiting" and widget.qr not in ("", first_qr), what="a new QR")
        assert "expired" in [e.phase for e in session.login_events]

        sim.phone.scan(second)
        wait_until(lambda: widget.phase == "scanned", what="scanned")
        assert widget.avatar.startswith("data:image/jpeg;base64,") and widget.qr == ""
        sim.phone.confirm(second)
        session.wait_ready(DEADLINE)
        wait_until(lambda: widget.phase == "ready" and widget.status.get("state") == "online")
        status = widget.status
        # Counted as people read them: friends, rooms and official accounts apart.
        assert (status["nickname"], status["contacts"], status["rooms"], status["mps"]) == ("Me 🐼", 4, 3, 1)
        assert (status["contacts"], status["rooms"], status["mps"]) == (
            len(session.friends),
            len(session.rooms),
            len(session.mps),
        )
        assert widget.qr == "" and widget.expires_at == 0
        assert widget.avatar.startswith("data:image/jpeg")  # the scanned avatar, kept for the status line

        # Messages are counted; the last sync time moves.
        sim.phone.send(("friend", ANN), "hello")
        wait_until(lambda: widget.status.get("messages", 0) >= 1, what="a message counted")
        assert widget.status["last_sync_ms"] is not None

        # A failing synccheck shows "reconnecting" with the reason, then online again.
        rule = sim.faults.add("http_500", endpoint="synccheck")
        wait_until(lambda: widget.status.get("state") == "reconnecting", what="reconnecting on the widget")
        assert "500" in widget.status["reason"] and widget.status["reconnects"] >= 1
        sim.faults.remove(rule.id)
        wait_until(lambda: widget.status.get("state") == "online", what="online again")

        # The phone logs the web session out: the line says so, with the reason.
        sim.phone.logout()
        wait_until(lambda: widget.status.get("state") == "logged_out", what="logged out on the widget")
        assert "1100" in widget.status["reason"]
    finally:
        session.close()
    # Every update went out as one message per coalesced apply (hold_sync), none empty.
    states = sent.states()
    assert states and all(states)
    ready = next(s for s in states if s.get("phase") == "ready")
    assert {"phase", "status"} <= set(ready)  # several traits, one message


def test_close_shows_a_closed_session(sim: Simulator, tmp_path: Any, quiet_display: None) -> None:
    session, widget = widget_login(sim, tmp_path)
    sim.phone.confirm(new_qr(sim, set()))
    session.wait_ready(DEADLINE)
    session.close()
    wait_until(lambda: widget.status.get("state") == "closed", what="closed on the widget")
    assert widget.status["reason"] == "closed with session.close()"  # says why
    assert repr(widget) == (
        "wxnb login: Me 🐼, closed: closed with session.close() · 4 friends · 3 rooms · 1 official account"
    )


def test_a_new_login_of_the_same_account_says_it_replaced_the_old_one(
    sim: Simulator, tmp_path: Any, quiet_display: None
) -> None:
    first, old_widget = widget_login(sim, tmp_path)
    known: set[str] = set()
    try:
        uuid = new_qr(sim, known)
        known.add(uuid)
        sim.phone.confirm(uuid)
        first.wait_ready(DEADLINE)
        second, _ = widget_login(sim, tmp_path)
        try:
            sim.phone.confirm(new_qr(sim, known))
            second.wait_ready(DEADLINE)
            wait_until(lambda: old_widget.status.get("state") == "closed", what="the old session closed")
            assert old_widget.status["reason"] == "replaced by a newer login (wxnb.login() ran again)"
        finally:
            second.close()
    finally:
        first.close()


def test_a_refused_account_gets_the_servers_sentence_and_what_to_do(
    tmp_path: Any, quiet_display: None
) -> None:
    with Simulator(make_spec(web_blocked=True), hold=0.3) as sim:
        session, widget = widget_login(sim, tmp_path, desktop=False)
        try:
            sim.phone.confirm(new_qr(sim, set()))
            with pytest.raises(LoginBlocked):
                session.wait_ready(DEADLINE)
            wait_until(lambda: widget.phase == "blocked", what="blocked on the widget")
            assert "此微信号不能登录网页微信" in widget.message
            assert widget.hint == DESKTOP_HINT and "desktop=True" in widget.hint
            assert widget.qr == "" and widget.avatar == ""
            widget.flush()
            assert widget.phase == "blocked"  # the session's failure does not paint over the refusal
        finally:
            session.close()


def test_a_network_failure_offers_new_code_which_starts_the_login_over(
    sim: Simulator, tmp_path: Any, quiet_display: None
) -> None:
    sim.faults.add("reset", endpoint="jslogin", times=FAST_RETRY.attempts)
    session, widget = widget_login(sim, tmp_path)
    try:
        wait_until(lambda: widget.phase == "failed", what="failed on the widget")
        assert widget.message.startswith("Network failure") and widget.hint == NEW_CODE_HINT
        with pytest.raises(TransportError):  # at once: a cell blocked here would deafen the button
            session.wait_ready(DEADLINE)
        for callback in widget._new_code_callbacks:  # what a click on "New code" runs
            callback()
        uuid = new_qr(sim, set())
        wait_until(lambda: widget.phase == "waiting", what="a QR after New code")
        sim.phone.confirm(uuid)
        session.wait_ready(DEADLINE)
    finally:
        session.close()


def test_a_failure_after_confirming_starts_over_with_a_new_code(
    sim: Simulator, tmp_path: Any, quiet_display: None
) -> None:
    # Every try of the transport, for every try of the login step (a single bad reply is retried).
    sim.faults.add("http_500", endpoint="webwxinit", times=FAST_RETRY.attempts * STEP_ATTEMPTS)
    session, widget = widget_login(sim, tmp_path)
    try:
        first = new_qr(sim, set())
        sim.phone.confirm(first)
        wait_until(lambda: widget.phase == "failed", what="failed on the widget")
        assert "500" in widget.message and widget.hint == NEW_CODE_HINT
        for callback in widget._new_code_callbacks:
            callback()
        second = new_qr(sim, {first})
        sim.phone.confirm(second)
        session.wait_ready(DEADLINE)
        wait_until(lambda: widget.phase == "ready", what="ready after the second code")
    finally:
        session.close()


def test_after_the_last_expiry_the_widget_asks_for_a_click(
    sim: Simulator, tmp_path: Any, quiet_display: None
) -> None:
    session, widget = widget_login(sim, tmp_path, max_refreshes=0)
    try:
        first = new_qr(sim, set())
        sim.phone.expire(first)
        wait_until(lambda: widget.phase == "failed", what="the parked login on the widget")
        assert "expired" in widget.message and "New code" in widget.hint
        with pytest.raises(LoginExpired):
            session.wait_ready(DEADLINE)
        for callback in widget._new_code_callbacks:
            callback()
        new_qr(sim, {first})
        wait_until(lambda: widget.phase == "waiting", what="a QR after New code")
    finally:
        session.close()


def test_new_code_clicks_fold_into_one_code(sim: Simulator, tmp_path: Any, quiet_display: None) -> None:
    sim.hold = 60.0  # the login poll is held until a click interrupts it
    session, widget = widget_login(sim, tmp_path)
    try:
        first = new_qr(sim, set())
        wait_until(lambda: len(sim.protocol.waiters) == 1, what="the login poll to be held")
        sim.faults.once("delay", endpoint="jslogin", seconds=2.0)  # the next code takes a while
        session.request_new_code()

        def fetching() -> bool:
            return sum(1 for e in session.login_events if e.phase == "starting") == 2

        wait_until(fetching, what="the second code being fetched")
        for _ in range(20):  # an impatient person, while the code is on its way
            session.request_new_code()
        second = new_qr(sim, {first})
        # The click cut the first code's poll on the client's side only: the simulator, like a server,
        # holds a poll whose client went away until it has an answer (here: for the whole test). So
        # "one poll held" is ambiguous (the stale one alone, before the second code's poll starts);
        # counting both, then letting the first code lapse, leaves exactly the second code's poll.
        wait_until(
            lambda: len(sim.protocol.waiters) == 2, what="the second code's poll held beside the stale one"
        )
        sim.phone.expire(first)  # its held poll answers (to nobody) and is gone
        wait_until(
            lambda: len(sim.protocol.waiters) == 1 and widget.phase == "waiting",
            what="only the second code's poll held",
        )
        assert [p.uuid for p in sim.phone.pending_logins()][-1] == second
        assert fetching()  # no third code
    finally:
        session.close()


def test_a_session_that_ends_before_login_says_so_and_what_to_do(
    sim: Simulator, tmp_path: Any, quiet_display: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("wxnb.session.session.Store.open", broken)
    session, widget = widget_login(sim, tmp_path)
    try:
        sim.phone.confirm(new_qr(sim, set()))
        with pytest.raises(Exception, match="disk full"):
            session.wait_ready(DEADLINE)
        wait_until(lambda: widget.phase == "failed", what="failed on the widget")
        assert "disk full" in widget.message and widget.hint == ENDED_HINT
        session.request_new_code()  # nothing left to restart: a no-op, not an error
    finally:
        session.close()


def test_no_secret_reaches_the_front_end_and_saved_state_has_no_code(
    sim: Simulator, tmp_path: Any, sent: Sent, quiet_display: None
) -> None:
    from ipywidgets.embed import dependency_state, embed_data

    session, widget = widget_login(sim, tmp_path)
    try:
        uuid = new_qr(sim, set())
        wait_until(lambda: widget.phase == "waiting")
        sim.phone.scan(uuid)
        sim.phone.confirm(uuid)
        session.wait_ready(DEADLINE)
        sim.phone.send(("friend", ANN), "hello")
        wait_until(lambda: widget.status.get("messages", 0) >= 1, what="a message counted")
        widget.flush()
        client = session._client
        assert client is not None and client.credentials is not None
        creds = client.credentials
        # What a notebook saves as its widget state (this widget's: other tests' widgets live on).
        saved = embed_data(views=[widget], state=dependency_state([widget]))
        state = json.dumps(saved["manager_state"], ensure_ascii=False)
        saved_traits = saved["manager_state"]["state"][widget.model_id]["state"]
    finally:
        session.close()

    secrets = {creds.skey, creds.sid, str(creds.uin), creds.pass_ticket, unquote(creds.pass_ticket)}
    secrets |= {v for k, v in creds.cookies.items() if k not in NOT_SECRET_COOKIES}
    for world_session in sim.world.sessions:
        c = world_session.creds
        secrets |= {c.skey, c.sid, c.pass_ticket, c.pass_ticket_encoded, c.data_ticket, c.auth_ticket, c.uvid}
    secrets.discard("")
    assert len(secrets) >= 8
    everything = sent.text()
    assert '"qr": "data:image/svg+xml' in everything  # the recording did see the QR go out
    leaked = sorted(s for s in secrets if s in everything or s in state)
    assert not leaked, f"{len(leaked)} secret value(s) reached the front end"
    # The uuid went out only inside the QR picture, and the saved state has no QR at all.
    assert uuid not in everything and uuid not in state
    assert "image/svg" not in state and saved_traits.get("qr", "") == ""
    assert saved_traits["phase"] == "ready" and saved_traits["status"]["contacts"] == 4


def test_status_bursts_are_coalesced_to_ten_updates_a_second(
    sim: Simulator, tmp_path: Any, sent: Sent, quiet_display: None
) -> None:
    session, widget = widget_login(sim, tmp_path)
    try:
        sim.phone.confirm(new_qr(sim, set()))
        session.wait_ready(DEADLINE)
        wait_until(lambda: widget.phase == "ready")
        before = len(sent.messages)

        def burst() -> None:  # as the sync thread reports 500 changes
            for _ in range(500):
                session._board.record_messages(1)

        worker = threading.Thread(target=burst, name="burst")
        worker.start()
        worker.join()
        # (the sync may still add the login's own status message: compare with the count now)
        wait_until(
            lambda: widget.status.get("messages") == session.status.messages_received >= 500,
            what="the last count drawn",
        )
        updates = [t for t, _, m in sent.messages[before:] if m.get("method") == "update"]
        # One apply per 0.1 s slot at most (the slots are taken before each apply: allow one for the
        # jitter of when the first and last message left), and far fewer than the 500 changes.
        assert 1 <= len(updates) <= (updates[-1] - updates[0]) / 0.1 + 2
        assert len(updates) < 100
    finally:
        session.close()


def test_widgets_are_created_and_displayed_on_the_main_thread_only(
    sim: Simulator, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import IPython.display

    shown: list[str] = []
    monkeypatch.setattr(
        IPython.display, "display", lambda *a, **k: shown.append(threading.current_thread().name)
    )
    made: list[str] = []
    original_init = LoginWidget.__init__

    def init(self: LoginWidget, *args: Any, **kwargs: Any) -> None:
        made.append(threading.current_thread().name)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(LoginWidget, "__init__", init)
    session, _ = widget_login(sim, tmp_path)
    try:
        sim.phone.confirm(new_qr(sim, set()))
        session.wait_ready(DEADLINE)
        sim.phone.send(("friend", ANN), "hello")
        session.wait_for(lambda m: m.text == "hello", timeout=DEADLINE)
    finally:
        session.close()
    main = threading.main_thread().name
    assert shown == [main] and made == [main]

    failures: list[BaseException] = []

    def from_a_thread() -> None:
        try:
            wxnb.login(sim.base_url, data_dir=tmp_path / "t", resume=False, show="widget")
        except NotMainThread as exc:
            failures.append(exc)

    thread = threading.Thread(target=from_a_thread)
    thread.start()
    thread.join(10)
    assert len(failures) == 1 and "show='none'" in str(failures[0])


def test_session_at_the_end_of_a_cell_shows_the_status_widget(
    sim: Simulator, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, quiet_display: None
) -> None:
    session, widget = widget_login(sim, tmp_path)
    try:
        assert session._repr_mimebundle_() is None  # outside a notebook: IPython prints the repr
        monkeypatch.setattr(notebook_module, "in_notebook", lambda: True)
        sim.phone.confirm(new_qr(sim, set()))
        session.wait_ready(DEADLINE)
        # Drawn once per login: the login cell shows the widget; `session` later is its text.
        assert session._repr_mimebundle_() is None
        wait_until(lambda: widget.phase == "ready")
        assert repr(widget).startswith("wxnb login: Me 🐼, online since ")

        # The person closes the widget: the session carries on, quietly; `session` makes a new one.
        widget.close()
        sim.phone.send(("friend", ANN), "after the close")
        session.wait_for(lambda m: m.text == "after the close", timeout=DEADLINE)
        assert session.status.callback_errors == 0
        again = session._repr_mimebundle_()
        assert again is not None and session._view is not None
        fresh = session._view.widget
        assert again[0]["application/vnd.jupyter.widget-view+json"]["model_id"] == fresh.model_id
        assert again[0]["text/plain"] == repr(fresh) and again[0]["text/plain"].startswith("wxnb login: ")
        assert fresh is not widget
        assert session._repr_mimebundle_() is None  # the new one is drawn once too
        wait_until(lambda: fresh.status.get("messages") == session.status.messages_received >= 1)
    finally:
        session.close()


def test_a_session_shown_as_text_gets_a_status_widget_later(
    sim: Simulator, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notebook_module, "in_notebook", lambda: True)
    with notebook_log_in(sim, tmp_path) as session:  # no widget at login (show="none")
        assert session._view is None
        shown = session._repr_mimebundle_()
        assert shown is not None and session._view is not None
        view: NotebookLoginView = session._view
        widget = view.widget
        assert shown[0]["application/vnd.jupyter.widget-view+json"]["model_id"] == widget.model_id
        wait_until(lambda: widget.phase == "ready" and widget.status.get("contacts") == 4)  # friends
        assert widget.qr == ""  # the replayed login steps end with the status line, no code
        sim.phone.send(("friend", ANN), "hello")
        wait_until(lambda: widget.status.get("messages", 0) >= 1, what="live status on the new widget")
        # From another thread no widget is made: text only.
        session._view = None
        results: list[object] = []
        thread = threading.Thread(target=lambda: results.append(session._repr_mimebundle_()))
        thread.start()
        thread.join(10)
        assert results == [None]


def test_a_resumed_login_shows_the_accounts_own_picture(
    sim: Simulator, tmp_path: Any, sent: Sent, quiet_display: None
) -> None:
    log_in(sim, tmp_path).close()  # saved credentials for the next login
    session = wxnb.login(sim.base_url, data_dir=tmp_path, show="widget", retry=FAST_RETRY, sync=FAST_SYNC)
    assert isinstance(session, NotebookSession)
    try:
        session.wait_ready(DEADLINE)
        assert session.login_events[0].phase == "resuming"
        assert session._view is not None
        widget = session._view.widget
        wait_until(lambda: widget.status.get("avatar", "").startswith("data:image/jpeg;base64,"))
        assert widget.avatar == ""  # no scan: the picture is the head image the session fetched
    finally:
        session.close()
    # (phase "starting" is the widget's first state: only the hint went out)
    assert next(s["hint"] for s in sent.states() if "hint" in s) == "Resuming your last session…"


def test_a_pushed_login_says_to_confirm_on_the_phone(
    sim: Simulator, tmp_path: Any, quiet_display: None
) -> None:
    log_in(sim, tmp_path).close()
    sim.phone.logout()  # the saved session is dead: a login is pushed to the phone
    session, widget = widget_login(sim, tmp_path, resume=True)
    try:
        wait_until(lambda: widget.hint.startswith("Confirm the login on your phone"), what="the push hint")
        assert widget.phase == "starting" and widget.qr == ""
        pushed = wait_until(lambda: next((p for p in sim.phone.pending_logins() if p.push), None))
        sim.phone.approve_push(pushed.uuid)
        session.wait_ready(DEADLINE)
        wait_until(lambda: widget.phase == "ready", what="ready after the push")
    finally:
        session.close()


@dataclass
class Shown:
    """The outputs ``session.show()`` drew (display handles), and what each was later replaced with."""

    updates: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> Shown:
    """IPython's ``display`` as a kernel has it: each display gets a handle whose ``update`` is recorded
    (outside a kernel IPython prints the repr and returns no handle)."""
    import IPython.display

    record = Shown()

    class Handle:
        def __init__(self, display_id: str) -> None:
            self.display_id = display_id

        def update(self, obj: dict[str, str], raw: bool = False) -> None:
            assert raw, "the static form is a ready mimebundle"
            record.updates.append((self.display_id, obj))

    def display(obj: object, display_id: object = None) -> Handle | None:
        if display_id is not True:
            return None
        record.ids.append(f"out-{len(record.ids)}")
        return Handle(record.ids[-1])

    monkeypatch.setattr(IPython.display, "display", display)
    return record


def test_close_replaces_the_shown_widget_with_its_static_form(
    sim: Simulator, tmp_path: Any, shown: Shown
) -> None:
    session, _ = widget_login(sim, tmp_path)
    sim.phone.confirm(new_qr(sim, set()))
    session.wait_ready(DEADLINE)
    session.show()  # drawn twice: both outputs are replaced
    assert shown.updates == []  # live while the session runs
    session.close()
    session.close()  # once per output
    text = "wxnb login: Me 🐼 — closed with session.close(); run the cell again"
    assert [(i, u["text/plain"]) for i, u in shown.updates] == [("out-0", text), ("out-1", text)]
    bundle = shown.updates[0][1]
    assert set(bundle) == {"text/plain", "text/html"}  # no widget to look for after a reopen
    assert "Me 🐼</b> — closed with session.close(); run the cell again</div>" in bundle["text/html"]
    secrets = {c.skey for c in (s.creds for s in sim.world.sessions)} | {
        c.pass_ticket for c in (s.creds for s in sim.world.sessions)
    }
    secrets.discard("")
    assert secrets and not [s for s in secrets if s in json.dumps(bundle, ensure_ascii=False)]


def test_the_kernel_shutting_down_replaces_every_shown_login(
    sim: Simulator, tmp_path: Any, shown: Shown
) -> None:
    ready, _ = widget_login(sim, tmp_path / "1")
    known = {new_qr(sim, set())}
    sim.phone.confirm(next(iter(known)))
    ready.wait_ready(DEADLINE)
    waiting, _ = widget_login(sim, tmp_path / "2")
    try:
        new_qr(sim, known)
        notebook_module._at_kernel_exit()  # what atexit runs when ipykernel shuts down
        assert sorted(u["text/plain"] for _, u in shown.updates) == [
            "wxnb login: Me 🐼 — closed: kernel shut down; run the cell again",
            "wxnb login: not logged in — closed: kernel shut down; run the cell again",
        ]
    finally:
        ready.close()
        waiting.close()
    assert len(shown.updates) == 2  # already replaced: closing adds nothing


def test_the_static_form_is_text_even_when_the_name_looks_like_html() -> None:
    from wxnb.widgets.login import ended_bundle

    bundle = ended_bundle('<img src=x onerror="alert(1)">', "kernel shut down")
    assert "<img" not in bundle["text/html"] and "&lt;img src=x" in bundle["text/html"]
    assert bundle["text/plain"].startswith('wxnb login: <img src=x onerror="alert(1)"> — closed:')


def test_a_login_the_phone_ended_keeps_its_reason_when_the_kernel_shuts_down(
    sim: Simulator, tmp_path: Any, shown: Shown
) -> None:
    session, _ = widget_login(sim, tmp_path)
    try:
        sim.phone.confirm(new_qr(sim, set()))
        session.wait_ready(DEADLINE)
        sim.phone.logout()
        reason = wait_until(lambda: session.status.logout_reason, what="logged out")
        notebook_module._at_kernel_exit()
        assert [u["text/plain"] for _, u in shown.updates] == [
            f"wxnb login: Me 🐼 — logged out: {reason}; run the cell again"
        ]
    finally:
        session.close()
