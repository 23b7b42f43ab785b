"""Event callbacks: ``session.on("message" | "contacts" | "status" | "login" | "gap", cb) -> unsubscribe``.

A session fires every event from one thread, its writer (:mod:`wxnb.session.writer`): login steps,
received messages, one's own sends (:meth:`Session.send` returns after its "message" event), contact changes
and status changes reach each callback in one order, the order in which the writer applied them (a
"status" event with a higher ``version`` always comes later). A callback should be quick (hand work
to another thread if it is not): the writer writes nothing else while it runs. A callback that raises
is logged with its traceback and counted on the status (``callback_errors``); it never stops the
session, and the other callbacks still run.

Example:
    >>> hub = EventHub()
    >>> seen = []
    >>> unsubscribe = hub.on("message", seen.append)
    >>> hub.emit("message", "hi")
    >>> unsubscribe(); hub.emit("message", "again")
    >>> seen
    ['hi']
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

from wxnb.protocol import Contact

__all__ = ["EVENT_KINDS", "ContactsChange", "EventHub", "EventKind"]

logger = logging.getLogger("wxnb.session")

EventKind = Literal["message", "contacts", "status", "login", "gap"]
EVENT_KINDS: Final[tuple[EventKind, ...]] = get_args(EventKind)


@dataclass(frozen=True, slots=True)
class ContactsChange:
    """What a "contacts" event carries: contacts added or changed (whole records, rooms with their
    members when known) and the UserNames of contacts removed."""

    changed: tuple[Contact, ...] = ()
    removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.changed or self.removed)


class EventHub:
    """Callbacks by event kind. Thread-safe: subscribe and unsubscribe from any thread, at any time.

    ``on_error(kind, exc)`` is told about each failing callback (the session counts them).
    """

    def __init__(self, on_error: Callable[[str, BaseException], None] | None = None) -> None:
        self._lock = threading.Lock()
        # Replaced, never mutated: emit() iterates a tuple without taking the lock.
        self._callbacks: dict[str, tuple[Callable[[Any], object], ...]] = {k: () for k in EVENT_KINDS}
        self._on_error = on_error

    def on(self, kind: EventKind, callback: Callable[[Any], object]) -> Callable[[], None]:
        """Call ``callback(payload)`` for every event of ``kind``; returns a function that unsubscribes.

        Payloads: "message" → :class:`~wxnb.protocol.records.Message` (one call per new message),
        "contacts" → :class:`ContactsChange`, "status" → :class:`~wxnb.session.status.SessionStatus`,
        "login" → :class:`~wxnb.session.login.LoginEvent`.

        Raises:
            ValueError: an unknown kind. TypeError: ``callback`` is not callable.
        """
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event {kind!r}: use one of {', '.join(EVENT_KINDS)}")
        if not callable(callback):
            raise TypeError(f"the callback must be callable, not {type(callback).__name__}")
        with self._lock:
            self._callbacks[kind] = (*self._callbacks[kind], callback)

        def unsubscribe() -> None:
            with self._lock:
                callbacks = list(self._callbacks[kind])
                if callback in callbacks:
                    callbacks.remove(callback)
                    self._callbacks[kind] = tuple(callbacks)

        return unsubscribe

    def has(self, kind: EventKind) -> bool:
        """True if anyone listens to ``kind`` (lets the writer skip building payloads)."""
        return bool(self._callbacks[kind])

    def emit(self, kind: EventKind, payload: object) -> None:
        """Call every callback of ``kind``; failures are logged and reported, never raised."""
        for callback in self._callbacks[kind]:
            try:
                callback(payload)
            except Exception as exc:
                logger.exception("a %r callback (%r) raised; the session carries on", kind, callback)
                if self._on_error is not None:
                    self._on_error(kind, exc)

    def emit_each(self, kind: EventKind, payloads: list[Any]) -> None:
        """:meth:`emit` for each payload in order (one call per payload and callback)."""
        callbacks = self._callbacks[kind]
        if not callbacks:
            return
        for payload in payloads:
            for callback in callbacks:
                try:
                    callback(payload)
                except Exception as exc:
                    logger.exception("a %r callback (%r) raised; the session carries on", kind, callback)
                    if self._on_error is not None:
                        self._on_error(kind, exc)
