"""The login in a notebook: login events and status changes drawn by a :class:`~wxnb.widgets.LoginWidget`.

The widget is created and displayed on the main thread (:func:`show_login_widget`); afterwards the
session's thread calls :meth:`NotebookLoginView.on_login_event` and :meth:`NotebookLoginView.on_status`,
which only call the widget's thread-safe, coalesced ``show_*`` methods. The widget's "New code" button
calls back on the kernel's main thread: the session only signals its login thread from there.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from wxnb.session.login import LoginEvent
from wxnb.session.status import SessionStatus

if TYPE_CHECKING:
    from wxnb.widgets.login import LoginWidget, StatusState

__all__ = ["NotebookLoginView", "in_notebook", "show_login_widget"]

logger = logging.getLogger("wxnb.session")


def in_notebook() -> bool:
    """True inside a Jupyter kernel (an IPython shell with a kernel), False in a terminal or script.

    IPython is looked up only if something imported it already: plain scripts never import it.
    """
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def show_login_widget() -> LoginWidget:
    """Create the login widget and display it (call on the main thread)."""
    from IPython.display import display

    from wxnb.widgets import LoginWidget

    widget = LoginWidget()
    display(widget)  # type: ignore[no-untyped-call]
    return widget


class NotebookLoginView:
    """Draws a session's login events and status on ``widget``.

    ``counts()`` gives (contacts, rooms) for the status line; it is called on status changes once
    logged in (cheap: the tables cache their frames).
    """

    def __init__(
        self, widget: LoginWidget, counts: Callable[[], tuple[int, int]], *, counts_every: float = 1.0
    ) -> None:
        self.widget = widget
        self._counts = counts
        self._counts_every = counts_every
        self._counted: tuple[float, tuple[int, int]] | None = None
        self._ready = False

    def _current_counts(self) -> tuple[int, int]:
        # Status changes come with every sync batch: count contacts at most once a second.
        now = time.monotonic()
        if self._counted is None or now - self._counted[0] >= self._counts_every:
            self._counted = (now, self._counts())
        return self._counted[1]

    def on_login_event(self, event: LoginEvent) -> None:
        w = self.widget
        phase = event.phase
        if phase in ("starting", "resuming", "push"):
            w.show_phase("starting", hint=event.detail if phase == "push" else "")
        elif phase == "waiting":
            w.show_qr(event.qr_text, expires_at=event.expires_at or 0.0)
        elif phase == "scanned":
            w.show_scanned(event.avatar or None)
        elif phase in ("confirmed", "initialising"):
            w.show_phase("confirming", hint=event.detail)
        elif phase == "expired":
            w.show_phase("expired", hint=event.detail)
        elif phase == "blocked":
            error = event.error
            w.show_blocked(getattr(error, "server_message", "") or event.detail)
        elif phase == "failed":
            hint = getattr(event.error, "hint", "") if event.error is not None else ""
            w.show_failed(event.detail, hint=hint)
        elif phase == "ready":
            self._ready = True

    def on_status(self, status: SessionStatus) -> None:
        if not self._ready:
            return
        from wxnb.widgets import StatusView

        state: StatusState
        reason = ""
        if status.state in ("online", "reconnecting"):
            state = status.state
            reason = status.last_error or "" if status.state == "reconnecting" else ""
        elif status.state == "logged_out":
            state = "logged_out"
            reason = f"{status.logout_reason} ({status.logout_code})" if status.logout_code else "logged out"
        else:  # failed, closed
            state = "closed"
            reason = (status.last_error or "failed") if status.state == "failed" else "closed"
        contacts, rooms = self._current_counts()
        self.widget.show_status(
            StatusView(
                nickname=status.nickname,
                contacts=contacts,
                rooms=rooms,
                messages=status.messages_received,
                last_sync=status.last_sync.timestamp() if status.last_sync is not None else None,
                state=state,
                reason=reason,
                reconnects=status.reconnects,
            )
        )
