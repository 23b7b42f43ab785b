"""Proxies from the environment: every request goes through the proxy ``HTTP_PROXY`` names, long polls
included, and interrupt() ends a long poll held through it at once (a forwarding proxy on 127.0.0.1)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tests.protocol.conftest import log_in, new_client
from tests.protocol.proxy import ForwardingProxy
from wxnb.protocol import Interrupted
from wxnb.sim.simulator import Simulator

_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ForwardingProxy]:
    """A forwarding proxy that ``HTTP_PROXY`` names (and nothing else in the environment does)."""
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    forwarding = ForwardingProxy()
    monkeypatch.setenv("HTTP_PROXY", forwarding.url)
    yield forwarding
    forwarding.close()


def test_every_request_goes_through_the_proxy_long_polls_included(
    sim: Simulator, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    with new_client(sim) as client:
        log_in(client, sim)
        init = client.init()
        # The proxy is decided once per origin: a change to the environment now changes nothing.
        monkeypatch.delenv("HTTP_PROXY")
        client.get_contacts()
        sim.phone.send(("friend", 1), "through the proxy")
        assert client.sync_check(init.sync_key).needs_sync
        reply = client.sync(init.sync_key)
        client.send_text("filehelper", "hi")
        client.logout()
    assert any(m.text == "through the proxy" for m in reply.messages)
    assert proxy.paths() == [
        "jslogin", "login", "webwxnewloginpage", "webwxinit", "webwxgetcontact", "synccheck",
        "webwxsync", "webwxsendmsg", "webwxlogout",
    ]  # fmt: skip
    assert all(url.startswith(sim.base_url + "/") for _, url in proxy.requests)


def _held_sync_check_ends_within_a_second(sim: Simulator) -> None:
    """Log in, hold a synccheck (60 s), interrupt: the thread must end within 1 s of interrupt()."""
    with new_client(sim) as client:
        log_in(client, sim)
        init = client.init()
        sim.hold = 60.0
        outcome: list[BaseException] = []
        done = threading.Event()

        def check() -> None:
            try:
                client.sync_check(init.sync_key)
            except Interrupted as exc:
                outcome.append(exc)
            finally:
                done.set()

        thread = threading.Thread(target=check)
        thread.start()
        deadline = time.monotonic() + 10
        while len(sim.protocol.waiters) != 1:  # poll, with a deadline, for the server to hold it
            assert time.monotonic() < deadline, "the synccheck was not held"
            time.sleep(0.002)
        client.interrupt()
        assert done.wait(1.0), "interrupt() did not end the held synccheck within 1 s"
        assert [type(e) for e in outcome] == [Interrupted] and outcome[0].endpoint == "synccheck"


def test_interrupt_ends_a_held_synccheck_within_a_second(sim: Simulator) -> None:
    _held_sync_check_ends_within_a_second(sim)


def test_interrupt_ends_a_held_synccheck_through_a_proxy_within_a_second(
    sim: Simulator, proxy: ForwardingProxy
) -> None:
    _held_sync_check_ends_within_a_second(sim)
    assert proxy.paths()[-1] == "synccheck"


def test_no_proxy_sends_an_origin_direct(
    sim: Simulator, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with new_client(sim) as client:
        log_in(client, sim)
        client.init()
    assert proxy.requests == []
