"""AddMsgList items joined from constant pieces are byte for byte the items rendered in full."""

from __future__ import annotations

import orjson
import pytest

from tests.sim.conftest import ANN, BIG_ROOM, LONER, ME, SAVED_ROOM, STRANGERS, TOM, make_spec
from wxnb.sim.content import KINDS
from wxnb.sim.logins import WebSession
from wxnb.sim.render import message_json, message_wire
from wxnb.sim.world import World

_FIELDS: dict[str, dict[str, object]] = {
    "link": {"url": "https://example.com/a?b=1&c=2", "title": "A <b> title"},
    "file": {"file_name": "报告 final.pdf", "file_size": 123456},
    "card": {"card_pid": TOM},
}


def _login(world: World) -> WebSession:
    login = world.new_login()
    world.confirm(login.uuid)
    return world.start_session(login)


def _traffic(world: World) -> None:
    """Every kind from a friend, in a room from members (sender prefix), and from the account itself."""
    for kind in KINDS:
        if kind == "revoke":
            continue
        sender = LONER if kind in ("friend_request", "possible_friend") else ANN
        chat = ("friend", sender)
        world.receive(chat, sender, kind, "text & 😄 <b>\n", _FIELDS.get(kind))
    for i, sender in enumerate([ANN, STRANGERS[1], STRANGERS[2], TOM]):
        world.receive(("room", BIG_ROOM), sender, "text", f'@小红 🌹\u2005 line {i} "quoted" \\ & <')
    world.receive(("room", SAVED_ROOM), ANN, "image")
    world.receive(("room", SAVED_ROOM), ANN, "system", "系统 notice")
    world.receive(("room", SAVED_ROOM), ME, "text", "from my phone")
    world.receive(("friend", ANN), ME, "text", "me too")
    world.receive(("friend", ANN), ANN, "revoke")


def test_every_message_is_rendered_as_the_full_renderer_does_in_every_login() -> None:
    world = World.from_spec(make_spec(), seed=5)
    first = _login(world)
    _traffic(world)
    second = _login(world)  # other UserNames
    with world.lock:
        plain = [m for m in world.log if not m.body.fields and not m.body.refs]
        assert len(plain) >= 8  # texts from friends, room members (prefixed) and oneself
        for session in (first, second):
            for message in world.log:
                assert message_wire(world, session, message) == orjson.dumps(
                    message_json(world, session, message)
                ), (message.body.msg_type, message.body.refs)


@pytest.mark.parametrize("field", ["Content", "FromUserName", "CreateTime", "Status", "Extra"])
def test_a_message_with_fields_is_rendered_in_full(field: str) -> None:
    world = World.from_spec(make_spec(), seed=5)
    session = _login(world)
    world.receive(("room", BIG_ROOM), ANN, "text", "hi")
    with world.lock:
        message = world.log[-1]
        message.body.fields[field] = "replaced"
        wire = message_wire(world, session, message)
        assert wire == orjson.dumps(message_json(world, session, message))
        assert orjson.loads(wire)[field] == "replaced"
