"""A small HTTP/1.1 server on asyncio, in its own thread, with full control of the bytes on the wire.

Why not ``http.server``: it writes headers and body in separate sends, which meets the 40 ms
delayed-ACK stall on keep-alive connections, and it cannot reset a connection or cut a body short on
purpose. Here every response is ONE ``transport.write`` on a TCP_NODELAY socket; handlers may return
a response at once or an awaitable (long polls); faults are response actions (``reset``: TCP RST,
``truncate``: half the promised body then close).

Supported: keep-alive and pipelining (answered in order), ``Content-Length`` and chunked request
bodies, ``Expect: 100-continue``, a header-size limit (431) and a body-size limit (the request is
still delivered, flagged ``oversized`` with an empty body, so the application can answer in its own
style). A handler that raises gets a 500 and the error is reported through ``on_error``; the server
thread never dies of a request.

Malformed requests are answered 400 and the connection closed (the server goes on serving others):
a request line that is not ``METHOD target HTTP/1.x``, a header line without a name, a name that
is not a token, a ``Content-Length`` that is not ASCII digits (signs, spaces, other scripts' digits,
several values), a ``Transfer-Encoding`` other than ``chunked``, bad chunk framing. A declared body
beyond 64 times the body limit is answered 413 at once. Anything else that goes wrong while reading
bytes is reported through ``on_error`` and answered 400, never a silently dropped connection.

Example:
    >>> server = HttpServer(lambda req: Response(200, b"hi"))
    >>> server.start()
    >>> import urllib.request
    >>> urllib.request.urlopen(f"http://127.0.0.1:{server.port}/").read()
    b'hi'
    >>> server.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import socket
import struct
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote

from wxnb.sim.strict import MAX_INT64, NumberError, parse_digits, parse_hex

__all__ = ["Handler", "HttpServer", "Request", "Response"]

logger = logging.getLogger("wxnb.sim.http")

MAX_HEAD = 64 * 1024


@dataclass(slots=True)
class Request:
    """One parsed request. Header names are lower-case; ``query`` keeps the first value of each name."""

    method: str
    target: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""
    oversized: bool = False
    version: str = "HTTP/1.1"
    peer: Any = None

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies of the ``Cookie`` header, values as sent (no unquoting)."""
        out: dict[str, str] = {}
        for part in self.headers.get("cookie", "").split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name and name not in out:
                out[name] = value
        return out

    @property
    def host(self) -> str:
        return self.headers.get("host", "")


