"""How a session reaches the code that listens to it: callbacks (``session.on``), waiters
(``session.wait_for``), and the writer thread's side of delivering events to both.

:class:`SessionListeners` is a part of :class:`~wxnb.session.session.Session` (users see one class),
next to :mod:`wxnb.session.actions` (what a user does) and :mod:`wxnb.session.session` (the lifecycle).
Every event is delivered from the session's writer thread (:mod:`wxnb.session.writer`), in one order.

Example (a session logged in to the simulator; its phone confirms by itself):
    >>> import tempfile
    >>> from wxnb.session import Session
    >>> from wxnb.sim.simulator import Simulator
    >>> with Simulator(scenario="tiny", hold=0.2, auto_confirm=0.05) as sim:
    ...     with Session(sim.base_url, data_dir=tempfile.mkdtemp()).start() as session:
    ...         _ = session.wait_ready(10)
    ...         steps = []
    ...         _ = session.on("login", lambda e: steps.append(e.phase), replay=True)
    ...         friend = session.friends.iloc[0]
    ...         msg_id = sim.phone.send(friend["user_name"], "are you there?")
    ...         session.wait_for(lambda m: m.msg_id == msg_id, timeout=10).text, steps[-1]
    ('are you there?', 'ready')
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Literal

from wxnb.protocol import LoggedOut, Message, WxError
from wxnb.session.errors import SessionClosed, SyncFailed
from wxnb.session.events import EventHub, EventKind
from wxnb.session.login import LoginEvent
from wxnb.store import StoreError

if TYPE_CHECKING:
    from wxnb.session.status import SessionStatus, StatusBoard
    from wxnb.session.writer import Writer

__all__ = ["SessionListeners"]

logger = logging.getLogger("wxnb.session")


class Done:
    """What a waiter's queue gets when the session stops."""


DONE: Final = Done()


