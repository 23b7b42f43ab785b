"""The Preparer makes the requests ``requests.Session.request`` would make, and its caches follow the jar.

Compared with requests' own preparation (the reference), and over real HTTP (a RecordingServer) for
what reaches the wire: cookies set by a reply, cookies put back or cleared, and expiry.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
import requests
from requests.cookies import create_cookie

from tests.protocol.conftest import TIMEOUTS, RecordingServer, new_client
from wxnb.protocol.errors import TransportError
from wxnb.protocol.prepare import Preparer
from wxnb.protocol.transport import CallKind, RetryPolicy, Timeouts, Transport
from wxnb.sim.http import Request, Response
from wxnb.sim.simulator import Simulator

Recording = Callable[[Callable[[Request], Response]], RecordingServer]

CASES = [
    ("POST", "http://127.0.0.1:9/cgi-bin/mmwebwx-bin/webwxsync?sid=S&skey=%40crypt_1&pass_ticket=a%2F",
     b'{"a":1}', {"Content-Type": "application/json;charset=UTF-8"}),
    ("GET", "https://webpush.wx.qq.com/cgi-bin/mmwebwx-bin/synccheck?r=1&synckey=1_2%7C2_3", None, None),
    ("POST", "https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxlogout?redirect=1", None, None),
    ("GET", "http://127.0.0.1:9/l/%E4%BD%A0?x=%7E~", None, {"Accept": "image/*"}),
]  # fmt: skip


def _session() -> requests.Session:
    http = requests.Session()
    http.headers.update({"User-Agent": "wxnb-test", "Accept-Language": "zh-CN"})
    jar = http.cookies
    jar.set_cookie(create_cookie("wxuin", "42", domain=".qq.com", path="/"))  # type: ignore[no-untyped-call]
    jar.set_cookie(create_cookie("wxsid", "S1", domain="127.0.0.1", path="/"))  # type: ignore[no-untyped-call]
    jar.set_cookie(create_cookie("secure_one", "x", domain=".qq.com", path="/", secure=True))  # type: ignore[no-untyped-call]
    jar.set_cookie(create_cookie("deep", "d", domain=".qq.com", path="/cgi-bin/other"))  # type: ignore[no-untyped-call]
    return http


@pytest.mark.parametrize(("method", "url", "body", "headers"), CASES)
def test_a_prepared_request_is_the_one_requests_would_send(
    method: str, url: str, body: bytes | None, headers: dict[str, str] | None
) -> None:
    http = _session()
    reference = http.prepare_request(requests.Request(method, url, data=body or {}, headers=headers))
    for _ in range(2):  # the second time from the caches
        got = Preparer(http).prepare(method, url, body, headers)
        assert got is not None
        prep, settings = got
        assert (prep.method, prep.url, prep.body) == (reference.method, reference.url, reference.body)
        assert dict(prep.headers) == dict(reference.headers)
        assert settings == http.merge_environment_settings(reference.url, {}, None, None, None)


def test_it_declines_what_it_does_not_cover() -> None:
    http = _session()
    http.auth = ("user", "password")
    assert Preparer(http).prepare("GET", "http://127.0.0.1:9/x", None, None) is None
    http = _session()
    http.hooks["response"].append(lambda r, **kw: r)
    assert Preparer(http).prepare("GET", "http://127.0.0.1:9/x", None, None) is None


def _transport() -> Transport:
    return Transport(timeouts=TIMEOUTS, retry=RetryPolicy(attempts=1), headers={"User-Agent": "t"})


def _get(transport: Transport, server: RecordingServer, path: str = "/x") -> None:
    transport.call("GET", server.base_url + path, lambda b: b, endpoint="x", kind=CallKind.READ)


def test_cookies_follow_the_jar_over_http(recording: Recording) -> None:
    def answer(request: Request) -> Response:
        if request.path == "/set":
            return Response(200, b"ok", headers=[("Set-Cookie", "wxsid=NEW; Path=/")])
        return Response(200, b"ok")

    server = recording(answer)
    transport = _transport()
    _get(transport, server)
    assert server.requests[-1].cookies == {}
    transport.set_cookies({"wxuin": "1", "wxsid": "OLD"}, "127.0.0.1")
    _get(transport, server)
    assert server.requests[-1].cookies == {"wxuin": "1", "wxsid": "OLD"}
    _get(transport, server, "/set")  # a reply that sets a cookie: the next request carries it
    _get(transport, server)
    assert server.requests[-1].cookies == {"wxuin": "1", "wxsid": "NEW"}
    transport.clear_cookies()
    _get(transport, server)
    assert server.requests[-1].cookies == {}
    transport.close()


def test_an_expired_cookie_stops_being_sent(recording: Recording) -> None:
    server = recording(lambda request: Response(200, b"ok"))
    transport = _transport()
    transport._preparer.cookie_ttl = 0.0  # the production TTL (1 s) only delays this
    expires = int(time.time()) + 1
    cookie = create_cookie("short", "lived", domain="127.0.0.1", path="/", expires=expires)  # type: ignore[no-untyped-call]
    transport.http.cookies.set_cookie(cookie)
    transport._preparer.cookies_changed()
    _get(transport, server)
    assert server.requests[-1].cookies == {"short": "lived"}
    deadline = time.monotonic() + 5
    while time.time() <= expires + 0.01 and time.monotonic() < deadline:
        _get(transport, server)  # polling, not sleeping: each request is a chance to see expiry
    _get(transport, server)
    assert server.requests[-1].cookies == {}
    transport.close()


def test_a_login_through_the_prepared_path_works_end_to_end(sim: Simulator) -> None:
    client = new_client(sim)
    uuid = client.jslogin()
    sim.phone.confirm(uuid)
    poll = client.poll_login(uuid)
    client.new_login_page(poll.redirect_uri)  # a 301 with Set-Cookie, not followed
    init = client.init()
    reply = client.sync(init.sync_key)
    assert reply.sync_key is not None and client.credentials is not None
    assert client._transport._preparer._urls  # the sync went through the preparer
    client.close()


def test_timeouts_are_honoured_on_the_prepared_path(recording: Recording) -> None:
    async def slow() -> Response:
        await asyncio.sleep(2)
        return Response(200, b"late")

    server = recording(lambda request: slow())  # type: ignore[arg-type,return-value]
    transport = Transport(
        timeouts=Timeouts(connect=1.0, read=0.2, long_poll=0.2),
        retry=RetryPolicy(attempts=1),
        headers={},
    )
    with pytest.raises(TransportError, match=r"no reply within 0\.2 s"):
        _get(transport, server)
    transport.close()


def test_a_body_cut_short_is_reported_as_such_and_a_whole_one_is_read_in_full(recording: Recording) -> None:
    big = bytes(range(256)) * 2000  # 512 KB: many socket reads
    server = recording(
        lambda request: Response(200, big, action="truncate" if request.path == "/cut" else "")
    )
    transport = _transport()
    url = server.base_url + "/whole"

    def whole() -> bytes:
        return transport.call("GET", url, lambda b: b, endpoint="x", kind=CallKind.READ)

    assert whole() == big
    with pytest.raises(TransportError, match="closed before the whole reply arrived"):
        _get(transport, server, "/cut")
    assert whole() == big  # the pool is still usable
    transport.close()
