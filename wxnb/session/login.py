"""The login flow: a state machine over :class:`~wxnb.protocol.client.WebClient`, one event per step.

::

    resuming ─(saved credentials accepted)──────────────────────────────┐
       │ refused                                                        │
    push ─(phone confirms, bounded wait)──────────────────┐             │
       │ refused / timed out / cancelled                  │             │
    starting (new uuid) → waiting (QR) → scanned (avatar) → confirmed → initialising → ready
                 ↑           ↑   │cancelled on the phone: waiting again, the same QR stays scannable
                 └─expired───┘ (a new uuid, at most ``max_refreshes`` times)
    blocked (Ret 1203, the server's reason) · failed (any other error)

Every transition is a :class:`LoginEvent` with a timestamp, given to ``on_event`` (the terminal view
prints the QR, the widget draws it, the session keeps the list). The flow runs in one thread; the only
calls from other threads are :meth:`LoginFlow.request_new_code` (the widget's "New code" button) and
:meth:`LoginFlow.cancel` (the session closing); both interrupt a held login poll at once.

When the QR code has expired ``max_refreshes`` times, the flow raises
:class:`~wxnb.protocol.errors.LoginExpired` — unless ``interactive`` (a widget with a "New code"
button is shown): then it *parks* in ``expired`` (the event carries the error) until the user asks
for a new code or the session is closed. Any other failure but a refusal (``blocked``) parks an
interactive flow the same way, in ``failed``; a new code then starts the login over. While parked,
:attr:`LoginFlow.parked` is the error. "New code" is bounded: clicks while a code is being fetched
fold into that code, so each click costs at most one new QR code.

Example (against the simulator; the phone confirms by itself):
    >>> from wxnb.sim.simulator import Simulator
    >>> from wxnb.protocol.client import WebClient
    >>> with Simulator(scenario="tiny", hold=0.2, auto_confirm=0.05) as sim:
    ...     with WebClient(sim.base_url) as client:
    ...         phases = []
    ...         result = LoginFlow(client, on_event=lambda e: phases.append(e.phase)).run()
    >>> phases[0], phases[-1], result.resumed
    ('starting', 'initialising', False)
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, Literal, TypeVar, get_args

from wxnb.protocol import (
    CancelToken,
    Credentials,
    InitReply,
    Interrupted,
    LoggedOut,
    LoginBlocked,
    LoginExpired,
    LoginPoll,
    NotLoggedIn,
    ProtocolError,
    ServerError,
    TransportError,
    WebClient,
    WxError,
    qr_text,
)

__all__ = ["PHASES", "STEP_ATTEMPTS", "LoginEvent", "LoginFlow", "LoginPhase", "LoginResult", "retry_step"]

T = TypeVar("T")

logger = logging.getLogger("wxnb.session.login")

LoginPhase = Literal[
    "resuming",
    "push",
    "starting",
    "waiting",
    "scanned",
    "cancelled",
    "expired",
    "confirmed",
    "initialising",
    "ready",
    "blocked",
    "failed",
]
PHASES: Final[tuple[LoginPhase, ...]] = get_args(LoginPhase)

STEP_ATTEMPTS: Final = 3  # tries of each idempotent step after the confirm (see retry_step)
DEFAULT_QR_LIFETIME: Final = 300.0  # seconds; the real server's is unknown (a few minutes), the sim's 300


def retry_step(
    what: str,
    call: Callable[[], T],
    *,
    attempts: int = STEP_ATTEMPTS,
    backoff: float = 0.5,
    wait: Callable[[float], bool] | None = None,
) -> T:
    """Run ``call``, an idempotent step after the phone's confirm (webwxinit, a contact page, room
    members), up to ``attempts`` times: the login ticket is spent, so failing the whole login on one
    bad reply would cost the user another push or scan. Retried: network failures, 5xx that the
    transport gave up on, unreadable replies, server errors (``ServerError``); not a logout, a
    refusal or a rate limit. The pause before try *n* is ``backoff * 2**(n-2)`` with jitter.
    ``wait(seconds)`` sleeps and returns True to stop early (the session closing).

    Example:
        >>> tries = []
        >>> def flaky():
        ...     tries.append(1)
        ...     if len(tries) < 2:
        ...         raise ProtocolError("not JSON", endpoint="webwxinit")
        ...     return "ok"
        >>> retry_step("webwxinit", flaky, backoff=0.0), len(tries)
        ('ok', 2)

    Raises:
        WxError: the last try's error; Interrupted: ``wait`` said stop.
    """
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except (TransportError, ServerError, ProtocolError) as exc:
            if isinstance(exc, Interrupted) or attempt >= attempts:
                raise
            pause = backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.0)
            logger.warning(
                "login: %s failed (%s); try %d of %d in %.2f s", what, exc, attempt + 1, attempts, pause
            )
            if wait is not None and wait(pause):
                raise Interrupted(endpoint=what) from exc
            if wait is None:
                time.sleep(pause)
    raise AssertionError("unreachable")


@dataclass(frozen=True, slots=True)
class LoginEvent:
    """One step of the login. ``at`` is when it happened (UTC).

    ``qr_text``/``expires_at`` (epoch seconds) are set for ``waiting``; ``avatar`` (a data URL) for
    ``scanned``; ``error`` for ``blocked`` and ``failed``; ``detail`` says what happens, in words.
    ``code`` counts the QR codes of this login (1 = the first). Nothing in it is a secret: the QR
    encodes only the login uuid.
    """

    phase: LoginPhase
    at: datetime
    detail: str = ""
    qr_text: str = ""
    expires_at: float | None = None
    avatar: str = field(default="", repr=False)
    error: WxError | None = None
    code: int = 0


@dataclass(frozen=True, slots=True)
class LoginResult:
    """A finished login: the webwxinit reply, and whether saved credentials were reused (``resumed``)
    or the phone confirmed a pushed login (``pushed``)."""

    init: InitReply
    resumed: bool = False
    pushed: bool = False


class _NewCode(Exception):
    """The user asked for a new QR code (internal)."""


class LoginFlow:
    """Runs one login on ``client`` (see the module docstring).

    ``saved``: credentials of an earlier login to try first (the client must have been made with them:
    ``WebClient(base_url, credentials=saved)``). ``push_uin``: the uin to push a login to (from the
    saved credentials); None skips the push. ``max_refreshes``: new QR codes after an expiry before
    giving up. ``push_timeout``: how long to wait for the phone to confirm a pushed login.
    """

    def __init__(
        self,
        client: WebClient,
        *,
        on_event: Callable[[LoginEvent], None] | None = None,
        saved: Credentials | None = None,
        push_uin: int | None = None,
        max_refreshes: int = 5,
        push_timeout: float = 60.0,
        qr_lifetime: float = DEFAULT_QR_LIFETIME,
        interactive: bool = False,
        step_attempts: int = STEP_ATTEMPTS,
        step_backoff: float = 0.5,
    ) -> None:
        if max_refreshes < 0:
            raise ValueError("max_refreshes must be >= 0")
        if step_attempts < 1 or step_backoff < 0:
            raise ValueError("step_attempts >= 1 and step_backoff >= 0")
        self.step_attempts = step_attempts
        self.step_backoff = step_backoff
        self._cancelled = threading.Event()
        self.client = client
        self.saved = saved
        self.push_uin = push_uin
        self.max_refreshes = max_refreshes
        self.push_timeout = push_timeout
        self.qr_lifetime = qr_lifetime
        self.interactive = interactive
        self.events: list[LoginEvent] = []
        self._on_event = on_event
        self._lock = threading.Lock()
        self._closed = False
        self._new_code = threading.Event()
        self._poll_token: CancelToken | None = None
        self._codes = 0
        self._parked: WxError | None = None

    # -- from other threads ------------------------------------------------------------------------

    def request_new_code(self) -> None:
        """Ask for a new QR code now (the widget's button); interrupts a held login poll."""
        with self._lock:
            self._new_code.set()
            token = self._poll_token
        if token is not None:
            token.cancel()

    def cancel(self) -> None:
        """Stop the flow (the session is closing): it raises Interrupted soon after."""
        with self._lock:
            self._closed = True
            self._cancelled.set()  # wakes a step waiting to be retried
            self._new_code.set()  # wakes a flow parked in "expired"
            token = self._poll_token
        if token is not None:
            token.cancel()

    @property
    def parked(self) -> WxError | None:
        """The error an interactive flow is parked on, waiting for "New code" (None while it runs)."""
        return self._parked

    # -- the flow ----------------------------------------------------------------------------------

    def emit(
        self,
        phase: LoginPhase,
        detail: str = "",
        *,
        qr_text: str = "",
        expires_at: float | None = None,
        avatar: str = "",
        error: WxError | None = None,
        code: int = 0,
    ) -> LoginEvent:
        """Record and publish one step (the session adds the last ones: contacts, ready)."""
        event = LoginEvent(phase, datetime.now(UTC), detail, qr_text, expires_at, avatar, error, code)
        self.events.append(event)
        logger.info("login: %s%s", phase, f" ({detail})" if detail else "")
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:  # a broken view must not break the login
                logger.exception("a login event handler raised")
        return event

    def _check_closed(self) -> None:
        if self._closed:
            raise Interrupted(endpoint="login")

    def run(self) -> LoginResult:
        """Log in; returns once webwxinit succeeded.

        Raises:
            LoginBlocked: the server refuses web login for this account (1203).
            LoginExpired: the QR code expired ``max_refreshes`` + 1 times (not when ``interactive``).
            Interrupted: :meth:`cancel` was called.
            WxError: another failure (TransportError: the network, ...); not when ``interactive``.
        """
        while True:
            try:
                return self._run()
            except LoginBlocked as exc:
                self.emit("blocked", exc.server_message or str(exc), error=exc)
                raise
            except Interrupted:
                raise
            except WxError as exc:
                if not self.interactive:
                    self.emit("failed", str(exc), error=exc)
                    raise
                # A person can try again: wait for "New code", then start over.
                self._park(exc, "failed", str(exc))

    def _run(self) -> LoginResult:
        if self.saved is not None:
            init = self._resume()
            if init is not None:
                return LoginResult(init, resumed=True)
        if self.push_uin is not None:
            redirect = self._push()
            if redirect is not None:
                return LoginResult(self._finish(redirect), pushed=True)
        return LoginResult(self._finish(self._qr()))

    def _resume(self) -> InitReply | None:
        self.emit("resuming", "trying the saved session")
        try:
            init = self.client.init()
        except (LoggedOut, NotLoggedIn, ServerError, ProtocolError) as exc:
            logger.info("the saved session is not accepted (%s); logging in again", exc)
            return None
        self._after_init()
        return init

    def _push(self) -> str | None:
        self._check_closed()
        uin = self.push_uin
        assert uin is not None
        try:
            uuid = self.client.push_login(uin)
        except (ServerError, ProtocolError, LoggedOut, TransportError) as exc:
            logger.info("push login refused (%s); showing a QR code", exc)
            return None
        self.emit("push", "confirm the login on your phone")
        deadline = time.monotonic() + self.push_timeout
        tip: Literal[0, 1] = 1
        while time.monotonic() < deadline:
            self._check_closed()
            try:
                poll = self._poll(uuid, tip)
            except _NewCode:
                return None  # the user prefers a QR code
            tip = 0
            if poll.status == "confirmed":
                return poll.redirect_uri
            if poll.status == "scanned":
                self.emit("scanned", "confirm on your phone", avatar=poll.avatar)
            elif poll.status in ("expired", "cancelled"):
                logger.info("the pushed login was %s; showing a QR code", poll.status)
                return None
        logger.info(
            "the phone did not confirm the pushed login within %g s; showing a QR code", self.push_timeout
        )
        return None

    def _poll(self, uuid: str, tip: Literal[0, 1]) -> LoginPoll:
        with self._lock:
            if self._new_code.is_set():
                self._new_code.clear()
                raise _NewCode
            token = self._poll_token = CancelToken()
        try:
            return self.client.poll_login(uuid, tip=tip, cancel=token)
        except Interrupted:
            self._check_closed()
            with self._lock:
                wanted = self._new_code.is_set()
                self._new_code.clear()
            if wanted:
                raise _NewCode from None
            raise
        finally:
            with self._lock:
                self._poll_token = None

    def _qr(self) -> str:
        """QR codes until one is confirmed; returns the redirect URI."""
        refreshes = 0
        while True:
            self._check_closed()
            self.emit("starting", "getting a QR code")
            try:
                uuid = self.client.jslogin()
                with self._lock:
                    # A click while this code was being fetched asked for exactly this code.
                    self._new_code.clear()
                redirect = self._watch(uuid)
            except _NewCode:
                refreshes = 0
                continue
            except TransportError as exc:
                if not self.interactive:
                    raise
                self._park(exc, "failed", str(exc))
                refreshes = 0
                continue
            if redirect is not None:
                return redirect
            refreshes += 1
            if refreshes > self.max_refreshes:
                error = LoginExpired(
                    f"the QR code expired {refreshes} times without being confirmed", endpoint="login"
                )
                if not self.interactive:
                    raise error
                self._park(error, "expired", "click New code to get another QR code")
                refreshes = 0
            else:
                self.emit("expired", "the QR code expired; getting a new one")

    def _park(self, error: WxError, phase: LoginPhase, detail: str) -> None:
        """Publish ``phase`` with ``error``, then wait (interactive only) until the user asks for a new
        code or the flow is cancelled. :attr:`parked` is the error meanwhile (set before the event, so
        a listener sees it)."""
        with self._lock:
            self._parked = error
        try:
            self.emit(phase, detail, error=error)
            self._new_code.wait()
        finally:
            with self._lock:
                self._parked = None
                self._new_code.clear()
        self._check_closed()

    def _watch(self, uuid: str) -> str | None:
        """Poll one QR code: its redirect URI once confirmed, None when it expired."""
        self._codes += 1
        expires_at = time.time() + self.qr_lifetime
        text = qr_text(uuid)

        def show() -> None:
            self.emit("waiting", "scan the QR code", qr_text=text, expires_at=expires_at, code=self._codes)

        show()
        tip: Literal[0, 1] = 1
        scanned = False
        while True:
            self._check_closed()
            poll = self._poll(uuid, tip)
            tip = 0
            if poll.status == "waiting":
                continue
            if poll.status == "scanned":
                if not scanned:
                    self.emit("scanned", "confirm the login on your phone", avatar=poll.avatar)
                    scanned = True
            elif poll.status == "cancelled":
                self.emit("cancelled", "cancelled on the phone; the same QR code can be scanned again")
                scanned = False
                show()
            elif poll.status == "expired":
                return None
            elif poll.status == "confirmed":
                return poll.redirect_uri

    def _finish(self, redirect_uri: str) -> InitReply:
        self._check_closed()
        self.emit("confirmed", "confirmed on the phone")
        self.client.new_login_page(redirect_uri)
        self._check_closed()
        self.emit("initialising", "loading the session")
        init = self.retry(self.client.init, "webwxinit")
        self._after_init()
        return init

    def retry(self, call: Callable[[], T], what: str) -> T:
        """``call`` (an idempotent step after the confirm) with :func:`retry_step`'s bounded retries;
        :meth:`cancel` ends the wait between tries."""
        return retry_step(
            what, call, attempts=self.step_attempts, backoff=self.step_backoff, wait=self._cancelled.wait
        )

    def _after_init(self) -> None:
        # Tell the server the page is ready (Code 3), as the web page does after every webwxinit.
        try:
            self.client.status_notify(3)
        except (ServerError, TransportError, ProtocolError) as exc:
            logger.warning("webwxstatusnotify after init failed (%s); carrying on", exc)
