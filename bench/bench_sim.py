"""Simulator figures: loopback latency, long-poll wake-up, concurrent long polls + webwxsync throughput,
and world loading.

(a) request/reply on one keep-alive connection (raw socket client), median; the same against a naive
    ``http.server`` that writes headers and body separately, to show the 40 ms delayed-ACK stall;
(b) a contact's message → the pending synccheck answers: median and p99;
(c, d) 200 synccheck long polls held while a load generator in a separate process drives webwxsync
    over raw keep-alive sockets: calls per second;
(e) building the large scenario (scenario.build_spec + World.from_spec), and a synthetic world of the
    same size when scenario.py is absent; serving its 10k-contact list.

Usage: python bench/bench_sim.py [--short]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import figure, percentile  # noqa: E402
from tests.sim.conftest import ANN, make_spec  # noqa: E402
from tests.sim.helpers import WebClient  # noqa: E402
from wxnb.sim.simulator import Simulator  # noqa: E402
from wxnb.sim.spec import AccountSpec, FriendSpec, PersonSpec, RoomSpec, WorldSpec  # noqa: E402
from wxnb.sim.world import World  # noqa: E402


class Conn:
    """A raw keep-alive HTTP/1.1 client connection: one write per request, read by Content-Length."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read(self) -> bytes:
        while b"\r\n\r\n" not in self.buf:
            self.buf += self._recv()
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            rest += self._recv()
        self.buf = rest[length:]
        return rest[:length]

    def _recv(self) -> bytes:
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("closed")
        return data

    def close(self) -> None:
        self.sock.close()


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def post(path: str, body: bytes, cookie: str = "") -> bytes:
    extra = f"Cookie: {cookie}\r\n" if cookie else ""
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Content-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def roundtrips(conn: Conn, request: bytes, n: int) -> list[float]:
    for _ in range(20):  # warm up
        conn.send(request)
        conn.read()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.send(request)
        conn.read()
        out.append((time.perf_counter() - t0) * 1000)
    return out


