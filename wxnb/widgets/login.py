"""LoginWidget: the QR login view and, once logged in, a compact live status line.

The session drives it through a few typed calls (``show_*``, ``on_new_code``); the widget turns
them into traits (the schema is in docs/frontend.md) and the front end (js/src/login.js) draws
them. Updates may come from any thread: they are coalesced to at most 10 a second and applied
inside ``hold_sync()``.

Only the QR (which encodes the login uuid) and the avatar of the account that scanned reach the
front end; no session secret is ever put in a trait. The QR is never a trait at all: it goes to the
views as a custom message (and again to a view drawn later, which asks for it), so a notebook saved
with its widget state never carries a code, whatever moment it was saved at.

Liveness: while the kernel runs, one thread (:class:`~wxnb.widgets.heartbeat.Heartbeat`) sends every
live widget an ``alive`` message with the kernel's clock every few seconds; a view that has heard
nothing for three beats says it is not connected, so a restarted kernel or a reopened notebook never
shows "online" from saved state.
"""

from __future__ import annotations

import html
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

import anywidget
import traitlets

from wxnb.widgets.bundle import static_file
from wxnb.widgets.coalesce import Coalescer, Scheduler, thread_timer
from wxnb.widgets.errors import WidgetInputError
from wxnb.widgets.heartbeat import HEARTBEAT, Heartbeat
from wxnb.widgets.images import image_data_url, qr_svg_data_url

__all__ = [
    "PHASES",
    "STATUS_STATES",
    "LoginWidget",
    "Phase",
    "StatusState",
    "StatusView",
    "describe_text",
    "ended_bundle",
]

_log = logging.getLogger(__name__)

Phase = Literal["starting", "waiting", "scanned", "confirming", "ready", "expired", "blocked", "failed"]
PHASES: Final[tuple[Phase, ...]] = get_args(Phase)
StatusState = Literal["online", "reconnecting", "logged_out", "closed"]
STATUS_STATES: Final[tuple[StatusState, ...]] = get_args(StatusState)

#: Phases that :meth:`LoginWidget.show_phase` sets; the others carry data and have their own method.
_PLAIN_PHASES: Final = ("starting", "confirming", "expired")

DEFAULT_BLOCKED_HINT: Final = (
    "WeChat does not let this account log in on the web. Use WeChat for Windows or macOS "
    "instead; a new QR code will not help."
)


def _epoch_ms(seconds: float, what: str) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds):
        raise WidgetInputError(f"{what} must be seconds since the epoch (as time.time()), not {seconds!r}")
    if seconds < 0:
        raise WidgetInputError(f"{what} must be seconds since the epoch, not negative ({seconds})")
    return round(seconds * 1000)


def _now_ms() -> int:
    return round(time.time() * 1000)


