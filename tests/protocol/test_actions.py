"""Changing things through WebClient: remark, pin, room topic and members, quit, create, logout."""

from __future__ import annotations

import pytest

from tests.protocol.conftest import Account, log_in
from tests.protocol.test_sync import drain
from tests.sim.conftest import ANN, BIG_ROOM, MING1, MING2, SAVED_ROOM, TOM, UNSAVED_ROOM
from wxnb.protocol.client import WebClient
from wxnb.protocol.errors import LoggedOut, NotLoggedIn, ServerError


def test_set_remark_changes_the_world_and_comes_back_through_sync(account: Account) -> None:
    client, world = account.client, account.sim.world
    _, key, _ = drain(client, account.init.sync_key)
    ann = account.name(("friend", ANN))
    client.set_remark(ann, "Ann & co 🌸")
    assert world.remark(ANN) == "Ann & co 🌸"
    reply = client.sync(key)
    (changed,) = [c for c in reply.modified_contacts if c.user_name == ann]
    assert changed.remark == "Ann & co 🌸"


def test_set_pinned_keeps_the_remark_it_is_given(account: Account) -> None:
    client, world = account.client, account.sim.world
    ming = account.name(("friend", MING1))
    client.set_pinned(ming, True, remark=world.remark(MING1))
    assert ("person", MING1) in world.pinned()
    assert world.remark(MING1) == "小明(同学)"
    client.set_pinned(ming, False, remark="小明(同学)")
    assert ("person", MING1) not in world.pinned()
    room = account.name(("room", SAVED_ROOM))
    client.set_pinned(room, True, remark="")
    assert ("room", SAVED_ROOM) in world.pinned()


def test_room_topic_add_delete_invite_and_quit(account: Account) -> None:
    client, world = account.client, account.sim.world
    family, big = account.name(("room", SAVED_ROOM)), account.name(("room", BIG_ROOM))
    ming2 = account.name(("friend", MING2))

    client.update_room(family, "modtopic", topic="家 & friends 🏠")
    assert world.topic(SAVED_ROOM) == "家 & friends 🏠"

    added = client.update_room(family, "addmember", members=[ming2])
    assert MING2 in world.members(SAVED_ROOM)
    assert [m.user_name for m in added.members] == [ming2] and added.member_count == 5

    client.update_room(family, "delmember", members=[ming2])
    assert MING2 not in world.members(SAVED_ROOM)

    assert len(world.members(BIG_ROOM)) >= account.init.invite_start_count
    with pytest.raises(ServerError) as refused:  # from 40 members on: invite, not add
        client.update_room(big, "addmember", members=[ming2])
    assert refused.value.ret == -1 and MING2 not in world.members(BIG_ROOM)
    invited = client.update_room(big, "invitemember", members=[ming2])
    assert MING2 in world.members(BIG_ROOM) and invited.member_count == len(world.members(BIG_ROOM))

    client.update_room(account.name(("room", UNSAVED_ROOM)), "quitchatroom")
    assert 0 not in world.members(UNSAVED_ROOM)


def test_update_room_checks_its_arguments(account: Account) -> None:
    room = account.name(("room", SAVED_ROOM))
    with pytest.raises(ValueError, match="topic"):
        account.client.update_room(room, "modtopic")
    with pytest.raises(ValueError, match="topic"):
        account.client.update_room(room, "quitchatroom", topic="x")
    with pytest.raises(ValueError, match="member"):
        account.client.update_room(room, "addmember", members=[])


def test_create_room(account: Account) -> None:
    client, world = account.client, account.sim.world
    ann, tom = account.name(("friend", ANN)), account.name(("friend", TOM))
    created = client.create_room([ann, tom], "Tea & cake 🍰")
    assert created.chat_room_name.startswith("@@") and created.topic == "Tea & cake 🍰"
    assert {m.user_name for m in created.members} == {client.user_name, ann, tom}
    rid = max(world.topics())
    assert world.topic(rid) == "Tea & cake 🍰" and set(world.members(rid)) == {0, ANN, TOM}
    assert world.user_name(("room", rid)) == created.chat_room_name
    with pytest.raises(ValueError, match="two other members"):
        client.create_room([ann])


def test_logout_ends_the_session_and_forgets_the_credentials(account: Account) -> None:
    client = account.client
    saved = client.credentials
    assert saved is not None
    client.logout()
    assert client.credentials is None and client.user_name == ""
    with pytest.raises(NotLoggedIn):
        client.get_contacts()
    with WebClient.resume(saved) as old, pytest.raises(LoggedOut) as ended:
        old.sync_check(account.init.sync_key)
    assert ended.value.code == 1101
    session = account.sim.world.sessions[-1]
    assert not session.live


def test_a_client_logs_in_again_after_logout(account: Account) -> None:
    account.client.logout()
    log_in(account.client, account.sim)
    assert account.client.init().user.nickname == "Me 🐼"
