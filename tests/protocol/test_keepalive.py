"""The transport's keep-alive HTTP/1.1 client, over real sockets on 127.0.0.1.

A scripted server answers each request with the exact bytes a test gives (chunked bodies, gzip, 1xx,
``Connection: close``, a body cut short, garbage), which no ordinary server sends on demand; the
simulator tests cover the common path (every session request goes through this client).
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import ssl
import subprocess
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from wxnb.protocol.keepalive import KeepAlivePool, WireError
from wxnb.protocol.transport import CallKind, RetryPolicy, Timeouts, Transport

TIMEOUT = (5.0, 5.0)


@dataclass(frozen=True)
class Closing:
    """Send these bytes, then close the connection."""

    data: bytes


# (connection number, request number on it, request bytes) → the reply; None: close without one.
Script = Callable[[int, int, bytes], "bytes | Closing | None"]


@dataclass
class ScriptedServer:
    """Accepts connections; reads each request (head and Content-Length body) and writes what
    ``script`` returns; records ``(connection number, request bytes)``."""

    script: Script
    context: ssl.SSLContext | None = None
    requests: list[tuple[int, bytes]] = field(default_factory=list)
    closed: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"{'https' if self.context else 'http'}://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        number = 0
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            if self.context is not None:
                try:
                    sock = self.context.wrap_socket(sock, server_side=True)
                except (ssl.SSLError, OSError):
                    sock.close()
                    continue
            self._connections.append(sock)
            threading.Thread(target=self._serve, args=(sock, number), daemon=True).start()
            number += 1

    def _serve(self, sock: socket.socket, number: int) -> None:
        buffer = b""
        index = 0
        with sock:
            while True:
                while b"\r\n\r\n" not in buffer:
                    try:
                        data = sock.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(buffer) < length:
                    buffer += sock.recv(65536)
                request, buffer = head + b"\r\n\r\n" + buffer[:length], buffer[length:]
                self.requests.append((number, request))
                answer = self.script(number, index, request)
                index += 1
                try:
                    if answer is not None:
                        sock.sendall(answer.data if isinstance(answer, Closing) else answer)
                    if answer is None or isinstance(answer, Closing):
                        sock.shutdown(socket.SHUT_RDWR)
                        self.closed.set()
                        return
                except OSError:
                    return

    def close(self) -> None:
        self._listener.close()
        for sock in self._connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(script: Script, context: ssl.SSLContext | None = None) -> ScriptedServer:
        servers.append(ScriptedServer(script, context))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def pool() -> Iterator[KeepAlivePool]:
    keep_alive = KeepAlivePool()
    yield keep_alive
    keep_alive.close()


def reply(body: bytes, *headers: str, status: str = "200 OK", version: str = "HTTP/1.1") -> bytes:
    lines = [f"{version} {status}", *headers]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def always(answer: bytes | Closing) -> Script:
    return lambda connection, index, request: answer


def get(pool: KeepAlivePool, server: ScriptedServer, path: str = "/x", **options: object) -> bytes:
    return pool.request(
        "GET", server.url + path, [("User-Agent", "t")], None, timeout=TIMEOUT, **options
    ).content  # type: ignore[arg-type]


# ---- bodies --------------------------------------------------------------------------------------


def test_a_chunked_reply_with_trailers_is_read_whole_and_the_connection_is_used_again(
    serve: Callable[..., ScriptedServer], pool: KeepAlivePool
) -> None:
    chunked = b"5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n"
    server = serve(always(reply(chunked, "Transfer-Encoding: chunked")))
    assert get(pool, server) == b"hello, world"
    assert get(pool, server) == b"hello, world"
    assert [number for number, _ in server.requests] == [0, 0]  # one connection, kept alive
    assert pool.idle_count() == 1


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, without the zlib wrapper
    ],
)
def test_compressed_bodies_are_decoded(
    serve: Callable[..., ScriptedServer], pool: KeepAlivePool, encoding: str, encode: Callable[[bytes], bytes]
) -> None:
    text = "消息 😄 ".encode() * 500
    server = serve(always(reply(encode(text), f"Content-Encoding: {encoding}")))
    assert get(pool, server) == text
    head = server.requests[0][1].decode()
    assert "Accept-Encoding: gzip, deflate\r\n" in head


def test_a_body_that_cannot_be_decoded_fails_as_sent(
    serve: Callable[..., ScriptedServer], pool: KeepAlivePool
) -> None:
    server = serve(always(reply(b"not gzip at all", "Content-Encoding: gzip")))
    with pytest.raises(WireError, match=r"could not be decoded \(gzip\)") as caught:
        get(pool, server)
    assert caught.value.sent


def test_a_reply_without_length_is_read_to_the_end_and_its_connection_closed(
    serve: Callable[..., ScriptedServer], pool: KeepAlivePool
) -> None:
    server = serve(always(Closing(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end")))
    assert get(pool, server) == b"to the end"
    assert get(pool, server) == b"to the end"
    assert pool.idle_count() == 0
    assert [number for number, _ in server.requests] == [0, 1]


def test_interim_replies_are_skipped(serve: Callable[..., ScriptedServer], pool: KeepAlivePool) -> None:
    server = serve(always(b"HTTP/1.1 100 Continue\r\n\r\n" + reply(b"done")))
    assert get(pool, server) == b"done"


def test_a_no_content_reply_has_no_body_and_keeps_the_connection(
    serve: Callable[..., ScriptedServer], pool: KeepAlivePool
) -> None:
    server = serve(always(b"HTTP/1.1 204 No Content\r\n\r\n"))
    got = pool.request("POST", server.url + "/x", [], b"{}", timeout=TIMEOUT)
    assert (got.status, got.reason, got.content) == (204, "No Content", b"")
    assert pool.idle_count() == 1


def test_headers_and_set_cookie_are_kept(serve: Callable[..., ScriptedServer], pool: KeepAlivePool) -> None:
    headers = (
        "Content-Type: text/plain",
        "Set-Cookie: a=1; Path=/",
        "X-Twice: 1",
        "Set-Cookie: b=2",
        "X-Twice: 2",
    )
    server = serve(always(reply(b"{}", *headers)))
    got = pool.request("GET", server.url + "/x", [], None, timeout=TIMEOUT)
    assert got.set_cookies == ["a=1; Path=/", "b=2"]
    assert got.get_all("Set-Cookie") == ["a=1; Path=/", "b=2"]
    assert got.headers["x-twice"] == "1, 2"
    assert got.headers["content-type"] == "text/plain"


# ---- keep-alive ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "kept"),
    [
        (reply(b"x", "Connection: close"), False),
        (reply(b"x", version="HTTP/1.0"), False),
        (reply(b"x", "Connection: Keep-Alive", version="HTTP/1.0"), True),
        (reply(b"x"), True),
    ],
)
def test_the_server_decides_whether_the_connection_stays_open(
    serve: Callable[..., ScriptedServer], pool: KeepAlivePool, answer: bytes, kept: bool
) -> None:
    server = serve(always(answer))
    get(pool, server)
    get(pool, server)
    connections = {number for number, _ in server.requests}
    assert len(connections) == (1 if kept else 2)


def test_a_pooled_connection_the_server_closed_is_replaced_unnoticed(
    serve: Callable[..., ScriptedServer], pool: KeepAlivePool
) -> None:
    # The reply promises keep-alive, then the server closes (an idle timeout on its side).
    server = serve(always(Closing(reply(b"ok"))))
    assert get(pool, server) == b"ok"
    assert server.closed.wait(5) and pool.idle_count() == 1
    assert get(pool, server) == b"ok"
    assert [number for number, _ in server.requests] == [0, 1]


# ---- failures ------------------------------------------------------------------------------------


def test_a_body_cut_short_fails_as_sent(serve: Callable[..., ScriptedServer], pool: KeepAlivePool) -> None:
    server = serve(always(Closing(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")))
    with pytest.raises(WireError, match="closed before the whole reply arrived") as caught:
        get(pool, server)
    assert caught.value.sent and not caught.value.timeout
    assert pool.idle_count() == 0


def test_something_that_is_not_http_fails_as_sent(
    serve: Callable[..., ScriptedServer], pool: KeepAlivePool
) -> None:
    server = serve(always(b"SSH-2.0-OpenSSH_9.0\r\n\r\n"))
    with pytest.raises(WireError, match="not an HTTP reply") as caught:
        get(pool, server)
    assert caught.value.sent


def test_a_reply_that_does_not_come_times_out(
    serve: Callable[..., ScriptedServer], pool: KeepAlivePool
) -> None:
    answered = threading.Event()

    def never(connection: int, index: int, request: bytes) -> bytes | None:
        answered.wait(10)
        return None

    server = serve(never)
    with pytest.raises(WireError, match=r"no reply within 0.2 s") as caught:
        pool.request("GET", server.url + "/x", [], None, timeout=(5.0, 0.2))
    answered.set()
    assert caught.value.sent and caught.value.timeout


def test_a_refused_connection_was_not_sent(pool: KeepAlivePool) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    with pytest.raises(WireError, match=r"could not connect \(Connection refused\)") as caught:
        pool.request("GET", f"http://127.0.0.1:{port}/x", [], None, timeout=TIMEOUT)
    assert not caught.value.sent


def test_a_header_with_a_line_break_is_refused_before_sending(
    serve: Callable[..., ScriptedServer], pool: KeepAlivePool
) -> None:
    server = serve(always(reply(b"x")))
    with pytest.raises(ValueError, match="line break"):
        pool.request("GET", server.url + "/x", [("X-Bad", "a\r\nInjected: 1")], None, timeout=TIMEOUT)
    assert server.requests == []


def test_the_request_head_is_what_a_browser_sends(
    serve: Callable[..., ScriptedServer], pool: KeepAlivePool
) -> None:
    server = serve(always(reply(b"x")))
    headers = [("User-Agent", "t"), ("Accept-Encoding", "br"), ("Content-Type", "application/json")]
    pool.request("POST", server.url + "/cgi?a=%7C", headers, b'{"k":1}', timeout=TIMEOUT)
    head, _, body = server.requests[0][1].partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /cgi?a=%7C HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}" in lines
    assert "Accept-Encoding: gzip, deflate" in lines and "Accept-Encoding: br" not in lines
    assert "Content-Length: 7" in lines and "Content-Type: application/json" in lines
    assert body == b'{"k":1}'


# ---- TLS -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl, as Debian ships it)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _tls_server(serve: Callable[..., ScriptedServer], certificate: tuple[Path, Path]) -> ScriptedServer:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return serve(always(reply(b"secret reply")), context)


def test_https_with_a_trusted_certificate(
    serve: Callable[..., ScriptedServer], pool: KeepAlivePool, certificate: tuple[Path, Path]
) -> None:
    server = _tls_server(serve, certificate)
    assert get(pool, server, verify=str(certificate[0])) == b"secret reply"
    assert get(pool, server, verify=str(certificate[0])) == b"secret reply"
    assert {number for number, _ in server.requests} == {0}


def test_https_with_an_untrusted_certificate_is_refused_before_sending(
    serve: Callable[..., ScriptedServer], pool: KeepAlivePool, certificate: tuple[Path, Path]
) -> None:
    server = _tls_server(serve, certificate)
    with pytest.raises(WireError, match="certificate is not trusted") as caught:
        get(pool, server)  # verify=True: the CA bundle of requests, which does not know this one
    assert not caught.value.sent
    assert server.requests == []
    assert get(pool, server, verify=False) == b"secret reply"


# ---- through the transport -----------------------------------------------------------------------


def _transport() -> Transport:
    return Transport(
        timeouts=Timeouts(connect=5, read=5, long_poll=5),
        retry=RetryPolicy(attempts=1),
        headers={"User-Agent": "t"},
    )


def test_the_transport_stores_cookies_from_the_keep_alive_path(serve: Callable[..., ScriptedServer]) -> None:
    server = serve(lambda c, i, r: reply(b"{}", "Set-Cookie: wxsid=S9; Path=/") if i == 0 else reply(b"{}"))
    transport = _transport()
    try:
        transport.call("GET", server.url + "/a", lambda b: b, endpoint="a", kind=CallKind.READ)
        transport.call("GET", server.url + "/b", lambda b: b, endpoint="b", kind=CallKind.READ)
    finally:
        transport.close()
    assert transport.cookies() == {"wxsid": "S9"}
    assert b"\r\nCookie: wxsid=S9\r\n" in server.requests[1][1]
    assert {number for number, _ in server.requests} == {0}  # both on the keep-alive connection


def test_a_proxy_is_left_to_requests(
    serve: Callable[..., ScriptedServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = serve(always(reply(b"via proxy")))
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    transport = _transport()
    try:
        got = transport.call(
            "GET", "http://wx.example.invalid/cgi?x=1", lambda b: b, endpoint="x", kind=CallKind.READ
        )
    finally:
        transport.close()
    assert got == b"via proxy"
    assert proxy.requests[0][1].startswith(b"GET http://wx.example.invalid/cgi?x=1 HTTP/1.1\r\n")


def test_work_given_to_the_transport_runs_while_the_server_answers(
    serve: Callable[..., ScriptedServer],
) -> None:
    ran = threading.Event()
    # The server answers only once the work ran: the work must run after sending, before reading.
    server = serve(lambda c, i, r: reply(b"ran" if ran.wait(5) else b"not yet"))
    transport = _transport()
    try:
        got = transport.call(
            "POST", server.url + "/s", lambda b: b, endpoint="s", kind=CallKind.READ, body=b"{}",
            while_waiting=ran.set,
        )  # fmt: skip
    finally:
        transport.close()
    assert got == b"ran" and len(server.requests) == 1