def _count(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise WidgetInputError(f"StatusView.{what} must be an int >= 0, not {value!r}")
    return value


def _text(value: str, what: str) -> str:
    if not isinstance(value, str):
        raise WidgetInputError(f"{what} must be a str, not {type(value).__name__}")
    return value


@dataclass(frozen=True, slots=True)
class StatusView:
    """What the status line shows once logged in. All fields are optional.

    >>> view = StatusView(nickname="Ann", contacts=120, rooms=8, messages=42, last_sync=time.time())

    Attributes:
        nickname: the logged-in user's nickname (shown as text, never as HTML).
        avatar: the user's avatar as an image data URL (checked like
            :func:`~wxnb.widgets.images.image_data_url`), or "" to keep the scanned one.
        contacts: number of friends known (without rooms and official accounts when ``mps`` is
            given; the line then reads "800 friends · 63 rooms · 30 official accounts").
        rooms: number of group chats known.
        mps: number of official accounts known, or None: then ``contacts`` counts every non-room
            contact and the line says "contacts".
        messages: messages received since login.
        last_sync: when the last sync succeeded, in seconds since the epoch (``time.time()``),
            or None before the first one. The view shows "synced 3 s ago", ticking by itself.
        state: ``"online"``, ``"reconnecting"``, ``"logged_out"`` or ``"closed"``.
        reason: why the state is not "online", in plain words (e.g. "logged in elsewhere (1102)").
            Never put secrets (skey, sid, uin, pass_ticket, cookies) in it.
        reconnects: how many times the sync thread had to reconnect.
        since: when ``state`` was entered, in seconds since the epoch, or None; the plain-text
            fallback says "online since 18:42" (the kernel's local time).
    """

    nickname: str = ""
    avatar: str = ""
    contacts: int = 0
    rooms: int = 0
    mps: int | None = None
    messages: int = 0
    last_sync: float | None = None
    state: StatusState = "online"
    reason: str = ""
    reconnects: int = 0
    since: float | None = None

    def to_trait(self) -> dict[str, object]:
        """The ``status`` trait's value; validates every field.

        Raises:
            WidgetInputError: a field has the wrong type or range.
            InvalidImageDataUrl: ``avatar`` is not an image data URL.
        """
        if self.state not in STATUS_STATES:
            raise WidgetInputError(f"StatusView.state must be one of {STATUS_STATES}, not {self.state!r}")
        trait: dict[str, object] = {
            "nickname": _text(self.nickname, "StatusView.nickname"),
            "avatar": image_data_url(self.avatar) if self.avatar else "",
            "contacts": _count(self.contacts, "contacts"),
            "rooms": _count(self.rooms, "rooms"),
            "messages": _count(self.messages, "messages"),
            "last_sync_ms": None if self.last_sync is None else _epoch_ms(self.last_sync, "last_sync"),
            "state": self.state,
            "reason": _text(self.reason, "StatusView.reason"),
            "reconnects": _count(self.reconnects, "reconnects"),
        }
        if self.mps is not None:
            trait["mps"] = _count(self.mps, "mps")
        if self.since is not None:
            trait["since_ms"] = _epoch_ms(self.since, "since")
        return trait


NewCodeCallback = Callable[[], None]

_PHASE_TEXT: Final[dict[str, str]] = {
    "starting": "getting a login code…",
    "waiting": "scan the QR code with WeChat on your phone",
    "scanned": "scanned: confirm the login on your phone",
    "confirming": "confirmed: loading your contacts…",
    "expired": "the code expired: getting a new one…",
    "blocked": "WeChat refused web login for this account",
    "failed": "the login failed",
}


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _counts_text(status: dict[str, Any]) -> str:
    def num(key: str) -> int:
        value = status.get(key, 0)
        return value if isinstance(value, int) else 0

    if "mps" in status:
        parts = [_plural(num("contacts"), "friend", "friends"), _plural(num("rooms"), "room", "rooms")]
        if num("mps"):
            parts.append(_plural(num("mps"), "official account", "official accounts"))
    else:
        parts = [_plural(num("contacts"), "contact", "contacts"), _plural(num("rooms"), "room", "rooms")]
    return " · ".join(parts)


def describe_text(phase: str, status: dict[str, Any], message: str = "") -> str:
    """The widget's state in one line of plain text (its repr; what viewers without widgets show).

    >>> describe_text("ready", {"nickname": "阿杰", "state": "online", "contacts": 8, "rooms": 6, "mps": 1})
    '阿杰, online · 8 friends · 6 rooms · 1 official account'
    >>> describe_text("ready", {"nickname": "Ann", "state": "closed", "reason": "logged in again"})
    'Ann, closed: logged in again · 0 contacts · 0 rooms'
    """
    if phase != "ready":
        text = _PHASE_TEXT.get(phase, phase)
        return f"{text}: {message}" if message else text
    state = str(status.get("state", "online")).replace("_", " ")
    since = status.get("since_ms")
    if isinstance(since, int) and state == "online":
        state = f"online since {time.strftime('%H:%M', time.localtime(since / 1000))}"
    reason = status.get("reason")
    if reason and state != "online":
        state = f"{state}: {reason}"
    name = status.get("nickname") or "logged in"
    return f"{name}, {state} · {_counts_text(status)}"


#: What the static form of an ended login looks like: the page's own colours where there are any.
_ENDED_STYLE: Final = (
    "font-family: var(--jp-ui-font-family, sans-serif); font-size: var(--jp-ui-font-size1, 13px); "
    "color: var(--jp-ui-font-color2, #616161); border-left: 3px solid var(--jp-border-color1, #bdbdbd); "
    "padding: 4px 10px; margin: 2px 0"
)


def ended_bundle(name: str, reason: str) -> dict[str, str]:
    """The static form a login output is replaced with once its session ended (``text/plain`` and
    ``text/html``): what it was and why it ended, so a notebook saved afterwards shows that instead of
    a widget whose model is gone ("Error displaying widget: model not found"). It carries words only:
    no code, no secret, no widget.

    >>> ended_bundle("阿杰", "kernel shut down")["text/plain"]
    'wxnb login: 阿杰 — closed: kernel shut down; run the cell again'
    >>> ended_bundle("", "logged out with session.logout()")["text/plain"]
    'wxnb login: not logged in — logged out with session.logout(); run the cell again'

    Args:
        name: the account's nickname ("" before the login finished).
        reason: why it ended, in plain words; a reason that is not already "closed …", "logged out …"
            or "replaced …" reads "closed: <reason>".
    """
    what = f"wxnb login: {name or 'not logged in'}"
    why = reason.strip() or "the session ended"
    if not why.startswith(("closed", "logged out", "replaced")):
        why = f"closed: {why}"
    text = f"{what} — {why}; run the cell again"
    markup = (
        f'<div class="wxnb-login-ended" style="{_ENDED_STYLE}">'
        f"<b>{html.escape(what)}</b> — {html.escape(why)}; run the cell again</div>"
    )
    return {"text/plain": text, "text/html": markup}


class LoginWidget(anywidget.AnyWidget):
    """The login view: QR, scan feedback, errors, then a live status line.

    Create it and ``display()`` it on the main thread; the ``show_*`` methods may then be
    called from any thread (the session's login and sync threads).

    >>> w = LoginWidget()
    >>> w.on_new_code(lambda: print("new code please"))
    >>> w.show_qr("https://login.weixin.qq.com/l/ab12==", expires_at=time.time() + 240)
    >>> w.show_scanned("data:img/jpg;base64,/9j/4AAQSkZJRg==")
    >>> w.show_phase("confirming")
    >>> w.show_status(StatusView(nickname="Ann", contacts=120, rooms=8, last_sync=time.time()))

    Args:
        min_interval: least time between two trait updates, in seconds (default 0.1: ≤ 10/s).
        clock: monotonic clock for the coalescer (tests inject one).
        schedule: timer for deferred updates (tests inject one).
        heartbeat: what sends ``alive`` to the views (default: the kernel-wide one; None: nothing).
    """

    _esm = static_file("login.js")
    _css = static_file("login.css")

    #: One of PHASES: what the view draws.
    phase = traitlets.Enum(PHASES, default_value="starting").tag(sync=True)
    #: When the QR expires, in the kernel's epoch milliseconds; 0 when no QR is shown.
    expires_at = traitlets.Int(0).tag(sync=True)
    #: The scanning account's avatar (``data:image/...;base64,...``) or "".
    avatar = traitlets.Unicode("").tag(sync=True)
    #: The main sentence for blocked/failed (server message or error text), else "".
    message = traitlets.Unicode("").tag(sync=True)
    #: What to do next, in plain words, or "".
    hint = traitlets.Unicode("").tag(sync=True)
    #: The status line after login: StatusView.to_trait() (``{}`` before the first one).
    status = traitlets.Dict({}).tag(sync=True)

    def __init__(
        self,
        *,
        min_interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        schedule: Scheduler = thread_timer,
        heartbeat: Heartbeat | None = HEARTBEAT,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._qr = ""  # sent to views as a message, never synced (see the module's docstring)
        self._heartbeat = heartbeat
        self._new_code_callbacks: list[NewCodeCallback] = []
        self._callbacks_lock = threading.Lock()
        self._updates = Coalescer(
            self._apply,
            min_interval=min_interval,
            clock=clock,
            schedule=schedule,
            unchanged=lambda name, value: bool(getattr(self, name) == value),
        )
        self.on_msg(self._on_frontend_msg)
        if heartbeat is not None:
            heartbeat.add(self)

    @property
    def qr(self) -> str:
        """The QR the views are shown (``data:image/svg+xml;base64,...``) while waiting, else "".

        Not a trait: it reaches views as a ``{"type": "qr"}`` message, so saved widget state never has it.
        """
        return self._qr

    def beat(self) -> None:
        """Tell the views the kernel is alive, with its clock (the heartbeat calls this; any thread)."""
        if self.comm is not None:
            self.send({"type": "alive", "now": _now_ms(), "every": self._beat_ms()})

    def __repr__(self) -> str:
        """What viewers without widgets show (the bundle's text/plain), e.g.
        ``wxnb login: 阿杰, online since 18:42 · 800 friends · 63 rooms · 30 official accounts``."""
        return f"wxnb login: {describe_text(self.phase, self.status, self.message)}"

    # -- what the session calls -------------------------------------------------------------

    def show_phase(self, phase: Literal["starting", "confirming", "expired"], hint: str = "") -> None:
        """Show a phase that carries no data: getting a code, confirmed, or expired.

        ``"expired"`` removes the old QR and says a new one is on its way.

        >>> w = LoginWidget()
        >>> w.show_phase("starting")

        Raises:
            WidgetInputError: another phase (use show_qr, show_scanned, show_status,
                show_blocked or show_failed, which carry what those phases need).
        """
        if phase not in _PLAIN_PHASES:
            raise WidgetInputError(
                f"show_phase() takes one of {_PLAIN_PHASES}, not {phase!r}; use show_qr, show_scanned, "
                "show_status, show_blocked or show_failed for the others"
            )
        values: dict[str, object] = {
            "phase": phase,
            "qr": "",
            "expires_at": 0,
            "message": "",
            "hint": _text(hint, "hint"),
        }
        if phase != "confirming":
            values["avatar"] = ""  # the avatar belongs to the scan being confirmed only
        self._updates.submit(values)

    def show_qr(self, text: str, expires_at: float) -> None:
        """Show a QR code of ``text`` (the login URL) with a countdown to ``expires_at``.

        >>> w = LoginWidget()
        >>> w.show_qr("https://login.weixin.qq.com/l/ab12==", expires_at=time.time() + 240)

        Args:
            text: what the phone must read, e.g. ``"https://login.weixin.qq.com/l/<uuid>"``.
            expires_at: when the code stops working, in seconds since the epoch (``time.time()``).

        Raises:
            WidgetInputError: empty text, control characters, too long, or a bad ``expires_at``.
        """
        values = {
            "phase": "waiting",
            "qr": qr_svg_data_url(text),
            "expires_at": _epoch_ms(expires_at, "expires_at"),
            "avatar": "",
            "message": "",
            "hint": "",
        }
        self._updates.submit(values)

    def show_scanned(self, avatar: str | None = None) -> None:
        """The phone scanned: show its avatar and ask to confirm on the phone. Removes the QR.

        >>> w = LoginWidget()
        >>> w.show_scanned("data:img/jpg;base64,/9j/4AAQSkZJRg==")  # as the 201 reply sends it

        Args:
            avatar: the 201 reply's ``window.userAvatar`` (``data:img/jpg;base64,...`` is fixed
                up to ``data:image/jpeg``), or None/"" when the reply had none.

        Raises:
            InvalidImageDataUrl: the avatar is not a base64 PNG/JPEG/GIF/WebP data URL.
        """
        values = {
            "phase": "scanned",
            "qr": "",
            "expires_at": 0,
            "avatar": image_data_url(avatar) if avatar else "",
            "message": "",
            "hint": "",
        }
        self._updates.submit(values)

    def show_blocked(self, message: str, hint: str = DEFAULT_BLOCKED_HINT) -> None:
        """WeChat refused this account (ret 1203): show the server's message and what to do.

        >>> w = LoginWidget()
        >>> w.show_blocked("为了你的帐号安全，此微信号不能登录网页微信。")
        """
        self._show_problem("blocked", message, hint)

    def show_failed(self, error: str, hint: str = "") -> None:
        """The login failed: show the error in plain words (never secrets) and offer a new code.

        >>> w = LoginWidget()
        >>> w.show_failed("The login server did not answer (timed out after 30 s).",
        ...               hint="Check the network.")
        """
        self._show_problem("failed", error, hint)

    def show_status(self, status: StatusView) -> None:
        """Logged in: show (or refresh) the status line. Removes any QR from the state.

        Call it once when ready, then whenever the counts or the sync state change; bursts are
        coalesced, and "synced N s ago" ticks in the browser without further calls.

        >>> w = LoginWidget()
        >>> w.show_status(StatusView(nickname="Ann", contacts=120, rooms=8, last_sync=time.time()))
        >>> w.show_status(StatusView(nickname="Ann", state="reconnecting", reason="connection reset",
        ...                          reconnects=1))

        Raises:
            WidgetInputError, InvalidImageDataUrl: a field of ``status`` is invalid.
        """
        if not isinstance(status, StatusView):
            raise WidgetInputError(f"show_status() takes a StatusView, not {type(status).__name__}")
        values = {
            "phase": "ready",
            "qr": "",
            "expires_at": 0,
            "message": "",
            "hint": "",
            "status": status.to_trait(),
        }
        self._updates.submit(values)

    def on_new_code(self, callback: NewCodeCallback) -> Callable[[], None]:
        """Call ``callback()`` when the user clicks "New code"; returns a function that unregisters it.

        The callback runs on the kernel's main thread (the comm handler): it should only signal
        the login thread, not block.

        >>> w = LoginWidget()
        >>> wanted = threading.Event()
        >>> unregister = w.on_new_code(wanted.set)
        """
        if not callable(callback):
            raise WidgetInputError(f"on_new_code() takes a callable, not {type(callback).__name__}")
        with self._callbacks_lock:
            self._new_code_callbacks.append(callback)

        def unregister() -> None:
            with self._callbacks_lock:
                if callback in self._new_code_callbacks:
                    self._new_code_callbacks.remove(callback)

        return unregister

    def flush(self) -> None:
        """Apply any coalesced update now (e.g. before reading the traits or saving)."""
        self._updates.flush()

    def close(self) -> None:
        """Apply what is pending, stop the update timer, and close the widget's comm.

        Later ``show_*`` calls raise :class:`~wxnb.widgets.errors.WidgetClosed`.
        """
        updates = getattr(self, "_updates", None)  # ipywidgets may close a half-built widget
        if updates is not None:
            updates.stop()
        heartbeat = getattr(self, "_heartbeat", None)
        if heartbeat is not None:
            heartbeat.discard(self)
        super().close()

    # -- internals ---------------------------------------------------------------------------

    def _show_problem(self, phase: Literal["blocked", "failed"], message: str, hint: str) -> None:
        values = {
            "phase": phase,
            "qr": "",
            "expires_at": 0,
            "avatar": "",
            "message": _text(message, "message"),
            "hint": _text(hint, "hint"),
        }
        self._updates.submit(values)

    def _beat_ms(self) -> int:
        return round(self._heartbeat.every * 1000) if self._heartbeat is not None else 0

    def _send_qr(self) -> None:
        if self.comm is not None:
            self.send({"type": "qr", "qr": self._qr, "now": _now_ms(), "every": self._beat_ms()})

    def _apply(self, values: dict[str, object]) -> None:
        with self.hold_sync():
            for name, value in values.items():
                if name == "qr":
                    # Before the traits (sent when hold_sync ends): a view has the code when "waiting" lands.
                    self._qr = str(value)
                    self._send_qr()
                else:
                    setattr(self, name, value)

    def _on_frontend_msg(self, _widget: object, content: object, _buffers: object) -> None:
        if not isinstance(content, dict):
            _log.warning("LoginWidget ignored a front-end message that is not an object: %r", content)
            return
        kind = content.get("type")
        if kind == "new_code":
            with self._callbacks_lock:
                callbacks = list(self._new_code_callbacks)
            if not callbacks:
                _log.warning("'New code' was clicked but no on_new_code() callback is registered")
            for callback in callbacks:
                callback()
        elif kind == "clock":
            # A view was drawn: it learns the kernel's clock (and that the kernel is alive), and the
            # current QR, which is in no trait.
            self.send({"type": "clock", "t0": content.get("t0"), "now": _now_ms(), "every": self._beat_ms()})
            if self._qr:
                self._send_qr()
        else:
            _log.warning("LoginWidget ignored a front-end message of unknown type %r", kind)
