"""The session's writer thread: the one thread that writes a session's state and fires its events.

The archive (batches and the send journal), the tables, the quarantine and the status board of a
session are written by this thread only, and every event ("message", "contacts", "status", the login
steps) is delivered from it, so listeners see them in one order: the order the tasks were submitted.
Other threads hand it work:

- :meth:`Writer.submit`: run a task, don't wait (a status change, an event);
- :meth:`Writer.call`: run a function and wait for its result; its exception is raised to the caller
  (a send's journal entry, the store's opening);
- :meth:`Writer.call_then`: run a function, hand its result to the caller, then run a follow-up on the
  writer while the caller goes on. The sync thread commits a batch this way: it waits for the
  archive commit only (the SyncKey may be acknowledged once the batch is durable) and sends the next
  webwxsync while the writer puts the batch into the tables and fires its events.

A call made from the writer thread itself (an event callback that sends a message) runs at once, in
place: waiting for the queue from inside it would wait forever. A task submitted from the writer
thread is queued like any other.

If a task nobody waits for raises (a bug: the tables and the archive would disagree), the writer dies:
``on_death(exc)`` runs on it as its last act (the session records the failure on the status and
wakes its waiters), every queued and later call raises :class:`~wxnb.session.errors.SyncFailed` with
the error as ``__cause__``. Never silent. :meth:`Writer.stop` lets the tasks queued so far run, then
ends the thread; later calls raise :class:`~wxnb.session.errors.SessionClosed`.

Example:
    >>> writer = Writer(name="example").start()
    >>> order = []
    >>> writer.submit(lambda: order.append("first"))
    >>> writer.call_then(lambda: 2 * 21, lambda n: order.append(n))
    42
    >>> writer.call(lambda: order.append("last"))
    >>> _ = writer.stop(); order
    ['first', 42, 'last']
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Final, Generic, Literal, TypeVar

from wxnb.session.errors import SessionClosed, SyncFailed

__all__ = ["Writer"]

logger = logging.getLogger("wxnb.session")

T = TypeVar("T")

_STOP: Final = None  # the queue's end mark
_RESUME_WAIT: Final = 0.05  # s; see _Call.wait_resumed


class _Call(Generic[T]):
    """A function to run on the writer, with a caller waiting for its result."""

    __slots__ = ("_done", "_resumed", "error", "fn", "result", "then")

    def __init__(
        self, fn: Callable[[], T], then: Callable[[T], object] | None, *, resume_first: bool = False
    ) -> None:
        self.fn = fn
        self.then = then
        self.result: T | None = None
        self.error: BaseException | None = None
        # Bare locks, taken now and released by the other side: the cheapest one-shot signals.
        self._done = threading.Lock()
        self._done.acquire()
        self._resumed: threading.Lock | None = None
        if then is not None and resume_first:
            self._resumed = threading.Lock()
            self._resumed.acquire()

    def resolve(self, result: T) -> None:
        self.result = result
        self._done.release()

    def fail(self, error: BaseException) -> None:
        self.error = error
        self._done.release()

    def wait(self) -> T:
        self._done.acquire()
        if self._resumed is not None:
            self._resumed.release()  # this thread holds the GIL again: the follow-up may start
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]  # set by resolve() when error is None

    def wait_resumed(self) -> None:
        """Let the caller run first. Right after resolve() the writer still holds the GIL: if it went
        straight on with the follow-up (pure Python, milliseconds for a batch of 500), the caller
        would get the GIL back only when that ends or after the switch interval (5 ms), and the next
        request would wait for the publication instead of overlapping with it. Once the caller runs,
        it keeps the GIL until it blocks on the network: the follow-up runs then. The timeout only
        guards against a caller that never resumes."""
        if self._resumed is not None:
            self._resumed.acquire(timeout=_RESUME_WAIT)


class Writer:
    """One thread running tasks in submission order (see the module docstring).

    ``name``: the thread's name. ``on_death(exc)``: called on the writer thread when a task nobody
    waits for raises, before the thread ends.
    """

    def __init__(self, *, name: str, on_death: Callable[[BaseException], None] | None = None) -> None:
        self._queue: queue.SimpleQueue[_Call[object] | Callable[[], object] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()  # the state, and puts (none after the state leaves "running")
        self._state: Literal["new", "running", "stopping", "dead"] = "new"
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._ident: int | None = None
        self._on_death = on_death
        self.failure: BaseException | None = None  # why the writer died (None while it lives)

    def start(self) -> Writer:
        """Start the thread; returns the writer."""
        with self._lock:
            if self._state != "new":
                raise RuntimeError("this writer was started already")
            self._state = "running"
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        """True from :meth:`start` until :meth:`stop` or its death."""
        return self._state == "running"

    def in_writer(self) -> bool:
        """True when called from the writer thread itself."""
        return threading.get_ident() == self._ident

    # -- handing work over -------------------------------------------------------------------------

    def submit(self, task: Callable[[], object]) -> None:
        """Queue ``task``; it runs after everything submitted before it. If it raises, the writer dies.

        Raises:
            SessionClosed: the writer was stopped (or never started). SyncFailed: it died.
        """
        self._put(task)

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the writer (after what is queued) and return its result, or raise its error.

        From the writer thread itself, ``fn`` runs at once.

        Raises:
            SessionClosed, SyncFailed: as :meth:`submit`; and whatever ``fn`` raises.
        """
        if threading.get_ident() == self._ident:
            return fn()
        pending: _Call[T] = _Call(fn, None)
        self._put(pending)  # type: ignore[arg-type]  # _Call is invariant; the writer only calls it
        return pending.wait()

    def call_then(self, fn: Callable[[], T], then: Callable[[T], object], *, overlap: bool = True) -> T:
        """Run ``fn`` on the writer and return its result as soon as it has one; the writer then runs
        ``then(result)`` while the caller goes on. An error of ``fn`` is raised to the caller (``then``
        does not run); an error of ``then`` kills the writer.

        ``overlap``: ``then`` starts once the caller runs again, so that it overlaps the caller's next
        blocking call (a request) instead of delaying it (see ``_Call.wait_resumed``). False: it starts
        at once (the caller resumes once it is done, or after the interpreter's switch interval).

        Raises:
            SessionClosed, SyncFailed: as :meth:`submit`; and whatever ``fn`` raises.
        """
        if threading.get_ident() == self._ident:
            result = fn()
            then(result)
            return result
        pending: _Call[T] = _Call(fn, then, resume_first=overlap)
        self._put(pending)  # type: ignore[arg-type]
        return pending.wait()

    def _put(self, item: _Call[object] | Callable[[], object]) -> None:
        with self._lock:
            if self._state == "running":
                self._queue.put(item)
                return
            state = self._state
        if state == "dead":
            raise self._dead_error()
        raise SessionClosed("the session is closed")

    def _dead_error(self) -> SyncFailed:
        failure = self.failure
        error = SyncFailed(f"the session's writer thread failed: {type(failure).__name__}: {failure}")
        error.__cause__ = failure
        return error

    # -- ending ------------------------------------------------------------------------------------

    def stop(self, timeout: float | None = None) -> bool:
        """Run what is queued, then end the thread; wait up to ``timeout`` s for it (None: for ever).
        From the writer thread itself it does not wait. Returns True once the thread has ended.
        Idempotent."""
        with self._lock:
            if self._state == "running":
                self._state = "stopping"
                self._queue.put(_STOP)
            elif self._state == "new":
                self._state = "stopping"
                return True
        if threading.get_ident() == self._ident:
            return False
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # -- the thread --------------------------------------------------------------------------------

    def _run(self) -> None:
        self._ident = threading.get_ident()
        get = self._queue.get
        try:
            while True:
                item = get()
                if item is _STOP:
                    return
                if isinstance(item, _Call):
                    try:
                        result = item.fn()
                    except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
                        item.fail(exc)
                        continue
                    item.resolve(result)
                    if item.then is not None:
                        item.wait_resumed()
                        item.then(result)
                else:
                    item()
        except BaseException as exc:  # noqa: BLE001 - logged and reported by _die, never silent
            self._die(exc)

    def _die(self, exc: BaseException) -> None:
        with self._lock:
            self._state = "dead"
            self.failure = exc
        logger.critical("the session's writer thread failed; the session stops", exc_info=exc)
        if self._on_death is not None:
            try:
                self._on_death(exc)
            except Exception:
                logger.exception("reporting the writer's failure failed")
        error_for = self._dead_error
        while True:  # nothing is put any more: fail whoever still waits
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, _Call):
                item.fail(error_for())
