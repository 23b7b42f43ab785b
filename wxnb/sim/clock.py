"""An injectable wall clock, so that tests can make minutes pass without sleeping.

The simulator reads the time only through a :class:`Clock`. It follows the real wall clock plus an
offset; :meth:`Clock.advance` moves the offset forward (the 2-minute revoke limit, QR expiry) and tells
listeners, so that long polls waiting on a time-based state (an expiring QR) re-check at once.

Example:
    >>> clock = Clock()
    >>> before = clock.now()
    >>> clock.advance(120)
    >>> clock.now() - before >= 120
    True
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from wxnb.sim.strict import NumberError, json_real

__all__ = ["MAX_OFFSET_S", "Clock"]

MAX_OFFSET_S = 100 * 366 * 86_400.0  # a century ahead of the wall clock, at most


class Clock:
    """Wall time (seconds since the epoch, float) plus an offset that only moves forward."""

    def __init__(self, offset: float = 0.0) -> None:
        self._offset = float(offset)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> float:
        """Seconds since the epoch, as the simulated world sees them."""
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Jump ``seconds`` into the future (never backwards) and wake whoever listens.

        Example:
            >>> c = Clock(); c.advance(5); c.offset
            5.0
        """
        if isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds < 0:
            raise NumberError(f"a clock only moves forward: advance({seconds}) is negative")
        step = json_real(seconds, "seconds", 0.0, MAX_OFFSET_S)
        with self._lock:
            if self._offset + step > MAX_OFFSET_S:
                # times beyond this would not fit the replies' 64-bit fields and no client reads them
                raise NumberError(
                    f"the clock may run at most {MAX_OFFSET_S:g} s ahead; it is {self._offset:g} s ahead now"
                )
            self._offset += step
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    @property
    def offset(self) -> float:
        """How far ahead of the real wall clock this clock runs, in seconds."""
        return self._offset

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` (from the advancing thread) after every :meth:`advance`."""
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        """Stop calling ``listener``; unknown listeners are ignored."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)