class SessionListeners:
    """Callbacks and waiters of :class:`~wxnb.session.session.Session` (see the module docstring)."""

    # Set by Session.__init__ and its threads (see wxnb.session.session).
    _hub: EventHub
    _writer: Writer
    _board: StatusBoard
    _lock: threading.Lock
    _waiters: list[queue.SimpleQueue[list[Message] | Done]]
    _done: threading.Event
    _ready: threading.Event
    _closed: bool
    _failure: BaseException | None
    _progress: threading.Condition
    _login_lock: threading.RLock
    _login_seen: list[LoginEvent]
    _login_listeners: list[Callable[[LoginEvent], None]]

    def on(
        self, kind: EventKind, callback: Callable[[Any], object], *, replay: bool = False
    ) -> Callable[[], None]:
        """Call ``callback`` on every event of ``kind``; returns a function that unsubscribes.

        - ``"message"``: each new message, as a :class:`~wxnb.protocol.records.Message` (received, or
          sent with :meth:`send`), once it is in the archive and in :attr:`messages`;
        - ``"contacts"``: a :class:`~wxnb.session.events.ContactsChange` (changed and removed contacts);
        - ``"status"``: the new :class:`~wxnb.session.status.SessionStatus` on every change;
        - ``"login"``: each step of the login, as a :class:`~wxnb.session.login.LoginEvent` (the QR
          code to show, scanned, ready, failed...). With ``replay=True`` the callback first gets every
          step so far, in the caller's thread, then the live ones: none missed, none twice. This is
          how a view attached at any time draws the login (``replay`` is for "login" only);
        - ``"gap"``: a :class:`~wxnb.session.status.Gap` (start, end, reason) when, after a new login,
          the server refused the archived SyncKey: messages in that time range may be missing (it is
          also ``status.gap`` and a row of ``open_archive(...).gaps``).

        Every live callback runs in the session's writer thread, one event after the other, in one
        order for all kinds (a "status" event with a higher ``version`` comes later): keep them short
        (the next batch is not written while a callback runs). A callback may call the session's
        actions (``send`` in a "message" callback); their own events are then delivered at once, inside
        the current one. One that raises is logged and counted (``status.callback_errors``); it never
        stops the login or the sync.

        Example:
            >>> from wxnb.session import Session
            >>> session = Session()
            >>> unsubscribe = session.on("message", lambda m: print(m.sender, m.text))
            >>> unsubscribe()
            >>> steps = []
            >>> unsubscribe = session.on("login", lambda e: steps.append(e.phase), replay=True)
        """
        if not replay:
            return self._hub.on(kind, callback)
        if kind != "login":
            raise ValueError(f"replay=True is for 'login' events only, not {kind!r}: read session.status")
        failed = 0
        with self._login_lock:  # no step is dispatched between the replay and the subscription
            unsubscribe = self._hub.on(kind, callback)  # checks the callback first
            for event in self._login_seen:
                try:
                    callback(event)
                except Exception:
                    logger.exception("a 'login' callback (%r) raised on a replayed step", callback)
                    failed += 1
        if failed:  # counted by the board's one writer (outside the lock: the writer may wait for it)
            self._count_now("callback_errors", failed)
        return unsubscribe

    def _count_now(self, counter: Literal["callback_errors", "quarantined"], n: int) -> None:
        """Count on the status board through its writer and wait for it; with no writer running (not
        started yet, or ended) no thread writes the board, so here."""

        def count() -> None:
            self._board.count(counter, n, quiet=True)

        try:
            self._writer.call(count)
        except (SessionClosed, SyncFailed):
            count()

    def wait_for(self, predicate: Callable[[Message], object], timeout: float = 30.0) -> Message:
        """Wait for a new message (arriving after this call) that ``predicate`` accepts; return it.

        Example: ``session.wait_for(lambda m: m.chat_name == "Ann" and "?" in m.text, timeout=60)``
        (``m`` is a :class:`~wxnb.protocol.records.Message`; ``chat``/``sender`` are UserNames).

        Raises:
            TimeoutError: none within ``timeout`` seconds.
            LoggedOut, SessionClosed, SyncFailed: the session stopped meanwhile (or before).
            Exception: whatever ``predicate`` raises.
        """
        waiter: queue.SimpleQueue[list[Message] | Done] = queue.SimpleQueue()
        with self._lock:
            self._waiters.append(waiter)
        try:
            if self._done.is_set() or self._closed:
                raise self._terminal_error()
            deadline = time.monotonic() + timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no matching message within {timeout} s")
                try:
                    item = waiter.get(timeout=left)
                except queue.Empty:
                    raise TimeoutError(f"no matching message within {timeout} s") from None
                if isinstance(item, Done):
                    raise self._terminal_error()
                for message in item:
                    if predicate(message):
                        return message
        finally:
            with self._lock:
                self._waiters.remove(waiter)

    def _received(self, messages: list[Message]) -> None:
        """New messages are in the archive and the tables: tell the callbacks and the waiters."""
        self._hub.emit_each("message", messages)
        with self._lock:
            waiters = list(self._waiters)
        for waiter in waiters:
            waiter.put(messages)

    def _wake_waiters(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for waiter in waiters:
            waiter.put(DONE)

    def _terminal_error(self) -> Exception:
        """The error that explains why the session is not (or no longer) usable."""
        failure = self._failure
        status = self._board.snapshot()
        if failure is not None and not self._ready.is_set() and isinstance(failure, WxError | StoreError):
            return failure  # the login failed: its own typed error says why and what to do
        if failure is not None:
            error = SyncFailed(f"the session thread stopped: {type(failure).__name__}: {failure}")
            error.__cause__ = failure
            return error
        if status.logout_code is not None:
            return LoggedOut(status.logout_code)
        if status.state == "failed":
            return SyncFailed(f"the sync stopped: {status.last_error}")
        if self._closed or status.state == "closed":
            return SessionClosed("the session is closed")
        if status.state == "logged_out":
            return SessionClosed(f"logged out: {status.logout_reason}")
        return SessionClosed(f"the session is {status.state}")

    def _callback_failed(self, kind: str, exc: BaseException) -> None:
        # On the writer (callbacks run there). Counted quietly: announcing the count would call a
        # failing status callback again, forever.
        self._board.count("callback_errors", quiet=True)

    def _status_changed(self, status: SessionStatus) -> None:
        self._hub.emit("status", status)

    def _deliver_login_event(self, event: LoginEvent) -> None:
        """A login step, from the session thread: delivered on the writer, in line with the status
        events, and waited for (a listener sees a step before the login goes on)."""
        try:
            self._writer.call(lambda: self._login_event(event))
        except (SessionClosed, SyncFailed) as exc:  # the session ended under the login: it stops soon
            logger.info("login step %r not shown: %s", event.phase, exc)

    def _login_event(self, event: LoginEvent) -> None:
        with self._login_lock:  # one step at a time, so that a replaying subscriber misses none
            self._login_seen.append(event)
            for listener in self._login_listeners:
                try:
                    listener(event)
                except Exception:  # a broken listener must not break the login, nor the others
                    logger.exception("a login event listener raised")
            self._hub.emit("login", event)
        with self._progress:
            self._progress.notify_all()
