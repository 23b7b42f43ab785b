"""The one place that does HTTP, on urllib3: connection pools per origin, proxies from the environment,
TLS verification, the cookie jar, timeouts, the retry policy per kind of call, a cap on reply sizes, the
mapping of failures to typed errors, and redacted DEBUG logging (logger ``wxnb.protocol``).

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
where none is expected, a body over :data:`MAX_REPLY_BYTES` once decompressed) is a
:class:`~wxnb.protocol.errors.ProtocolError` and is not retried.

Proxies: ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY`` and ``NO_PROXY`` (read as requests reads them,
:func:`requests.utils.get_environ_proxies`) are looked up once per origin, at its first request, and
apply to every request to it, long polls included. An ``http://`` proxy forwards plain HTTP requests
and tunnels HTTPS ones with ``CONNECT``.

Example:
    >>> build_url("http://127.0.0.1:9/x", [("skey", "@crypt_1"), ("pass_ticket", Verbatim("a%2Fb"))])
    'http://127.0.0.1:9/x?skey=%40crypt_1&pass_ticket=a%2Fb'
    >>> redact_url("http://h/synccheck?r=1&skey=@crypt_1&sid=S&uin=2&deviceid=e12&synckey=1_2")
    'http://h/synccheck?r=1&skey=***&sid=***&uin=***&deviceid=***&synckey=1_2'
"""

from __future__ import annotations

import enum
import functools
import http.cookiejar
import logging
import os
import random
import re
import threading
import time
import urllib.request
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, NamedTuple, TypeVar
from urllib.parse import quote, unquote, urlencode, urljoin

import certifi
import urllib3
from requests.cookies import create_cookie
from requests.utils import get_environ_proxies, select_proxy
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.response import BaseHTTPResponse
from urllib3.util import parse_url

from wxnb.protocol.cancel import (
    CancellableHTTPConnectionPool,
    CancellableHTTPSConnectionPool,
    CancelToken,
    Interrupted,
    scope,
    wait_any,
)
from wxnb.protocol.errors import OutcomeUnknown, ProtocolError, TransportError, redact

