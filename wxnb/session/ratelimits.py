"""Rate limits per operation: after a Ret 1205, that kind of request pauses; the others go on.

The server's budgets are per operation (sending, revoking, fetching contacts, ...): a 1205 from
webwxbatchgetcontact says nothing about webwxsync. So each operation has its own pause. The first
1205 pauses it for ``first`` seconds, each further one in a row for ``factor`` times longer (capped
at ``cap``), with up to ``jitter`` more at random so that clients do not come back in step. A
success ends the run. While an operation is paused, :meth:`RateLimits.check` raises
:class:`~wxnb.session.errors.OperationPaused` (a :class:`~wxnb.protocol.errors.RateLimited`) at once,
with the time left, and no request is sent; the sync thread instead keeps the names it could not
fetch and fetches them when the pause ends.

Used from any thread (the sync thread fetches contacts, the caller's thread sends): one lock guards
the table of pauses; ``on_change`` gets the pauses after each change, in order, under that lock (so
it must not block: the session's only queues them for its writer, which puts them on
``session.status.paused``).

Example:
    >>> limits = RateLimits(first=60.0, jitter=0.0)
    >>> limits.refused("send")
    60.0
    >>> limits.left("send") > 59, limits.left("batchgetcontact")
    (True, 0.0)
    >>> limits.check("send")
    Traceback (most recent call last):
    ...
    wxnb.session.errors.OperationPaused: rate limited by the server, Ret 1205 (send is paused ...
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from wxnb.protocol import RateLimited
from wxnb.session.errors import OperationPaused
from wxnb.session.status import Pause

__all__ = ["RateLimits"]

T = TypeVar("T")


@dataclass(slots=True)
class _Run:
    refused: int
    until: float  # time.monotonic()
    until_utc: datetime


class RateLimits:
    """Pauses per operation after Ret 1205 (see the module docstring).

    ``first``: the first pause (s); ``factor``: growth per further 1205 in a row; ``cap``: the longest
    pause; ``jitter``: up to this fraction more, at random. ``clock``: monotonic seconds (tests).
    """

    def __init__(
        self,
        *,
        first: float = 10.0,
        factor: float = 2.0,
        cap: float = 600.0,
        jitter: float = 0.25,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[tuple[Pause, ...]], None] | None = None,
    ) -> None:
        if first < 0 or factor < 1 or cap < first or jitter < 0:
            raise ValueError("first >= 0, factor >= 1, cap >= first and jitter >= 0")
        self.first, self.factor, self.cap, self.jitter = first, factor, cap, jitter
        self._rng = rng or random.Random()
        self._clock = clock
        self._on_change = on_change
        self._lock = threading.Lock()
        self._runs: dict[str, _Run] = {}

    def left(self, operation: str) -> float:
        """Seconds until ``operation`` may be asked again (0: now)."""
        with self._lock:
            run = self._runs.get(operation)
            return 0.0 if run is None else max(0.0, run.until - self._clock())

    def check(self, operation: str, *, endpoint: str = "") -> None:
        """Raise :class:`OperationPaused` if ``operation`` is paused (no request should go out)."""
        left = self.left(operation)
        if left > 0:
            raise OperationPaused(operation, left, endpoint=endpoint)

    def refused(self, operation: str) -> float:
        """The server answered ``operation`` with 1205: pause it (longer than last time, if the last
        one was refused too). Returns the pause in seconds."""
        with self._lock:
            run = self._runs.get(operation)
            count = 1 if run is None else run.refused + 1
            base = min(self.cap, self.first * self.factor ** (count - 1))
            pause = base * (1.0 + self.jitter * self._rng.random())
            self._runs[operation] = _Run(
                count, self._clock() + pause, datetime.now(UTC) + timedelta(seconds=pause)
            )
            self._changed()
        return pause

    def succeeded(self, operation: str) -> None:
        """``operation`` went through: its run of 1205s is over."""
        with self._lock:
            if self._runs.pop(operation, None) is not None:
                self._changed()

    def guard(self, operation: str, call: Callable[[], T], *, endpoint: str = "") -> T:
        """Run ``call`` (one request of ``operation``) unless paused; a 1205 pauses the operation.

        Raises:
            OperationPaused: paused now; nothing was sent.
            RateLimited: the server refused it (now paused).
        """
        self.check(operation, endpoint=endpoint)
        try:
            result = call()
        except RateLimited:
            self.refused(operation)
            raise
        self.succeeded(operation)
        return result

    def pauses(self) -> tuple[Pause, ...]:
        """The operations paused now (or whose last request was refused and not yet retried)."""
        with self._lock:
            return self._pauses()

    def _pauses(self) -> tuple[Pause, ...]:
        return tuple(Pause(op, run.until_utc, run.refused) for op, run in sorted(self._runs.items()))

    def _changed(self) -> None:
        # Under the lock, so that changes from two threads reach on_change in the order they were
        # made (the session's on_change only queues a task for its writer: it never blocks).
        if self._on_change is not None:
            self._on_change(self._pauses())
