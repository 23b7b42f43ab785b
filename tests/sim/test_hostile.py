"""Each request a hostile-input run once broke the simulator with (issue 10), over real HTTP.

Every case gets the real server's kind of error reply (or, for the control API, a 400 saying what
is wrong), leaves later replies intact, kills no thread, and the next connection is served.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.sim.conftest import ANN, SAVED_ROOM, TOM
from tests.sim.helpers import API, WebClient, client_msg_id
from wxnb.sim.simulator import Simulator

SEND_ENDPOINTS = [
    "webwxsendmsg",
    "webwxsendmsgimg",
    "webwxsendappmsg",
    "webwxsendvideomsg",
    "webwxsendemoticon",
]


@pytest.fixture
def thread_errors() -> Iterator[list[threading.ExceptHookArgs]]:
    """Exceptions that ended any thread during the test (the simulator's timers and runners)."""
    caught: list[threading.ExceptHookArgs] = []
    previous = threading.excepthook
    threading.excepthook = caught.append
    try:
        yield caught
    finally:
        threading.excepthook = previous


def raw_exchange(port: int, data: bytes, timeout: float = 10.0) -> bytes:
    """Send ``data`` on a fresh connection and read until the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def ctl(sim: Simulator, name: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{sim.base_url}/_sim/{name}", json=body, timeout=10)


def assert_sync_still_answers(client: WebClient) -> None:
    reply = client.sync()
    assert reply["BaseResponse"]["Ret"] == 0


# ---- numbers in protocol requests ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "param"),
    [("webwxgetmsgimg", "MsgID"), ("webwxgetvoice", "msgid"), ("webwxgetvideo", "msgid")],
)
def test_a_superscript_digit_as_a_media_msgid_is_an_unknown_message(
    sim: Simulator, client: WebClient, endpoint: str, param: str
) -> None:
    msg_id = sim.phone.send(("friend", ANN), kind="image")
    for bad in ("²", "1²", "٣", " 1", "1_0", "-1", "+1", "9" * 40, ""):
        reply = client.http.get(f"{client.base}{API}/{endpoint}?{param}={requests.utils.quote(bad)}&skey=x")
        assert reply.status_code == 404, (bad, reply.status_code)
    url = f"{client.base}{API}/webwxgetmsgimg?MsgID={msg_id}&skey=x"
    assert client.http.get(url).status_code == 200  # a real id still works
    raw = client.http.get(f"{client.base}{API}/webwxgetmsgimg?MsgID=%C2%B2&skey=x")
    assert raw.status_code == 404


def test_a_superscript_digit_as_svrmsgid_gets_ret_minus_1(client: WebClient) -> None:
    for bad in ("²", "٣", "1²"):
        body = {"ClientMsgId": client_msg_id(), "SvrMsgId": bad, "ToUserName": "filehelper"}
        assert client.post("webwxrevokemsg", body)["BaseResponse"]["Ret"] == -1


@pytest.mark.parametrize("endpoint", SEND_ENDPOINTS)
def test_a_superscript_digit_as_msg_type_gets_1200(client: WebClient, endpoint: str) -> None:
    for bad in ("²", "٣", "1e3", -1, 2**40, 1.5):
        msg = {
            "Type": bad, "Content": "x", "FromUserName": client.user_name, "ToUserName": "filehelper",
            "LocalID": client_msg_id(), "ClientMsgId": client_msg_id(),
        }  # fmt: skip
        reply = client.post(endpoint, {"Msg": msg, "Scene": 0}, fun="async", f="json")
        assert reply["BaseResponse"]["Ret"] == 1200, (bad, reply["BaseResponse"])
        assert (reply["MsgID"], reply["LocalID"]) == ("", "")
    msg = {"Type": "1", "Content": "ok", "FromUserName": client.user_name, "ToUserName": "filehelper"}
    assert client.post("webwxsendmsg", {"Msg": msg})["BaseResponse"]["Ret"] == 0  # digits as text still do


# ---- the HTTP layer ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        b"Content-Length: \xb2",  # a non-ASCII byte (latin-1 "superscript two")
        b"Content-Length: \xd9\xa3",  # an Arabic-Indic digit in UTF-8
        b"Content-Length: -1",
        b"Content-Length: +5",
        b"Content-Length: 1_0",
        b"Content-Length: 0x10",
        b"Content-Length: 5, 5",
        b"Content-Length: 5\r\nContent-Length: 5",
        b"Content-Length: 99999999999999999999999999999",
        b"Transfer-Encoding: gzip",
        b"Transfer-Encoding: chunked\r\nContent-Length: 5",
        b"Bad Name: x",
        b"N\xe4me: x",
        b": no name",
    ],
)
def test_a_malformed_header_gets_400_and_the_next_connection_is_served(sim: Simulator, head: bytes) -> None:
    request = b"POST /cgi-bin/mmwebwx-bin/webwxinit HTTP/1.1\r\nHost: x\r\n" + head + b"\r\n\r\nhello"
    reply = raw_exchange(sim.port, request)
    assert reply.startswith(b"HTTP/1.1 400 "), reply[:80]
    assert requests.get(f"{sim.base_url}/jslogin", timeout=10).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"zz\r\nhello\r\n0\r\n\r\n",  # not hex
        b"0x5\r\nhello\r\n0\r\n\r\n",  # a prefix Python's int() would take
        b"-5\r\nhello\r\n0\r\n\r\n",
        b"5\r\nhelloXX0\r\n\r\n",  # no CRLF after the chunk
        b"fffffffffffffffffff\r\n",  # beyond 64 bits
        b"\xb2\r\nhello\r\n0\r\n\r\n",
    ],
)
def test_bad_chunked_framing_gets_400(sim: Simulator, body: bytes) -> None:
    head = b"POST /cgi-bin/mmwebwx-bin/webwxinit HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    reply = raw_exchange(sim.port, head + body)
    assert reply.startswith(b"HTTP/1.1 400 "), reply[:80]
    assert requests.get(f"{sim.base_url}/jslogin", timeout=10).status_code == 200


@pytest.mark.parametrize(
    "line",
    [
        b"GET / HTTP/1.2",
        b"GET  / HTTP/1.1",
        b"G\xc3\xa9T / HTTP/1.1",
        b"GET /\x01 HTTP/1.1",
        b"GET /\xe4 HTTP/1.1",
    ],
)
def test_a_malformed_request_line_gets_400(sim: Simulator, line: bytes) -> None:
    reply = raw_exchange(sim.port, line + b"\r\nHost: x\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400 "), reply[:80]
    assert requests.get(f"{sim.base_url}/jslogin", timeout=10).status_code == 200


def test_a_body_declared_far_too_large_is_refused_at_once(sim: Simulator) -> None:
    request = (
        b"POST /cgi-bin/mmwebwx-bin/webwxinit HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n"
    )
    assert raw_exchange(sim.port, request).startswith(b"HTTP/1.1 413 ")


# ---- control calls that used to poison later replies or kill threads ------------------------------


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("voice", "voice_length_ms", 1e308),
        ("video", "play_length_s", 1e308),
        ("video", "play_length_s", -5),
        ("voice", "voice_length_ms", "²"),
        ("image", "width", 1e308),
        ("file", "file_size", 2**60),
        ("location", "lat", 1e308),
    ],
)
def test_a_message_field_out_of_range_is_a_400_and_sync_goes_on(
    sim: Simulator, client: WebClient, kind: str, field: str, value: object
) -> None:
    reply = ctl(sim, "message", {"chat": f"friend:{ANN}", "kind": kind, "fields": {field: value}})
    assert reply.status_code == 400
    assert field in reply.json()["error"]
    assert_sync_still_answers(client)
    good = ctl(sim, "message", {"chat": f"friend:{ANN}", "kind": "video", "fields": {"play_length_s": 3}})
    assert good.status_code == 200
    msg_id = good.json()["msg_id"]
    assert client.http.get(f"{client.base}{API}/webwxgetvideo?msgid={msg_id}&skey=x").status_code == 200


def test_advancing_the_clock_by_1e300_is_a_400_and_init_still_answers(sim: Simulator) -> None:
    for seconds in (1e300, 1e10, -1, "5"):
        reply = ctl(sim, "clock/advance", {"seconds": seconds})
        assert reply.status_code == 400, seconds
        assert "seconds" in reply.json()["error"] or "clock" in reply.json()["error"]
    assert ctl(sim, "clock/advance", {"seconds": 60}).status_code == 200
    web = WebClient(sim.base_url)
    web.login(sim)
    assert web.init()["BaseResponse"]["Ret"] == 0


def test_auto_confirm_with_a_delay_of_1e300_is_a_400_and_the_phone_goes_on(
    sim: Simulator, thread_errors: list[threading.ExceptHookArgs]
) -> None:
    for delay in (1e300, -1, 86_401):
        reply = ctl(sim, "auto_confirm", {"delay": delay})
        assert reply.status_code == 400 and "delay" in reply.json()["error"]
    assert ctl(sim, "auto_confirm", {"delay": 0.01}).status_code == 200
    web = WebClient(sim.base_url)
    uuid = web.jslogin()
    text, deadline = "", time.monotonic() + 10
    while not text.startswith("window.code=200;") and time.monotonic() < deadline:
        text = web.poll(uuid)  # a long poll: answers when the phone scans or confirms
    assert text.startswith("window.code=200;"), text
    assert thread_errors == []


def test_traffic_at_a_rate_of_1e_300_is_a_400_and_no_thread_dies(
    sim: Simulator, client: WebClient, thread_errors: list[threading.ExceptHookArgs]
) -> None:
    with Simulator(scenario="tiny", hold=0.3) as scenario_sim:
        for rate in (1e-300, 1e300, -1):
            reply = ctl(scenario_sim, "traffic", {"rate": rate, "count": 3})
            assert reply.status_code == 400 and "rate" in reply.json()["error"]
        assert ctl(scenario_sim, "traffic", {"rate": 0, "count": 3}).status_code == 200
        runner = scenario_sim.traffic
        assert runner is not None
        runner.join(10)
        assert runner.delivered + runner.skipped == 3 and runner.error is None
        assert scenario_sim.errors == []
    assert thread_errors == []


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("faults", {"kind": "delay", "seconds": 1e300}),
        ("faults", {"kind": "reset", "rate": 2}),
        ("faults", {"kind": "reset", "times": 0}),
        ("budget", {"op": "send", "count": 5, "per": 1e-300}),
        ("budget", {"op": "send", "count": -1}),
        ("members", {"rid": SAVED_ROOM, "add": [-1]}),
        ("remark", {"pid": -1, "remark": "x"}),
        ("nickname", {"pid": 2**62, "nickname": "x"}),
        ("message", {"chat": "friend:²", "text": "x"}),
        ("message", {"chat": ["friend", -1], "text": "x"}),
        ("message", {"chat": f"friend:{TOM}", "kind": "card", "fields": {"card_pid": -3}}),
        ("old_keys", {"mode": "sometimes"}),
    ],
)
def test_control_calls_out_of_range_are_400s_that_say_what_is_wrong(
    sim: Simulator, client: WebClient, name: str, body: dict[str, Any]
) -> None:
    reply = ctl(sim, name, body)
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]
    assert_sync_still_answers(client)


@pytest.mark.parametrize("query", ["since=%C2%B2", "since=-1", "since=1e3"])
def test_outbox_since_must_be_ascii_digits(sim: Simulator, query: str) -> None:
    reply = requests.get(f"{sim.base_url}/_sim/outbox?{query}", timeout=10)
    assert reply.status_code == 400 and "since" in reply.json()["error"]


def test_a_range_header_that_is_not_one_is_ignored(sim: Simulator, client: WebClient) -> None:
    msg_id = sim.phone.send(("friend", ANN), kind="video", fields={"play_length_s": 2})
    url = f"{client.base}{API}/webwxgetvideo?msgid={msg_id}&skey=x"
    full = client.http.get(url).content
    for spec in ("bytes=²-5", "bytes=0x1-5", "bytes=-", "bytes= 1-2", "bytes=1_0-20"):
        reply = client.http.get(url, headers={"Range": spec})
        assert (reply.status_code, reply.content) == (200, full), spec
    assert client.http.get(url, headers={"Range": "bytes=0-9"}).content == full[:10]


def test_hostile_requests_leave_no_error_behind(sim: Simulator, client: WebClient) -> None:
    """The whole list above in one go, then the simulator's error log is empty (the fixture checks
    it too) and a login still completes end to end."""
    raw_exchange(sim.port, b"POST / HTTP/1.1\r\nContent-Length: \xb2\r\n\r\n")
    client.http.get(f"{client.base}{API}/webwxgetmsgimg?MsgID=%C2%B2&skey=x")
    ctl(sim, "message", {"chat": f"friend:{ANN}", "kind": "voice", "fields": {"voice_length_ms": 1e308}})
    ctl(sim, "clock/advance", {"seconds": 1e300})
    assert sim.errors == []
    assert_sync_still_answers(client)


@pytest.mark.parametrize(
    "partial",
    [
        b"GET / HTTP/1.1\r\nHost: x\r\n",  # the head never ends
        b"POST /cgi-bin/mmwebwx-bin/webwxinit HTTP/1.1\r\nContent-Length: 10\r\n\r\n{}",  # short body
        b"POST /cgi-bin/mmwebwx-bin/webwxinit HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    ],
)
def test_a_request_cut_short_by_a_half_close_gets_400(sim: Simulator, partial: bytes) -> None:
    with socket.create_connection(("127.0.0.1", sim.port), timeout=10) as sock:
        sock.sendall(partial)
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(1000).startswith(b"HTTP/1.1 400 ")


def test_a_long_poll_still_answers_after_the_client_half_closes(sim: Simulator, client: WebClient) -> None:
    client.drain()
    url = client.synccheck_url()
    target = url[len(client.base) :]
    cookie = f"wxuin={client.uin}; wxsid={client.sid}"
    request = f"GET {target} HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", sim.port), timeout=10) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := sock.recv(1000):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200 ")
    assert reply.endswith(b'window.synccheck={retcode:"0",selector:"0"}')
