"""CancelToken: a held long poll ends at once when cancelled from another thread.

Against the simulator's login poll (held ``hold`` seconds), through urllib3 pools of the cancellable
connections (:class:`~wxnb.protocol.cancel.CancellableHTTPConnectionPool`), as the transport makes them.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import urllib3
from urllib3.exceptions import HTTPError

from wxnb.protocol.cancel import CancellableHTTPConnectionPool, CancelToken, scope, wait_any
from wxnb.sim.simulator import Simulator


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(scenario="tiny", hold=60.0) as simulator:
        yield simulator


def _poll_until(probe: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Poll ``probe`` with a deadline (the server's held polls are not world changes to wait on)."""
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.002)


def _http(sim: Simulator) -> CancellableHTTPConnectionPool:
    return CancellableHTTPConnectionPool("127.0.0.1", int(sim.base_url.rsplit(":", 1)[1]), retries=False)


def _get(http: CancellableHTTPConnectionPool, path: str, read: float = 10) -> urllib3.BaseHTTPResponse:
    return http.urlopen("GET", path, timeout=urllib3.Timeout(connect=5, read=read))


def _uuid(http: CancellableHTTPConnectionPool) -> str:
    reply = _get(http, "/jslogin?appid=wx782c26e4c19acffb&fun=new").data.decode()
    match = re.search(r'uuid = "([^"]+)"', reply)
    assert match is not None
    return match.group(1)


def _poll(http: CancellableHTTPConnectionPool, uuid: str) -> urllib3.BaseHTTPResponse:
    return _get(http, f"/cgi-bin/mmwebwx-bin/login?uuid={uuid}&tip=1", read=90)


def test_cancel_ends_a_held_poll_on_a_reused_connection(sim: Simulator) -> None:
    http = _http(sim)
    uuid = _uuid(http)  # the poll below reuses this pooled connection
    token = CancelToken()
    outcome: list[object] = []

    def poll() -> None:
        with scope([token]):
            try:
                outcome.append(_poll(http, uuid))
            except HTTPError as exc:
                outcome.append(exc)

    thread = threading.Thread(target=poll)
    thread.start()
    _poll_until(lambda: len(sim.protocol.waiters) == 1, "the poll to be held")
    token.cancel()
    thread.join(10)
    assert not thread.is_alive(), "the poll was not interrupted"
    assert len(outcome) == 1 and isinstance(outcome[0], HTTPError)
    # The pool is still usable afterwards, outside the scope.
    assert _get(http, "/_sim/state").status == 200


def test_a_request_with_a_cancelled_token_fails_before_it_is_answered(sim: Simulator) -> None:
    http = _http(sim)
    uuid = _uuid(_http(sim))
    token = CancelToken()
    token.cancel()
    with scope([token]), pytest.raises(HTTPError):
        _poll(http, uuid)


def test_tokens_of_other_threads_do_not_cancel_this_one(sim: Simulator) -> None:
    http = _http(sim)
    other = CancelToken()
    other.cancel()
    with scope([CancelToken()]):
        assert _get(http, "/_sim/state").status == 200
    with scope([]):
        assert _get(http, "/_sim/state").status == 200


def test_wait_any_wakes_on_any_token() -> None:
    a, b = CancelToken(), CancelToken()
    assert wait_any([a, b], 0.001) is False
    woke: list[bool] = []
    thread = threading.Thread(target=lambda: woke.append(wait_any([a, b], 60)))
    thread.start()
    b.cancel()
    thread.join(10)
    assert woke == [True]
    assert wait_any([a, b], 60) is True
    assert wait_any([], 0.0) is False
