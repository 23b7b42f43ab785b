"""The login in a notebook: a session's login steps and status, drawn by a ``LoginWidget``.

:class:`NotebookLoginView` turns the session's events into the widget's ``show_*`` calls; the table of
what each step draws is in docs/frontend.md. :class:`~wxnb.notebook.NotebookSession` makes one for
its ``.widget`` and subscribes it through the session's public events.

Threads (DESIGN: widgets are created and displayed on the main thread only):

- the kernel's main thread makes the widget and the view, and replays the login steps so far to it
  (``session.on("login", ..., replay=True)``); the widget's "New code" button calls back there, and
  the session only signals its login thread from it;
- the session's thread calls :meth:`NotebookLoginView.on_login_event` (every live login step),
  :meth:`NotebookLoginView.on_status` and :meth:`NotebookLoginView.on_contacts`. These only call the
  widget's thread-safe ``show_*`` methods, which coalesce bursts to at most 10 updates a second and
  apply each inside ``hold_sync()``. Nothing here calls ``display()`` or writes to an output.

What reaches the front end: the QR (it encodes only the login uuid), the avatar of the account that
scanned (or its head image after a resumed login), words, and counts. Never a credential.

Example (what ``NotebookSession.widget`` does)::

    view = NotebookLoginView(LoginWidget(), session.contact_counts, status=lambda: session.status)
    session.on("login", view.on_login_event, replay=True)
    session.on("status", view.on_status)
    session.on("contacts", view.on_contacts)
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from wxnb.protocol import LoginExpired, WxError
from wxnb.session import ContactsChange, LoginEvent, SessionStatus
from wxnb.widgets.errors import WidgetClosed

if TYPE_CHECKING:
    from wxnb.widgets.login import LoginWidget, StatusState

__all__ = ["DESKTOP_HINT", "ENDED_HINT", "NEW_CODE_HINT", "NotebookLoginView"]

#: The hint of a failure the login recovers from: the button starts it over.
NEW_CODE_HINT: Final = "Click New code to try again."
#: The hint once the session has ended for good (the button can do nothing more).
ENDED_HINT: Final = "This login has ended: run wxnb.login() again to log in."
#: What to do when web login is refused and the session did not use the desktop mode.
DESKTOP_HINT: Final = (
    "This account may not use web login. Log in again in desktop mode, wxnb.login(desktop=True) "
    "(the default), which presents wxnb as the WeChat desktop client."
)


def _sentence(text: str) -> str:
    """``text`` as a sentence for people: capital first letter, final full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?。！？" else text + "."


