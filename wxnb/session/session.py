"""Session: the object a user holds — one logged-in account, its live tables, its actions.

This module is the lifecycle: construction, :meth:`Session.start`, the session thread (login → setup →
sync), :meth:`Session.close`, the status, the events and the tables. The actions (send, mark_read,
revoke, logout, recipients, message refs) are in :mod:`wxnb.session.actions`, a part of the same class.

Threads: ``wxnb-session`` logs in and syncs (network and decoding); ``wxnb-writer``
(:mod:`wxnb.session.writer`) writes the archive, the journal, the tables and the status, and fires
every event, in one order. See docs/session.md.

Example (the simulator stands in for WeChat; its phone confirms the login by itself):
    >>> import tempfile
    >>> from wxnb.sim.simulator import Simulator
    >>> with Simulator(scenario="tiny", hold=0.2, auto_confirm=0.05) as sim:
    ...     with Session(sim.base_url, data_dir=tempfile.mkdtemp()).start() as session:
    ...         _ = session.wait_ready(10)
    ...         _ = sim.phone.send(("friend", 1), "hello")
    ...         hello = session.wait_for(lambda m: m.text == "hello", timeout=10)
    ...         sent = session.send(hello.chat, "hi back")
    ...         session.messages.text.tolist()[-2:], session.status.state
    (['hello', 'hi back'], 'online')
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import replace
from datetime import tzinfo
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Protocol, Self

import pandas as pd

from wxnb.protocol import (
    Contact,
    Credentials,
    CredentialsFileError,
    Hosts,
    Interrupted,
    Message,
    RateLimited,
    RetryPolicy,
    SyncKey,
    Timeouts,
    WebClient,
    WxError,
)
from wxnb.session import paths
from wxnb.session.actions import SessionActions
from wxnb.session.errors import NotReady, SessionClosed, SyncFailed
from wxnb.session.events import ContactsChange, EventHub
from wxnb.session.listeners import Done, SessionListeners
from wxnb.session.login import LoginEvent, LoginFlow, LoginResult
from wxnb.session.quarantine import Quarantine
from wxnb.session.ratelimits import RateLimits
from wxnb.session.status import SessionStatus, StatusBoard
from wxnb.session.sync import CONTACTS_OPERATION, KeyFallback, SyncOptions, SyncWorker
from wxnb.session.writer import Writer
from wxnb.store import SendRecord, Store, Tables, account_key
from wxnb.store.columns import resolve_zone

__all__ = ["Session"]

logger = logging.getLogger("wxnb.session")

_CLOSE_TIMEOUT: Final = 1.0
_EMPTY_TABLES: Tables | None = None
# Live sessions of this process by (data dir, account): a new login of the same account replaces the
# old session (the server ended it anyway) instead of failing on the archive's lock.
_LIVE: weakref.WeakValueDictionary[tuple[str, str], Session] = weakref.WeakValueDictionary()
_LIVE_LOCK = threading.Lock()


def _empty_tables() -> Tables:
    global _EMPTY_TABLES
    if _EMPTY_TABLES is None:
        _EMPTY_TABLES = Tables()
    return _EMPTY_TABLES


class SupportsClose(Protocol):
    """Anything with a ``close()`` method (see :meth:`Session.close_with`)."""

    def close(self) -> object: ...


class Session(SessionActions, SessionListeners):
    """One WeChat account, logged in: live tables, actions, status, events. See :func:`wxnb.login`.

    ``base_url``: the server (None: WeChat itself; a simulator's URL). ``data_dir``: where archives and
    credentials live (default: see :func:`wxnb.store.default_data_dir`). ``resume``: reuse the saved
    credentials of the last login to this server if the server still accepts them, else push a login
    to the phone (no scan) when the account is known, else show a QR code. ``desktop``: log in as the
    desktop (UOS) client, which many accounts need. ``sync``: the sync thread's retry policy
    (:class:`~wxnb.session.sync.SyncOptions`). ``interactive``: a person can ask for a new QR code
    (the widget's button), so an expired login waits for that instead of failing. ``tz``: the time
    zone of the tables' times (an IANA name such as ``"Asia/Shanghai"``, or a ``tzinfo``; default: the
    kernel's local zone; :class:`~wxnb.store.errors.InvalidTimeZone` if it names none).

    Nothing happens until :meth:`start`; :meth:`close` (or ``with``) ends it. Example: see the module.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        data_dir: str | Path | None = None,
        resume: bool = True,
        desktop: bool = True,
        interactive: bool = False,
        max_refreshes: int = 5,
        push_timeout: float = 60.0,
        sync: SyncOptions | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        on_login_event: Callable[[LoginEvent], None] | None = None,
        tz: tzinfo | str | None = None,
    ) -> None:
        if base_url is not None:
            Hosts.for_base(base_url)  # a bad URL fails here, in the caller's thread
        # The tables' time zone (a bad one fails here too); None: the kernel's, as the widgets show.
        self.tz: tzinfo | None = None if tz is None else resolve_zone(tz)
        self._empty: Tables | None = None if tz is None else Tables(tz=self.tz)
        self.base_url = base_url
        self.data_dir = paths.resolve_data_dir(data_dir)
        self.resume = resume
        self.desktop = desktop
        self.interactive = interactive
        self.max_refreshes = max_refreshes
        self.push_timeout = push_timeout
        self.sync_options = sync or SyncOptions()
        self._timeouts = timeouts
        self._retry = retry
        self._hub = EventHub(on_error=self._callback_failed)
        self._board = StatusBoard(on_change=self._status_changed)
        # The one thread that writes the archive, the journal, the tables and the status, and fires
        # the events (started by start(), drained and stopped by close()).
        self._writer = Writer(name="wxnb-writer", on_death=self._writer_died)
        self._failure_lock = threading.Lock()
        # Pauses per operation after Ret 1205 (sync's contact fetches, the caller's sends, ...); the
        # status shows them, written by the writer like every status change.
        board = self._board
        self._limits = RateLimits(
            first=self.sync_options.rate_limit_pause,
            cap=self.sync_options.max_rate_limit_pause,
            on_change=lambda pauses: self._status(lambda: board.set_paused(pauses)),
        )
        self._login_listeners: list[Callable[[LoginEvent], None]] = []
        if on_login_event is not None:
            self._login_listeners.append(on_login_event)
        # Login steps as dispatched, and the lock that makes on("login", replay=True) exact: a
        # subscriber gets the steps so far, then the live ones, none missed and none twice.
        self._login_seen: list[LoginEvent] = []
        self._login_lock = threading.RLock()
        self._lock = threading.Lock()
        self._client: WebClient | None = None
        self._flow: LoginFlow | None = None
        self._worker: SyncWorker | None = None
        self._store: Store | None = None
        self._quarantine: Quarantine | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._settled = threading.Event()  # ready, or the thread ended
        # Notified on every login step and when settled: wait_ready() also ends on a parked login.
        self._progress = threading.Condition()
        self._done = threading.Event()
        self._failure: BaseException | None = None
        self._closed = False
        self._waiters: list[queue.SimpleQueue[list[Message] | Done]] = []
        self._me: Contact | None = None
        self._account: str | None = None
        self._owned: list[SupportsClose] = []  # closed with the session (see close_with)

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Self:
        """Start the session's thread (login, then sync); returns at once. See :meth:`wait_ready`."""
        with self._lock:
            if self._thread is not None:
                raise RuntimeError("this session was started already; make a new Session to log in again")
            if self._closed:
                raise SessionClosed("the session is closed")
            saved = self._saved_credentials() if self.resume else None
            options: dict[str, Any] = {}
            if self._timeouts is not None:
                options["timeouts"] = self._timeouts
            if self._retry is not None:
                options["retry"] = self._retry
            client = WebClient(self.base_url, credentials=saved, desktop=self.desktop, **options)
            client.on_retry = self._http_retry
            self._client = client
            self._flow = LoginFlow(
                client,
                on_event=self._deliver_login_event,
                saved=saved,
                push_uin=saved.uin if saved is not None else None,
                max_refreshes=self.max_refreshes,
                push_timeout=self.push_timeout,
                interactive=self.interactive,
                step_backoff=self.sync_options.backoff,
            )
            self._thread = threading.Thread(target=self._main, name="wxnb-session", daemon=True)
            writer = self._writer.start()
            writer.call(lambda: self._board.set_state("logging_in"))
            self._thread.start()
        return self

    def wait_ready(self, timeout: float | None = None) -> Self:
        """Block until logged in and syncing; returns the session.

        An interactive login (the widget's) that failed or ran out of QR codes waits for "New code"
        instead of ending; ``wait_ready`` then raises that error at once (a cell blocked here would
        keep the kernel from hearing the button). Click New code (or call :meth:`request_new_code`)
        and wait again.

        Raises:
            TimeoutError: not ready within ``timeout`` seconds (the login goes on).
            LoginBlocked, LoginExpired, TransportError, ...: the login failed (typed, with a hint).
            LoggedOut: the server ended the session. SessionClosed: it was closed.
            SyncFailed: the session thread stopped on an unexpected error (``__cause__``).
        """
        if self._thread is None:
            raise NotReady("the session was not started: call session.start() (wxnb.login() does)")
        with self._progress:
            done = self._progress.wait_for(
                lambda: self._settled.is_set() or self._parked() is not None, timeout
            )
        if not done:
            raise TimeoutError(
                f"the login did not finish within {timeout} s (now: {self._board.snapshot().state}); "
                "wait longer, or look at session.login_events"
            )
        if self._settled.is_set():
            if self._ready.is_set() and self._board.snapshot().alive:
                return self
            raise self._terminal_error()
        parked = self._parked()
        assert parked is not None
        raise parked

    def _parked(self) -> WxError | None:
        flow = self._flow
        return flow.parked if flow is not None else None

    def _settle(self) -> None:
        self._settled.set()
        with self._progress:
            self._progress.notify_all()

    def close(self, timeout: float = _CLOSE_TIMEOUT) -> None:
        """Stop the session's threads (within ``timeout`` s, even during a held long poll), save the
        credentials for the next resume, close the archive. The tables stay readable. Idempotent.

        From an event callback (the writer thread) it does not wait: the writer finishes what is
        queued, closes the archive and ends once the callback returns."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        deadline = time.monotonic() + timeout
        alive_before = self._board.snapshot().alive
        self._stop_network()
        writer = self._writer
        thread = self._thread
        if thread is not None and thread is not threading.current_thread() and not writer.in_writer():
            # The writer keeps running meanwhile: the session thread may be waiting for a commit.
            thread.join(timeout)
            if thread.is_alive():
                logger.warning(
                    "the session thread did not stop within %g s; it is a daemon and will end", timeout
                )
        if alive_before and self._ready.is_set():
            self._save_credentials()
        store, board = self._store, self._board

        def finish() -> None:  # the writer's last task: after every batch and send queued before it
            if store is not None:
                store.close()
            board.set_state("closed")
            self._wake_waiters()

        if writer.running:
            writer.submit(finish)
            if not writer.stop(max(0.0, deadline - time.monotonic())) and not writer.in_writer():
                logger.warning("the writer did not finish within %g s (a slow event callback?)", timeout)
        else:  # never started, or it died: no thread writes any more, this one is the last
            finish()
        if self._client is not None:
            self._client.close()
        self._wake_waiters()
        self._settle()
        with _LIVE_LOCK:
            key = self._live_key()
            if key is not None and _LIVE.get(key) is self:
                del _LIVE[key]
        for owned in reversed(self._owned):
            try:
                owned.close()
            except Exception:
                logger.exception("closing %r failed", owned)

    def close_with(self, resource: SupportsClose) -> None:
        """Close ``resource`` (anything with ``close()``) when this session closes, after the session's
        own connections and archive; resources added later close first. A failing ``close()`` is
        logged, and the others still close. This is how :func:`wxnb.demo` stops its simulator.

        Example: ``session.close_with(simulator)``
        """
        self._owned.append(resource)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the thread --------------------------------------------------------------------------------

    def _main(self) -> None:
        try:
            flow = self._flow
            assert flow is not None
            result = flow.run()
            worker = self._setup(result)
            worker.run()
        except (Interrupted, SessionClosed) as exc:  # SessionClosed: the writer stopped under the thread
            if not self._closed:
                self._fail(exc)
        except WxError as exc:  # a typed failure (login refused, network down...): already explained
            if not self._closed:
                logger.warning("the session stopped: %s", exc)
                self._fail(exc)
        except BaseException as exc:
            if not self._closed:
                logger.exception("the session thread failed")
                self._fail(exc)
        finally:
            self._flush()  # what this thread handed to the writer is applied before anyone hears it ended
            self._done.set()
            self._settle()
            self._wake_waiters()

    def _flush(self) -> None:
        """Wait until the writer ran every task queued so far (nothing to wait for once it ended)."""
        with contextlib.suppress(SessionClosed, SyncFailed):  # stopped or dead: what it ran is all
            self._writer.call(lambda: None)

    def _set_failure(self, exc: BaseException) -> bool:
        """Record why the session stopped; the first reason wins. True if it was the first."""
        with self._failure_lock:
            if self._failure is not None:
                return False
            self._failure = exc
            return True

    def _fail(self, exc: BaseException) -> None:
        if not self._set_failure(exc):
            return  # the writer died first and said so already
        error = f"{type(exc).__name__}: {exc}"
        self._status(lambda: self._board.set_state("failed", last_error=error))

    def _writer_died(self, exc: BaseException) -> None:
        """The writer's last act (on it) when a task nobody waited for raised: the status says so, the
        other threads stop, whoever waits hears it (SyncFailed, the error as its cause)."""
        self._set_failure(exc)
        self._board.set_state("failed", last_error=f"the writer thread failed: {type(exc).__name__}: {exc}")
        self._stop_network()
        self._wake_waiters()

    def _stop_network(self) -> None:
        """End the login and the sync loop, and any request they hold (a long poll ends at once)."""
        if self._flow is not None:
            self._flow.cancel()
        if self._worker is not None:
            self._worker.stop()
        if self._client is not None:
            self._client.interrupt()

    def _status(self, change: Callable[[], object]) -> None:
        """Hand a status change to the writer, the board's one writer. Once the session is closed
        (or the writer died, which put its own word on the board) the change is dropped."""
        try:
            self._writer.submit(change)
        except (SessionClosed, SyncFailed) as exc:
            logger.debug("status change dropped: %s", exc)

    def _setup(self, result: LoginResult) -> SyncWorker:
        """After webwxinit: open the archive, load contacts, pick the sync key, make the worker.

        Network here, writes on the writer (the store is opened, loaded and written there)."""
        client, flow, writer = self._client, self._flow, self._writer
        assert client is not None and flow is not None
        init = result.init
        login_at = time.time()  # webwxinit's key covers what arrives from here on
        me = replace(init.user, uin=init.uin)
        account = account_key(init.uin)
        self._supersede(account)
        flow.emit("initialising", "contacts")
        data_dir = self.data_dir
        tz = self.tz
        store = writer.call(lambda: Store.open(account, data_dir, tz=tz))
        self._store, self._me, self._account = store, me, account
        with _LIVE_LOCK:
            _LIVE[(str(self.data_dir), account)] = self
        writer.call(lambda: store.start_login(me))
        contacts, unfetched_rooms = self._load_contacts(client, init.contacts, init.chat_set, flow)
        sync_key = init.sync_key
        fallback = None
        state = store.sync_state
        if state is not None:
            # Any login of an account with an archive (resumed, push, QR) goes on where the archive
            # stopped, so what arrived in between is delivered once; if the server refuses that key,
            # the worker goes on from webwxinit's and records the gap (see docs/session.md).
            try:
                sync_key = SyncKey.from_json(state.sync_key)
            except WxError:
                logger.warning("the archived sync key is not usable; starting from webwxinit's")
            else:
                fallback = KeyFallback(init.sync_key, since=state.updated_at.timestamp(), until=login_at)
        init_key = None if sync_key is not init.sync_key else init.sync_key.to_json()
        writer.call(lambda: store.apply_batch(contacts=contacts, sync_key=init_key))
        quarantine = self._quarantine = Quarantine(paths.quarantine_path(self.data_dir, account))
        self._save_credentials()
        paths.remember_account(self.data_dir, self.base_url, account)
        worker = SyncWorker(
            client,
            store,
            self._board,
            self._hub,
            writer,
            sync_key=sync_key,
            me=me.user_name,
            quarantine=quarantine,
            on_messages=self._received,
            options=self.sync_options,
            fallback=fallback,
            limits=self._limits,
        )
        worker.fetch_later(unfetched_rooms)  # members the login could not fetch (1205): after the pause
        self._worker = worker
        if self._closed:
            raise Interrupted(endpoint="login")
        rooms = sum(1 for c in contacts if c.kind == "room")
        how = "resumed" if result.resumed else "push login" if result.pushed else "QR login"
        self._ready.set()  # before the event: a listener may act on the session at once
        flow.emit("ready", f"{me.nickname}: {len(contacts) - rooms} contacts, {rooms} rooms ({how})")
        # After "ready": a view that waits for it draws this first status at once. Then wait_ready()
        # returns: once every listener saw "ready", the status says online and the contacts are out.
        board, hub, count = self._board, self._hub, len(quarantine)
        writer.submit(
            lambda: board.update(state="online", nickname=me.nickname, account=account, quarantined=count)
        )
        writer.submit(lambda: hub.emit("contacts", ContactsChange(tuple(contacts))))
        writer.submit(self._settle)
        return worker

    def _load_contacts(
        self, client: WebClient, first: tuple[Contact, ...], chat_set: tuple[str, ...], flow: LoginFlow
    ) -> tuple[list[Contact], list[str]]:
        """Every contact: webwxinit's, the whole contact list, then every room with its members; and
        the rooms whose members could not be fetched because the server rate-limited the request.

        Each is an idempotent step after the confirm: retried a few times (``flow.retry``) before the
        login fails (the ticket is spent: another login would need another push or scan). A 1205 on
        the members does not fail the login: webwxbatchgetcontact pauses (``session.status.paused``),
        the rooms stay listed without members, and the sync thread fetches them when the pause ends."""
        by_name: dict[str, Contact] = {c.user_name: c for c in first}
        for contact in flow.retry(lambda: list(client.get_contacts()), "webwxgetcontact"):
            by_name[contact.user_name] = contact
        rooms = [name for name, c in by_name.items() if c.kind == "room"]
        rooms += [name for name in chat_set if name.startswith("@@") and name not in by_name]
        if not rooms:
            return list(by_name.values()), []
        try:
            found = self._limits.guard(
                CONTACTS_OPERATION,
                lambda: flow.retry(lambda: list(client.batch_get_contacts(rooms)), "webwxbatchgetcontact"),
                endpoint="webwxbatchgetcontact",
            )
        except RateLimited as exc:
            logger.warning("login: room members not fetched yet (%s); after the pause", exc)
            return list(by_name.values()), rooms
        for contact in found:
            by_name[contact.user_name] = contact
        return list(by_name.values()), []

    def _supersede(self, account: str) -> None:
        with _LIVE_LOCK:
            other = _LIVE.get((str(self.data_dir), account))
        if other is not None and other is not self:
            logger.info("a new login of the same account replaces the older session in this process")
            other.close()

    def _live_key(self) -> tuple[str, str] | None:
        return (str(self.data_dir), self._account) if self._account is not None else None

    # -- credentials -------------------------------------------------------------------------------

    def _saved_credentials(self) -> Credentials | None:
        account = paths.last_account(self.data_dir, self.base_url)
        if account is None:
            return None
        path = paths.credentials_path(self.data_dir, account)
        try:
            creds = Credentials.load(path)
        except FileNotFoundError:
            return None
        except CredentialsFileError as exc:
            logger.warning("ignoring the saved credentials: %s", exc)
            return None
        if self.base_url is not None and creds.hosts.api != Hosts.for_base(self.base_url).api:
            return None  # saved for another server
        return creds

    def _save_credentials(self) -> None:
        client, account = self._client, self._account
        if client is None or account is None:
            return
        creds = client.credentials
        if creds is None:
            return
        try:
            creds.save(paths.credentials_path(self.data_dir, account))
        except OSError as exc:
            logger.warning("could not save the credentials for resume: %s", exc)

    def _forget_credentials(self) -> None:
        if self._account is not None:
            path = paths.credentials_path(self.data_dir, self._account)
            path.unlink(missing_ok=True)

    # -- requests, and the login's button -------------------------------------------------------------

    def _http_retry(self, endpoint: str, what: str) -> None:
        # Any thread that makes a request (the session thread, a caller's send): the writer counts it.
        error = f"{endpoint}: {what}"
        self._status(lambda: self._board.record_retry(error, reconnecting=False))

    def request_new_code(self) -> None:
        """Ask the login for a new QR code now (what the login widget's "New code" button does).

        While a code is being fetched, more requests fold into it; a login parked after a failure
        starts over. Once logged in, or after the session ended, it does nothing.
        """
        flow = self._flow
        if flow is None or self._ready.is_set() or self._done.is_set() or self._closed:
            logger.info("'New code' asked for, but no login is running; nothing to do")
            return
        flow.request_new_code()

    # -- state -------------------------------------------------------------------------------------

    @property
    def status(self) -> SessionStatus:
        """A snapshot of the state and counters (see :class:`~wxnb.session.status.SessionStatus`).

        Example: ``session.status.state``, ``session.status.reconnects``, ``print(session.status)``
        """
        return self._board.snapshot()

    @property
    def failure(self) -> BaseException | None:
        """The error that stopped the session's thread: a failed login's typed error (LoginBlocked,
        TransportError, ...) or whatever ended the sync; None while it runs and after a clean close
        or logout. ``status.last_error`` has it as text.

        Example: ``if session.status.state == "failed": print(session.failure)``
        """
        return self._failure

    @property
    def login_events(self) -> tuple[LoginEvent, ...]:
        """Every step of the login so far, with timestamps."""
        return tuple(self._flow.events) if self._flow is not None else ()

    @property
    def me(self) -> Contact | None:
        """The logged-in account (None before login)."""
        return self._me

    @property
    def account(self) -> str | None:
        """The account's directory name under :attr:`data_dir` (``acct-...``; reveals no uin)."""
        return self._account

    @property
    def store(self) -> Store | None:
        """The account's :class:`~wxnb.store.Store` (None before login)."""
        return self._store

    @property
    def archive_path(self) -> Path | None:
        """The archive file (open it read-only with :func:`wxnb.open_archive`); None before login."""
        if self._account is None:
            return None
        return paths.account_dir(self.data_dir, self._account) / "archive.sqlite3"

    @property
    def quarantine(self) -> pd.DataFrame:
        """Reply items that could not be decoded and were set aside (see :mod:`wxnb.session.quarantine`):
        time, list_name, index, error, raw (the item's JSON)."""
        q = self._quarantine or Quarantine(None)
        return q.frame()

    def pending_sends(self) -> list[SendRecord]:
        """Sends journalled but never confirmed (their fate is unknown: look for them in messages)."""
        return self._require_store().pending_sends()

    def export_parquet(self, directory: str | Path) -> dict[str, Path]:
        """Write the archive's messages, contacts and members as Parquet files; returns the paths.

        Example: ``session.export_parquet("export/")["messages"]``
        """
        return self._require_store().export_parquet(directory)

    # -- tables ------------------------------------------------------------------------------------

    def _tables(self) -> Tables:
        store = self._store
        if store is not None:
            return store.tables
        return self._empty if self._empty is not None else _empty_tables()

    @property
    def messages(self) -> pd.DataFrame:
        return self._tables().messages

    @property
    def contacts(self) -> pd.DataFrame:
        return self._tables().contacts

    @property
    def friends(self) -> pd.DataFrame:
        return self._tables().friends

    @property
    def rooms(self) -> pd.DataFrame:
        return self._tables().rooms

    @property
    def mps(self) -> pd.DataFrame:
        return self._tables().mps

    @property
    def members(self) -> pd.DataFrame:
        return self._tables().members

    # One place documents the columns: wxnb.store.tables.Tables (history restored from the archive
    # included; empty frames before login).
    messages.__doc__ = Tables.messages.__doc__
    contacts.__doc__ = Tables.contacts.__doc__
    friends.__doc__ = Tables.friends.__doc__
    rooms.__doc__ = Tables.rooms.__doc__
    mps.__doc__ = Tables.mps.__doc__
    members.__doc__ = Tables.members.__doc__

    def names_of(self, message: Message) -> tuple[str | None, str | None]:
        """(chat name, sender name) of a message record, as the tables would show them now.

        Example: ``session.on("message", lambda m: print(*session.names_of(m), m.text))``
        """
        store = self._store
        if store is None:
            return None, None
        _, chat_name, sender_name = store.resolve(message)
        return chat_name, sender_name

    def contact_counts(self) -> tuple[int, int]:
        """(contacts that are not rooms, rooms), as :attr:`contacts` would count them, without building
        a DataFrame: cheap enough for a status line redrawn on every change. (0, 0) before login.

        Example: ``friends_and_others, rooms = session.contact_counts()``
        """
        return self._tables().contact_counts()

    def head_image(self, user_name: str | None = None, *, room: str | None = None) -> bytes:
        """A head image (JPEG bytes), fetched from the server: one request. The logged-in account's
        own by default; else that of ``user_name`` (a UserName of this login: a contact, a room, or
        with ``room`` (the room's UserName) a member of that room, as the web page asks for a
        sender's avatar in a room).

        Example: ``Path("me.jpg").write_bytes(session.head_image())``,
        ``session.head_image(message.sender, room=message.chat)``

        Raises:
            NotReady: before login. ValueError: the account has no head image, or ``user_name`` is
            not a UserName (``@...``).
            WxError: the request failed (TransportError, ...), as for any request.
        """
        me, client = self._me, self._client
        if me is None or client is None or not self._ready.is_set():
            raise NotReady("the login has not finished: session.wait_ready()")
        if user_name is not None:
            return client.get_user_head_image(user_name, room=room)
        if not me.head_img_url:
            raise ValueError("the server gave no head image for this account")
        return client.get_head_image(me.head_img_url)

    # -- display -----------------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"<wxnb.Session {self._board.snapshot().describe()}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))
