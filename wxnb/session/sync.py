"""The sync worker: synccheck long poll → webwxsync → decode → archive → acknowledge → tables and events.

One loop in the session's thread, after login:

1. ``synccheck`` with the current SyncCheckKey (held by the server ~25 s). Selector 0: healthy, nothing
   new (``last_sync`` is updated); anything else: step 2.
2. ``webwxsync`` with the current SyncKey; while ``ContinueFlag`` ≠ 0, again at once with the new key.
   Each reply is one batch:

   - chats the batch mentions that are not known yet (a message from a room never seen), and known
     rooms with a message from a sender missing from their member list, are fetched with
     ``webwxbatchgetcontact`` (50 per request, rooms with their members) so that names resolve;
   - the batch is handed to the session's writer thread (:mod:`wxnb.session.writer`), in one handoff:
     items that could not be decoded are set aside (:mod:`wxnb.session.quarantine`); messages,
     contact changes (ModContactList, DelContactList) and the new SyncKey are written to the archive
     in one transaction (:meth:`~wxnb.store.Store.commit_batch`), de-duplicated by MsgId;
   - the sync thread waits for that commit only: **then** the new key is used (acknowledged); a crash
     before that loses nothing, the server delivers the batch again;
   - the writer goes on to publish the batch — the new messages reach ``session.messages``, the status
     counters move, "contacts" and "message" events fire — while the sync thread sends the next
     webwxsync and the server prepares its reply: publication is off the critical path of ingest,
     and batches are published in order, each before the next one is committed. The last batch of a
     round (no ContinueFlag) is published at once, before the sync thread goes on
     (``call_then(..., overlap=False)``): its next request is a long poll, and live messages are not
     held back by it.

This thread does network and decoding only: it writes nothing itself. Its status changes (a
synccheck that found nothing, a retry, a logout, giving up) are handed to the writer too, so the
status has one writer and its events one order.

Failures:

- ``LoggedOut`` (1100/1101/1102): the loop ends; the status says ``logged_out`` with the code and why.
- Network failures, HTTP 5xx, Ret -1 and other server errors, rate limits, an archive that cannot be
  written: retried with capped exponential backoff and jitter (``SyncOptions``), each retry counted on
  the status (``reconnects``, state ``reconnecting``). After ``give_up_after`` seconds without a single
  success the loop ends with state ``failed`` and the last error: never silent, never forever.
- A reply that cannot be read at all (not JSON, no SyncKey): retried like a network failure, at most
  ``max_bad_replies`` times in a row, then ``failed`` (there is no key to move on with).
- A 1205 from webwxbatchgetcontact pauses that call only (:mod:`wxnb.session.ratelimits`, growing
  backoff with jitter); the names it could not fetch are kept and fetched after the pause, while
  messages keep coming.
- A worker that starts from the archived SyncKey after a new login (:class:`KeyFallback`) asks
  webwxsync first; if the server refuses that key (Ret 1200 with an empty reply:
  :class:`~wxnb.session.errors.SyncKeyRefused`), it goes on from webwxinit's key and records the gap
  (archive, ``status.gap``, the "gap" event) before anything else.
- Anything else is a bug: it propagates; the session records it on the status and raises it to whoever
  waits (:meth:`Session.wait_for`, :meth:`Session.wait_ready`).

Not handled (see the notes in the code): ModChatRoomMemberList (the simulator never sends it; the real
server's use of it is unknown: room changes arrive as whole rooms in ModContactList) and Profile (own
profile changes).
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Final

from wxnb.protocol import (
    SPECIAL_USER_NAMES,
    Contact,
    Interrupted,
    LoggedOut,
    Message,
    ProtocolError,
    RateLimited,
    ServerError,
    SyncKey,
    SyncReply,
    TransportError,
    WebClient,
    WxError,
)
from wxnb.session.errors import SyncKeyRefused
from wxnb.session.events import ContactsChange, EventHub
from wxnb.session.quarantine import Quarantine
from wxnb.session.ratelimits import RateLimits
from wxnb.session.status import Gap, StatusBoard
from wxnb.session.writer import Writer
from wxnb.store import Store
from wxnb.store.errors import ArchiveWriteError

if TYPE_CHECKING:
    from wxnb.store.store import CommittedBatch

__all__ = ["CONTACTS_OPERATION", "KeyFallback", "SyncOptions", "SyncWorker"]

logger = logging.getLogger("wxnb.session.sync")

_MAX_NOT_FOUND: Final = 10_000  # chats webwxbatchgetcontact did not know: not asked for again
_MAX_CHECKED: Final = 200_000  # (room, sender) pairs whose name was looked up (then forgotten, once full)
_MAX_DEFERRED: Final = 10_000  # names kept for after a batchgetcontact pause (the rest: unnamed)
_BAD_REQUEST: Final = 1200  # the simulator's refusal of an earlier login's SyncKey (docs/simulator.md)
CONTACTS_OPERATION: Final = "batchgetcontact"  # the rate limits' name of webwxbatchgetcontact


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """How the sync thread retries.

    ``give_up_after``: seconds of failures without one success before the session fails (default 10
    min: the real server logs idle sessions out sooner). ``backoff``/``max_backoff``: the pause before
    retry *n* is ``min(max_backoff, backoff * 2**n)`` scaled by a random factor in [0.5, 1].
    ``rate_limit_pause``: the least pause after Ret 1205, and the first pause of an operation the
    server rate-limited (:mod:`wxnb.session.ratelimits`; it doubles with each 1205 in a row, up to
    ``max_rate_limit_pause``). ``max_bad_replies``: unreadable replies in a
    row before failing. ``idle_spins``: webwxsync rounds in a row that bring nothing although synccheck
    said something was new, before the loop pauses (a server that keeps saying "new" must not be
    hammered).
    """

    give_up_after: float = 600.0
    backoff: float = 0.5
    max_backoff: float = 30.0
    rate_limit_pause: float = 10.0
    max_rate_limit_pause: float = 600.0
    max_bad_replies: int = 5
    idle_spins: int = 3
    fetch_unknown_chats: bool = True

    def __post_init__(self) -> None:
        if self.give_up_after <= 0 or self.backoff < 0 or self.max_backoff < 0 or self.max_bad_replies < 1:
            raise ValueError("give_up_after > 0, backoff >= 0, max_backoff >= 0, max_bad_replies >= 1")
        if not 0 <= self.rate_limit_pause <= self.max_rate_limit_pause:
            raise ValueError("0 <= rate_limit_pause <= max_rate_limit_pause")


@dataclass(frozen=True, slots=True)
class KeyFallback:
    """What a worker that starts from an archived SyncKey does if the server refuses it: go on from
    ``init_key`` (webwxinit's) and record the gap from ``since`` (the last archived sync) to ``until``
    (the new login's webwxinit), both in seconds since the epoch."""

    init_key: SyncKey
    since: float
    until: float


class _GaveUp(Exception):
    """Internal: the retry budget is spent."""


class SyncWorker:
    """The loop described in the module docstring. :meth:`run` blocks until it ends; :meth:`stop`
    (from any thread, with ``client.interrupt()``) ends it within milliseconds.

    ``store``, ``board`` and ``hub`` are written and fired on ``writer`` only. ``on_messages`` is
    called there with each batch's new messages, once they are in the archive and the tables.
    """

    def __init__(
        self,
        client: WebClient,
        store: Store,
        board: StatusBoard,
        hub: EventHub,
        writer: Writer,
        *,
        sync_key: SyncKey,
        check_key: SyncKey | None = None,
        me: str,
        quarantine: Quarantine,
        on_messages: Callable[[list[Message]], None],
        options: SyncOptions | None = None,
        rng: random.Random | None = None,
        fallback: KeyFallback | None = None,
        limits: RateLimits | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.board = board
        self.hub = hub
        self.writer = writer
        self.sync_key = sync_key
        self.check_key = check_key or sync_key
        self.me = me
        self.quarantine = quarantine
        self.on_messages = on_messages
        self.options = options or SyncOptions()
        self._rng = rng or random.Random()
        self._stop = threading.Event()
        self._not_found: set[str] = set()
        self._checked_senders: set[tuple[str, str]] = set()
        self._progress = False
        # Set while the archived key has not been accepted yet: the first round asks webwxsync at once
        # (no synccheck), so a refusal is known, and the gap recorded, right after the login.
        self._fallback = fallback
        self.limits = limits or RateLimits(
            first=self.options.rate_limit_pause, cap=self.options.max_rate_limit_pause, rng=self._rng
        )
        self._deferred: set[str] = set()  # names to fetch once batchgetcontact's pause ends

    def stop(self) -> None:
        """Ask the loop to end (also call ``client.interrupt()`` to end a held long poll at once)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # -- the loop ----------------------------------------------------------------------------------

    def run(self) -> None:
        """Sync until stopped, logged out, or out of retries (see the module docstring).

        Raises:
            Exception: anything unexpected (a bug), for the session to record and report.
        """
        failing_since: float | None = None
        failures = 0
        bad_replies = 0
        spins = 0
        while not self._stop.is_set():
            self._progress = False
            try:
                idle = self._round()
            except Interrupted:
                if self._stop.is_set():
                    return
                raise
            except LoggedOut as exc:
                self._logged_out(exc)
                return
            except (TransportError, ServerError, RateLimited, ProtocolError, ArchiveWriteError) as exc:
                if self._stop.is_set():
                    return
                now = time.monotonic()
                if self._progress:  # some batches went through before the failure: a fresh budget
                    failing_since, failures, bad_replies = None, 0, 0
                failing_since = failing_since if failing_since is not None else now
                failures += 1
                if isinstance(exc, ProtocolError):
                    bad_replies += 1
                try:
                    self._check_budget(exc, now - failing_since, bad_replies)
                except _GaveUp:
                    return
                pause = self._pause(failures, exc)
                logger.warning("sync: %s; retry %d in %.2f s", exc, failures, pause)
                error = f"{type(exc).__name__}: {exc}"
                self.writer.submit(partial(self.board.record_retry, error, reconnecting=True))
                if self._stop.wait(pause):
                    return
                continue
            failing_since, failures, bad_replies = None, 0, 0
            spins = spins + 1 if idle else 0
            # synccheck keeps saying "new" but webwxsync brings nothing: pause instead of spinning.
            if spins >= self.options.idle_spins and self._stop.wait(min(5.0, 0.5 * spins)):
                return

    def _check_budget(self, exc: WxError | ArchiveWriteError, failing_for: float, bad_replies: int) -> None:
        options = self.options
        if bad_replies >= options.max_bad_replies:
            reason = f"{bad_replies} webwxsync/synccheck replies in a row could not be read; the last: {exc}"
        elif failing_for >= options.give_up_after:
            reason = (
                f"no successful sync for {failing_for:.0f} s (the limit is {options.give_up_after:g} s); "
                f"last error: {exc}"
            )
        else:
            return
        logger.error("sync: giving up: %s", reason)
        self.writer.submit(lambda: self.board.record_error(reason, state="failed"))
        raise _GaveUp

    def _pause(self, failures: int, exc: object) -> float:
        options = self.options
        cap = min(options.max_backoff, options.backoff * 2 ** (failures - 1))
        pause: float = cap * self._rng.uniform(0.5, 1.0)
        if isinstance(exc, RateLimited):
            pause = max(pause, options.rate_limit_pause)
        return pause

    def _logged_out(self, exc: LoggedOut) -> None:
        logger.warning("sync: %s", exc)
        code, reason, error = exc.code, exc.reason, str(exc)
        board = self.board
        self.writer.submit(
            lambda: board.set_state("logged_out", logout_code=code, logout_reason=reason, last_error=error)
        )

    def _round(self) -> bool:
        """One synccheck and, if needed, webwxsync until ContinueFlag is 0. True: nothing came."""
        if self._deferred and self.limits.left(CONTACTS_OPERATION) == 0:
            self._fetch_deferred()
        if self._fallback is None:
            check = self.client.sync_check(self.check_key)
            if not check.needs_sync:
                self.writer.submit(self.board.record_check)
                return False
        idle = True
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                reply = self.client.sync(self.sync_key, skip_bad_items=True)
            except ServerError as exc:
                if self._fallback is None or exc.ret != _BAD_REQUEST:
                    raise
                self._key_refused(self._fallback, exc)
                continue
            if (
                reply.messages
                or reply.modified_contacts
                or reply.deleted_contacts
                or reply.sync_key != self.sync_key
            ):
                idle = False
            self._commit(reply, started)
            if not reply.continue_flag:
                break
        return idle

    # -- one batch ---------------------------------------------------------------------------------

    def _commit(self, reply: SyncReply, started: float) -> list[Message]:
        """Hand one reply to the writer, wait for its archive commit, acknowledge its key; the writer
        publishes it afterwards (tables, status, events). Returns the new messages."""
        messages = reply.messages
        contacts = list(reply.modified_contacts)
        fetched = self._fetch_unknown(messages, contacts) if self.options.fetch_unknown_chats else []
        changed = [*contacts, *fetched]
        removed = [c.user_name for c in reply.deleted_contacts]
        skipped = reply.skipped
        sync_key = reply.sync_key.to_json()
        store, board, hub = self.store, self.board, self.hub

        def write() -> CommittedBatch[Message]:  # on the writer; the sync thread waits for it
            if skipped:
                count = self.quarantine.add(skipped)
                logger.warning("sync: %d undecodable item(s) set aside in the quarantine", count)
                board.count("quarantined", count)
            return store.commit_batch(messages, contacts=changed, removed=removed, sync_key=sync_key)

        def publish(batch: CommittedBatch[Message]) -> None:  # on the writer, while the next request goes out
            store.publish(batch)
            new = batch.new
            board.record_batch(messages=len(new), latency=time.perf_counter() - started)
            if changed or removed:
                hub.emit("contacts", ContactsChange(tuple(changed), tuple(removed)))
            if new:
                self.on_messages(new)

        # With more to come, the next webwxsync goes out while the writer publishes this batch; the
        # round's last batch is published at once (the next request is a held long poll).
        batch = self.writer.call_then(write, publish, overlap=bool(reply.continue_flag))
        # The batch and its key are durable: acknowledge the key now (the next request carries it).
        self.sync_key = reply.sync_key
        self.check_key = reply.sync_check_key
        self._progress = True
        self._fallback = None  # the archived key (if that was it) was accepted: nothing is missing
        return batch.new

    def _key_refused(self, fallback: KeyFallback, exc: ServerError) -> None:
        """The server refused the archived key (:class:`SyncKeyRefused`): go on from webwxinit's,
        record the gap (archive, status, "gap" event) and wait until the writer has, so the gap is
        durable before the first message after it."""
        refusal = SyncKeyRefused(f"the server refused an earlier login's SyncKey ({exc.message})")
        logger.warning("sync: %s; going on from webwxinit's key", refusal.message)
        self._fallback = None
        # Message times are whole seconds: the range covers the seconds of both ends.
        start, end = math.floor(fallback.since), math.ceil(max(fallback.since, fallback.until))
        reason = "the server refused the archived SyncKey after a new login"
        gap = Gap(datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC), reason)
        key = fallback.init_key.to_json()
        store, board, hub = self.store, self.board, self.hub

        def record() -> None:  # on the writer
            store.apply_batch(sync_key=key)
            store.record_gap(start, end, reason)
            board.record_gap(gap)
            hub.emit("gap", gap)

        self.writer.call(record)
        self.sync_key = self.check_key = fallback.init_key

    def _fetch_deferred(self) -> None:
        """Fetch the names kept while batchgetcontact was paused, and hand them to the writer."""
        wanted = sorted(self._deferred)
        self._deferred.clear()
        found = self._get_contacts(wanted, wanted)
        if not found:
            return
        store, hub = self.store, self.hub

        def write() -> None:  # on the writer
            store.apply_batch(contacts=found)
            hub.emit("contacts", ContactsChange(tuple(found)))

        self.writer.call(write)

    def _fetch_unknown(self, messages: Sequence[Message], contacts: Iterable[Contact]) -> list[Contact]:
        """Contacts to fetch for this batch: chats nobody knows yet, and known rooms whose member list
        lacks a sender (webwxbatchgetcontact gives rooms with their members)."""
        if not messages:
            return []
        listed = {c.user_name for c in contacts}
        key_of = self.store.key_of
        unknown = [
            chat
            for chat in {m.chat for m in messages}
            if chat not in listed
            and chat != self.me
            and chat not in SPECIAL_USER_NAMES
            and chat not in self._not_found
            and key_of(chat) is None
        ]
        stale = self._rooms_missing_senders(messages, listed, set(unknown))
        wanted = set(unknown) | stale
        if self.limits.left(CONTACTS_OPERATION) > 0:  # rate-limited a moment ago: not asked again yet
            self._defer(wanted)
            return []
        if self._deferred:  # the pause is over: the names kept meanwhile come along
            wanted |= self._deferred
            self._deferred.clear()
        return self._get_contacts(sorted(wanted), unknown) if wanted else []

    def _get_contacts(self, wanted: list[str], unknown: Iterable[str]) -> list[Contact]:
        """webwxbatchgetcontact for ``wanted`` (through the operation's rate limit); [] if it fails
        (the names stay unknown; after a 1205 they are kept for when the pause ends)."""
        try:
            found = self.limits.guard(
                CONTACTS_OPERATION,
                lambda: list(self.client.batch_get_contacts(wanted)),
                endpoint="webwxbatchgetcontact",
            )
        except (LoggedOut, Interrupted):
            raise
        except (TransportError, ServerError, RateLimited, ProtocolError) as exc:
            # Names stay unknown for this batch (NaN in the tables); the messages must not wait.
            logger.warning("sync: could not fetch %d unknown chat(s): %s", len(wanted), exc)
            if isinstance(exc, RateLimited):
                self._defer(wanted)
            error = f"fetching unknown chats: {exc}"
            self.writer.submit(lambda: self.board.record_error(error))
            return []
        missing = set(unknown) - {c.user_name for c in found}
        if missing and len(self._not_found) < _MAX_NOT_FOUND:
            self._not_found.update(missing)
        return found

    def fetch_later(self, names: Iterable[str]) -> None:
        """Fetch these contacts (with webwxbatchgetcontact) once its rate-limit pause has ended: what
        the login could not fetch. Before :meth:`run` only."""
        self._defer(names)

    def _defer(self, names: Iterable[str]) -> None:
        for name in names:
            if len(self._deferred) >= _MAX_DEFERRED:
                logger.warning("sync: too many names wait for batchgetcontact; the rest stay unnamed")
                return
            self._deferred.add(name)

    def _rooms_missing_senders(
        self, messages: Sequence[Message], listed: set[str], unknown: set[str]
    ) -> set[str]:
        """Known rooms with a message from someone the room's member list (as known) lacks.

        Each (room, sender) pair is looked at once: a member the server does not name either is not
        asked for again and again.
        """
        rooms: set[str] = set()
        checked = self._checked_senders
        for m in messages:
            if not m.is_group or m.is_self or m.sender == m.chat:
                continue
            pair = (m.chat, m.sender)
            if pair in checked or m.chat in listed or m.chat in unknown:
                continue
            if len(checked) >= _MAX_CHECKED:
                checked.clear()
            checked.add(pair)
            if self.store.resolve(m)[2] is None:  # no remark, in-room name or nickname for the sender
                rooms.add(m.chat)
        return rooms
