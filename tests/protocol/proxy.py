"""A small forwarding HTTP proxy on 127.0.0.1 for the proxy tests (what ``HTTP_PROXY`` points at).

It reads each request (absolute-URI request line, Content-Length body), records it, sends it on to the
origin with :mod:`http.client`, and writes the reply back on the same keep-alive connection. A request
held by the origin (a long poll) holds the proxy's thread for that connection, as a real proxy would.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "transfer-encoding"}


class ForwardingProxy:
    """Start it, point ``HTTP_PROXY`` at :attr:`url`; :attr:`requests` lists ``(method, absolute URL)``."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.held = threading.Semaphore(0)  # released each time a request was sent on to the origin
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._clients: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def paths(self) -> list[str]:
        """The endpoints asked for, in order (the last part of each URL's path)."""
        return [urlsplit(url).path.rsplit("/", 1)[-1] for _, url in self.requests]

    def close(self) -> None:
        self._listener.close()
        for client in self._clients:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
            client.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._clients.append(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        reader = client.makefile("rb")
        with contextlib.suppress(OSError, http.client.HTTPException, ValueError):
            while True:
                line = reader.readline()
                if not line:
                    return
                method, url, _ = line.decode("latin-1").split(" ", 2)
                headers: list[tuple[str, str]] = []
                while (header := reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = header.decode("latin-1").partition(":")
                    headers.append((name.strip(), value.strip()))
                length = next((int(v) for n, v in headers if n.lower() == "content-length"), 0)
                body = reader.read(length) if length else None
                self.requests.append((method, url))
                parts = urlsplit(url)
                upstream = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=120)
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                upstream.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    if name.lower() not in _HOP_BY_HOP:
                        upstream.putheader(name, value)
                upstream.endheaders(body)
                self.held.release()
                answer = upstream.getresponse()
                content = answer.read()
                upstream.close()
                head = [f"HTTP/1.1 {answer.status} {answer.reason}"]
                head += [f"{n}: {v}" for n, v in answer.getheaders() if n.lower() not in _HOP_BY_HOP]
                head = [h for h in head if not h.lower().startswith("content-length:")]
                head.append(f"Content-Length: {len(content)}")
                client.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + content)
