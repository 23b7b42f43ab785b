"""Applying a plan: one write at a time, slowly, in the background; each write verified on the server.

:meth:`Plan.apply <wxnb.bulk.plan.Plan.apply>` starts a :class:`BulkRun` on a ``wxnb-bulk`` thread and
returns it at once (the notebook stays usable); :meth:`BulkRun.wait` blocks for the
:class:`~wxnb.bulk.result.BulkResult`.

- **Pace**: the writes start at least ``pace`` seconds apart (default 15), each gap stretched by a
  random ``0..jitter`` share of it: never faster than asked.
- **1205** ("operating too often"): the write changed nothing; the run pauses ``pace × 2ⁿ`` (n: 1205s
  in a row, at most ``pace × 64``), then goes on 1.5 times slower (at most 4 times the pace) and tries
  that row again. More than ``max_rate_limits`` 1205s in a row stop the run.
- **1100/1101/1102** (logged out), or the session closed: the run stops and says so; what is done stays
  done. Any other error is the row's (``failed``, with the server's words) and the run goes on.
- **Pause / resume / cancel**: :meth:`BulkRun.pause`, :meth:`~BulkRun.resume`, :meth:`~BulkRun.cancel`
  (also Ctrl-C / the kernel's interrupt during :meth:`~BulkRun.wait`): the current write finishes, no
  new one starts.
- **Verify**: after a write answered Ret 0 the run looks the target up on the server
  (webwxbatchgetcontact, :meth:`Session.lookup <wxnb.session.Session.lookup>`), never in its own tables,
  until it shows the new value (``verified``) or ``verify_timeout`` seconds pass (``unverified``: the
  server said 0 and changed nothing, as it often does since 2023). The session's tables change only
  when the server's contact change arrives.
- **Resume**: every write is journalled before it goes out (:mod:`wxnb.bulk.journal`); applying the
  same changes again — after a kernel restart too — writes only what no run has written.

Threads: the run's thread makes requests through the session's public actions (as a user's thread
does) and writes only its own journal; the session's writer stays the only writer of the session's
state. Progress callbacks run on the run's thread.

Example::

    run = wxnb.bulk.plan_remarks(session, {"Annie": "Annie (ACME)"}).apply(pace=20)
    run.progress.describe()     # '1/1 done: 1 verified ...'
    run.pause(); run.resume()
    result = run.wait()
    result.undo_plan().apply()  # back to the old remarks
"""

from __future__ import annotations

import logging
import math
import random
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TextIO

from wxnb.bulk.errors import BulkBusy
from wxnb.bulk.journal import Journal, journal_path
from wxnb.bulk.result import BulkResult, RowState
from wxnb.protocol import LoggedOut, OutcomeUnknown, RateLimited, WxError
from wxnb.session import AmbiguousRecipient, NotReady, RecipientNotFound, SessionClosed, SyncFailed

if TYPE_CHECKING:
    from wxnb.bulk.plan import Plan

__all__ = ["BulkRun", "Progress", "RunState", "text_progress"]

logger = logging.getLogger("wxnb.bulk")

