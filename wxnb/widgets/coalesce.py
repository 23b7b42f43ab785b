"""Coalesce bursts of widget updates to at most a few per second (DESIGN: ≤ ~10 updates/s).

The sync thread may report many changes in a burst; each one sent as-is would flood the comm
channel and the browser. A :class:`Coalescer` keeps only the latest pending value of each key
and hands them to ``apply`` (which sets the traits inside ``hold_sync()``) at most once per
``min_interval``. A lone update is applied at once, in the caller's thread, so it adds no latency;
only updates that follow within ``min_interval`` wait, on a timer thread, for the next slot. An
update that would change nothing (every value already shown, told by ``unchanged``) takes no slot,
so repeats never delay the next real change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from wxnb.widgets.errors import WidgetClosed

__all__ = ["Cancellable", "Coalescer", "Scheduler", "thread_timer"]


class Cancellable(Protocol):
    """A scheduled call that can still be called off."""

    def cancel(self) -> None:
        """Prevent the call if it has not started yet."""


#: Runs ``callback`` once after ``delay`` seconds, on some other thread; returns a handle.
Scheduler = Callable[[float, Callable[[], None]], Cancellable]


def thread_timer(delay: float, callback: Callable[[], None]) -> Cancellable:
    """The default :data:`Scheduler`: a daemon :class:`threading.Timer` (one per deferred flush)."""
    timer = threading.Timer(delay, callback)
    timer.daemon = True
    timer.name = "wxnb-widget-flush"
    timer.start()
    return timer


class Coalescer:
    """Merge updates and apply the latest values at most once per ``min_interval`` seconds.

    Thread-safe: any thread may :meth:`submit`. Applies never overlap and keep submission order.

    >>> applied = []
    >>> c = Coalescer(applied.append, min_interval=0.1)
    >>> c.submit({"phase": "waiting"})  # idle: applied at once
    >>> applied
    [{'phase': 'waiting'}]
    >>> c.stop()

    Args:
        apply: receives a dict of the latest value of every key submitted since the last apply.
            It runs in the submitting thread (when idle) or on the timer thread. If it raises on
            the timer thread, the error is kept in :attr:`last_error` and re-raised there, so
            :func:`threading.excepthook` reports it.
        min_interval: least time between two applies, in seconds (0.1 = at most 10 per second).
        clock: monotonic clock in seconds (injectable for tests).
        schedule: how a deferred flush is run later (injectable for tests).
        unchanged: ``unchanged(key, value)`` is True when ``key`` already shows ``value``; such
            values are dropped (unless an update of that key is pending or being applied).
    """

    def __init__(
        self,
        apply: Callable[[dict[str, object]], None],
        *,
        min_interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        schedule: Scheduler = thread_timer,
        unchanged: Callable[[str, object], bool] | None = None,
    ) -> None:
        if min_interval < 0:
            raise ValueError(f"min_interval must be >= 0 seconds, not {min_interval}")
        self._apply = apply
        self._min_interval = min_interval
        self._clock = clock
        self._schedule = schedule
        self._lock = threading.Lock()  # guards the fields below
        self._apply_lock = threading.Lock()  # one apply at a time, in order
        self._unchanged = unchanged
        self._pending: dict[str, object] = {}
        self._applying: frozenset[str] = frozenset()  # keys of the apply under way
        self._timer: Cancellable | None = None
        self._booking = 0  # which booked flush is current: a cancelled one may still fire late
        self._last_slot = float("-inf")
        self._stopped = False
        self.last_error: BaseException | None = None
        self.applied = 0

    @property
    def stopped(self) -> bool:
        """True once :meth:`stop` was called."""
        return self._stopped

    def submit(self, values: Mapping[str, object]) -> None:
        """Queue new values; apply now if the last apply is at least ``min_interval`` old.

        Raises:
            WidgetClosed: after :meth:`stop`.
        """
        with self._lock:
            if self._stopped:
                raise WidgetClosed("the widget was closed; create a new one to show more updates")
            unchanged = self._unchanged
            if unchanged is not None:
                # A key pending or being applied may be about to change: its new value must follow.
                busy = self._pending.keys() | self._applying
                values = {k: v for k, v in values.items() if k in busy or not unchanged(k, v)}
                if not values:
                    return
            self._pending.update(values)
            if self._timer is not None:
                return  # a flush is already booked; it will carry these values too
            now = self._clock()
            wait = self._last_slot + self._min_interval - now
            if wait > 0:
                self._booking += 1
                booking = self._booking
                self._timer = self._schedule(wait, lambda: self._on_timer(booking))
                return
            self._last_slot = now
        self._flush()

    def flush(self) -> None:
        """Apply whatever is pending now, in this thread (e.g. before reading the traits)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._last_slot = self._clock()
        self._flush()

    def stop(self, *, flush: bool = True) -> None:
        """Cancel any booked flush; apply what is pending first unless ``flush=False``. Idempotent."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if not flush:
                self._pending.clear()
        self._flush()

    def _on_timer(self, booking: int) -> None:
        with self._lock:
            if booking != self._booking or self._timer is None:
                return  # cancelled (by flush or stop) after the timer had already started
            self._timer = None
            self._last_slot = self._clock()
        try:
            self._flush()
        except BaseException as exc:
            self.last_error = exc
            raise

    def _flush(self) -> None:
        with self._apply_lock:
            with self._lock:
                values, self._pending = self._pending, {}
                self._applying = frozenset(values)
            try:
                if values:
                    self._apply(values)
                    self.applied += 1
            finally:
                with self._lock:
                    self._applying = frozenset()
