"""Widget tests: build this checkout's front end first (the widget classes need the bundle)."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from tests.frontend import ensure_bundle

ensure_bundle()


@dataclass(order=True)
class _Booking:
    due: float
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class FakeTime:
    """A clock and a scheduler that only move when the test says so: no sleeps, no races."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._queue: list[_Booking] = []
        self._seq = itertools.count()

    def clock(self) -> float:
        return self.now

    def schedule(self, delay: float, callback: Callable[[], None]) -> _Booking:
        booking = _Booking(self.now + delay, next(self._seq), callback)
        heapq.heappush(self._queue, booking)
        return booking

    @property
    def booked(self) -> list[_Booking]:
        return sorted(b for b in self._queue if not b.cancelled)

    def advance(self, seconds: float) -> None:
        """Move the clock forward, running every booking that falls due, in order."""
        end = self.now + seconds
        while self._queue and self._queue[0].due <= end:
            booking = heapq.heappop(self._queue)
            self.now = max(self.now, booking.due)
            if not booking.cancelled:
                booking.callback()
        self.now = end

    def fire_cancelled_late(self) -> int:
        """Run cancelled bookings anyway, as a real timer that had already started would."""
        late = [b for b in self._queue if b.cancelled]
        self._queue = [b for b in self._queue if not b.cancelled]
        heapq.heapify(self._queue)
        for booking in late:
            booking.callback()
        return len(late)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()
