"""Injected faults: all off by default; each fires at a rate (seeded, reproducible) or a number of times.

Kinds (PROTOCOL-level effects are applied by the server):

============  ==========================================================================================
reset         the connection is reset (TCP RST) instead of answering
http_500      HTTP 500 with an nginx-style error page
http_502      HTTP 502 with an nginx-style error page
delay         the answer is held ``seconds`` longer (the server keeps serving others meanwhile)
truncate      the headers promise the whole body, half of it is sent, then the connection closes
malformed     a complete HTTP reply whose body is cut in half (broken JSON / JS / XML)
logout        the session is ended with ``code`` (1101 or 1102; 1100 = logged out on the phone) and
              the request is answered as the real server answers a dead session
stale_key     webwxsync delivers but hands back the *old* SyncKey (the client sees the batch again)
============  ==========================================================================================

Rate limiting (Ret 1205) is a budget per operation kind (send, revoke, oplog, updatechatroom,
createchatroom, batchgetcontact, ...): at most ``count`` operations per ``per`` seconds of the world
clock; beyond that the operation is refused with Ret 1205 and changes nothing. Remarks
(webwxoplog) and room renames (modtopic) have budgets of their own, "oplog" and "modtopic".

Writes that answer Ret 0 and change nothing, and the lag before a change shows, are
:attr:`Faults.writes` (:class:`~wxnb.sim.writes.WriteFaults`).

Example:
    >>> faults = Faults(seed=1)
    >>> rule = faults.once("http_500", endpoint="webwxsync")
    >>> faults.pick("synccheck") is None, faults.pick("webwxsync") is rule, faults.pick("webwxsync")
    (True, True, None)
    >>> faults.set_budget("send", 1)
    >>> faults.allow("send"), faults.allow("send")
    (True, False)
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wxnb.sim.strict import json_int, json_real
from wxnb.sim.writes import WriteFaults

__all__ = ["FAULT_KINDS", "FaultRule", "Faults"]

MAX_DELAY_S = 3_600.0  # a delay fault holds a reply at most an hour (a timer of 1e300 s overflows)

FAULT_KINDS = ("reset", "http_500", "http_502", "delay", "truncate", "malformed", "logout", "stale_key")


@dataclass(slots=True)
class FaultRule:
    """One injected fault. ``endpoint`` None matches every protocol endpoint (never ``/_sim/``).

    ``rate`` is the chance of firing on each matching request; ``times`` the number of firings left
    (None: unlimited). A rule that has fired ``times`` times is dropped.
    """

    id: int
    kind: str
    endpoint: str | None = None
    rate: float = 1.0
    times: int | None = None
    seconds: float = 0.0
    code: int = 1101
    fired: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "endpoint": self.endpoint, "rate": self.rate,
            "times": self.times, "seconds": self.seconds, "code": self.code, "fired": self.fired,
        }  # fmt: skip


@dataclass(slots=True)
class _Budget:
    count: int
    per: float
    used: deque[float] = field(default_factory=deque)


class Faults:
    """The fault switchboard of one simulator. Thread-safe."""

    def __init__(self, seed: int = 0, now: Callable[[], float] = time.time) -> None:
        self._rng = random.Random(f"faults:{seed}")
        self._now = now
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._budgets: dict[str, _Budget] = {}
        self._ids = itertools.count(1)
        self.log: list[tuple[str, str]] = []  # (endpoint, kind) of every fault that fired
        self.writes = WriteFaults()  # remark/topic writes that change nothing, and their lag

    def add(
        self,
        kind: str,
        *,
        endpoint: str | None = None,
        rate: float = 1.0,
        times: int | None = None,
        seconds: float = 0.5,
        code: int = 1101,
    ) -> FaultRule:
        """Add a fault: ``kind`` on ``endpoint`` (e.g. ``"webwxsync"``; None = all) at ``rate``,
        at most ``times`` times. ``seconds`` is for ``delay``, ``code`` for ``logout``.

        Example:
            >>> Faults().add("reset", endpoint="synccheck", rate=0.1).kind
            'reset'
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known kinds: {', '.join(FAULT_KINDS)}")
        rate = json_real(rate, "rate", 0.0, 1.0)
        seconds = json_real(seconds, "seconds", 0.0, MAX_DELAY_S)
        code = json_int(code, "code", -(2**31), 2**31 - 1)
        if times is not None:
            times = json_int(times, "times (at least 1, or None for unlimited)", 1, 10**9)
        if kind == "logout" and code not in (1100, 1101, 1102):
            raise ValueError(f"a forced logout answers 1100, 1101 or 1102, not {code}")
        if kind == "stale_key" and endpoint is None:
            endpoint = "webwxsync"
        rule = FaultRule(next(self._ids), kind, endpoint, rate, times, seconds, code)
        with self._lock:
            self._rules.append(rule)
        return rule

    def once(self, kind: str, endpoint: str | None = None, **options: Any) -> FaultRule:
        """A fault that fires on the next matching request only."""
        return self.add(kind, endpoint=endpoint, times=1, **options)

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        """Remove every fault, every rate-limit budget and every write fault."""
        with self._lock:
            self._rules.clear()
            self._budgets.clear()
        self.writes.clear()

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def pick(self, endpoint: str) -> FaultRule | None:
        """The fault to apply to this request of ``endpoint``, if one fires (consumes one firing)."""
        with self._lock:
            if not self._rules:
                return None
            for rule in self._rules:
                if rule.endpoint is not None and rule.endpoint != endpoint:
                    continue
                if rule.rate < 1.0 and self._rng.random() >= rule.rate:
                    continue
                rule.fired += 1
                if rule.times is not None and rule.fired >= rule.times:
                    self._rules.remove(rule)
                self.log.append((endpoint, rule.kind))
                return rule
            return None

    def set_budget(self, op: str, count: int, per: float = 60.0) -> None:
        """Allow at most ``count`` operations of kind ``op`` per ``per`` seconds; then Ret 1205."""
        count = json_int(count, "count", 0, 10**9)
        per = json_real(per, "per", 0.001, 366 * 86_400.0)
        with self._lock:
            self._budgets[op] = _Budget(count, per)

    def clear_budget(self, op: str) -> None:
        with self._lock:
            self._budgets.pop(op, None)

    def budgets(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {
                op: {"count": b.count, "per": b.per, "used": len(b.used)} for op, b in self._budgets.items()
            }

    def allow(self, op: str) -> bool:
        """Consume one operation of kind ``op``; False (rate limited) when the budget is spent."""
        with self._lock:
            budget = self._budgets.get(op)
            if budget is None:
                return True
            now = self._now()
            while budget.used and budget.used[0] <= now - budget.per:
                budget.used.popleft()
            if len(budget.used) >= budget.count:
                self.log.append((op, "rate_limit"))
                return False
            budget.used.append(now)
            return True