__all__ = [
    "MAX_REPLY_BYTES",
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

#: The largest reply body accepted, counted after decompression (a 10,000-contact list is ~10 MB): a
#: hostile gzip body cannot make the client hold more than this. Over it: ProtocolError.
MAX_REPLY_BYTES: Final = 64 << 20
_PIECE: Final = 256 << 10  # bytes read at a time from a reply of unknown length
_MAX_REDIRECTS: Final = 5
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
# Our own policy (CallKind) decides what is repeated: urllib3 must not repeat a POST that changes state,
# nor follow redirects (a redirect's Set-Cookie must reach the jar). Built once: urlopen takes it as is.
_NO_RETRIES: Final = urllib3.Retry(total=False, redirect=False)


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
        text = _quoted(value.text, "%/+=-_.~") if isinstance(value, Verbatim) else _quoted(str(value), "")
        parts.append(f"{name}={text}")
    return base + ("&" if "?" in base else "?") + "&".join(parts)


@functools.lru_cache(maxsize=256)
def _quoted(text: str, safe: str) -> str:
    """:func:`urllib.parse.quote`, remembered: skey, sid and pass_ticket recur on every call (quoting
    is a Python loop over the bytes)."""
    return quote(text, safe=safe)


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
    """What the checks after a request look at."""

    status: int
    reason: str
    content_type: str  # lower case, without parameters
    content: bytes
    location: str | None  # where a redirect points


class _Route(NamedTuple):
    """How requests to one origin go: the pool, and whether the request line carries the whole URL
    (a plain HTTP request through a forwarding proxy, with that proxy's credentials if any)."""

    pool: HTTPConnectionPool
    absolute: bool
    proxy_headers: Mapping[str, str]


class _CookieReply:
    """The part of a reply :meth:`http.cookiejar.CookieJar.extract_cookies` reads: its headers."""

    __slots__ = ("_headers",)

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = headers

    def info(self) -> _CookieReply:
        return self

    def get_all(self, name: str, default: list[str] | None = None) -> list[str] | None:
        values: list[str] = self._headers.getlist(name)  # type: ignore[attr-defined]
        return values or default


class Transport:
    """HTTP with the retry policy and error mapping of the web protocol, on urllib3.

    One connection pool per origin (or per proxy), made on the origin's first request with its proxy
    decided then; one cookie jar (:class:`http.cookiejar.CookieJar`) that every reply's Set-Cookie
    lands in and every request's Cookie header comes from. ``headers`` go on every request.
    ``ca_certs``: the CA bundle to verify HTTPS servers with (default: ``REQUESTS_CA_BUNDLE`` or
    ``CURL_CA_BUNDLE`` if set, else certifi's: the bundle requests would use).
    ``max_reply_bytes``: see :data:`MAX_REPLY_BYTES`.

    Thread-safe enough for one long poll and other requests at the same time (each request takes
    its own pooled connection; the cookie jar locks itself).

    Example:
        >>> transport = Transport(timeouts=Timeouts(), retry=RetryPolicy(), headers={"User-Agent": "x"})
        >>> transport.cookies()
        {}
        >>> transport.close()
    """

    def __init__(
        self,
        *,
        timeouts: Timeouts,
        retry: RetryPolicy,
        headers: Mapping[str, str],
        pool_size: int = 8,
        ca_certs: str | None = None,
        max_reply_bytes: int = MAX_REPLY_BYTES,
    ) -> None:
        self.timeouts = timeouts
        self.retry = retry
        self.max_reply_bytes = max_reply_bytes
        self._pool_size = pool_size
        # As requests picks its bundle: REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE (a file or a directory, e.g.
        # a company's TLS-inspecting proxy's CA), else certifi's. Read once, here.
        bundle = ca_certs or os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        directory = bool(bundle) and os.path.isdir(str(bundle))
        self._ca_certs = None if directory else (bundle or certifi.where())
        self._ca_cert_dir = bundle if directory else None
        # Built once: every request copies one of these (we decode gzip/deflate ourselves, capped).
        self._headers = {"Accept-Encoding": "gzip, deflate", **headers}
        self._json_headers = {**self._headers, "Content-Type": "application/json;charset=UTF-8"}
        self._timeout = {
            kind: urllib3.Timeout(
                connect=timeouts.connect,
                read=timeouts.long_poll if kind is CallKind.LONG_POLL else timeouts.read,
            )
            for kind in CallKind
        }
        self._jar = http.cookiejar.CookieJar()
        # The Cookie header per URL path, until the jar changes (every change goes through this class)
        # or its first cookie expires: computing it runs the stdlib cookie policy over every cookie.
        self._cookie_headers: dict[str, tuple[str | None, float]] = {}
        self._jar_generation = 0
        self._routes: dict[str, _Route] = {}
        self._lock = threading.Lock()
        self._rng = random.Random()
        #: Told ``(endpoint, what failed)`` before each retry (the session counts them on its status).
        self.on_retry: Callable[[str, str], None] | None = None

    def close(self) -> None:
        """Close every pooled connection (a later request opens new ones)."""
        with self._lock:
            routes, self._routes = list(self._routes.values()), {}
        for route in routes:
            route.pool.close()

    # ---- cookies ----------------------------------------------------------------------------------

    def cookies(self) -> dict[str, str]:
        """The session cookies as ``name → value`` (the newest wins if a name is set for two domains)."""
        return {c.name: c.value for c in self._jar if c.value is not None}

    def set_cookies(self, cookies: Mapping[str, str], domain: str) -> None:
        """Put saved cookies back into the jar, scoped to ``domain`` (a host, or ``.example.com``)."""
        for name, value in cookies.items():
            self._jar.set_cookie(create_cookie(name, value, domain=domain, path="/"))  # type: ignore[no-untyped-call]
        self._jar_changed()

    def clear_cookies(self) -> None:
        self._jar.clear()
        self._jar_changed()

    def _jar_changed(self) -> None:
        with self._lock:
            self._jar_generation += 1
            self._cookie_headers = {}

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
    ) -> T:
        """Send a request, retrying as ``kind`` allows, check the reply is of the ``expect`` kind, and
        return ``parse(body)``. ``body`` is sent as JSON, ``form`` as a urlencoded form. ``parse``
        raises the typed errors of a bad reply. Any of the ``cancel`` tokens stops the request at
        once, in flight or between retries (:class:`Interrupted`).

        Raises:
            TransportError: the network failed (READ/LONG_POLL: after the bounded retries).
            OutcomeUnknown: a CHANGE request failed after it may have reached the server, or its
                reply could not be read.
            ProtocolError: a complete reply of the wrong kind or shape, or too large.
            WxError: whatever ``parse`` raises for a non-zero Ret.
            Interrupted: a ``cancel`` token was cancelled.
        """
        changes = kind is CallKind.CHANGE
        attempts = 1 if changes else self.retry.attempts
        if form is not None:
            body = urlencode(form).encode()
            request_headers = {**self._headers, "Content-Type": "application/x-www-form-urlencoded"}
        else:
            request_headers = self._json_headers if body is not None else self._headers
        if headers:
            request_headers = {**request_headers, **headers}
        for attempt in range(1, attempts + 1):
            if any(token.cancelled for token in cancel):
                raise Interrupted(endpoint=endpoint)
            try:
                with scope(cancel):
                    content = self._once(
                        method, url, endpoint, expect, body, request_headers, kind, follow_redirects, attempt
                    )
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
        headers: Mapping[str, str],
        kind: CallKind,
        follow_redirects: bool,
        attempt: int,
    ) -> bytes:
        """One try: the reply body, or _Failure (worth repeating), or a typed error (not worth it)."""
        started = time.perf_counter()
        try:
            reply = self._exchange(method, url, body, headers, kind, endpoint)
            for _ in range(_MAX_REDIRECTS if follow_redirects else 0):
                location = reply.location
                if reply.status not in _REDIRECTS or not location:
                    break
                url = urljoin(url, location)
                if reply.status == 303 or (reply.status in (301, 302) and method == "POST"):
                    method, body = "GET", None
                reply = self._exchange(method, url, body, headers, kind, endpoint)
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
        if follow_redirects and status in _REDIRECTS:
            raise ProtocolError(f"more than {_MAX_REDIRECTS} redirects", None, endpoint=endpoint)
        _check_reply(reply, endpoint, expect)
        return reply.content

    def _exchange(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        kind: CallKind,
        endpoint: str,
    ) -> _Reply:
        """One request and its whole reply (cookies stored), or _Failure / ProtocolError (too large)."""
        origin, target = _split(url)
        route = self._routes.get(origin) or self._route(origin)
        cookie = self._cookie_header(url)
        if cookie or route.proxy_headers:
            headers = {**headers, **route.proxy_headers}
            if cookie:
                headers["Cookie"] = cookie
        try:
            response = route.pool.urlopen(
                method,
                url if route.absolute else target,
                body=body,
                headers=headers,
                retries=_NO_RETRIES,
                redirect=False,
                assert_same_host=False,
                timeout=self._timeout[kind],
                preload_content=False,
                decode_content=False,  # decoded here, with the size cap
                release_conn=False,
            )
        except HTTPError as exc:
            raise _failure_of(exc, self.timeouts, kind, reading=False) from None
        try:
            content = self._read(response, endpoint)
        except HTTPError as exc:
            response.close()
            raise _failure_of(exc, self.timeouts, kind, reading=True) from None
        except BaseException:
            response.close()  # the rest of the body is not read: the connection cannot be reused
            raise
        finally:
            response.release_conn()
        reply_headers = response.headers
        if "set-cookie" in reply_headers:
            self._jar.extract_cookies(_CookieReply(reply_headers), urllib.request.Request(url))  # type: ignore[arg-type]
            self._jar_changed()
        return _Reply(
            response.status,
            response.reason or "",
            _media_type(reply_headers.get("content-type", "")),
            content,
            reply_headers.get("location"),
        )

    def _cookie_header(self, url: str) -> str | None:
        """The Cookie header the jar gives for ``url`` (its own rules: domain, path, expiry, secure)."""
        key = url.partition("?")[0]
        now = time.time()
        known = self._cookie_headers.get(key)
        if known is not None and now < known[1]:
            return known[0]
        generation = self._jar_generation
        self._jar.clear_expired_cookies()  # else the soonest expiry below would stay in the past
        probe = urllib.request.Request(url)
        self._jar.add_cookie_header(probe)
        header = probe.get_header("Cookie")
        expires = min((c.expires for c in self._jar if c.expires is not None), default=None)
        with self._lock:
            if generation == self._jar_generation:  # not computed while the jar changed
                self._cookie_headers[key] = (header, float("inf") if expires is None else expires)
        return header

    def _route(self, origin: str) -> _Route:
        """The pool for ``origin`` (``scheme://host:port``), made at its first request; the proxy the
        environment names for it, if any, is decided here, once."""
        with self._lock:
            route = self._routes.get(origin)
            if route is not None:
                return route
            parsed = parse_url(origin)
            scheme, host = parsed.scheme or "http", parsed.host or ""
            port = parsed.port or (443 if scheme == "https" else 80)
            proxy = select_proxy(origin + "/", get_environ_proxies(origin + "/"))
            if not proxy:
                route = _Route(self._pool(scheme, host, port), False, {})
            else:
                via = parse_url(proxy if "://" in proxy else "http://" + proxy)
                if via.scheme != "http" or not via.host:
                    raise TransportError(
                        f"the proxy {redact_url(proxy)!r} is not an http:// proxy",
                        hint="Set HTTPS_PROXY/HTTP_PROXY to an http://host:port proxy or NO_PROXY",
                    )
                auth = urllib3.make_headers(proxy_basic_auth=unquote(via.auth)) if via.auth else {}
                if scheme == "https":  # a CONNECT tunnel through the proxy, TLS with the origin
                    tunnel = (host, port, auth)
                    route = _Route(self._pool("https", via.host, via.port or 80, tunnel), False, {})
                else:  # the proxy forwards the request: the request line carries the whole URL
                    route = _Route(self._pool("http", via.host, via.port or 80), True, auth)
                logger.debug("requests to %s go through the proxy %s", origin, redact_url(via.url))
            self._routes[origin] = route
            return route

    def _pool(
        self, scheme: str, host: str, port: int, tunnel: tuple[str, int, Mapping[str, str]] | None = None
    ) -> HTTPConnectionPool:
        if scheme == "https":
            return CancellableHTTPSConnectionPool(
                host, port, maxsize=self._pool_size, block=False, cert_reqs="CERT_REQUIRED",
                ca_certs=self._ca_certs, ca_cert_dir=self._ca_cert_dir, tunnel=tunnel,
            )  # fmt: skip
        return CancellableHTTPConnectionPool(host, port, maxsize=self._pool_size, block=False)

    def _read(self, response: BaseHTTPResponse, endpoint: str) -> bytes:
        """The whole body, decompressed, refused over ``max_reply_bytes`` (counted as it is read)."""
        limit = self.max_reply_bytes
        length = response.length_remaining
        if length is not None and length > limit:
            raise _too_large(limit, endpoint)
        if length is not None:
            raw = response.read()
        else:  # chunked, or until the connection closes: in pieces, counted
            pieces: list[bytes] = []
            size = 0
            while piece := response.read(_PIECE):
                size += len(piece)
                if size > limit:
                    raise _too_large(limit, endpoint)
                pieces.append(piece)
            raw = b"".join(pieces)
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if not encoding or encoding == "identity":
            return raw
        return _decompress(raw, encoding, limit, endpoint)


