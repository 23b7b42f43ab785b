"""Simulators and sessions for the session tests.

Sessions log in to a real simulator over HTTP (the mini world of ``tests.sim.conftest``: CJK and emoji
names, duplicate nicknames, an official account, saved, unsaved and big rooms). Long polls are held
0.3 s so that the suite is quick; retries back off for milliseconds, not seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from tests.sim.conftest import make_spec
from wxnb.protocol.transport import RetryPolicy
from wxnb.session import Session, SyncOptions
from wxnb.sim.simulator import Simulator
from wxnb.sim.spec import WorldSpec

T = TypeVar("T")

FAST_RETRY = RetryPolicy(attempts=3, backoff=0.005, max_backoff=0.05)
FAST_SYNC = SyncOptions(backoff=0.005, max_backoff=0.05, give_up_after=30.0)


def wait_until(probe: Callable[[], T], timeout: float = 10.0, what: str = "a condition") -> T:
    """Poll ``probe`` until it returns something truthy (a deadline, never a blind sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.002)


@pytest.fixture
def spec() -> WorldSpec:
    return make_spec()


@pytest.fixture
def sim(spec: WorldSpec) -> Iterator[Simulator]:
    """The mini world, long polls held 0.3 s."""
    with Simulator(spec, hold=0.3, seed=3) as simulator:
        yield simulator
        assert simulator.errors == [], f"internal errors in the simulator: {simulator.errors!r}"


def make_session(sim: Simulator, data_dir: Path, **options: object) -> Session:
    """A session on ``sim`` with fast retries (not started)."""
    options.setdefault("retry", FAST_RETRY)
    options.setdefault("sync", FAST_SYNC)
    return Session(sim.base_url, data_dir=data_dir, **options)  # type: ignore[arg-type]


def new_qr(sim: Simulator, known: set[str]) -> str:
    """The uuid of a QR code the client asked for that is not in ``known``."""
    return wait_until(
        lambda: next((p.uuid for p in reversed(sim.phone.pending_logins()) if p.uuid not in known), None),
        what="a new QR code",
    )


def log_in(sim: Simulator, data_dir: Path, **options: object) -> Session:
    """A started session, its QR login confirmed on the phone, ready."""
    known = {p.uuid for p in sim.phone.pending_logins()}
    session = make_session(sim, data_dir, **options).start()
    try:
        sim.phone.confirm(new_qr(sim, known))
        session.wait_ready(10)
    except BaseException:
        session.close()
        raise
    return session


@pytest.fixture
def session(sim: Simulator, tmp_path: Path) -> Iterator[Session]:
    """A session logged in to ``sim`` (fresh data dir)."""
    with log_in(sim, tmp_path) as live:
        yield live
