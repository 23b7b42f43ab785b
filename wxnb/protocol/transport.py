"""The one place that does HTTP: URL building, timeouts, the retry policy per kind of call, the mapping
of failures to typed errors, and redacted DEBUG logging (logger ``wxnb.protocol``).

:class:`~wxnb.protocol.client.WebClient` is built on it; nothing else should need it.

Kinds of call (:class:`CallKind`):

- ``READ``: idempotent requests (GETs, webwxinit, webwxbatchgetcontact, webwxsync — idempotent given the
  key: a repeat re-delivers). Connection failures, timeouts, replies cut short, HTTP 5xx and 429 are
  retried ``RetryPolicy.attempts`` times in all, with exponential backoff and jitter; then
  :class:`~wxnb.protocol.errors.TransportError` carries the attempt count.
- ``LONG_POLL``: like READ, with the long-poll read timeout (login poll, synccheck).
- ``CHANGE``: requests that change state (send, revoke, oplog, room changes, status notify). Tried
  once. When it fails before the connection was made: TransportError (nothing was sent). When it fails
  after the request may have reached the server — or its reply cannot be read — the outcome is
  unknown: :class:`~wxnb.protocol.errors.OutcomeUnknown` (naming the ClientMsgId of a send).

A complete reply of the wrong kind (an HTML page, an empty body, an image instead of JSON, a redirect
where none is expected) is a :class:`~wxnb.protocol.errors.ProtocolError` and is not retried.

Example:
    >>> build_url("http://127.0.0.1:9/x", [("skey", "@crypt_1"), ("pass_ticket", Verbatim("a%2Fb"))])
    'http://127.0.0.1:9/x?skey=%40crypt_1&pass_ticket=a%2Fb'
    >>> redact_url("http://h/synccheck?r=1&skey=@crypt_1&sid=S&uin=2&deviceid=e12&synckey=1_2")
    'http://h/synccheck?r=1&skey=***&sid=***&uin=***&deviceid=***&synckey=1_2'
"""

from __future__ import annotations

import enum
import logging
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, NamedTuple, TypeVar
from urllib.parse import quote, urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from requests.cookies import MockRequest, MockResponse, create_cookie
from requests.utils import select_proxy

from wxnb.protocol.cancel import (
    CancelToken,
    Interrupted,
    attach_current,
    check_after_connect,
    install,
    scope,
    wait_any,
)
from wxnb.protocol.errors import OutcomeUnknown, ProtocolError, TransportError, redact
from wxnb.protocol.keepalive import KeepAlivePool, WireError, WireReply
from wxnb.protocol.prepare import Preparer

__all__ = [
    "CallKind",
    "Expect",
    "RetryPolicy",
    "Timeouts",
    "Transport",
    "Verbatim",
    "build_url",
    "is_image",
    "raise_for_image",
    "redact_url",
]

logger = logging.getLogger("wxnb.protocol")

T = TypeVar("T")
Expect = Literal["text", "xml", "image", "any"]


class CallKind(enum.Enum):
    """How a request may be retried (see the module docstring)."""

    READ = "read"
    LONG_POLL = "long_poll"
    CHANGE = "change"


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds. ``long_poll`` is the read timeout of the login poll and synccheck: a little longer than
    the ~25 s the real server holds them. ``read`` is for every other reply (a 10,000-contact page
    included)."""

    connect: float = 10.0
    read: float = 30.0
    long_poll: float = 35.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries of idempotent requests: ``attempts`` tries in all; before try *n* + 1 a pause of
    ``backoff * 2**(n - 1)`` seconds (at most ``max_backoff``), scaled by a random factor in [0.5, 1]
    so that clients do not retry in step."""

    attempts: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {self.attempts}")
        if self.backoff < 0 or self.max_backoff < 0:
            raise ValueError("backoff and max_backoff must not be negative")

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """The pause after failed try number ``attempt`` (1-based)."""
        cap = min(self.max_backoff, self.backoff * 2.0 ** (attempt - 1))
        factor: float = (rng or random).uniform(0.5, 1.0)
        return cap * factor


@dataclass(frozen=True, slots=True)
class Verbatim:
    """A query value that is already percent-encoded (pass_ticket): put into the URL as it is."""

    text: str


