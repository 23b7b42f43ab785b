"""The hand-written HTTP/1.1 server: keep-alive, pipelining, chunked bodies, limits, errors, actions."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from wxnb.sim.http import HttpServer, Request, Response


def echo(request: Request) -> Response:
    if request.path == "/boom":
        raise RuntimeError("handler bug")
    if request.path == "/slow":

        async def later() -> Response:
            await asyncio.sleep(0.05)
            return Response(200, b"slow")

        return later()
    if request.path == "/reset":
        return Response(action="reset")
    body = b"%s %s %s|%s|%s" % (
        request.method.encode(),
        request.path.encode(),
        repr(sorted(request.query.items())).encode(),
        request.body,
        b"oversized" if request.oversized else b"",
    )
    return Response(200, body, headers=[("X-Cookie", repr(request.cookies))])


@pytest.fixture
def server() -> Iterator[HttpServer]:
    errors: list[BaseException] = []
    http = HttpServer(echo, max_body=1000, on_error=errors.append)
    http.start()
    yield http
    http.close()


def read_response(sock: socket.socket, buffer: bytearray) -> tuple[bytes, dict[str, str], bytes]:
    while b"\r\n\r\n" not in buffer:
        data = sock.recv(65536)
        assert data, "connection closed before the headers"
        buffer += data
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (line.decode().partition(":") for line in lines[1:])
    }
    length = int(headers["content-length"])
    while len(rest) < length:
        data = sock.recv(65536)
        assert data
        rest += data
    del buffer[:]
    buffer += rest[length:]
    return lines[0], headers, rest[:length]


def connect(server: HttpServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def test_keep_alive_and_pipelining_in_order(server: HttpServer) -> None:
    with connect(server) as sock:
        buffer = bytearray()
        sock.sendall(b"GET /a?x=1&x=2&y= HTTP/1.1\r\nHost: h\r\nCookie: wxuin=1; wxsid=a+b/c\r\n\r\n")
        status, headers, body = read_response(sock, buffer)
        assert status == b"HTTP/1.1 200 OK" and headers["connection"] == "keep-alive"
        assert body == b"GET /a [('x', '1'), ('y', '')]||"
        assert headers["x-cookie"] == "{'wxuin': '1', 'wxsid': 'a+b/c'}"
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz")
        assert read_response(sock, buffer)[2] == b"slow"
        assert read_response(sock, buffer)[2] == b"POST /b []|xyz|"


def test_chunked_and_expect_continue(server: HttpServer) -> None:
    with connect(server) as sock:
        buffer = bytearray()
        chunks = b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n"
        sock.sendall(b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks)
        assert read_response(sock, buffer)[2] == b"POST /c []|abcde|"
        sock.sendall(b"POST /d HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"ok")
        assert read_response(sock, buffer)[2] == b"POST /d []|ok|"


def test_oversized_bodies_are_flagged_not_buffered(server: HttpServer) -> None:
    with connect(server) as sock:
        buffer = bytearray()
        sock.sendall(b"POST /e HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000)
        assert read_response(sock, buffer)[2] == b"POST /e []||oversized"
        chunked = b"".join(b"100\r\n" + b"y" * 256 + b"\r\n" for _ in range(8)) + b"0\r\n\r\n"
        sock.sendall(b"POST /f HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked)
        assert read_response(sock, buffer)[2] == b"POST /f []||oversized"
        sock.sendall(b"GET /g HTTP/1.1\r\n\r\n")
        assert read_response(sock, buffer)[2] == b"GET /g []||"


def test_http_1_0_closes_and_connection_close_is_honoured(server: HttpServer) -> None:
    for request in (b"GET /h HTTP/1.0\r\n\r\n", b"GET /h HTTP/1.1\r\nConnection: close\r\n\r\n"):
        with connect(server) as sock:
            sock.sendall(request)
            _, headers, _ = read_response(sock, bytearray())
            assert headers["connection"] == "close"
            assert sock.recv(10) == b""


def test_handler_errors_are_500_and_reported() -> None:
    errors: list[BaseException] = []
    http = HttpServer(echo, on_error=errors.append)
    http.start()
    try:
        with connect(http) as sock:
            buffer = bytearray()
            sock.sendall(b"GET /boom HTTP/1.1\r\n\r\n")
            assert read_response(sock, buffer)[0] == b"HTTP/1.1 500 Internal Server Error"
            sock.sendall(b"GET /after HTTP/1.1\r\n\r\n")
            assert read_response(sock, buffer)[0] == b"HTTP/1.1 200 OK"
        assert len(errors) == 1 and isinstance(errors[0], RuntimeError)
    finally:
        http.close()


def test_reset_action_resets(server: HttpServer) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /reset HTTP/1.1\r\n\r\n")
        with pytest.raises(ConnectionResetError):
            sock.recv(10)


def test_bad_chunk_sizes_are_400(server: HttpServer) -> None:
    with connect(server) as sock:
        sock.sendall(b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 400 ")
    with connect(server) as sock:
        sock.sendall(b"POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 400 ")


def test_port_in_use_fails_at_start(server: HttpServer) -> None:
    taken = HttpServer(echo, port=server.port)
    with pytest.raises(OSError):
        taken.start()
