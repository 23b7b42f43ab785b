"""A lean keep-alive HTTP/1.1 client for the protocol's own requests (used by the transport only).

Why: through ``requests`` → ``urllib3`` → ``http.client`` one request costs ~0.35 ms of CPU before
the reply is parsed (http.client reads the headers with the ``email`` package, requests builds its
Response, the adapter and pool add their layers): measured against the simulator, 390 µs per request
through the transport against 60 µs here. The sync thread makes one webwxsync per batch of messages,
so that overhead was ~15 % of ingest. This client writes the request in one ``sendall`` and reads the
reply with a few ``bytes`` operations.

What it covers, all that :class:`~wxnb.protocol.transport.Transport` sends through it: GET and POST
with the body in memory, ``http`` and ``https`` (certificates verified against the CA bundle
``requests`` would use, or as ``verify`` says), replies with Content-Length, chunked, or read to the
end, ``gzip``/``deflate`` bodies, 1xx interim replies skipped, a pool of idle connections per origin
(a pooled connection the server has closed is noticed before it is used). What it does not cover
(proxies, client certificates, following redirects) stays with ``requests``: the transport decides.

Failures are :class:`WireError` with words for people and whether the request may have reached the
server (``sent``); the transport turns them into its typed errors. Nothing here retries.

Example:
    >>> pool = KeepAlivePool()
    >>> pool.idle_count()
    0
    >>> pool.close()
"""

from __future__ import annotations

import contextlib
import os.path
import select
import socket
import ssl
import threading
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

from wxnb.errors import Error

__all__ = ["KeepAlivePool", "WireError", "WireReply"]

_MAX_HEAD: Final = 64 * 1024  # a status line and headers longer than this are not a reply of ours
_RECV: Final = 256 * 1024
_NO_BODY_STATUS: Final = frozenset({204, 304})


class WireError(Error):
    """One failed exchange. ``what``: words for people (no URL, no secret). ``sent``: the request may
    have reached the server. ``timeout``: it failed because a timeout ran out."""

    def __init__(self, what: str, *, sent: bool, timeout: bool = False) -> None:
        super().__init__(what)
        self.what = what
        self.sent = sent
        self.timeout = timeout


@dataclass(slots=True)
class WireReply:
    """A whole reply: status, reason, headers (lower-case names; a repeated header's values joined
    by ``", "``), each ``Set-Cookie`` value, and the body (decoded when it was gzip/deflate)."""

    status: int
    reason: str
    headers: dict[str, str]
    set_cookies: list[str] = field(default_factory=list)
    content: bytes = b""

    def get_all(self, name: str, default: list[str] | None = None) -> list[str] | None:
        """``http.cookiejar`` reads Set-Cookie through this (``CookieJar.extract_cookies``)."""
        if name.lower() == "set-cookie":
            return list(self.set_cookies)
        value = self.headers.get(name.lower())
        return [value] if value is not None else default