class _Naive(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = b"window.QRLogin.code = 200;"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()  # flushes the headers: one send ...
        self.wfile.write(body)  # ... and the body in a second one

    def log_message(self, format: str, *args: Any) -> None:
        return


def bench_latency(sim: Simulator, web: WebClient, n: int) -> None:
    conn = Conn(sim.port)
    samples = roundtrips(conn, get("/"), n)
    figure(
        "sim_roundtrip_keepalive_median",
        statistics.median(samples),
        "ms",
        "<= 2",
        p99=percentile(samples, 99),
    )
    cookie = f"wxuin={web.uin}; wxsid={web.sid}"
    body = json.dumps({"BaseRequest": web.base_request, "SyncKey": web.sync_key}).encode()
    samples = roundtrips(conn, post("/cgi-bin/mmwebwx-bin/webwxsync", body, cookie), n)
    figure(
        "sim_webwxsync_roundtrip_median",
        statistics.median(samples),
        "ms",
        "<= 2",
        p99=percentile(samples, 99),
    )
    conn.close()
    naive = ThreadingHTTPServer(("127.0.0.1", 0), _Naive)
    threading.Thread(target=naive.serve_forever, daemon=True).start()
    conn = Conn(naive.server_address[1])
    samples = roundtrips(conn, get("/"), max(10, n // 20))
    figure(
        "naive_http_server_split_writes_median",
        statistics.median(samples),
        "ms",
        "(for comparison: the delayed-ACK stall)",
    )
    conn.close()
    naive.shutdown()


def bench_wakeup(sim: Simulator, web: WebClient, n: int) -> None:
    sim.hold = 60
    conn = Conn(sim.port)
    waiters = sim.protocol.waiters
    assert waiters is not None
    samples = []
    for _ in range(n):
        web.drain()
        conn.send(get(web.synccheck_url().removeprefix(sim.base_url)))
        deadline = time.monotonic() + 10
        while len(waiters) == 0:
            if time.monotonic() > deadline:
                raise RuntimeError("synccheck was not held")
            time.sleep(0.0005)
        t0 = time.perf_counter()
        sim.phone.send(("friend", ANN), "ping")
        reply = conn.read()
        samples.append((time.perf_counter() - t0) * 1000)
        assert reply.endswith(b'selector:"2"}'), reply
    conn.close()
    figure(
        "sim_synccheck_wakeup_median",
        statistics.median(samples),
        "ms",
        "<= 5",
        p99=percentile(samples, 99),
        n=n,
    )


LOADGEN = r"""
import json, selectors, socket, sys, time
port, seconds, conns = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
body, cookie = sys.argv[4], sys.argv[5]
payload = body.encode()
request = (f"POST /cgi-bin/mmwebwx-bin/webwxsync HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
           f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload
sel = selectors.DefaultSelector()
state = {}
for _ in range(conns):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
    state[s] = b""
    s.send(request)
done = 0
errors = 0
received = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    for key, _ in sel.select(0.5):
        s = key.fileobj
        data = s.recv(1 << 20)
        if not data:
            raise SystemExit("server closed a connection")
        buf = state[s] + data
        while True:
            head_end = buf.find(b"\r\n\r\n")
            if head_end < 0:
                break
            head = buf[:head_end]
            i = head.lower().find(b"content-length:")
            length = int(head[i + 15:].split(b"\r\n")[0])
            if len(buf) < head_end + 4 + length:
                break
            if not head.startswith(b"HTTP/1.1 200"):
                errors += 1
            reply = buf[head_end + 4: head_end + 4 + length]
            received += length
            if b'"Ret":0' not in reply[:40]:
                errors += 1
            buf = buf[head_end + 4 + length:]
            done += 1
            s.send(request)
        state[s] = buf
print(json.dumps({"calls": done, "seconds": seconds, "errors": errors, "bytes": received}))
"""


def bench_throughput(sim: Simulator, web: WebClient, seconds: float, polls: int) -> None:
    sim.hold = 600
    waiters = sim.protocol.waiters
    assert waiters is not None
    web.drain()
    old_key = web.sync_key  # replies to this key carry the 5 messages sent now
    for _ in range(5):
        sim.phone.send(("friend", ANN), "load 😄 & <b>")
    web.drain()
    held = []
    for _ in range(polls):
        conn = Conn(sim.port)
        conn.send(get(web.synccheck_url().removeprefix(sim.base_url)))
        held.append(conn)
    deadline = time.monotonic() + 20
    while len(waiters) < polls:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(waiters)} of {polls} long polls are held")
        time.sleep(0.01)
    figure("sim_long_polls_held", len(waiters), "connections", f">= {polls}")
    cookie = f"wxuin={web.uin}; wxsid={web.sid}"
    for label, key in (("empty", web.sync_key), ("5msgs", old_key)):
        body = json.dumps({"BaseRequest": web.base_request, "SyncKey": key, "rr": 1})
        result = subprocess.run(
            [sys.executable, "-c", LOADGEN, str(sim.port), str(seconds), "8", body, cookie],
            capture_output=True,
            text=True,
            check=True,
        )
        numbers = json.loads(result.stdout)
        if numbers["errors"]:
            raise RuntimeError(f"load generator saw {numbers['errors']} bad replies")
        figure(
            f"sim_webwxsync_calls_per_s_{label}",
            numbers["calls"] / numbers["seconds"],
            "calls/s",
            ">= 2000",
            long_polls_held=len(waiters),
            connections=8,
            reply_bytes=numbers["bytes"] // max(1, numbers["calls"]),
        )
    if len(waiters) < polls:
        raise RuntimeError("long polls were dropped during the load")
    for conn in held:
        conn.close()


def synthetic_large() -> WorldSpec:
    persons = [PersonSpec(0, "wxid_me", "Me", uin=1234567890)]
    persons += [PersonSpec(i, f"wxid_{i:07d}", f"好友{i} 😀", attr_status=i) for i in range(1, 100_000)]
    friends = [FriendSpec(i, remark=f"r{i}" if i % 3 == 0 else "") for i in range(1, 10_001)]
    rooms = []
    cursor = 10_001
    for rid in range(1_000):
        size = 500 if rid % 50 == 0 else 80
        members = [0, *range(cursor, cursor + size - 1)]
        cursor = 10_001 + (cursor + size - 10_001) % 85_000
        rooms.append(RoomSpec(rid, f"群{rid}", 0, members))
    return WorldSpec(AccountSpec(0), persons, friends, rooms, name="synthetic-large")


def bench_large() -> None:
    try:
        from wxnb.sim import scenario  # type: ignore[attr-defined]
    except ImportError:
        scenario = None
        print(
            "# scenario.py absent: the large scenario is not measured; a synthetic world of its size is",
            flush=True,
        )
    if scenario is not None:
        t0 = time.perf_counter()
        spec = scenario.build_spec("large", 0)
        t1 = time.perf_counter()
        World.from_spec(spec)
        t2 = time.perf_counter()
        figure("large_scenario_build_and_load", t2 - t0, "s", "<= 3", build_spec=t1 - t0, world_load=t2 - t1)
    spec = synthetic_large()
    t0 = time.perf_counter()
    world = World.from_spec(spec)
    figure("synthetic_large_world_load", time.perf_counter() - t0, "s", "<= 3", persons=len(world.persons))
    with Simulator(spec, hold=1.0) as sim:
        web = WebClient(sim.base_url)
        web.login(sim)
        web.init(notify=False)
        t0 = time.perf_counter()
        contacts = web.contacts()
        figure("getcontact_10k_all_pages", time.perf_counter() - t0, "s", "", contacts=len(contacts))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--short", action="store_true")
    args = parser.parse_args()
    n = 200 if args.short else 2000
    with Simulator(make_spec(), hold=25) as sim:
        web = WebClient(sim.base_url)
        web.login(sim)
        web.init()
        bench_latency(sim, web, n)
        bench_wakeup(sim, web, 30 if args.short else 300)
        bench_throughput(sim, web, 1.0 if args.short else 5.0, 200)
        if sim.errors:
            raise RuntimeError(f"internal errors: {sim.errors!r}")
    bench_large()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
