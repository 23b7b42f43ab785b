"""Cancelling requests from another thread, long polls included.

A synccheck or login poll is held by the server for ~25 s; a session that is closing (or a login whose
user asked for a new QR code) cannot wait that long. A :class:`CancelToken` given to a request makes
:meth:`CancelToken.cancel` shut down the socket of that request at once, from any thread: the blocked
read returns, and the request fails with :class:`Interrupted` instead of being
retried. A request started with a token that is already cancelled fails before it is sent.

How: the transport's connection pools make their connections of the classes below
(:class:`CancellableHTTPConnectionPool`, :class:`CancellableHTTPSConnectionPool`: urllib3's pools with
their documented ``ConnectionCls`` set). Such a connection attaches itself to the tokens of the request
running in this thread (:func:`scope`) when it connects and when it sends, so ``cancel()`` can shut down
its socket (``sock``, public in :mod:`http.client`) — through a proxy too, where that socket is the one
to the proxy. ``cancel()`` sets the flag first, then shuts down the attached sockets; ``connect()``
creates the socket first, then checks the flag: whichever comes second sees the other, so no request
slips through. ``socket.shutdown`` is portable (Linux, macOS, Windows): nothing here polls.

Example:
    >>> token = CancelToken()
    >>> token.cancelled, token.wait(0)
    (False, False)
    >>> token.cancel()
    >>> token.cancelled, token.wait(10)
    (True, True)
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from wxnb.protocol.errors import WxError

__all__ = [
    "CancelToken",
    "CancellableHTTPConnection",
    "CancellableHTTPConnectionPool",
    "CancellableHTTPSConnection",
    "CancellableHTTPSConnectionPool",
    "Interrupted",
    "attach_current",
    "check_after_connect",
    "scope",
    "wait_any",
]


class _HasSocket(Protocol):
    """A connection whose socket cancelling shuts down (``sock``: None until it connects)."""

    sock: Any


class CancelToken:
    """Cancels the requests that carry it: in flight (their socket is shut down) and future ones.

    Thread-safe; cancelling is final (make a new token for new requests).
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._connections: set[_HasSocket] = set()
        self._listeners: set[threading.Event] = set()

    def __repr__(self) -> str:
        return f"CancelToken(cancelled={self.cancelled})"

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        """Cancel: shut down the sockets of requests in flight; later requests fail at once."""
        with self._lock:
            self._event.set()
            connections = list(self._connections)
            listeners = list(self._listeners)
        for connection in connections:
            _shutdown(connection)
        for listener in listeners:
            listener.set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True (at once) if cancelled meanwhile. For pauses between retries."""
        return self._event.wait(seconds)

    def _listen(self, event: threading.Event) -> None:
        with self._lock:
            self._listeners.add(event)
            if self._event.is_set():
                event.set()

    def _unlisten(self, event: threading.Event) -> None:
        with self._lock:
            self._listeners.discard(event)

    def _attach(self, connection: _HasSocket) -> None:
        with self._lock:
            self._connections.add(connection)
            cancelled = self._event.is_set()
        if cancelled:
            _shutdown(connection)

    def _detach(self, connection: _HasSocket) -> None:
        with self._lock:
            self._connections.discard(connection)


def _shutdown(connection: _HasSocket) -> None:
    sock = connection.sock
    if sock is None:
        return  # not connected yet: connect() checks the token right after it creates the socket
    # socket.socket's own shutdown, also for an SSLSocket: the blocked reader sees EOF at once, and the
    # TLS object it is reading through is left alone.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Scope(threading.local):
    tokens: tuple[CancelToken, ...] = ()
    attached: list[tuple[CancelToken, _HasSocket]] | None = None


_scope = _Scope()


class scope:  # lower case: used like a function, ``with scope(tokens): ...``
    """Within this block, requests of this thread (through the pools above) are cancelled by any of
    ``tokens``.

    A class, not a generator: exceptions pass through it untouched (some are frozen dataclasses,
    whose ``__traceback__`` a generator-based context manager would try to set).
    """

    __slots__ = ("_attached", "_previous", "_tokens")

    def __init__(self, tokens: Sequence[CancelToken]) -> None:
        self._tokens = tuple(tokens)
        self._attached: list[tuple[CancelToken, _HasSocket]] = []
        self._previous: tuple[tuple[CancelToken, ...], list[tuple[CancelToken, _HasSocket]] | None] = (
            (),
            None,
        )

    def __enter__(self) -> None:
        if self._tokens:
            self._previous = (_scope.tokens, _scope.attached)
            _scope.tokens, _scope.attached = self._tokens, self._attached

    def __exit__(self, *exc: object) -> None:
        if self._tokens:
            _scope.tokens, _scope.attached = self._previous
            for token, connection in self._attached:
                token._detach(connection)
            self._attached.clear()


def attach_current(connection: _HasSocket) -> None:
    """Let the tokens of this thread's :class:`scope` cancel ``connection`` until the scope ends
    (call before the request uses it)."""
    attached = _scope.attached
    if attached is None:
        return
    for token in _scope.tokens:
        if (token, connection) not in attached:
            token._attach(connection)
            attached.append((token, connection))


def check_after_connect(connection: _HasSocket) -> None:
    """Shut ``connection`` down if a token of this thread's scope was cancelled while it connected."""
    if any(token.cancelled for token in _scope.tokens):
        _shutdown(connection)


