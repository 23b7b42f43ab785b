"""Simulators and logged-in WebClients for the client's tests (real HTTP on 127.0.0.1, never mocked).

The world is the simulator tests' ``mini`` world (``tests.sim.conftest.make_spec``): CJK, emoji, ``&``
and ``<`` in names, duplicate nicknames, an official account, filehelper, a saved, an unsaved and a big
room (more than 40 members).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.sim.conftest import make_spec
from wxnb.protocol.client import WebClient
from wxnb.protocol.credentials import Credentials
from wxnb.protocol.json_replies import InitReply
from wxnb.protocol.transport import RetryPolicy, Timeouts
from wxnb.sim.clock import Clock
from wxnb.sim.http import HttpServer, Request, Response
from wxnb.sim.simulator import Simulator

# Retries without the production pauses (the policy is the same; only the waits are short).
FAST_RETRY = RetryPolicy(attempts=3, backoff=0.001, max_backoff=0.005)
TIMEOUTS = Timeouts(connect=5.0, read=10.0, long_poll=10.0)


def new_client(sim: Simulator, **options: object) -> WebClient:
    """A client of ``sim`` with fast retries (options go to WebClient)."""
    settings: dict[str, object] = {"retry": FAST_RETRY, "timeouts": TIMEOUTS, **options}
    return WebClient(sim.base_url, **settings)  # type: ignore[arg-type]


def log_in(client: WebClient, sim: Simulator) -> Credentials:
    """jslogin → the phone confirms → the login poll says confirmed → webwxnewloginpage."""
    uuid = client.jslogin()
    sim.phone.confirm(uuid)
    poll = client.poll_login(uuid)
    assert poll.status == "confirmed", poll
    return client.new_login_page(poll.redirect_uri)


@dataclass
class Account:
    """A logged-in, inited client and its simulator."""

    sim: Simulator
    client: WebClient
    init: InitReply

    def name(self, chat: object) -> str:
        """The UserName of a world chat (``("friend", pid)``, ``("room", rid)``) in this login."""
        return self.sim.world.user_name(chat)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sim(clock: Clock) -> Iterator[Simulator]:
    """The mini world with short long polls (0.3 s)."""
    with Simulator(make_spec(), hold=0.3, clock=clock, seed=3) as simulator:
        yield simulator
        assert simulator.errors == [], f"internal errors in the simulator: {simulator.errors!r}"


@pytest.fixture
def client(sim: Simulator) -> Iterator[WebClient]:
    """A client of ``sim``, not logged in."""
    with new_client(sim) as web:
        yield web


@pytest.fixture
def account(sim: Simulator, client: WebClient) -> Account:
    """``client`` logged in to ``sim``, webwxinit done (no status notify)."""
    log_in(client, sim)
    return Account(sim, client, client.init())


class RecordingServer:
    """A real HTTP server on 127.0.0.1 answering every request with ``answer(request)`` and keeping
    the requests, for what the simulator cannot do (an HTML page with status 200, an empty body, a
    redirect with a Location) and for looking at the exact request line a client sent."""

    def __init__(self, answer: Callable[[Request], Response]) -> None:
        self.requests: list[Request] = []

        def handle(request: Request) -> Response:
            self.requests.append(request)
            return answer(request)

        self._server = HttpServer(handle)
        self._server.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}"

    def close(self) -> None:
        self._server.close()


@pytest.fixture
def recording() -> Iterator[Callable[[Callable[[Request], Response]], RecordingServer]]:
    """``recording(answer)`` starts a RecordingServer that is closed after the test."""
    servers: list[RecordingServer] = []

    def start(answer: Callable[[Request], Response]) -> RecordingServer:
        servers.append(RecordingServer(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()
