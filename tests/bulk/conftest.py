"""Simulators and sessions for the bulk tests: the mini world of ``tests.sim.conftest`` (duplicate names,
an official account, rooms, strangers met in rooms) and a crowd of friends for the long runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.session.conftest import log_in, sim, spec  # noqa: F401  (fixtures)
from wxnb.session import Session
from wxnb.sim.simulator import Simulator
from wxnb.sim.spec import AccountSpec, FriendSpec, PersonSpec, RoomSpec, WorldSpec

__all__ = ["crowd_spec", "log_in"]


def crowd_spec(friends: int) -> WorldSpec:
    """An account with ``friends`` friends ("Friend 1"...), every other one with a remark, and a room."""
    persons = [PersonSpec(0, "wxid_owner", "Owner", uin=2663483111)]
    persons += [
        PersonSpec(p, f"wxid_f{p:05d}", f"Friend {p}", attr_status=1000 + p) for p in range(1, friends + 1)
    ]
    crowd = [FriendSpec(p, remark=f"old {p}" if p % 2 else "") for p in range(1, friends + 1)]
    rooms = [RoomSpec(0, "Crowd room", 0, [0, 1, 2, 3])]
    return WorldSpec(AccountSpec(0), persons, crowd, rooms, seed=11, name="crowd")


@pytest.fixture
def session(sim: Simulator, tmp_path: Path) -> Iterator[Session]:  # noqa: F811
    """A session logged in to the mini world (fresh data dir)."""
    with log_in(sim, tmp_path) as live:
        yield live
