"""WebClient.interrupt(), per-call cancel tokens, the on_retry hook, skip_bad_items through the client."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from tests.protocol.conftest import Account, new_client
from wxnb.protocol.cancel import CancelToken, Interrupted
from wxnb.sim.simulator import Simulator


def _poll_until(probe: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.002)


def test_interrupt_ends_a_held_synccheck_and_every_later_request(account: Account) -> None:
    sim, client = account.sim, account.client
    sim.hold = 60.0  # without the interruption the test would hit its timeout
    errors: list[BaseException] = []

    def check() -> None:
        try:
            client.sync_check(account.init.sync_key)
        except Interrupted as exc:
            errors.append(exc)

    thread = threading.Thread(target=check)
    thread.start()
    _poll_until(lambda: len(sim.protocol.waiters) == 1, "the synccheck to be held")
    client.interrupt()
    thread.join(10)
    assert not thread.is_alive() and len(errors) == 1
    assert errors[0].endpoint == "synccheck" and client.interrupted
    with pytest.raises(Interrupted):
        client.sync(account.init.sync_key)


def test_a_cancel_token_ends_one_login_poll_only(sim: Simulator) -> None:
    sim.hold = 60.0
    with new_client(sim) as client:
        uuid = client.jslogin()
        token = CancelToken()
        errors: list[BaseException] = []

        def poll() -> None:
            try:
                client.poll_login(uuid, cancel=token)
            except Interrupted as exc:
                errors.append(exc)

        thread = threading.Thread(target=poll)
        thread.start()
        _poll_until(lambda: len(sim.protocol.waiters) == 1, "the login poll to be held")
        token.cancel()
        thread.join(10)
        assert [e.endpoint for e in errors] == ["login"]
        assert not client.interrupted
        sim.phone.confirm(uuid)
        assert client.poll_login(uuid).status == "confirmed"


def test_on_retry_is_told_about_each_retry(account: Account) -> None:
    retries: list[tuple[str, str]] = []
    account.client.on_retry = lambda endpoint, what: retries.append((endpoint, what))
    account.sim.faults.add("http_502", endpoint="webwxsync", times=2)
    account.client.sync(account.init.sync_key)
    assert [e for e, _ in retries] == ["webwxsync", "webwxsync"]
    assert all("502" in what for _, what in retries)

    def broken(endpoint: str, what: str) -> None:
        raise RuntimeError("an observer's bug")

    account.client.on_retry = broken
    account.sim.faults.add("reset", endpoint="webwxsync", times=1)
    account.client.sync(account.init.sync_key)  # the hook's failure does not fail the request
    assert account.client.on_retry is broken


def test_a_pre_cancelled_token_stops_the_request_before_it_is_sent(sim: Simulator) -> None:
    with new_client(sim) as client:
        uuid = client.jslogin()
        token = CancelToken()
        token.cancel()
        with pytest.raises(Interrupted):
            client.poll_login(uuid, cancel=token)