class _Connection:
    """One socket to one origin (``sock`` is what a CancelToken shuts down)."""

    __slots__ = ("origin", "sock")

    def __init__(self, origin: tuple[str, str, int], sock: socket.socket) -> None:
        self.origin = origin
        self.sock = sock

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def _dropped(sock: socket.socket) -> bool:
    """True when an idle connection is readable: the server closed it (or sent something unasked)."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class KeepAlivePool:
    """Idle connections per origin (``max_idle`` each) and the requests that use them.

    Thread-safe: each request takes a connection of its own (an idle one, else a new one) and gives it
    back when the reply was read whole and the server keeps it open.

    ``on_connection(conn)`` is called with each connection a request is about to use, and
    ``on_connected(conn)`` right after a new one connects (the transport's cancellation hooks: a
    connection has a ``sock`` attribute).
    """

    def __init__(
        self,
        *,
        max_idle: int = 8,
        on_connection: Callable[[_Connection], None] | None = None,
        on_connected: Callable[[_Connection], None] | None = None,
    ) -> None:
        self.max_idle = max_idle
        self._lock = threading.Lock()
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._contexts: dict[object, ssl.SSLContext] = {}
        self._on_connection = on_connection
        self._on_connected = on_connected
        self._closed = False

    def idle_count(self) -> int:
        """Connections waiting in the pool (for tests and diagnostics)."""
        with self._lock:
            return sum(len(idle) for idle in self._idle.values())

    def close(self) -> None:
        """Close every idle connection (requests in flight close theirs when they end)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    # ---- one request ------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        headers: Iterable[tuple[str, str]],
        body: bytes | None,
        *,
        timeout: tuple[float, float],
        verify: bool | str = True,
        after_send: Callable[[], object] | None = None,
    ) -> WireReply:
        """Send one request and read its whole reply.

        ``url``: an already encoded ``http(s)://host[:port]/path?query``. ``headers``: sent as given,
        after ``Host`` (``Accept-Encoding`` is replaced by what this client decodes; ``Connection``,
        ``Host`` and ``Transfer-Encoding`` given here are left out). ``timeout``: (connect, read) in
        seconds; the read timeout applies to each wait for data. ``verify``: for https, True (the CA
        bundle of ``requests``), False (no check), or a CA bundle file or directory. ``after_send``:
        called once the request is sent, before waiting for the reply (work to do while the server
        answers); what it raises ends the request (the connection is closed) and propagates.

        Raises:
            WireError: the exchange failed (``sent`` says whether the server may have the request).
        """
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {scheme}://…")
        port = parts.port or (443 if scheme == "https" else 80)
        origin = (scheme, parts.hostname, port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = _request_head(method, target, _host_header(parts.hostname, port, scheme), headers, body)
        connection = self._take(origin)
        if connection is None:
            connection = self._connect(origin, timeout, verify)
        elif self._on_connection is not None:
            self._on_connection(connection)
        keep = False
        try:
            sock = connection.sock
            sock.settimeout(timeout[1])
            try:
                sock.sendall(head + body if body else head)
            except TimeoutError:
                raise WireError(f"no reply within {timeout[1]:g} s", sent=True, timeout=True) from None
            except OSError as exc:
                raise _exchange_error(exc) from None
            if after_send is not None:
                after_send()
            reply, keep = _read_reply(sock, method, timeout[1])
            return reply
        finally:
            if keep:
                self._give_back(connection)
            else:
                connection.close()

    # ---- connections ------------------------------------------------------------------------------

    def _take(self, origin: tuple[str, str, int]) -> _Connection | None:
        while True:
            with self._lock:
                idle = self._idle.get(origin)
                if not idle:
                    return None
                connection = idle.pop()
            if not _dropped(connection.sock):
                return connection
            connection.close()

    def _give_back(self, connection: _Connection) -> None:
        with self._lock:
            if not self._closed:
                idle = self._idle.setdefault(connection.origin, [])
                if len(idle) < self.max_idle:
                    idle.append(connection)
                    return
        connection.close()

    def _connect(
        self, origin: tuple[str, str, int], timeout: tuple[float, float], verify: bool | str
    ) -> _Connection:
        scheme, host, port = origin
        try:
            sock = socket.create_connection((host, port), timeout=timeout[0])
        except TimeoutError:
            raise WireError(f"could not connect within {timeout[0]:g} s", sent=False, timeout=True) from None
        except OSError as exc:
            raise WireError(f"could not connect ({_describe(exc)})", sent=False) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = _Connection(origin, sock)
        if self._on_connection is not None:
            self._on_connection(connection)
        if scheme == "https":
            try:
                connection.sock = self._context(verify).wrap_socket(sock, server_hostname=host)
            except TimeoutError:
                connection.close()
                raise WireError(
                    f"could not connect within {timeout[0]:g} s", sent=False, timeout=True
                ) from None
            except ssl.SSLCertVerificationError as exc:
                connection.close()
                raise WireError(
                    f"the server's certificate is not trusted ({exc.verify_message})", sent=False
                ) from None
            except OSError as exc:
                connection.close()
                raise WireError(f"could not connect (TLS: {_describe(exc)})", sent=False) from None
        if self._on_connected is not None:
            self._on_connected(connection)
        return connection

    def _context(self, verify: bool | str) -> ssl.SSLContext:
        with self._lock:
            context = self._contexts.get(verify)
        if context is not None:
            return context
        if verify is False:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        else:
            from requests.utils import DEFAULT_CA_BUNDLE_PATH  # the bundle requests verifies against

            bundle = DEFAULT_CA_BUNDLE_PATH if verify is True else verify
            if os.path.isdir(bundle):
                context = ssl.create_default_context(capath=bundle)
            else:
                context = ssl.create_default_context(cafile=bundle)
        with self._lock:
            self._contexts[verify] = context
        return context


# ---- the request ---------------------------------------------------------------------------------

_SKIPPED_HEADERS: Final = frozenset({"host", "connection", "transfer-encoding", "accept-encoding"})


def _host_header(host: str, port: int, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return shown if port == default else f"{shown}:{port}"


def _request_head(
    method: str, target: str, host: str, headers: Iterable[tuple[str, str]], body: bytes | None
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", "Accept-Encoding: gzip, deflate"]
    has_length = False
    for name, value in headers:
        lower = name.lower()
        if lower in _SKIPPED_HEADERS:
            continue
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
            raise ValueError(f"the header {name!r} has a line break in its name or value")
        has_length = has_length or lower == "content-length"
        lines.append(f"{name}: {value}")
    if not has_length and (body or method not in ("GET", "HEAD")):
        lines.append(f"Content-Length: {len(body or b'')}")
    lines.append("Connection: keep-alive")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# ---- the reply -----------------------------------------------------------------------------------

_CUT_SHORT: Final = "the connection closed before the whole reply arrived"


class _Reader:
    """Reads from a socket through a buffer; every failure is a WireError (the request was sent)."""

    __slots__ = ("buffer", "got_any", "sock", "timeout")

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self.sock = sock
        self.timeout = timeout
        self.buffer = bytearray()
        self.got_any = False

    def more(self, want: int = _RECV) -> bool:
        """Read what is there (at most ``want`` bytes, waiting for some); False at the end."""
        try:
            data = self.sock.recv(max(want, 16384))
        except TimeoutError:
            raise WireError(f"no reply within {self.timeout:g} s", sent=True, timeout=True) from None
        except OSError as exc:
            raise _exchange_error(exc) from None
        if not data:
            return False
        self.got_any = True
        self.buffer += data
        return True

    def line(self, limit: int) -> bytes:
        """Up to and without the next CRLF."""
        while True:
            end = self.buffer.find(b"\r\n")
            if end >= 0:
                line = bytes(self.buffer[:end])
                del self.buffer[: end + 2]
                return line
            if len(self.buffer) > limit:
                raise WireError("the connection failed (a reply line is too long)", sent=True)
            if not self.more():
                raise WireError(_CUT_SHORT if self.got_any else "the connection was closed", sent=True)

    def exactly(self, count: int) -> bytes:
        while len(self.buffer) < count:
            if not self.more(count - len(self.buffer)):
                raise WireError(_CUT_SHORT, sent=True)
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data

    def rest(self) -> bytes:
        while self.more():
            pass
        data = bytes(self.buffer)
        self.buffer.clear()
        return data


def _read_head(reader: _Reader) -> tuple[str, int, str, dict[str, str], list[str]]:
    """Status line and headers: (version, status, reason, headers, Set-Cookie values)."""
    while True:
        end = reader.buffer.find(b"\r\n\r\n")
        if end >= 0:
            break
        if len(reader.buffer) > _MAX_HEAD:
            raise WireError("the connection failed (the reply's headers are too long)", sent=True)
        if not reader.more():
            if reader.got_any:
                raise WireError(_CUT_SHORT, sent=True)
            raise WireError("the connection was closed before the reply", sent=True)
    head = bytes(reader.buffer[:end]).decode("latin-1")
    del reader.buffer[: end + 4]
    status_line, _, header_text = head.partition("\r\n")
    version, _, rest = status_line.partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/1.") or len(code) != 3 or not code.isdigit():
        raise WireError("the connection failed (not an HTTP reply)", sent=True)
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for line in header_text.split("\r\n") if header_text else ():
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise WireError("the connection failed (a malformed reply header)", sent=True)
        name, value = name.lower(), value.strip()
        if name == "set-cookie":
            cookies.append(value)
        elif name in headers:
            headers[name] = f"{headers[name]}, {value}"
        else:
            headers[name] = value
    return version, int(code), reason.strip(), headers, cookies


def _read_reply(sock: socket.socket, method: str, timeout: float) -> tuple[WireReply, bool]:
    """The whole reply, and whether the connection may be used again."""
    reader = _Reader(sock, timeout)
    while True:
        version, status, reason, headers, cookies = _read_head(reader)
        if not 100 <= status < 200 or status == 101:
            break  # 1xx (100 Continue, 103 Early Hints) come before the real reply
    if status == 101:
        raise WireError("the connection failed (the server switched protocols)", sent=True)
    tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
    keep = "keep-alive" in tokens if version == "HTTP/1.0" else "close" not in tokens
    if method == "HEAD" or status in _NO_BODY_STATUS:
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body = _read_chunked(reader)
    elif "content-length" in headers:
        length = headers["content-length"].split(",")[0].strip()
        if not length.isdigit():
            raise WireError("the connection failed (a malformed Content-Length)", sent=True)
        body = reader.exactly(int(length))
    else:
        body, keep = reader.rest(), False
    if reader.buffer:
        keep = False  # bytes past the reply: not a connection to trust with another request
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding and encoding != "identity" and body:
        body = _decoded(body, encoding)
    return WireReply(status, reason, headers, cookies, body), keep


def _read_chunked(reader: _Reader) -> bytes:
    pieces: list[bytes] = []
    while True:
        size_line = reader.line(1024).split(b";", 1)[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError:
            raise WireError("the connection failed (a malformed chunk)", sent=True) from None
        if size == 0:
            while reader.line(_MAX_HEAD):  # trailers, up to the empty line
                pass
            return b"".join(pieces)
        pieces.append(reader.exactly(size))
        if reader.exactly(2) != b"\r\n":
            raise WireError("the connection failed (a malformed chunk)", sent=True)


def _decoded(body: bytes, encoding: str) -> bytes:
    try:
        if encoding in ("gzip", "x-gzip"):
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)  # raw deflate, as some servers send it
    except zlib.error:
        raise WireError(f"the reply could not be decoded ({encoding})", sent=True) from None
    raise WireError(f"the reply is in an encoding this client does not read ({encoding})", sent=True)


# ---- words for failures --------------------------------------------------------------------------


def _exchange_error(exc: OSError) -> WireError:
    if isinstance(exc, ConnectionResetError):
        return WireError("the connection was reset", sent=True)
    if isinstance(exc, ssl.SSLError):
        return WireError(f"the connection failed (TLS: {_describe(exc)})", sent=True)
    return WireError(f"the connection failed ({_describe(exc)})", sent=True)


def _describe(exc: OSError) -> str:
    if exc.strerror:
        return exc.strerror
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return str(exc.reason)
    return type(exc).__name__