RunState = Literal["starting", "running", "paused", "cancelling", "finished", "cancelled", "stopped"]
_MAX_BACKOFF_PACES: Final = 64
_MAX_SLOWDOWN: Final = 4.0
_SLOWDOWN: Final = 1.5
_MAX_CHECK_EVERY: Final = 5.0
_RUNNING: set[Path] = set()  # journals with a live run (one run per account at a time)
_RUNNING_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a run is. ``done`` counts rows that ended (verified, unverified, failed, skipped)."""

    total: int
    verified: int
    unverified: int
    failed: int
    skipped: int
    writes: int
    rate_limited: int
    state: RunState
    pace: float
    eta: float | None
    stop_reason: str

    @property
    def done(self) -> int:
        return self.verified + self.unverified + self.failed + self.skipped

    def describe(self) -> str:
        """One line of text, e.g. ``'12/300 done: 11 verified, 1 failed; running, ETA 1h12m'``."""
        parts = [f"{n} {what}" for what, n in (("verified", self.verified), ("unverified", self.unverified),
                 ("failed", self.failed), ("skipped", self.skipped)) if n]  # fmt: skip
        eta = f", ETA {_duration(self.eta)}" if self.eta is not None and self.state == "running" else ""
        extra = f" ({self.rate_limited}× 1205)" if self.rate_limited else ""
        why = f": {self.stop_reason}" if self.stop_reason else ""
        counts = ", ".join(parts) or "nothing yet"
        return f"{self.done}/{self.total} done: {counts}; {self.state}{eta}{extra}{why}"


def text_progress(stream: TextIO | None = None, every: float = 10.0) -> Callable[[Progress], None]:
    """A progress callback for terminals and scripts: one line (:meth:`Progress.describe`) at most every
    ``every`` seconds, and the last one always (to ``stream``, default stderr).

    Example: ``plan.apply(on_progress=wxnb.bulk.text_progress())``
    """
    last = [-math.inf]
    lock = threading.Lock()

    def show(progress: Progress) -> None:
        now = time.monotonic()
        with lock:
            if progress.state not in ("finished", "cancelled", "stopped") and now - last[0] < every:
                return
            last[0] = now
        print(progress.describe(), file=stream or sys.stderr, flush=True)

    return show


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _positive(name: str, value: float, *, zero: bool = False) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number of seconds, not {value!r}")
    if value < 0 or (value == 0 and not zero):
        raise ValueError(f"{name} must be {'at least 0' if zero else 'more than 0'}, not {value}")
    return float(value)


class BulkRun:
    """A plan being applied (see the module). Made and started by :meth:`Plan.apply`; or made here,
    then :meth:`start`-ed (e.g. ``BulkRun(plan, pace=20)``, ``.pause()``, ``.start()``: starts paused)."""

    def __init__(
        self,
        plan: Plan,
        *,
        pace: float = 15.0,
        jitter: float = 0.2,
        verify_timeout: float = 120.0,
        on_progress: Callable[[Progress], object] | None = None,
        max_rate_limits: int = 8,
        seed: int | None = None,
    ) -> None:
        self.plan = plan
        self.pace = _positive("pace", pace)
        self.jitter = _positive("jitter", jitter, zero=True)
        if self.jitter > 1:
            raise ValueError(f"jitter is a share of the pace, 0 to 1, not {jitter}")
        self.verify_timeout = _positive("verify_timeout", verify_timeout, zero=True)
        if not isinstance(max_rate_limits, int) or max_rate_limits < 1:
            raise ValueError(f"max_rate_limits must be an int of at least 1, not {max_rate_limits!r}")
        self.max_rate_limits = max_rate_limits
        archive = plan.session.archive_path
        if archive is None:
            raise NotReady("the login has not finished: session.wait_ready(), then plan again")
        self.journal_path = journal_path(archive)
        self._rng = random.Random(seed)
        self._listeners: list[Callable[[Progress], object]] = [on_progress] if on_progress else []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._resumed = threading.Event()
        self._resumed.set()
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._thread: threading.Thread | None = None
        self._state: RunState = "starting"
        self._stop_reason = ""
        self._pace_now = self.pace
        self._next_write = 0.0
        self._next_check = 0.0
        self._writes = 0
        self._rate_limited = 0
        self._failure: BaseException | None = None
        self.write_times: list[float] = []  # time.monotonic() at the start of each write request
        changes = plan.changes
        self._rows: list[dict[str, Any]] = [
            {"key": r.key, "user_name": r.user_name, "name": r.name, "old": r.current, "new": r.new,
             "state": "pending", "reason": ""}
            for r in changes.itertuples(index=False)
        ]  # fmt: skip
        self._awaiting: dict[int, float] = {}  # row → the deadline of its verification (monotonic)

    # -- control -------------------------------------------------------------------------------------

    def start(self) -> BulkRun:
        """Start the run's thread (:meth:`Plan.apply` does). Raises BulkBusy if the account has one."""
        with _RUNNING_LOCK:
            if self.journal_path in _RUNNING:
                raise BulkBusy("another bulk run of this account is going: wait for it or cancel it first")
            _RUNNING.add(self.journal_path)
        self._thread = threading.Thread(target=self._main, name="wxnb-bulk", daemon=True)
        self._set_state("running", only_from=("starting",))  # paused before the start: stays paused
        self._thread.start()
        return self

    def pause(self) -> None:
        """Start no new write until :meth:`resume` (verification goes on). Before :meth:`start`: the
        run starts paused."""
        self._resumed.clear()
        self._set_state("paused", only_from=("running", "starting"))

    def resume(self) -> None:
        self._resumed.set()
        self._set_state("running", only_from=("paused",))

    def cancel(self) -> None:
        """Stop after the current write; rows not written end ``skipped`` (apply again to go on)."""
        self._cancel.set()
        self._resumed.set()
        self._set_state("cancelling", only_from=("running", "paused", "starting"))

    def close(self) -> None:
        """Cancel (what :meth:`Session.close_with` calls)."""
        self.cancel()

    def wait(self, timeout: float | None = None) -> BulkResult:
        """Block until the run ends; return its result. Ctrl-C (the kernel's interrupt) cancels the run,
        waits for the current write, and raises KeyboardInterrupt.

        Raises:
            TimeoutError: not finished within ``timeout`` s (the run goes on).
        """
        try:
            if not self._finished.wait(timeout):
                raise TimeoutError(f"the run is not finished after {timeout} s: {self.progress.describe()}")
        except KeyboardInterrupt:
            self.cancel()
            self._finished.wait()
            raise
        return self.result

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    def on_progress(self, callback: Callable[[Progress], object]) -> Callable[[], None]:
        """Call ``callback(progress)`` on every change (on the run's thread; keep it short)."""
        with self._lock:
            self._listeners.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return unsubscribe

    # -- views ---------------------------------------------------------------------------------------

    @property
    def progress(self) -> Progress:
        with self._lock:
            counts = {s: 0 for s in ("verified", "unverified", "failed", "skipped")}
            for row in self._rows:
                if row["state"] in counts:
                    counts[row["state"]] += 1
            unwritten = sum(1 for row in self._rows if row["state"] == "pending") - len(self._awaiting)
            eta = None
            if self._state in ("running", "starting"):
                wait = max(0.0, self._next_write - time.monotonic())
                eta = wait + max(0, unwritten - 1) * self._pace_now * (1 + self.jitter / 2)
            return Progress(
                total=len(self._rows),
                writes=self._writes,
                rate_limited=self._rate_limited,
                state=self._state,
                pace=self._pace_now,
                eta=eta,
                stop_reason=self._stop_reason,
                **counts,
            )

    @property
    def result(self) -> BulkResult:
        """The rows so far (every plan row; those not done yet are ``pending``)."""
        with self._lock:
            rows = [dict(r) for r in self._rows]
            reason = self._stop_reason
        return BulkResult(self.plan, rows, stop_reason=reason)

    def __repr__(self) -> str:
        return f"<wxnb.bulk.BulkRun {self.plan.kind}: {self.progress.describe()}>"

    # -- the thread ----------------------------------------------------------------------------------

    def _set_state(self, state: RunState, *, only_from: tuple[RunState, ...] | None = None) -> None:
        with self._lock:
            if only_from is not None and self._state not in only_from:
                return
            self._state = state
        self._wake.set()
        self._emit()

    def _emit(self) -> None:
        if not self._listeners:
            return
        progress = self.progress
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(progress)
            except Exception:  # a broken view must not stop the writes
                logger.exception("a bulk progress callback raised")

    def _main(self) -> None:
        journal: Journal | None = None
        try:
            journal = Journal(self.journal_path)
            self._run(journal)
        except BaseException as exc:
            self._failure = exc
            logger.exception("the bulk run failed")
            self._stop(f"the run failed: {type(exc).__name__}: {exc}")
        finally:
            if journal is not None:
                journal.close()
            with _RUNNING_LOCK:
                _RUNNING.discard(self.journal_path)
            self._finish()

    def _finish(self) -> None:
        with self._lock:
            if self._stop_reason:
                why = f"not written: {self._stop_reason}; apply the plan again to go on"
            elif self._cancel.is_set():
                why = "not written: the run was cancelled; apply the plan again to go on"
            else:
                why = "not written"
            for row in self._rows:
                if row["state"] == "pending":
                    row["state"], row["reason"] = "skipped", row["reason"] or why
            if self._stop_reason:
                self._state = "stopped"
            elif self._cancel.is_set():
                self._state = "cancelled"
            else:
                self._state = "finished"
        self._finished.set()
        self._emit()
        logger.info("bulk %s run: %s", self.plan.kind, self.progress.describe())

    def _stop(self, reason: str) -> None:
        with self._lock:
            if not self._stop_reason:
                self._stop_reason = reason
        self._cancel.set()

    def _end_row(self, i: int, state: RowState, reason: str = "") -> None:
        with self._lock:
            self._rows[i]["state"], self._rows[i]["reason"] = state, reason
            self._awaiting.pop(i, None)
        self._emit()

    def _run(self, journal: Journal) -> None:
        kind = self.plan.kind
        session = self.plan.session
        # This login's UserNames (the plan may be older than a re-login): by stable key.
        contacts = session.contacts
        fresh = dict(zip(contacts["key"].tolist(), contacts["user_name"].tolist(), strict=True))
        todo: deque[int] = deque()
        now = time.monotonic()
        for i, row in enumerate(self._rows):
            user_name = fresh.get(row["key"])
            row["user_name"] = user_name if isinstance(user_name, str) else row["user_name"]
            entry = journal.entry(kind, row["key"], row["new"])
            if entry is None or entry.state in ("failed", "verified"):
                # failed: nothing changed, so try again; verified earlier yet the plan (made from the
                # current value) still says change: it was changed back since, so this is a new write.
                todo.append(i)
            else:  # sending / sent / unverified: may have reached the server: verify, never re-send
                row["reason"] = f"written by an earlier run ({entry.state}): checked, not sent again"
                self._awaiting[i] = now + self.verify_timeout
        consecutive = 0
        self._next_write = time.monotonic()
        self._check(journal)
        while todo and not self._cancel.is_set():
            if not self._wait_until_due(journal):
                break
            i = todo.popleft()
            outcome = self._write(journal, i)
            started = self.write_times[-1] if self.write_times else time.monotonic()
            if outcome == "rate_limited":
                consecutive += 1
                with self._lock:
                    self._rate_limited += 1
                if consecutive > self.max_rate_limits:
                    self._stop(
                        f"the server answered 1205 (too often) {consecutive} times in a row; wait an hour, "
                        "then apply the plan again with a slower pace"
                    )
                    break
                todo.appendleft(i)
                backoff = min(self.pace * 2**consecutive, self.pace * _MAX_BACKOFF_PACES)
                self._pace_now = min(self._pace_now * _SLOWDOWN, self.pace * _MAX_SLOWDOWN)
                logger.warning("bulk: 1205 (%d in a row); pausing %.3g s, then one write per %.3g s",
                               consecutive, backoff, self._pace_now)  # fmt: skip
                self._next_write = started + max(backoff, self._gap())
            else:
                consecutive = 0
                self._next_write = started + self._gap()
            self._emit()
            if outcome == "stop":
                break
            self._check(journal)
        # The last writes' verification: until each shows or its deadline passes (not after a cancel).
        while self._awaiting and not self._cancel.is_set():
            self._check(journal)
            if self._awaiting:
                self._wake.wait(self._check_every())
                self._wake.clear()
        if self._awaiting:
            self._check(journal, final=True)

    def _gap(self) -> float:
        """The time from one write's start to the next one's: the pace, stretched by jitter, never less."""
        return self._pace_now * (1 + self._rng.uniform(0, self.jitter))

    def _check_every(self) -> float:
        return min(self._pace_now, _MAX_CHECK_EVERY)

    def _wait_until_due(self, journal: Journal) -> bool:
        """Wait for the next write's time (verifying meanwhile), while paused too. False: cancelled.
        A due write goes first: a verification never makes the next write late."""
        while True:
            if self._cancel.is_set():
                return False
            now = time.monotonic()
            if self._resumed.is_set() and now >= self._next_write:
                return True
            if self._awaiting and now >= self._next_check:
                self._check(journal)
                continue
            until = self._next_write if self._resumed.is_set() else now + self._check_every()
            if self._awaiting:
                until = min(until, self._next_check)
            self._wake.wait(max(until - now, 0.0))
            self._wake.clear()

    def _write(self, journal: Journal, i: int) -> Literal["sent", "rate_limited", "failed", "stop"]:
        kind, session = self.plan.kind, self.plan.session
        row = self._rows[i]
        key, new, old = row["key"], row["new"], row["old"] or ""
        journal.mark(kind, key, new, old, "sending")  # before the request: a crash never re-sends it
        self.write_times.append(time.monotonic())
        try:
            if kind == "remark":
                session.set_remark(key, new)
            else:
                session.set_topic(key, new)
        except RateLimited:
            journal.forget(kind, key, new)  # refused: nothing changed
            return "rate_limited"
        except LoggedOut as exc:
            journal.forget(kind, key, new)
            self._stop(f"logged out ({exc}); log in again and apply the plan again: what is done stays done")
            return "stop"
        except OutcomeUnknown as exc:  # sent, answer lost: maybe applied; verify, never re-send
            journal.mark(kind, key, new, old, "sent", f"no answer: {exc}")
            with self._lock:
                self._writes += 1
                self._awaiting[i] = time.monotonic() + self.verify_timeout
            return "sent"
        except (NotReady, SessionClosed, SyncFailed) as exc:
            journal.forget(kind, key, new)
            self._stop(f"the session is not usable: {exc}")
            return "stop"
        except (RecipientNotFound, AmbiguousRecipient, ValueError, WxError) as exc:
            why = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, WxError) and exc.ret == -1:  # the server's "no such target"
                what = "room (did the account leave it?)" if kind == "topic" else "friend (removed?)"
                why = f"the server does not know this {what}; {why}"
            journal.mark(kind, key, new, old, "failed", why)
            self._end_row(i, "failed", why)
            return "failed"
        journal.mark(kind, key, new, old, "sent")
        with self._lock:
            self._writes += 1
            self._awaiting[i] = time.monotonic() + self.verify_timeout
        return "sent"

    def _check(self, journal: Journal, *, final: bool = False) -> None:
        """Look the written rows up on the server; verified, or unverified once their time is up."""
        self._next_check = time.monotonic() + self._check_every()
        with self._lock:
            awaiting = dict(self._awaiting)
        if not awaiting:
            return
        kind, session = self.plan.kind, self.plan.session
        names = [self._rows[i]["user_name"] for i in awaiting if isinstance(self._rows[i]["user_name"], str)]
        found: dict[str, Any] | None
        error = ""
        try:
            found = session.lookup(names)
        except (WxError, NotReady, SessionClosed, SyncFailed) as exc:
            found, error = None, f"{type(exc).__name__}: {exc}"
            logger.info("bulk: the verification lookup failed (tried again later): %s", error)
        now = time.monotonic()
        for i, deadline in awaiting.items():
            row = self._rows[i]
            contact = found.get(row["user_name"]) if found is not None else None
            if contact is not None:
                value = contact.remark if kind == "remark" else contact.nickname
                if value == row["new"]:
                    journal.mark(kind, row["key"], row["new"], row["old"] or "", "verified")
                    self._end_row(i, "verified")
                    continue
                seen = f"the server still shows {value!r}"
            elif found is not None:
                seen = "the server no longer lists it"
            else:
                seen = f"could not look it up ({error})"
            if final and self._cancel.is_set() and now < deadline:
                self._end_row(
                    i, "unverified", f"not shown yet when the run ended ({seen}); applying again checks"
                )
            elif now >= deadline or final:
                why = f"answered 0, but {seen} after {self.verify_timeout:g} s: the change did not happen"
                journal.mark(kind, row["key"], row["new"], row["old"] or "", "unverified", why)
                self._end_row(i, "unverified", why)
