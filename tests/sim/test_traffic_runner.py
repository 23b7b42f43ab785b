"""The traffic runner: paces IncomingSpec events into a world, maps revokes by stream index."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sim.conftest import ANN, BIG_ROOM, LONER, STRANGERS, make_spec
from wxnb.sim.phone import Phone
from wxnb.sim.simulator import Simulator, TrafficRunner
from wxnb.sim.spec import IncomingSpec
from wxnb.sim.world import World


def test_runner_delivers_a_fixed_count_and_skips_what_the_world_refuses() -> None:
    world = World.from_spec(make_spec())
    events = [
        IncomingSpec(("friend", ANN), ANN, "text", "one"),
        IncomingSpec(("room", BIG_ROOM), LONER, "text", "not a member: skipped"),
        IncomingSpec(("room", BIG_ROOM), STRANGERS[0], "image", fields={"width": 64, "height": 48}),
        IncomingSpec(("friend", ANN), ANN, "revoke", fields={"revokes": 0}),
        IncomingSpec(("friend", ANN), ANN, "text", "beyond the count"),
    ]
    runner = TrafficRunner(world, iter(events), rate=None, count=4)
    runner.start()
    runner.join(10)
    assert not runner.is_alive() and runner.error is None
    assert (runner.delivered, runner.skipped) == (3, 1)
    kinds = [m.body.msg_type for m in world.log]
    assert kinds == [1, 3, 10002]
    assert f"&lt;msgid&gt;{world.log[0].msg_id}&lt;/msgid&gt;" in world.log[2].body.content


def test_runner_paces_and_stops() -> None:
    world = World.from_spec(make_spec())

    def forever() -> Iterator[IncomingSpec]:
        while True:
            yield IncomingSpec(("friend", ANN), ANN, "text", "tick")

    runner = TrafficRunner(world, forever(), rate=200.0, count=None)
    runner.start()
    Phone(world).wait_for(lambda: len(world.log) >= 5, timeout=10, what="five delivered events")
    runner.stop()
    assert not runner.is_alive() and runner.delivered >= 5


def test_run_traffic_uses_the_scenario_generator() -> None:
    pytest.importorskip("wxnb.sim.scenario")
    with Simulator(make_spec(), hold=1.0) as sim:
        runner = sim.run_traffic(rate=None, count=50)
        runner.join(20)
        assert runner.delivered + runner.skipped == 50 and runner.error is None
        assert len(sim.world.log) == runner.delivered