@dataclass(slots=True)
class Response:
    """A response. ``action``: ``""`` (normal), ``"reset"`` (TCP RST, nothing sent), ``"truncate"``
    (headers with the full Content-Length, half the body, then close), ``"close"`` (close after)."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/plain; charset=UTF-8"
    headers: list[tuple[str, str]] | tuple[tuple[str, str], ...] = field(default_factory=list)
    action: str = ""


Handler = Callable[[Request], "Response | Awaitable[Response]"]

_HEAD, _BODY, _CHUNK_SIZE, _CHUNK_DATA, _CHUNK_END, _TRAILER = range(6)


_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_VERSIONS = ("HTTP/1.0", "HTTP/1.1")


class _BadRequest(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _parse_target(target: str) -> tuple[str, dict[str, str]]:
    path, _, query_string = target.partition("?")
    query: dict[str, str] = {}
    if query_string:
        for name, value in parse_qsl(query_string, keep_blank_values=True):
            query.setdefault(name, value)
    return unquote(path), query


class _Connection(asyncio.Protocol):
    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.state = _HEAD
        self.request: Request | None = None
        self.body = bytearray()
        self.remaining = 0
        self.discarded = 0
        self.busy = False
        self.closed = False
        self.eof = False
        self.task: asyncio.Task[None] | None = None

    # ---- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.connections.add(self)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.busy:
            self._serve_guarded()
        elif len(self.buf) > self.server.max_body + MAX_HEAD and self.transport is not None:
            # a client piling up pipelined data behind a long poll: do not buffer without bound
            self.transport.abort()

    def _serve_guarded(self) -> None:
        try:
            self._serve()
        except Exception as exc:  # a bug in reading bytes: reported, answered, never a dead connection
            logger.exception("reading a request failed")
            self.server.report(exc)
            self._write_simple(400, b"bad request", close=True)

    def eof_received(self) -> bool:
        """The client sent all it will send (a half-close): answer what is pending, then close.

        A request in progress (a long poll) still gets its reply; a request cut short gets 400
        instead of a silently closed connection.
        """
        self.eof = True
        if not self.busy:
            self._after_eof()
        return True  # keep the transport: this side closes it once it has answered

    def _after_eof(self) -> None:
        if self.closed or self.transport is None:
            return
        if self.buf or self.state != _HEAD:
            self._write_simple(400, b"the request ended before it was complete", close=True)
        else:
            self.transport.close()
            self.closed = True

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.server.connections.discard(self)
        if self.task is not None and not self.task.done():
            self.task.cancel()

    # ---- parsing ------------------------------------------------------------------------------

    def _serve(self) -> None:
        while not self.busy and not self.closed:
            try:
                request = self._parse()
            except _BadRequest as bad:
                self._write_simple(bad.status, str(bad).encode(), close=True)
                return
            if request is None:
                return
            try:
                result = self.server.handler(request)
            except Exception as exc:
                logger.exception("request handler failed for %s %s", request.method, request.path)
                self.server.report(exc)
                result = Response(500, b"internal error")
            if inspect.isawaitable(result):
                self.busy = True
                self.task = asyncio.ensure_future(self._finish(request, result))
                return
            assert isinstance(result, Response)
            self._respond(request, result)

    async def _finish(self, request: Request, pending: Awaitable[Response]) -> None:
        try:
            response = await pending
        except asyncio.CancelledError:
            return
        except Exception as exc:
            logger.exception("request handler failed for %s %s", request.method, request.path)
            self.server.report(exc)
            response = Response(500, b"internal error")
        self.busy = False
        self.task = None
        if self.closed:
            return
        self._respond(request, response)
        self._serve_guarded()
        if self.eof and not self.busy:
            self._after_eof()

    def _parse(self) -> Request | None:
        buf = self.buf
        while True:
            if self.state == _HEAD:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(buf) > MAX_HEAD:
                        raise _BadRequest(431, "request header too large")
                    return None
                if end > MAX_HEAD:
                    raise _BadRequest(431, "request header too large")
                head = bytes(buf[:end]).decode("latin-1")
                del buf[: end + 4]
                if self._start(head):
                    return self._complete()
            elif self.state in (_BODY, _CHUNK_DATA):
                take = min(self.remaining, len(buf))
                if take == 0 and self.remaining:
                    return None
                self._take(buf[:take])
                del buf[:take]
                self.remaining -= take
                if self.remaining:
                    return None
                if self.state == _BODY:
                    return self._complete()
                self.state = _CHUNK_END
            elif self.state == _CHUNK_SIZE:
                end = buf.find(b"\r\n")
                if end < 0:
                    if len(buf) > 1024:
                        raise _BadRequest(400, "bad chunk size line")
                    return None
                line = bytes(buf[:end]).split(b";")[0].strip()
                del buf[: end + 2]
                try:
                    size = parse_hex(line.decode("latin-1"), "chunk size")
                except NumberError:
                    raise _BadRequest(400, "bad chunk size") from None
                if size == 0:
                    self.state = _TRAILER
                else:
                    self.remaining = size
                    self.state = _CHUNK_DATA
            elif self.state == _CHUNK_END:
                if len(buf) < 2:
                    return None
                if buf[:2] != b"\r\n":
                    raise _BadRequest(400, "chunk not followed by CRLF")
                del buf[:2]
                self.state = _CHUNK_SIZE
            else:  # _TRAILER
                end = buf.find(b"\r\n")
                if end < 0:
                    if len(buf) > MAX_HEAD:
                        raise _BadRequest(431, "trailers too large")
                    return None
                del buf[: end + 2]
                if end == 0:
                    return self._complete()

    def _start(self, head: str) -> bool:
        """Parse the request line and headers; True when the request has no body."""
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or parts[2] not in _VERSIONS or not parts[1] or not _TOKEN.issuperset(parts[0]):
            raise _BadRequest(400, "bad request line")
        method, target, version = parts
        if not method or not target.isprintable() or not target.isascii():
            raise _BadRequest(400, "bad request line")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name or not _TOKEN.issuperset(name):
                raise _BadRequest(400, "bad header line")
            key = name.lower()
            if key in ("content-length", "transfer-encoding") and key in headers:
                raise _BadRequest(400, f"more than one {name} header")
            value = value.strip()
            if key in headers:  # repeated headers: joined, cookies with "; " as a browser would
                headers[key] = headers[key] + ("; " if key == "cookie" else ", ") + value
            else:
                headers[key] = value
        path, query = _parse_target(target)
        self.request = Request(method, target, path, query, headers, version=version)
        self.body = bytearray()
        self.discarded = 0
        coding = headers.get("transfer-encoding")
        if coding is not None:
            if coding.lower() != "chunked" or "content-length" in headers:
                raise _BadRequest(400, "Transfer-Encoding must be chunked alone, without Content-Length")
            self.state = _CHUNK_SIZE
        else:
            try:
                self.remaining = parse_digits(
                    headers.get("content-length", "0"), "Content-Length", 0, MAX_INT64
                )
            except NumberError as exc:
                raise _BadRequest(400, str(exc)) from None
            if self.remaining > 64 * self.server.max_body:
                raise _BadRequest(413, "request body far too large")
            if self.remaining == 0:
                return True
            self.state = _BODY
        if headers.get("expect", "").lower() == "100-continue" and self.transport is not None:
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return False

    def _take(self, data: bytearray) -> None:
        request = self.request
        assert request is not None
        if request.oversized or len(self.body) + len(data) > self.server.max_body:
            request.oversized = True
            self.discarded += len(self.body) + len(data)
            self.body = bytearray()
            if self.discarded > 64 * self.server.max_body:
                raise _BadRequest(413, "request body far too large")
        else:
            self.body += data

    def _complete(self) -> Request:
        request = self.request
        assert request is not None
        request.body = bytes(self.body)
        request.peer = self.transport.get_extra_info("peername") if self.transport else None
        self.request = None
        self.body = bytearray()
        self.state = _HEAD
        return request

    # ---- writing ------------------------------------------------------------------------------

    def _keep_alive(self, request: Request) -> bool:
        connection = request.headers.get("connection", "").lower()
        if request.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection

    def _respond(self, request: Request, response: Response) -> None:
        transport = self.transport
        if transport is None or self.closed:
            return
        if response.action == "reset":
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
            self.closed = True
            return
        keep = self._keep_alive(request) and response.action == ""
        head = [f"HTTP/1.1 {response.status} {_reason(response.status)}"]
        if response.content_type:
            head.append(f"Content-Type: {response.content_type}")
        head.extend(f"{name}: {value}" for name, value in response.headers)
        head.append(f"Content-Length: {len(response.body)}")
        head.append("Connection: keep-alive" if keep else "Connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if request.method == "HEAD":
            transport.write(data)
        elif response.action == "truncate":
            transport.write(data + response.body[: len(response.body) // 2])
        else:
            transport.write(data + response.body)
        if not keep:
            transport.close()
            self.closed = True

    def _write_simple(self, status: int, body: bytes, close: bool) -> None:
        if self.transport is None:
            return
        data = (
            f"HTTP/1.1 {status} {_reason(status)}\r\nContent-Type: text/plain; charset=UTF-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode("latin-1")
        self.transport.write(data + body)
        if close:
            self.transport.close()
            self.closed = True


class HttpServer:
    """Serves ``handler`` on ``host:port`` (0: a free port) from an event loop in a daemon thread.

    ``on_error(exc)`` is called (in the server thread) for every exception a handler raised.
    """

    def __init__(
        self,
        handler: Handler,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        max_body: int = 4 * 1024 * 1024,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.handler = handler
        self.host = host
        self.max_body = max_body
        self.on_error = on_error
        self.connections: set[_Connection] = set()
        self.failure: BaseException | None = None
        self._requested_port = port
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        if self._sock is None:
            raise RuntimeError("the server is not started: call start() first")
        return int(self._sock.getsockname()[1])

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("the server is not started: call start() first")
        return self._loop

    def report(self, exc: BaseException) -> None:
        if self.on_error is not None:
            self.on_error(exc)

    def start(self) -> None:
        """Bind (raises OSError at once if the port is taken) and start serving in a thread."""
        if self._thread is not None:
            raise RuntimeError("the server is already started")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.create_server((self.host, self._requested_port), family=family, backlog=1024)
        sock.setblocking(False)
        self._sock = sock
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="wxnb-sim-http", daemon=True)
        self._thread.start()
        ready.wait(10)
        if self.failure is not None:
            raise RuntimeError("the simulator's HTTP server failed to start") from self.failure

    def _run(self, ready: threading.Event) -> None:
        loop = self.loop
        asyncio.set_event_loop(loop)
        try:
            assert self._sock is not None
            loop.set_exception_handler(self._loop_error)
            self._server = loop.run_until_complete(
                loop.create_server(lambda: _Connection(self), sock=self._sock, backlog=1024)
            )
            ready.set()
            loop.run_forever()
        except BaseException as exc:
            self.failure = exc
            logger.exception("the simulator's HTTP server thread died")
            self.report(exc)
            ready.set()
        finally:
            try:
                for task in asyncio.all_tasks(loop):
                    task.cancel()
                loop.run_until_complete(asyncio.sleep(0))
            finally:
                loop.close()

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """An error the event loop caught (a callback or protocol method that raised): logged as
        asyncio would, and reported, so that a test sees it instead of a silently closed connection."""
        loop.default_exception_handler(context)
        exc = context.get("exception")
        self.report(exc if isinstance(exc, BaseException) else RuntimeError(str(context.get("message"))))

    def call_soon(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` in the server thread (thread-safe; ignored once the loop is closed)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed between the check and the call
                loop.call_soon_threadsafe(callback)

    def close(self) -> None:
        """Stop serving, drop every connection and join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return

        def stop() -> None:
            if self._server is not None:
                self._server.close()
            for conn in list(self.connections):
                if conn.transport is not None:
                    conn.transport.abort()
            loop.stop()

        if not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop)
        thread.join(10)
        self._thread = None
        if self._sock is not None:
            self._sock.close()