def build_url(base: str, params: Sequence[tuple[str, object]] = ()) -> str:
    """``base`` plus a query string built here (not by requests), so that pass_ticket is not encoded
    twice and ``|`` in a sync key becomes ``%7C``. Values are percent-encoded with nothing kept safe,
    except :class:`Verbatim` ones, of which only characters that would break the query are encoded.
    """
    if not params:
        return base
    parts = []
    for name, value in params:
        if isinstance(value, Verbatim):
            text = quote(value.text, safe="%/+=-_.~")
        else:
            text = quote(str(value), safe="")
        parts.append(f"{name}={text}")
    return base + ("&" if "?" in base else "?") + "&".join(parts)


_DEVICE_RE: Final = re.compile(r"(?i)(?<![A-Za-z0-9_])(deviceid)=[^&;\s]*")


def redact_url(url: str) -> str:
    """A URL (or any text) with every secret query value replaced by ``***``: skey, sid, uin,
    pass_ticket, ticket and the cookies' names (:func:`~wxnb.protocol.errors.redact`), and deviceid."""
    return _DEVICE_RE.sub(r"\1=***", redact(url))


class _RedactingFilter(logging.Filter):
    """Redacts the records of urllib3's loggers: at DEBUG they print every request line, whose query
    carries skey, sid and pass_ticket. Records are rewritten, never dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_url(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER: Final = _RedactingFilter()
for _name in ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.connection"):
    _lg = logging.getLogger(_name)
    if not any(isinstance(f, _RedactingFilter) for f in _lg.filters):
        _lg.addFilter(_FILTER)


class _Failure(Exception):
    """One failed try that may succeed if repeated. ``sent``: the request may have reached the server."""

    def __init__(self, what: str, *, sent: bool, status: int | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.sent = sent
        self.status = status


def _change_failed(failure: _Failure, endpoint: str, client_msg_id: str) -> TransportError:
    """The error for a failed request that changes state (it is never retried)."""
    if not failure.sent:
        return TransportError(
            f"{failure.what} (nothing was sent: it is safe to try again)",
            endpoint=endpoint,
            status=failure.status,
        )
    return OutcomeUnknown(failure.what, endpoint=endpoint, status=failure.status, client_msg_id=client_msg_id)


_TRANSIENT_STATUS: Final = frozenset({429, 500, 502, 503, 504})
_HTML_TYPES: Final = ("text/html", "application/xhtml")
_NOT_TEXT_TYPES: Final = ("image/", "audio/", "video/")


class _Reply(NamedTuple):
    """What the checks after a request look at, from either path (keep-alive pool or requests)."""

    status: int
    reason: str
    content_type: str  # lower case, without parameters
    content: bytes


def _media_type(value: str) -> str:
    return value.split(";")[0].strip().lower()


class Transport:
    """HTTP with the retry policy and error mapping of the web protocol.

    Requests go through :class:`~wxnb.protocol.keepalive.KeepAlivePool` when they can (JSON bodies
    and GETs without redirects, no proxy, no client certificate: every call of a session but the
    login's redirects), else through a pooled ``requests.Session`` (``http``), whose cookie jar both
    paths share. A session passed in as ``http`` is used for everything (it may carry adapters, auth
    or hooks the keep-alive pool knows nothing of).

    Thread-safe enough for one long poll and other requests at the same time (each request takes
    its own pooled connection; the cookie jar locks itself).
    """

    def __init__(
        self,
        *,
        timeouts: Timeouts,
        retry: RetryPolicy,
        headers: Mapping[str, str],
        http: requests.Session | None = None,
        pool_size: int = 8,
    ) -> None:
        self.timeouts = timeouts
        self.retry = retry
        # Our own session is prepared for by the Preparer (same requests, a fraction of the CPU); a
        # session passed in may carry anything (auth, hooks, adapters): it gets requests' own path.
        self._preparer = Preparer(http if http is not None else requests.Session())
        self._lean = http is None
        self.http = self._preparer.http
        self.http.headers.update(headers)
        # Our own retry policy only: urllib3 must not repeat a POST that changes state.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
        install(adapter)  # requests can be cancelled from another thread (CancelToken)
        self.http.mount("http://", adapter)
        self.http.mount("https://", adapter)
        self._wire = (
            KeepAlivePool(max_idle=pool_size, on_connection=attach_current, on_connected=check_after_connect)
            if self._lean
            else None
        )
        self._rng = random.Random()
        #: Told ``(endpoint, what failed)`` before each retry (the session counts them on its status).
        self.on_retry: Callable[[str, str], None] | None = None

    def close(self) -> None:
        if self._wire is not None:
            self._wire.close()
        self.http.close()

    # ---- cookies ----------------------------------------------------------------------------------

    def cookies(self) -> dict[str, str]:
        """The session cookies as ``name → value`` (the newest wins if a name is set for two domains)."""
        return {c.name: c.value for c in self.http.cookies if c.value is not None}

    def set_cookies(self, cookies: Mapping[str, str], domain: str) -> None:
        """Put saved cookies back into the jar, scoped to ``domain`` (a host, or ``.example.com``)."""
        for name, value in cookies.items():
            cookie = create_cookie(name, value, domain=domain, path="/")  # type: ignore[no-untyped-call]
            self.http.cookies.set_cookie(cookie)
        self._preparer.cookies_changed()

    def clear_cookies(self) -> None:
        self.http.cookies.clear()
        self._preparer.cookies_changed()

    # ---- requests ---------------------------------------------------------------------------------

    def call(
        self,
        method: str,
        url: str,
        parse: Callable[[bytes], T],
        *,
        endpoint: str,
        kind: CallKind,
        expect: Expect = "text",
        body: bytes | None = None,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        follow_redirects: bool = False,
        client_msg_id: str = "",
        cancel: Sequence[CancelToken] = (),
        while_waiting: Callable[[], object] | None = None,
    ) -> T:
        """Send a request, retrying as ``kind`` allows, check the reply is of the ``expect`` kind, and
        return ``parse(body)``. ``parse`` raises the typed errors of a bad reply. Any of the ``cancel``
        tokens stops the request at once, in flight or between retries (:class:`Interrupted`).

        ``while_waiting`` is called in each try once the request is sent and before its reply is read
        (on the keep-alive path; on the others, before sending): work to do while the server answers.
        It may be called more than once (make it idempotent), or not at all if no try got that far;
        what it raises propagates.

        Raises:
            TransportError: the network failed (READ/LONG_POLL: after the bounded retries).
            OutcomeUnknown: a CHANGE request failed after it may have reached the server, or its
                reply could not be read.
            ProtocolError: a complete reply of the wrong kind or shape.
            WxError: whatever ``parse`` raises for a non-zero Ret.
            Interrupted: a ``cancel`` token was cancelled.
        """
        changes = kind is CallKind.CHANGE
        attempts = 1 if changes else self.retry.attempts
        read_timeout = self.timeouts.long_poll if kind is CallKind.LONG_POLL else self.timeouts.read
        timeout = (self.timeouts.connect, read_timeout)
        for attempt in range(1, attempts + 1):
            if any(token.cancelled for token in cancel):
                raise Interrupted(endpoint=endpoint)
            try:
                with scope(cancel):
                    content = self._once(
                        method, url, endpoint, expect, body, form, headers, timeout, follow_redirects,
                        attempt, while_waiting,
                    )  # fmt: skip
                return parse(content)
            except _Failure as failure:
                if any(token.cancelled for token in cancel):
                    raise Interrupted(endpoint=endpoint) from None
                if changes:
                    raise _change_failed(failure, endpoint, client_msg_id) from None
                if attempt == attempts:
                    raise TransportError(
                        failure.what, endpoint=endpoint, attempts=attempts, status=failure.status
                    ) from None
                pause = self.retry.delay(attempt, self._rng)
                logger.info(
                    "%s: %s; retry %d of %d in %.2f s", endpoint, failure.what, attempt + 1, attempts, pause
                )
                self._notify_retry(endpoint, failure.what)
                if wait_any(cancel, pause):
                    raise Interrupted(endpoint=endpoint) from None
            except ProtocolError as exc:
                if not changes:
                    raise
                # The server read the request and answered something unreadable: it may have acted.
                raise OutcomeUnknown(
                    f"the reply could not be read ({exc.what})",
                    endpoint=endpoint,
                    client_msg_id=client_msg_id,
                ) from None
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover

    def _notify_retry(self, endpoint: str, what: str) -> None:
        hook = self.on_retry
        if hook is None:
            return
        try:
            hook(endpoint, what)
        except Exception:  # an observer's bug must not turn a retry into a failure
            logger.exception("the on_retry hook raised")

    def _once(
        self,
        method: str,
        url: str,
        endpoint: str,
        expect: Expect,
        body: bytes | None,
        form: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        timeout: tuple[float, float],
        follow_redirects: bool,
        attempt: int,
        while_waiting: Callable[[], object] | None,
    ) -> bytes:
        """One try: the reply body, or _Failure (worth repeating), or a typed error (not worth it)."""
        started = time.perf_counter()
        try:
            # The whole body is read here: a body cut short raises now.
            reply = self._send(method, url, body, form, headers, timeout, follow_redirects, while_waiting)
        except _Failure as failure:
            if logger.isEnabledFor(logging.DEBUG):  # redacting the URL costs more than the log call
                logger.debug(
                    "%s %s %s failed after %.1f ms (try %d): %s",
                    method, endpoint, redact_url(_path_and_query(url)),
                    (time.perf_counter() - started) * 1000, attempt, failure.what,
                )  # fmt: skip
            raise
        status = reply.status
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s %s -> %d in %.1f ms (%d bytes, try %d)",
                method, endpoint, redact_url(_path_and_query(url)), status,
                (time.perf_counter() - started) * 1000, len(reply.content), attempt,
            )  # fmt: skip
        if status in _TRANSIENT_STATUS:
            raise _Failure(f"HTTP {status} {reply.reason or ''}".strip(), sent=True, status=status)
        _check_reply(reply, endpoint, expect)
        return reply.content

    def _send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        form: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        timeout: tuple[float, float],
        follow_redirects: bool,
        while_waiting: Callable[[], object] | None = None,
    ) -> _Reply:
        """One request and its whole reply, or _Failure: through the keep-alive pool when it can (see
        the class docstring), prepared by the :class:`Preparer`; else through ``Session.request``
        (forms, redirects, a session passed in) or ``Session.send`` (a proxy, a client certificate)."""
        prepared = None
        if self._lean and form is None and not follow_redirects:
            prepared = self._preparer.prepare(method, url, body, headers)
        wire = self._wire is not None and prepared is not None and _wire_ok(*prepared)
        if while_waiting is not None and not wire:
            while_waiting()  # requests does not let us in between sending and reading
        try:
            if prepared is None:
                try:
                    response = self.http.request(
                        method,
                        url,
                        data=body if body is not None else form,
                        headers=dict(headers) if headers else None,
                        timeout=timeout,
                        allow_redirects=follow_redirects,
                    )
                    return _reply_of(response, response.content)
                finally:
                    self._preparer.cookies_changed()  # its replies (and redirects) may have set cookies
            prep, settings = prepared
            if wire:
                return self._send_wire(prep, settings.get("verify", True), timeout, while_waiting)
            settings = {**settings, "stream": True}  # the body is read below, in one piece
            response = self.http.send(prep, timeout=timeout, allow_redirects=False, **settings)
            if "Set-Cookie" in response.headers:  # Session.send stored them in the jar
                self._preparer.cookies_changed()
            return _reply_of(response, _read_body(response))
        except requests.RequestException as exc:
            raise _failure_of(exc, timeout) from None

    def _send_wire(
        self,
        prep: requests.PreparedRequest,
        verify: bool | str,
        timeout: tuple[float, float],
        while_waiting: Callable[[], object] | None,
    ) -> _Reply:
        assert self._wire is not None and prep.method is not None
        body = prep.body if isinstance(prep.body, bytes) else None
        try:
            reply: WireReply = self._wire.request(
                prep.method,
                str(prep.url),
                prep.headers.items(),
                body,
                timeout=timeout,
                verify=verify,
                after_send=while_waiting,
            )
        except WireError as exc:
            raise _Failure(exc.what, sent=exc.sent) from None
        if reply.set_cookies:  # into the jar, as requests stores them (http.cookiejar's rules)
            self.http.cookies.extract_cookies(MockResponse(reply), MockRequest(prep))  # type: ignore[arg-type]
            self._preparer.cookies_changed()
        return _Reply(
            reply.status, reply.reason, _media_type(reply.headers.get("content-type", "")), reply.content
        )


def _wire_ok(prep: requests.PreparedRequest, settings: Mapping[str, Any]) -> bool:
    """The keep-alive pool can send it: no client certificate, no proxy for its URL."""
    return not settings.get("cert") and not select_proxy(str(prep.url), settings.get("proxies") or {})


def _reply_of(response: requests.Response, content: bytes) -> _Reply:
    return _Reply(
        response.status_code,
        response.reason or "",
        _media_type(response.headers.get("Content-Type", "")),
        content,
    )


def _read_body(response: requests.Response) -> bytes:
    """The whole body of a streamed response in one read, with the errors ``response.content`` raises.

    ``response.content`` reads in 10 KB pieces through a generator: for a 400 KB sync reply that was
    ~0.5 ms of CPU. One read releases the connection to the pool all the same once it has everything.
    """
    consumed: object = response._content  # False until read (requests reads a redirect's body itself)
    if isinstance(consumed, bytes):
        return consumed
    raw = response.raw
    try:
        content = raw.read(decode_content=True) or b""
    except urllib3.exceptions.ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from exc
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ConnectionError(exc) from exc
    except urllib3.exceptions.SSLError as exc:
        raise requests.exceptions.SSLError(exc) from exc
    response._content = content  # as response.content would have kept it
    return bytes(content)


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _failure_of(exc: requests.RequestException, timeout: tuple[float, float]) -> _Failure:
    """Describe a requests exception in our words (its own text quotes the URL, secrets and all)."""
    if isinstance(exc, requests.ConnectTimeout):
        return _Failure(f"could not connect within {timeout[0]:g} s", sent=False)
    if isinstance(exc, requests.ReadTimeout):
        return _Failure(f"no reply within {timeout[1]:g} s", sent=True)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        return _Failure("the connection closed before the whole reply arrived", sent=True)
    if isinstance(exc, requests.ConnectionError):
        reason = _root_cause(exc)
        if isinstance(reason, urllib3.exceptions.NewConnectionError):
            return _Failure(f"could not connect ({_describe(reason)})", sent=False)
        if isinstance(reason, ConnectionResetError):
            return _Failure("the connection was reset", sent=True)
        return _Failure(f"the connection failed ({_describe(reason)})", sent=True)
    return _Failure(f"the request failed ({type(exc).__name__})", sent=True)


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost reason of a requests/urllib3 exception chain."""
    seen: set[int] = set()
    current: BaseException = exc
    while id(current) not in seen:
        seen.add(id(current))
        inner = getattr(current, "reason", None)
        if not isinstance(inner, BaseException):
            args = [a for a in current.args if isinstance(a, BaseException)]
            inner = args[-1] if args else None
        if inner is None:
            return current
        current = inner
    return current


def _describe(exc: BaseException) -> str:
    """A short, redacted description of a low-level error (no URL: its text may quote the query)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc)
    text = text.split(": ", 1)[-1] if "url:" in text or "Connection(" in text else text
    return redact_url(text)[:200] or type(exc).__name__


def _check_reply(reply: _Reply, endpoint: str, expect: Expect) -> None:
    """Raise the typed error for a complete reply that is not of the expected kind."""
    status, ctype, content = reply.status, reply.content_type, reply.content
    if 300 <= status < 400:
        if expect in ("xml", "any"):
            return
        raise ProtocolError(f"an unexpected HTTP {status} redirect", None, endpoint=endpoint)
    if status == 404:
        raise TransportError(
            "HTTP 404 Not Found",
            endpoint=endpoint,
            status=404,
            hint="The server has no such thing: check the id or URL you passed (a message without a "
            "picture has no image, a UserName is only valid in the login it came from)",
        )
    if status >= 400:
        raise TransportError(
            f"HTTP {status} {reply.reason}".strip(),
            endpoint=endpoint,
            status=status,
            hint="The server refused the request; retry later, and report it if it persists",
        )
    if expect == "any":
        return
    if not content:
        raise ProtocolError("an empty reply", b"", endpoint=endpoint)
    if expect == "image":
        return  # the caller looks at the bytes: an image, or a JSON error reply
    if ctype.startswith((*_HTML_TYPES, *_NOT_TEXT_TYPES)):
        what = "an HTML page" if ctype.startswith(_HTML_TYPES) else f"a {ctype} body"
        raise ProtocolError(
            f"{what} instead of the reply (a proxy, a login portal, or the wrong host?)",
            content,
            endpoint=endpoint,
        )


def is_image(content: bytes) -> bool:
    """True for JPEG, PNG, GIF or WebP bytes (the magic numbers), whatever the Content-Type says."""
    return content.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF8")) or (
        content[:4] == b"RIFF" and content[8:12] == b"WEBP"
    )


def raise_for_image(content: bytes, endpoint: str, check: Callable[[bytes], None]) -> bytes:
    """``content`` if it is an image; else ``check(content)`` (which raises for a JSON error reply, e.g.
    LoggedOut) or ProtocolError."""
    if is_image(content):
        return content
    if content[:1] == b"{":
        check(content)
    raise ProtocolError("the reply is not an image", content[:64], endpoint=endpoint)
