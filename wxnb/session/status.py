"""The session's status: an immutable snapshot, and the one board the session's writer thread writes.

``session.status`` is a :class:`SessionStatus`: what the session is doing (``state``), since when, and
the counters that make stalls and reconnects visible (last sync, messages received, reconnects, last
error, logout code and reason, sync latency). It is a frozen value: keep it, compare it, print it; it
never changes under you, and it never holds a secret (errors are redacted before they get here).

States:

=================  ===============================================================================
``starting``       the session thread is starting
``logging_in``     the login flow runs (QR, scan, confirm, webwxinit, contacts)
``online``         logged in; the sync thread is long-polling and applying batches
``reconnecting``   a request failed; the sync thread is backing off and will retry (bounded)
``logged_out``     the server ended the session (``logout_code``: 1100, 1101, 1102; ``logout_reason``)
``failed``         the session stopped on an error (``last_error``); log in again
``closed``         :meth:`Session.close` was called
=================  ===============================================================================

Example:
    >>> board = StatusBoard()
    >>> _ = board.update(state="online", nickname="Ann")
    >>> _ = board.record_batch(messages=3, latency=0.004)
    >>> s = board.snapshot()
    >>> s.state, s.messages_received, s.alive
    ('online', 3, True)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any, Final, Literal, get_args

from wxnb.protocol import redact

__all__ = ["FINAL_STATES", "STATES", "Gap", "Pause", "SessionStatus", "State", "StatusBoard"]

State = Literal["starting", "logging_in", "online", "reconnecting", "logged_out", "failed", "closed"]
STATES: Final[tuple[State, ...]] = get_args(State)
FINAL_STATES: Final[frozenset[str]] = frozenset({"logged_out", "failed", "closed"})


_EPOCH: Final = datetime.fromtimestamp(0, UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def _ago(then: datetime, now: datetime) -> str:
    seconds = max(0.0, (now - then).total_seconds())
    if seconds < 60:
        return f"{seconds:.1f} s ago"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


def _clock(at: datetime, other: datetime) -> str:
    """``at`` in local time, with its date when ``other`` falls on another day."""
    local, ref = at.astimezone(), other.astimezone()
    return f"{local:%H:%M:%S}" if local.date() == ref.date() else f"{local:%Y-%m-%d %H:%M:%S}"


@dataclass(frozen=True, slots=True)
class Gap:
    """A time range in which messages may be missing (UTC): a new login whose server refused the
    archived SyncKey went on from webwxinit's key, so what arrived between the last archived sync
    (``start``) and that login (``end``) was not delivered. Also a row of ``open_archive(...).gaps``.

    Example:
        >>> from datetime import timedelta
        >>> start = datetime(2026, 1, 2, 10, 2, tzinfo=UTC)
        >>> str(Gap(start, start + timedelta(minutes=3), "refused")).startswith("messages between")
        True
    """

    start: datetime
    end: datetime
    reason: str = ""

    def __str__(self) -> str:
        return (
            f"messages between {_clock(self.start, self.end)} and {_clock(self.end, self.start)} "
            "may be missing"
        )

    def __repr__(self) -> str:
        return f"<Gap: {self}{f' ({self.reason})' if self.reason else ''}>"


@dataclass(frozen=True, slots=True)
class Pause:
    """One kind of request paused after the server's rate limit (Ret 1205): ``operation``
    (``batchgetcontact``, ``send``, ``oplog``, ...) is not asked again before ``until`` (UTC);
    ``refused`` counts the 1205s in a row that led to it (the pause grows with each)."""

    operation: str
    until: datetime
    refused: int = 1

    def __str__(self) -> str:
        return f"{self.operation} paused until {self.until.astimezone():%H:%M:%S}"


@dataclass(frozen=True, slots=True)
class SessionStatus:
    """A snapshot of one session's state and counters (immutable; no secrets).

    Attributes:
        state: see the module docstring (``online``, ``reconnecting``, ``logged_out``, ...).
        since: when ``state`` was entered (UTC).
        nickname: the logged-in account's nickname ("" before login).
        account: the account's directory name under the data dir (``acct-...``; reveals no uin).
        last_sync: when the last webwxsync batch was applied (or the last synccheck said "nothing
            new"), UTC; None before the first.
        messages_received: new messages applied to the tables since this session started (own sends
            included, re-deliveries and echoes not).
        batches: webwxsync replies applied.
        reconnects: failed requests that were retried (by the HTTP layer or the sync thread).
        retrying_since: when the current run of failures began (None while healthy).
        last_error: the last error, redacted, or None.
        errors: how many errors the sync thread met (each one is also in the log).
        logout_code: 1100/1101/1102 when the server ended the session, else None.
        logout_reason: the reason in words, else None.
        sync_latency: seconds from the webwxsync request to the batch being in the tables and the
            archive, for the last batch; None before the first.
        callback_errors: event callbacks that raised (logged, never fatal).
        gap: the last time range in which messages may be missing (:class:`Gap`: the server refused
            the archived SyncKey after a new login), or None; each is also a "gap" event and a row
            of ``open_archive(...).gaps``.
        paused: kinds of request paused after a rate limit (:class:`Pause`: which, until when).
        quarantined: reply items that could not be decoded and were set aside (see
            :attr:`Session.quarantine`).
        version: counts the changes (1 for the first): of two snapshots, the higher version is the
            newer; "status" events arrive in version order.
    """

    state: State = "starting"
    since: datetime = _EPOCH
    nickname: str = ""
    account: str = ""
    last_sync: datetime | None = None
    messages_received: int = 0
    batches: int = 0
    reconnects: int = 0
    retrying_since: datetime | None = None
    last_error: str | None = None
    errors: int = 0
    logout_code: int | None = None
    logout_reason: str | None = None
    sync_latency: float | None = None
    callback_errors: int = 0
    quarantined: int = 0
    gap: Gap | None = None
    paused: tuple[Pause, ...] = ()
    version: int = 0

    @property
    def alive(self) -> bool:
        """True while the session can still sync (not logged out, failed or closed)."""
        return self.state not in FINAL_STATES

    @property
    def ready(self) -> bool:
        """True once logged in and syncing (online or reconnecting)."""
        return self.state in ("online", "reconnecting")

    def describe(self, now: datetime | None = None) -> str:
        """One line for people: ``online since 12:01:02 · synced 0.3 s ago · 120 messages · ...``."""
        now = now or _now()
        parts = [f"{self.state} since {self.since.astimezone():%H:%M:%S}"]
        if self.nickname:
            parts.insert(0, self.nickname)
        if self.last_sync is not None:
            parts.append(f"synced {_ago(self.last_sync, now)}")
        parts.append(f"{self.messages_received} messages")
        parts.append(f"{self.reconnects} reconnects")
        if self.sync_latency is not None:
            parts.append(f"latency {self.sync_latency * 1000:.1f} ms")
        if self.logout_code is not None:
            parts.append(f"logged out ({self.logout_code}): {self.logout_reason}")
        elif self.last_error and self.state in ("reconnecting", "failed"):
            parts.append(f"error: {self.last_error}")
        if self.callback_errors:
            parts.append(f"{self.callback_errors} callback errors")
        if self.quarantined:
            parts.append(f"{self.quarantined} quarantined")
        parts.extend(str(p) for p in self.paused if p.until > now)
        if self.gap is not None:
            parts.append(str(self.gap))
        return " · ".join(parts)

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = value.isoformat(timespec="milliseconds")
            shown.append(f"{f.name}={value!r}")
        return f"SessionStatus({', '.join(shown)})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(f"<SessionStatus {self.describe()}>")


class StatusBoard:
    """Holds the current :class:`SessionStatus`; its writer replaces it, readers take the snapshot.

    A session's board has one writer, its writer thread (:mod:`wxnb.session.writer`): every change
    and its ``on_change`` call (the session's "status" event) happen there, so changes reach listeners
    in version order. The lock only keeps a board used alone (tests, tools) consistent.
    """

    def __init__(self, on_change: Callable[[SessionStatus], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._status = SessionStatus(since=_now())
        self._on_change = on_change

    def snapshot(self) -> SessionStatus:
        """The current status (a frozen value)."""
        return self._status

    def _publish(
        self, change: Callable[[SessionStatus], SessionStatus], *, quiet: bool = False
    ) -> SessionStatus:
        with self._lock:
            old = self._status
            new = change(old)
            if new is old:
                return old
            new = self._status = replace(new, version=old.version + 1)
        if self._on_change is not None and not quiet:
            self._on_change(new)
        return new

    def update(self, **changes: Any) -> SessionStatus:
        """Replace some fields; a new ``state`` also sets ``since``. Errors are redacted here.

        A final state (logged_out, failed, closed) is never left, except for ``closed``, which ends
        every state.
        """
        if "last_error" in changes and changes["last_error"] is not None:
            changes["last_error"] = redact(str(changes["last_error"]))

        def change(old: SessionStatus) -> SessionStatus:
            values = dict(changes)
            state = values.get("state")
            if state is not None:
                if state not in STATES:
                    raise ValueError(f"unknown session state {state!r}; one of {STATES}")
                if old.state in FINAL_STATES and state != "closed":
                    values.pop("state")  # the first final word stays (logged out stays logged out)
                    values = {k: v for k, v in values.items() if k not in ("logout_code", "logout_reason")}
                elif state != old.state:
                    values["since"] = _now()
            if all(getattr(old, k) == v for k, v in values.items()):
                return old
            return replace(old, **values)

        return self._publish(change)

    def set_state(self, state: State, **changes: Any) -> SessionStatus:
        """Enter ``state`` (with other field changes)."""
        return self.update(state=state, **changes)

    def record_batch(self, *, messages: int, latency: float | None) -> SessionStatus:
        """A webwxsync batch was applied: counters up, healthy again (online, no retrying)."""
        now = _now()

        def change(old: SessionStatus) -> SessionStatus:
            values: dict[str, Any] = {
                "last_sync": now,
                "messages_received": old.messages_received + messages,
                "batches": old.batches + 1,
                "retrying_since": None,
            }
            if latency is not None:
                values["sync_latency"] = latency
            if old.state == "reconnecting":
                values["state"] = "online"
                values["since"] = now
            return replace(old, **values)

        return self._publish(change)

    def record_check(self) -> SessionStatus:
        """A synccheck answered "nothing new": the connection is healthy."""
        now = _now()

        def change(old: SessionStatus) -> SessionStatus:
            values: dict[str, Any] = {"last_sync": now, "retrying_since": None}
            if old.state == "reconnecting":
                values["state"] = "online"
                values["since"] = now
            return replace(old, **values)

        return self._publish(change)

    def record_messages(self, count: int) -> SessionStatus:
        """Messages added outside a sync batch (one's own sends)."""
        if count == 0:
            return self._status
        return self._publish(lambda old: replace(old, messages_received=old.messages_received + count))

    def record_retry(self, error: str, *, reconnecting: bool) -> SessionStatus:
        """A request failed and will be retried: count it; ``reconnecting`` also enters that state."""
        now = _now()
        text = redact(error)

        def change(old: SessionStatus) -> SessionStatus:
            values: dict[str, Any] = {
                "reconnects": old.reconnects + 1,
                "last_error": text,
                "errors": old.errors + 1,
                "retrying_since": old.retrying_since or now,
            }
            if reconnecting and old.state == "online":
                values["state"] = "reconnecting"
                values["since"] = now
            return replace(old, **values)

        return self._publish(change)

    def record_error(self, error: str, *, state: State | None = None) -> SessionStatus:
        """An error that is not a retry (it is logged too); ``state``: enter it as well (``failed``)."""
        if state is not None:
            return self.update(state=state, last_error=error, errors=self._status.errors + 1)
        text = redact(error)
        return self._publish(lambda old: replace(old, last_error=text, errors=old.errors + 1))

    def record_gap(self, gap: Gap) -> SessionStatus:
        """A gap was recorded (the archive has it): the status shows it."""
        return self._publish(lambda old: replace(old, gap=gap))

    def set_paused(self, paused: tuple[Pause, ...]) -> SessionStatus:
        """The kinds of request paused now (after Ret 1205), replacing the earlier list."""
        return self._publish(lambda old: old if old.paused == paused else replace(old, paused=paused))

    def count(
        self, name: Literal["callback_errors", "quarantined"], by: int = 1, *, quiet: bool = False
    ) -> SessionStatus:
        """Add to one of the counters (``quiet``: without telling ``on_change``)."""
        return self._publish(lambda old: replace(old, **{name: getattr(old, name) + by}), quiet=quiet)
