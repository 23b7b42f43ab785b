"""The simulator as one object: a world, its phone, faults, and the HTTP server, on 127.0.0.1.

Example:
    >>> from wxnb.sim.spec import AccountSpec, FriendSpec, PersonSpec, WorldSpec
    >>> spec = WorldSpec(AccountSpec(0), [PersonSpec(0, "wxid_me", "Me"), PersonSpec(1, "wxid_ann", "Ann")],
    ...                  friends=[FriendSpec(1)])
    >>> import requests
    >>> with Simulator(spec) as sim:
    ...     requests.get(sim.base_url + "/jslogin?appid=wx782c26e4c19acffb&fun=new").text[:26]
    'window.QRLogin.code = 200;'
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

from wxnb.sim.clock import Clock
from wxnb.sim.control import ControlApi
from wxnb.sim.faults import Faults
from wxnb.sim.http import HttpServer
from wxnb.sim.phone import Phone
from wxnb.sim.server import ProtocolServer
from wxnb.sim.spec import IncomingSpec, WorldSpec
from wxnb.sim.strict import json_int, json_real
from wxnb.sim.world import World, WorldError

__all__ = ["MAX_RATE", "MIN_RATE", "Simulator", "TrafficRunner"]

MIN_RATE = 0.001  # traffic events per second (one every ~17 minutes)
MAX_RATE = 1_000_000.0

logger = logging.getLogger("wxnb.sim")

T = TypeVar("T")


class Simulator:
    """A running WeChat web-protocol simulator.

    ``spec``: the world (default: ``scenario.build_spec(scenario, seed)``). ``hold``: how long the
    long polls (login, synccheck) wait before answering "nothing new" (the real server: ~25 s).
    ``auto_confirm``: the phone confirms every new login after this many seconds.
    ``history_days``: the log starts with this many days of past conversations (about
    ``history_per_day`` messages a day, with a daily and weekly rhythm in ``utc_offset``'s local time,
    default this machine's), which a new login's first webwxsync delivers, as the real server delivers
    the recent messages at login (the world's ``backlog``: the history and a day).
    Other options go to :class:`~wxnb.sim.world.World` (``login_timeout``, ``sync_batch``,
    ``contact_page``, ``batch_limit``...).

    Internal errors (a bug answered with HTTP 500) are collected in :attr:`errors`.
    """

    def __init__(
        self,
        spec: WorldSpec | None = None,
        *,
        scenario: str = "small",
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        hold: float = 25.0,
        clock: Clock | None = None,
        auto_confirm: float | None = None,
        max_body: int = 4 * 1024 * 1024,
        history_days: float = 0.0,
        history_per_day: float = 200.0,
        utc_offset: int | None = None,
        **world_options: Any,
    ) -> None:
        if spec is None:
            spec = _build_spec(scenario, seed)
        self.spec = spec
        self.seed = seed
        self.clock = clock or Clock()
        if history_days:
            world_options.setdefault("backlog", history_days * 86_400 + 86_400)
        self.world = World.from_spec(spec, clock=self.clock, **world_options)
        if history_days:
            self._write_history(history_days, history_per_day, utc_offset)
        self.phone = Phone(self.world)
        self.faults = Faults(seed=seed, now=self.clock.now)
        self.errors: list[BaseException] = []
        self.traffic: TrafficRunner | None = None
        self._control = ControlApi(self.world, self.phone, self.faults, self.clock, self._start_traffic)
        self.protocol = ProtocolServer(self.world, self.faults, hold=hold, control=self._control)
        self._http = HttpServer(self.protocol, host, port, max_body=max_body, on_error=self.errors.append)
        self._started = False
        if auto_confirm is not None:
            self.phone.auto_confirm(auto_confirm)

    def _write_history(self, days: float, per_day: float, utc_offset: int | None) -> None:
        if utc_offset is None:
            offset = datetime.now().astimezone().utcoffset()
            utc_offset = int(offset.total_seconds()) if offset is not None else 0
        past = _scenario().history(
            self.spec, days=days, end=self.clock.now(), per_day=per_day, seed=self.seed, utc_offset=utc_offset
        )
        for at, event in past:
            self.world.deliver(event, at=at)

    def start(self) -> Simulator:
        """Start serving (binds the port at once). Returns self."""
        if not self._started:
            self._http.start()
            self.protocol.attach(self._http.call_soon)
            self.protocol.default_host = f"{self.host_for_url}:{self.port}"
            self._started = True
        return self

    def close(self) -> None:
        """Stop the traffic runner and the server (idempotent)."""
        if self.traffic is not None:
            self.traffic.stop()
        self.phone.auto_confirm(None)
        if self._started:
            self.protocol.detach()
            self._http.close()
            self._started = False

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def host_for_url(self) -> str:
        host = self._http.host
        return f"[{host}]" if ":" in host else host

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: the one origin of every endpoint (give it to clients as-is)."""
        return f"http://{self.host_for_url}:{self.port}"

    @property
    def hold(self) -> float:
        return self.protocol.hold

    @hold.setter
    def hold(self, seconds: float) -> None:
        self.protocol.hold = seconds

    def wait_until(
        self, probe: Callable[[], T | None], timeout: float = 10.0, what: str = "a condition"
    ) -> T:
        """Wait (without polling) until ``probe()`` is truthy, re-checked on every world change."""
        return self.phone.wait_for(probe, timeout, what)

    def run_traffic(
        self,
        rate: float | None = 2.0,
        count: int | None = None,
        *,
        seed: int | None = None,
        group_share: float = 0.6,
        mix: Mapping[str, float] | None = None,
    ) -> TrafficRunner:
        """Start delivering ``scenario.traffic`` events: ``rate`` per second (None: as fast as
        possible), ``count`` of them (None: until stopped). Replaces a running runner."""
        if self.traffic is not None:
            self.traffic.stop()
        events = _scenario().traffic(
            self.spec,
            self.seed if seed is None else seed,
            group_share=group_share,
            mix=dict(mix) if mix else None,
        )
        self.traffic = TrafficRunner(self.world, events, rate, count, on_error=self.errors.append)
        self.traffic.start()
        return self.traffic

    def _start_traffic(self, rate: float, count: int | None) -> dict[str, Any]:
        fast = isinstance(rate, int | float) and not isinstance(rate, bool) and rate == 0
        runner = self.run_traffic(None if fast else rate, count)
        return {"rate": rate, "count": count, "running": runner.is_alive()}


def _scenario() -> Any:
    """The scenario module (seeded worlds and traffic), imported on first use: it is not needed by
    simulators built from a hand-made WorldSpec."""
    try:
        return importlib.import_module("wxnb.sim.scenario")
    except ModuleNotFoundError as exc:
        raise RuntimeError("wxnb.sim.scenario is not available: pass a WorldSpec to Simulator(spec)") from exc


def _build_spec(name: str, seed: int) -> WorldSpec:
    spec = _scenario().build_spec(name, seed)
    if not isinstance(spec, WorldSpec):
        raise TypeError(f"scenario.build_spec returned {type(spec).__name__}, not a WorldSpec")
    return spec


class TrafficRunner(threading.Thread):
    """Delivers traffic events into a world at a steady rate, in a daemon thread.

    Revokes name their target by stream index (``fields["revokes"]``); the runner maps indexes to
    MsgIds. Events the world refuses (e.g. a revoke of an unknown message) are counted in
    :attr:`skipped`. If the thread dies, the exception is in :attr:`error` and reported to
    ``on_error``.
    """

    def __init__(
        self,
        world: World,
        events: Any,
        rate: float | None,
        count: int | None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        super().__init__(name="wxnb-sim-traffic", daemon=True)
        self.world = world
        self.events = events
        # checked here, in the caller's thread: a rate of 1e-300 would overflow the runner's timer
        self.rate = None if rate is None else json_real(rate, "rate", MIN_RATE, MAX_RATE)
        self.count = None if count is None else json_int(count, "count", 0, 10**12)
        self.on_error = on_error
        self.delivered = 0
        self.skipped = 0
        self.error: BaseException | None = None
        self._stop_event = threading.Event()
        self._ids: OrderedDict[int, int] = OrderedDict()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop delivering and wait for the thread to end."""
        self._stop_event.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    def run(self) -> None:
        try:
            self._loop()
        except Exception as exc:
            self.error = exc
            logger.exception("the traffic runner died")
            if self.on_error is not None:
                self.on_error(exc)

    def _loop(self) -> None:
        interval = 1.0 / self.rate if self.rate else 0.0
        due = time.monotonic()
        for index, event in enumerate(self.events):
            if self._stop_event.is_set() or (self.count is not None and index >= self.count):
                return
            if interval:
                due += interval
                wait = due - time.monotonic()
                if wait > 0 and self._stop_event.wait(wait):
                    return
            self._deliver(index, event)

    def _deliver(self, index: int, event: IncomingSpec) -> None:
        try:
            msg_id = self.world.deliver(event, self._ids)
        except WorldError as exc:
            self.skipped += 1
            logger.debug("traffic event %d skipped: %s", index, exc)
            return
        self._ids[index] = msg_id
        if len(self._ids) > 5_000:
            self._ids.popitem(last=False)
        self.delivered += 1
