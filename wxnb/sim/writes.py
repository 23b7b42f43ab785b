"""How the simulated server takes remark and room-topic writes: limits, writes that change nothing, lag.

What real users report of webwxoplog (remarks) and webwxupdatechatroom?fun=modtopic (room names), and
what the simulator does about it (docs/bulk.md has the sources):

- **limits**: a remark of more than :data:`REMARK_MAX_CHARS` characters, or a topic of more than
  :data:`TOPIC_MAX_CHARS`, or either with a control character (a newline, a tab...), is refused with
  Ret 1200 and nothing changes. The real server's answer is unknown; a refusal is the careful choice
  (the phone's own input boxes stop at these lengths, so nothing longer is ever seen).
- **writes that change nothing**: since 2023 both calls often answer Ret 0 and change nothing.
  :meth:`WriteFaults.ignore` makes them do that, for some targets or all.
- **lag**: a change can take a while to show. :meth:`WriteFaults.set_lag` delays the change (and the
  room notice of a rename) by that many seconds after the Ret 0.

Example:
    >>> writes = WriteFaults()
    >>> writes.ignore("oplog", [("person", 3)])
    >>> writes.ignores("oplog", ("person", 3)), writes.ignores("oplog", ("person", 4))
    (True, False)
    >>> writes.ignore("modtopic")  # every rename answers 0 and changes nothing
    >>> writes.ignores("modtopic", ("room", 1))
    True
    >>> too_long("Company - Annie Smith", REMARK_MAX_CHARS)
    True
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Iterable
from typing import Final, Literal

from wxnb.sim.strict import json_real
from wxnb.sim.usernames import Ref

__all__ = ["REMARK_MAX_CHARS", "TOPIC_MAX_CHARS", "WriteFaults", "WriteOp", "has_control", "too_long"]

# Hanson/vbot #53: "the remark can only be 16 long" (the maintainer added the check); the phone's
# remark box stops at 16 characters as well. wxnb.bulk validates with the same numbers.
REMARK_MAX_CHARS: Final = 16
# Room names: guides give 32 characters for the phone's box (others 42 or 50 for newer kinds of
# rooms); the smallest reported limit is the one a tool can rely on.
TOPIC_MAX_CHARS: Final = 32

WriteOp = Literal["oplog", "modtopic"]
_OPS: Final = ("oplog", "modtopic")
MAX_LAG_S: Final = 3_600.0


def too_long(text: str, limit: int) -> bool:
    """True when ``text`` has more than ``limit`` characters (code points, as the phone counts them)."""
    return len(text) > limit


def has_control(text: str) -> bool:
    """True when ``text`` holds a control character (Unicode category Cc: newline, tab, NUL...)."""
    return any(unicodedata.category(ch) == "Cc" for ch in text)


class WriteFaults:
    """Write faults of one simulator (``sim.faults.writes``): ignored writes and lag. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ignored: dict[str, frozenset[Ref] | None] = {}
        self._lag = 0.0
        self._timers: list[threading.Timer] = []

    def ignore(self, op: WriteOp, targets: Iterable[Ref] | None = None) -> None:
        """From now on ``op`` ("oplog" or "modtopic") answers Ret 0 and changes nothing for ``targets``
        (``("person", pid)`` / ``("room", rid)``; None: for every target).

        Example: ``sim.faults.writes.ignore("oplog", [sim.world.chat_ref(("friend", 1))])``
        """
        if op not in _OPS:
            raise ValueError(f"unknown write op {op!r}: use one of {', '.join(_OPS)}")
        with self._lock:
            self._ignored[op] = None if targets is None else frozenset(targets)

    def ignores(self, op: str, ref: Ref) -> bool:
        """Whether a write of ``op`` to ``ref`` is to be answered 0 and dropped."""
        with self._lock:
            if op not in self._ignored:
                return False
            targets = self._ignored[op]
            return targets is None or ref in targets

    def set_lag(self, seconds: float) -> None:
        """Apply accepted writes ``seconds`` (real time) after their Ret 0 (0: at once)."""
        lag = json_real(seconds, "seconds", 0.0, MAX_LAG_S)
        with self._lock:
            self._lag = lag

    @property
    def lag(self) -> float:
        return self._lag

    def later(self, change: Callable[[], None]) -> None:
        """Run ``change`` now, or after the lag on a timer thread."""
        with self._lock:
            lag = self._lag
            if lag > 0:
                timer = threading.Timer(lag, change)
                timer.daemon = True
                self._timers = [t for t in self._timers if t.is_alive()]
                self._timers.append(timer)
                timer.start()
                return
        change()

    def clear(self) -> None:
        """No ignored writes, no lag; changes still waiting for their lag are dropped."""
        with self._lock:
            self._ignored.clear()
            self._lag = 0.0
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()