def _split(url: str) -> tuple[str, str]:
    """``(scheme://host:port, /path?query)`` of an absolute URL, without a full parse (hot path)."""
    start = url.find("//") + 2
    end = url.find("/", start)
    if end < 0:
        query = url.find("?", start)
        return (url, "/") if query < 0 else (url[:query], "/" + url[query:])
    return url[:end], url[end:]


def _too_large(limit: int, endpoint: str) -> ProtocolError:
    return ProtocolError(f"a reply larger than {limit:,} bytes (refused)", None, endpoint=endpoint)


def _decompress(raw: bytes, encoding: str, limit: int, endpoint: str) -> bytes:
    """gzip or deflate (zlib-wrapped or raw, as servers send both), never more than ``limit`` bytes out."""
    if encoding in ("gzip", "x-gzip"):
        wbits: tuple[int, ...] = (16 + zlib.MAX_WBITS,)
    elif encoding == "deflate":
        wbits = (zlib.MAX_WBITS, -zlib.MAX_WBITS)
    else:
        raise ProtocolError(
            f"a reply in an encoding this client does not read ({encoding})", None, endpoint=endpoint
        )
    for bits in wbits:
        inflater = zlib.decompressobj(bits)
        try:
            content = inflater.decompress(raw, limit + 1)
        except zlib.error:
            continue
        if len(content) > limit:
            raise _too_large(limit, endpoint)
        if inflater.eof:
            return content
    raise _Failure(f"the reply could not be decoded ({encoding})", sent=True)


