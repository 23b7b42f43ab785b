"""The transport's HTTP (urllib3 underneath), over real sockets on 127.0.0.1.

A scripted server answers each request with the exact bytes a test gives (chunked bodies, gzip, 1xx,
``Connection: close``, a body cut short, garbage), which no ordinary server sends on demand; the
simulator tests cover the common path (every session request goes through the transport). What is
checked is what the client relies on: bodies read whole and decompressed under the size cap, cookies
from every reply in the jar, failures typed by whether the request may have reached the server, TLS
verified.
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import ssl
import subprocess
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from wxnb.protocol.errors import OutcomeUnknown, ProtocolError, TransportError
from wxnb.protocol.transport import CallKind, RetryPolicy, Timeouts, Transport


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
def transport() -> Iterator[Transport]:
    made = make_transport()
    yield made
    made.close()


def make_transport(**options: object) -> Transport:
    settings: dict[str, object] = {
        "timeouts": Timeouts(connect=5, read=5, long_poll=5),
        "retry": RetryPolicy(attempts=1),
        "headers": {"User-Agent": "t"},
        **options,
    }
    return Transport(**settings)  # type: ignore[arg-type]


def reply(body: bytes, *headers: str, status: str = "200 OK", version: str = "HTTP/1.1") -> bytes:
    lines = [f"{version} {status}", *headers]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def always(answer: bytes | Closing) -> Script:
    return lambda connection, index, request: answer


def get(transport: Transport, server: ScriptedServer, path: str = "/x", **options: object) -> bytes:
    """A GET through the transport; ``kind`` defaults to READ (tried once here: attempts=1)."""
    settings: dict[str, object] = {"endpoint": "x", "kind": CallKind.READ, "expect": "any", **options}
    return transport.call("GET", server.url + path, lambda b: b, **settings)  # type: ignore[arg-type]


# ---- bodies --------------------------------------------------------------------------------------


def test_a_chunked_reply_with_trailers_is_read_whole_and_the_connection_is_used_again(
    serve: Callable[..., ScriptedServer], transport: Transport
) -> None:
    chunked = b"5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n"
    server = serve(always(reply(chunked, "Transfer-Encoding: chunked")))
    assert get(transport, server) == b"hello, world"
    assert get(transport, server) == b"hello, world"
    assert [number for number, _ in server.requests] == [0, 0]  # one connection, kept alive


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, without the zlib wrapper
    ],
)
def test_compressed_bodies_are_decoded(
    serve: Callable[..., ScriptedServer],
    transport: Transport,
    encoding: str,
    encode: Callable[[bytes], bytes],
) -> None:
    text = "消息 😄 ".encode() * 500
    server = serve(always(reply(encode(text), f"Content-Encoding: {encoding}")))
    assert get(transport, server) == text
    head = server.requests[0][1].decode()
    assert "Accept-Encoding: gzip, deflate\r\n" in head


def test_a_body_that_cannot_be_decoded_fails_as_sent(
    serve: Callable[..., ScriptedServer], transport: Transport
) -> None:
    server = serve(always(reply(b"not gzip at all", "Content-Encoding: gzip")))
    with pytest.raises(OutcomeUnknown, match=r"could not be decoded \(gzip\)"):
        get(transport, server, kind=CallKind.CHANGE)


@pytest.mark.parametrize("chunked", [False, True])
def test_a_gzip_bomb_is_refused_with_a_protocol_error_and_the_connection_dropped(
    serve: Callable[..., ScriptedServer], chunked: bool
) -> None:
    bomb = gzip.compress(b"\0" * (4 << 20))  # 4 MiB of zeros in ~4 KB
    framed = f"{len(bomb):x}\r\n".encode() + bomb + b"\r\n0\r\n\r\n"
    big = (
        reply(framed, "Content-Encoding: gzip", "Transfer-Encoding: chunked")
        if chunked
        else reply(bomb, "Content-Encoding: gzip")
    )
    server = serve(lambda c, i, r: big if i == 0 else reply(b"small"))
    transport = make_transport(max_reply_bytes=1 << 20)
    try:
        with pytest.raises(ProtocolError, match="larger than 1,048,576 bytes"):
            get(transport, server)
        assert get(transport, server) == b"small"  # on a new connection: the rest was not read
    finally:
        transport.close()


def test_a_plain_reply_over_the_cap_is_refused_as_it_is_read(serve: Callable[..., ScriptedServer]) -> None:
    piece = b"x" * 65536
    chunked = b"".join(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" for _ in range(40)) + b"0\r\n\r\n"
    server = serve(
        lambda c, i, r: reply(chunked, "Transfer-Encoding: chunked") if i == 0 else reply(b"x" * 2_000_000)
    )
    transport = make_transport(max_reply_bytes=1 << 20)
    try:
        with pytest.raises(ProtocolError, match="larger than"):
            get(transport, server)  # 2.5 MB chunked: counted as it comes
        with pytest.raises(ProtocolError, match="larger than"):
            get(transport, server)  # 2 MB by Content-Length: refused before reading
    finally:
        transport.close()


def test_a_reply_without_length_is_read_to_the_end(
    serve: Callable[..., ScriptedServer], transport: Transport
) -> None:
    server = serve(always(Closing(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end")))
    assert get(transport, server) == b"to the end"
    assert get(transport, server) == b"to the end"
    assert [number for number, _ in server.requests] == [0, 1]


def test_interim_replies_are_skipped(serve: Callable[..., ScriptedServer], transport: Transport) -> None:
    server = serve(always(b"HTTP/1.1 100 Continue\r\n\r\n" + reply(b"done")))
    assert get(transport, server) == b"done"


# ---- cookies and redirects -----------------------------------------------------------------------


def test_set_cookie_from_every_reply_lands_in_the_one_jar(
    serve: Callable[..., ScriptedServer], transport: Transport
) -> None:
    def script(connection: int, index: int, request: bytes) -> bytes:
        if index == 0:
            return reply(b"{}", "Set-Cookie: wxsid=S9; Path=/", "Set-Cookie: wxuin=7; Path=/")
        if index == 1:  # a redirect's own cookie counts too
            return reply(b"", "Set-Cookie: webwx_data_ticket=T; Path=/", "Location: /b", status="302 Found")
        return reply(b"{}")

    server = serve(script)
    get(transport, server, "/a")
    get(transport, server, "/r", follow_redirects=True)
    assert transport.cookies() == {"wxsid": "S9", "wxuin": "7", "webwx_data_ticket": "T"}
    assert b"\r\nCookie: wxsid=S9; wxuin=7\r\n" in server.requests[1][1]
    assert server.requests[2][1].startswith(b"GET /b HTTP/1.1\r\n")
    assert b"webwx_data_ticket=T" in server.requests[2][1]
    transport.clear_cookies()
    get(transport, server, "/c")
    assert b"Cookie:" not in server.requests[3][1] and transport.cookies() == {}


def test_a_cookie_stops_being_sent_when_it_expires(
    serve: Callable[..., ScriptedServer], transport: Transport
) -> None:
    server = serve(
        lambda c, i, r: reply(b"{}", "Set-Cookie: short=lived; Max-Age=1; Path=/") if i == 0 else reply(b"{}")
    )
    get(transport, server, "/a")
    set_at = time.time()
    get(transport, server, "/b")
    assert b"\r\nCookie: short=lived\r\n" in server.requests[-1][1]
    deadline = time.monotonic() + 5
    while time.time() <= set_at + 1.01 and time.monotonic() < deadline:
        get(transport, server, "/b")  # polling, not sleeping: each request is a chance to see expiry
    get(transport, server, "/b")
    assert b"Cookie:" not in server.requests[-1][1]


def test_a_redirect_is_not_followed_unless_asked(
    serve: Callable[..., ScriptedServer], transport: Transport
) -> None:
    server = serve(always(reply(b"<error/>", "Location: /elsewhere", status="301 Moved Permanently")))
    assert get(transport, server, expect="xml") == b"<error/>"
    assert len(server.requests) == 1


# ---- keep-alive ----------------------------------------------------------------------------------


def test_a_pooled_connection_the_server_closed_is_replaced_unnoticed(
    serve: Callable[..., ScriptedServer], transport: Transport
) -> None:
    # The reply promises keep-alive, then the server closes (an idle timeout on its side).
    server = serve(always(Closing(reply(b"ok"))))
    assert get(transport, server) == b"ok"
    assert server.closed.wait(5)
    assert get(transport, server, kind=CallKind.CHANGE) == b"ok"
    assert [number for number, _ in server.requests] == [0, 1]


# ---- failures ------------------------------------------------------------------------------------


def test_a_body_cut_short_fails_as_sent(serve: Callable[..., ScriptedServer], transport: Transport) -> None:
    server = serve(always(Closing(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")))
    with pytest.raises(OutcomeUnknown, match="closed before the whole reply arrived"):
        get(transport, server, kind=CallKind.CHANGE)
    with pytest.raises(TransportError, match="closed before the whole reply arrived") as caught:
        get(transport, server)
    assert caught.value.attempts == 1


def test_something_that_is_not_http_fails_as_sent(
    serve: Callable[..., ScriptedServer], transport: Transport
) -> None:
    server = serve(always(b"SSH-2.0-OpenSSH_9.0\r\n\r\n"))
    with pytest.raises(OutcomeUnknown, match="the connection failed"):
        get(transport, server, kind=CallKind.CHANGE)


def test_a_reply_that_does_not_come_times_out(serve: Callable[..., ScriptedServer]) -> None:
    answered = threading.Event()

    def never(connection: int, index: int, request: bytes) -> bytes | None:
        answered.wait(10)
        return None

    server = serve(never)
    transport = make_transport(timeouts=Timeouts(connect=5, read=0.2, long_poll=5))
    try:
        with pytest.raises(OutcomeUnknown, match=r"no reply within 0.2 s"):
            get(transport, server, kind=CallKind.CHANGE)
    finally:
        answered.set()
        transport.close()


def test_a_refused_connection_was_not_sent(transport: Transport) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    with pytest.raises(
        TransportError, match=r"could not connect \(.*refused.*\).*nothing was sent"
    ) as caught:
        transport.call(
            "POST", f"http://127.0.0.1:{port}/x", bytes, endpoint="x", kind=CallKind.CHANGE, body=b"{}"
        )
    assert not isinstance(caught.value, OutcomeUnknown)


def test_the_request_head_is_what_a_browser_sends(
    serve: Callable[..., ScriptedServer], transport: Transport
) -> None:
    server = serve(always(reply(b"x")))
    transport.call(
        "POST", server.url + "/cgi?a=%7C", bytes, endpoint="x", kind=CallKind.CHANGE, body=b'{"k":1}'
    )
    head, _, body = server.requests[0][1].partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /cgi?a=%7C HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}" in lines and "User-Agent: t" in lines
    assert "Accept-Encoding: gzip, deflate" in lines
    assert "Content-Length: 7" in lines and "Content-Type: application/json;charset=UTF-8" in lines
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
    serve: Callable[..., ScriptedServer], certificate: tuple[Path, Path]
) -> None:
    server = _tls_server(serve, certificate)
    transport = make_transport(ca_certs=str(certificate[0]))
    try:
        assert get(transport, server) == b"secret reply"
        assert get(transport, server) == b"secret reply"
    finally:
        transport.close()
    assert {number for number, _ in server.requests} == {0}


def test_https_with_an_untrusted_certificate_is_refused_before_sending(
    serve: Callable[..., ScriptedServer], transport: Transport, certificate: tuple[Path, Path]
) -> None:
    server = _tls_server(serve, certificate)
    with pytest.raises(TransportError, match="certificate is not trusted") as caught:
        get(transport, server, kind=CallKind.CHANGE)  # the default CA bundle does not know this one
    assert not isinstance(caught.value, OutcomeUnknown)
    assert server.requests == []


def test_the_ca_bundle_requests_would_use_is_the_one_trusted(
    serve: Callable[..., ScriptedServer], certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = _tls_server(serve, certificate)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificate[0]))  # e.g. a company proxy's own CA
    transport = make_transport()
    try:
        assert get(transport, server) == b"secret reply"
    finally:
        transport.close()