class NotebookLoginView:
    """Draws one session's login steps, then its live status, on ``widget``.

    ``counts()`` gives (contacts, rooms), or (friends, rooms, official accounts), for the status line;
    it is called when the status is first drawn, after contact changes, and at most once per
    ``counts_every`` seconds otherwise (it is cheap, but status changes come with every sync batch).
    ``desktop``: whether the session logs in in desktop mode (the advice for a refused account depends
    on it). ``retry``: whether the login waits for "New code" after a failure (an interactive session)
    or ends. ``status()`` gives the session's current status: the first draw (from the thread that
    attaches the view) and the status events (from the session's writer) can interleave, so each draw
    reads the latest instead of trusting the status it came with. ``failure()`` gives the error that
    stopped the session, shown when it stops before the login is done.

    Thread-safe: the session's thread and the main thread may call it at the same time.
    """

    def __init__(
        self,
        widget: LoginWidget,
        counts: Callable[[], tuple[int, ...]],
        *,
        status: Callable[[], SessionStatus] | None = None,
        failure: Callable[[], BaseException | None] | None = None,
        desktop: bool = True,
        retry: bool = True,
        counts_every: float = 1.0,
        closed_reason: Callable[[], str] | None = None,
    ) -> None:
        self.widget = widget
        self._counts = counts
        self._counts_every = counts_every
        self._desktop = desktop
        self._retry = retry
        self._problem = ""  # the last failure shown, as a sentence
        self._current_status = status
        self._failure = failure
        self._closed_reason = closed_reason
        self._lock = threading.Lock()
        # One draw at a time, reading the status and handing it to the widget as one step: the last
        # draw to run shows the latest status (the widget's coalescer keeps the last submitted).
        self._draw_lock = threading.Lock()
        self._counted: tuple[float, tuple[int, ...]] | None = None
        self._ready = False
        self._ended = False
        self._refused = False
        self._avatar = ""  # the account's own picture for the status line ("": the scanned one)
        self._status: SessionStatus | None = None

    @property
    def needs_avatar(self) -> bool:
        """True when the status line has no picture of the account (a resumed or pushed login)."""
        with self._lock:
            return not self._avatar and not self.widget.avatar

    def set_avatar(self, data_url: str) -> None:
        """Use ``data_url`` (an image data URL) as the account's picture on the status line."""
        from wxnb.widgets.images import image_data_url

        checked = image_data_url(data_url)
        with self._lock:
            self._avatar = checked
        self._redraw()

    # -- login steps (the session's thread) --------------------------------------------------------

    def on_login_event(self, event: LoginEvent) -> None:
        """Draw one login step (nothing once the widget was closed)."""
        with contextlib.suppress(WidgetClosed):  # the person closed it: the login goes on without it
            self._draw_login_event(event)

    def _draw_login_event(self, event: LoginEvent) -> None:
        w = self.widget
        phase = event.phase
        if phase == "starting":
            w.show_phase("starting")
        elif phase == "resuming":
            w.show_phase("starting", hint="Resuming your last session…")
        elif phase == "push":
            w.show_phase("starting", hint="Confirm the login on your phone (no scan needed).")
        elif phase == "waiting":
            w.show_qr(event.qr_text, expires_at=event.expires_at or time.time())
        elif phase == "scanned":
            w.show_scanned(event.avatar or None)
        elif phase in ("confirmed", "initialising"):
            w.show_phase("confirming")
        elif phase == "expired":
            if isinstance(event.error, LoginExpired):  # the refresh budget is spent: parked
                self._show_failed(_sentence(event.error.message), "Click New code to get another QR code.")
            else:
                w.show_phase("expired")
        elif phase == "blocked":
            with self._lock:
                self._refused = True
            server_message = getattr(event.error, "server_message", "") or event.detail
            text = server_message or "WeChat refused the login (Ret 1203)."
            if self._desktop:
                w.show_blocked(text)
            else:
                w.show_blocked(text, hint=DESKTOP_HINT)
        elif phase == "failed":
            message = event.error.message if event.error is not None else event.detail
            self._show_failed(_sentence(message), NEW_CODE_HINT if self._retry else ENDED_HINT)
        elif phase == "ready":
            with self._lock:
                self._ready = True
        # "cancelled" is followed by "waiting" with the same code: nothing to draw.

    def _show_failed(self, sentence: str, hint: str) -> None:
        with self._lock:
            self._problem = sentence
        self.widget.show_failed(sentence, hint=hint)

    def on_ended_before_ready(self, error: str) -> None:
        """The session stopped before the login finished and will not recover (a refusal stays shown).

        The last failure shown stays the sentence (it is the cause); only the hint changes.
        """
        with self._lock:
            if self._ready or self._refused or self._ended:
                return
            self._ended = True
            sentence = self._problem or _sentence(error) or "The login stopped."
        with contextlib.suppress(WidgetClosed):
            self.widget.show_failed(sentence, hint=ENDED_HINT)

    # -- status (the sync thread, through the session's events) ------------------------------------

    def on_status(self, status: SessionStatus) -> None:
        """Draw the status line (from the "ready" login step on; earlier states are the login's).

        A "failed" status before "ready" means the session stopped during the login: that is shown.
        """
        with self._lock:
            self._status = status
            ready = self._ready
        if status.state == "failed" and not ready:
            error = self._failure() if self._failure is not None else None
            if isinstance(error, WxError):
                self.on_ended_before_ready(error.message)
            elif error is not None:
                self.on_ended_before_ready(f"{type(error).__name__}: {error}")
            else:
                self.on_ended_before_ready(status.last_error or "")
            return
        self._redraw()

    def on_contacts(self, change: ContactsChange) -> None:
        """Contacts changed: count them again at the next draw."""
        with self._lock:
            self._counted = None
            ready = self._ready and self._status is not None
        if ready:
            self._redraw()

    def _current_counts(self) -> tuple[int, ...]:
        now = time.monotonic()
        with self._lock:
            counted = self._counted
        if counted is None or now - counted[0] >= self._counts_every:
            counted = (now, self._counts())
            with self._lock:
                self._counted = counted
        return counted[1]

    def _redraw(self) -> None:
        # A closed widget draws nothing more; `session` at the end of a cell makes a new one.
        with self._draw_lock, contextlib.suppress(WidgetClosed):
            self._draw()

    def _draw(self) -> None:
        from wxnb.widgets import StatusView

        with self._lock:
            status, avatar, ready = self._status, self._avatar, self._ready
        if status is None or not ready:
            return
        if self._current_status is not None:
            status = self._current_status()
        state: StatusState
        reason = ""
        if status.state == "online":
            state = "online"
        elif status.state == "reconnecting":
            state = "reconnecting"
            reason = status.last_error or ""
        elif status.state == "logged_out":
            state = "logged_out"
            reason = status.logout_reason or "logged out"
            if status.logout_code is not None:
                reason = f"{reason} ({status.logout_code})"
        elif status.state == "failed":
            state = "closed"
            reason = f"the sync stopped: {status.last_error}" if status.last_error else "the sync stopped"
        else:  # closed (starting/logging_in cannot follow ready): say why when the notebook knows
            state = "closed"
            reason = self._closed_reason() if self._closed_reason is not None else ""
        counts = self._current_counts()
        self.widget.show_status(
            StatusView(
                nickname=status.nickname,
                avatar=avatar,
                contacts=counts[0],
                rooms=counts[1],
                mps=counts[2] if len(counts) > 2 else None,
                messages=status.messages_received,
                last_sync=status.last_sync.timestamp() if status.last_sync is not None else None,
                state=state,
                reason=reason,
                reconnects=status.reconnects,
                since=status.since.timestamp() if status.since.timestamp() > 0 else None,
            )
        )