def _media_type(value: str) -> str:
    return value.split(";")[0].strip().lower()


def _path_and_query(url: str) -> str:
    return _split(url)[1]


def _failure_of(exc: HTTPError, timeouts: Timeouts, kind: CallKind, *, reading: bool) -> _Failure:
    """Describe a urllib3 exception in our words (its own text quotes the URL, secrets and all)."""
    read_timeout = timeouts.long_poll if kind is CallKind.LONG_POLL else timeouts.read
    if isinstance(exc, ProxyError):
        return _Failure(f"could not go through the proxy ({_describe(_root_cause(exc))})", sent=False)
    if isinstance(exc, NewConnectionError):  # before ConnectTimeoutError: it is a subclass
        return _Failure(f"could not connect ({_describe(_root_cause(exc))})", sent=False)
    if isinstance(exc, ConnectTimeoutError):
        return _Failure(f"could not connect within {timeouts.connect:g} s", sent=False)
    if isinstance(exc, ReadTimeoutError):
        return _Failure(f"no reply within {read_timeout:g} s", sent=True)
    if isinstance(exc, SSLError):
        reason = _root_cause(exc)
        verify = getattr(reason, "verify_message", None)
        if verify and not reading:
            return _Failure(f"the server's certificate is not trusted ({verify})", sent=False)
        return _Failure(f"the connection failed (TLS: {_describe(reason)})", sent=reading)
    if reading:
        return _Failure("the connection closed before the whole reply arrived", sent=True)
    reason = _root_cause(exc)
    if isinstance(reason, ConnectionResetError):
        return _Failure("the connection was reset", sent=True)
    return _Failure(f"the connection failed ({_describe(reason)})", sent=True)


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost reason of a urllib3 exception chain."""
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
