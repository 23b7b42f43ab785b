"""Room ownership as the simulator renders it: IsOwner and OwnerUin for the account's own rooms, the
owner's spec uin for the others, and members listed with Uin 0, as the real server lists them (it
reveals no one's Uin but the account's, in ``User``)."""

from __future__ import annotations

from dataclasses import replace

from tests.sim.conftest import BIG_ROOM, SAVED_ROOM, TOM, UNSAVED_ROOM, make_spec
from wxnb.sim.logins import WebSession
from wxnb.sim.render import contact_json
from wxnb.sim.world import World


def _login(world: World) -> WebSession:
    login = world.new_login()
    world.confirm(login.uuid)
    return world.start_session(login)


def test_own_rooms_say_so_other_rooms_carry_the_owners_uin_and_members_carry_none() -> None:
    spec = make_spec()
    spec = replace(spec, persons=[replace(p, uin=42) if p.pid == TOM else p for p in spec.persons])
    world = World(spec)
    session = _login(world)
    own = contact_json(world, session, ("room", SAVED_ROOM), members="full")
    toms = contact_json(world, session, ("room", BIG_ROOM), members="full")
    anns = contact_json(world, session, ("room", UNSAVED_ROOM), members="full")
    assert (own["IsOwner"], own["OwnerUin"]) == (1, world.uin)
    assert (toms["IsOwner"], toms["OwnerUin"]) == (0, 42)
    assert (anns["IsOwner"], anns["OwnerUin"]) == (0, 0)  # a person of the spec without a uin
    for room in (own, toms, anns):
        assert {m["Uin"] for m in room["MemberList"]} == {0}