class _Cancellable(HTTPConnection):
    """What makes urllib3's connections cancellable by the tokens of the request that uses them (see
    the module docstring): each connect and each request attaches the connection to this thread's
    scope. A base of both :class:`CancellableHTTPConnection` and :class:`CancellableHTTPSConnection`
    (urllib3's HTTPSConnection derives from its HTTPConnection, so the methods resolve here first)."""

    def connect(self) -> None:
        attach_current(self)  # a connect (or a proxy's CONNECT) that hangs can be cancelled too
        super().connect()
        check_after_connect(self)

    def request(  # type: ignore[override]  # urllib3's own signature (it overrides http.client's)
        self,
        method: str,
        url: str,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        *,
        chunked: bool = False,
        preload_content: bool = True,
        decode_content: bool = True,
        enforce_content_length: bool = True,
    ) -> None:
        attach_current(self)  # a pooled connection, connected by an earlier request
        super().request(
            method, url, body, headers, chunked=chunked, preload_content=preload_content,
            decode_content=decode_content, enforce_content_length=enforce_content_length,
        )  # fmt: skip


class CancellableHTTPConnection(_Cancellable):
    """urllib3's HTTP connection, cancellable by the tokens of the request that uses it (see the
    module docstring)."""


class CancellableHTTPSConnection(_Cancellable, HTTPSConnection):
    """urllib3's HTTPS connection, cancellable like :class:`CancellableHTTPConnection`.

    ``tunnel``: ``(host, port, headers)`` of the origin to reach through an HTTP proxy (the pool's
    host) with ``CONNECT``: :meth:`http.client.HTTPConnection.set_tunnel`, as urllib3's own proxy
    support does; the certificate is then checked against that host.
    """

    def __init__(
        self, host: str, port: int | None = None, *, tunnel: tuple[str, int, Mapping[str, str]] | None = None,
        **options: Any,
    ) -> None:  # fmt: skip
        super().__init__(host, port, **options)
        if tunnel is not None:
            self.set_tunnel(tunnel[0], tunnel[1], headers=dict(tunnel[2]))


class CancellableHTTPConnectionPool(HTTPConnectionPool):
    """urllib3's pool for one HTTP origin (or one HTTP proxy), of cancellable connections."""

    ConnectionCls = CancellableHTTPConnection


class CancellableHTTPSConnectionPool(HTTPSConnectionPool):
    """urllib3's pool for one HTTPS origin (direct, or tunnelled through a proxy), of cancellable
    connections."""

    ConnectionCls = CancellableHTTPSConnection


class Interrupted(WxError):
    """A request was cancelled by its :class:`CancelToken` (the session is closing, or the login
    wants a new QR code). Nothing is wrong with the network or the server."""

    default_hint: ClassVar[str] = (
        "Nothing to do: the request was stopped on purpose (close() or a new QR code)"
    )

    def __init__(self, *, endpoint: str = "") -> None:
        super().__init__("the request was interrupted", endpoint=endpoint)


def wait_any(tokens: Sequence[CancelToken], seconds: float) -> bool:
    """Sleep up to ``seconds``; True at once when one of ``tokens`` is (or gets) cancelled."""
    if not tokens:
        time.sleep(seconds)
        return False
    if len(tokens) == 1:
        return tokens[0].wait(seconds)
    woken = threading.Event()
    for token in tokens:
        token._listen(woken)
    try:
        if any(token.cancelled for token in tokens):
            return True
        return woken.wait(seconds)
    finally:
        for token in tokens:
            token._unlisten(woken)
