"""One logged-in account: the login flow, the sync thread, live tables, actions, status and events.

- :class:`Session`: tables (``messages``, ``contacts``, ``friends``, ``rooms``, ``mps``, ``members``),
  ``send``/``mark_read``/``revoke``/``logout``, ``status``, ``on(...)``, ``wait_for``, ``close``.
- :mod:`~wxnb.session.session`: the lifecycle (start, the session thread, close, status, events,
  tables); :mod:`~wxnb.session.actions`: send, mark_read, revoke, logout (both make up ``Session``).
- :mod:`~wxnb.session.login`: the login state machine; :mod:`~wxnb.session.sync`: the sync worker;
  :mod:`~wxnb.session.writer`: the one thread that writes a session's archive, tables and status and
  fires its events.

The session imports no widget, ipywidgets or IPython: views (the notebook's widgets, a terminal's
text) subscribe to its events. ``wxnb.login()`` and ``wxnb.demo()`` (:mod:`wxnb.entry`) choose one;
the notebook glue is :mod:`wxnb.notebook`.
"""

from __future__ import annotations

from wxnb.session.errors import (
    AmbiguousRecipient,
    Candidate,
    MessageNotFound,
    NotReady,
    OperationPaused,
    RecipientError,
    RecipientNotFound,
    SessionClosed,
    SessionError,
    SyncFailed,
    SyncKeyRefused,
)
from wxnb.session.events import ContactsChange
from wxnb.session.login import LoginEvent, LoginFlow
from wxnb.session.session import Session
from wxnb.session.status import Gap, Pause, SessionStatus
from wxnb.session.sync import SyncOptions

__all__ = [
    "AmbiguousRecipient",
    "Candidate",
    "ContactsChange",
    "Gap",
    "LoginEvent",
    "LoginFlow",
    "MessageNotFound",
    "NotReady",
    "OperationPaused",
    "Pause",
    "RecipientError",
    "RecipientNotFound",
    "Session",
    "SessionClosed",
    "SessionError",
    "SessionStatus",
    "SyncFailed",
    "SyncKeyRefused",
    "SyncOptions",
]
