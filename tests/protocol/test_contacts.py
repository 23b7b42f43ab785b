"""init, status notify, contact pages, members in batches of 50, head images and message images."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from PIL import Image

from tests.protocol.conftest import Account, log_in, new_client
from tests.sim.conftest import (
    ANN,
    BIG_ROOM,
    FILEHELPER,
    MING1,
    MING2,
    MP,
    SAVED_ROOM,
    STRANGERS,
    TOM,
    UNSAVED_ROOM,
    make_spec,
)
from wxnb.protocol.client import WebClient
from wxnb.sim.simulator import Simulator
from wxnb.sim.spec import RoomSpec, WorldSpec

FRIENDS = [ANN, TOM, MING1, MING2, MP, FILEHELPER]
EXTRA_ROOMS = range(3, 63)  # 60 more rooms: 62 in all, so members come in two batches


def _jpeg(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    image.load()  # decodes the whole picture: a broken JPEG raises here
    return image


def _requests_to(caplog: pytest.LogCaptureFixture, endpoint: str) -> int:
    """How many requests to ``endpoint`` the client logged (``GET webwxgetcontact /cgi-bin/... -> 200``)."""
    answered = [r.getMessage().split() for r in caplog.records if r.name == "wxnb.protocol"]
    return sum(1 for words in answered if words[1:2] == [endpoint] and "->" in words)


def test_init_tells_who_is_logged_in(account: Account) -> None:
    init = account.init
    assert init.user.nickname == "Me 🐼" and init.user.signature == "nothing"
    assert init.user_name == account.client.user_name == account.name(("friend", 0))
    assert init.uin == 2663483803 and init.user.uin == 0  # the uin stays out of the record
    assert init.sync_key and init.invite_start_count == 40
    names = {c.user_name for c in init.contacts}
    assert "filehelper" in names and account.name(("friend", TOM)) in names  # special and pinned chats
    assert set(init.chat_set) == names


def test_status_notify_after_init_lists_the_recent_chats(account: Account) -> None:
    client = account.client
    msg_id = client.status_notify()
    assert msg_id.isdigit()
    (notice,) = [m for m in client.sync(account.init.sync_key).messages if m.msg_id == msg_id]
    assert (notice.msg_type, notice.category, notice.is_self) == (51, "status", True)
    assert "filehelper" in notice.status_notify_user_names


def test_status_notify_marks_a_chat_read(account: Account) -> None:
    account.client.status_notify(1, account.name(("friend", ANN)))
    assert f"person:{ANN}" in account.sim.world.read_marks_view()


@pytest.fixture
def paged_sim() -> Iterator[Simulator]:
    """The mini world serving webwxgetcontact 3 contacts a page."""
    with Simulator(make_spec(), hold=0.3, contact_page=3) as sim:
        yield sim
        assert sim.errors == []


def test_get_contacts_reads_every_page(paged_sim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    with new_client(paged_sim) as client:
        log_in(client, paged_sim)
        client.init()
        first = client.get_contact_page()
        assert first.has_more and len(first.contacts) == 3
        with caplog.at_level(logging.DEBUG, logger="wxnb.protocol"):
            contacts = client.get_contacts()
        world = paged_sim.world
        expected = {world.user_name(("friend", p)) for p in FRIENDS}
        expected |= {world.user_name(("room", r)) for r in (SAVED_ROOM, BIG_ROOM)}  # not the unsaved one
        assert {c.user_name for c in contacts} == expected and len(contacts) == len(expected)
        assert _requests_to(caplog, "webwxgetcontact") == 3  # 8 contacts, 3 a page
        by_name = {c.user_name: c for c in contacts}
        ann = by_name[world.user_name(("friend", ANN))]
        assert (ann.nickname, ann.remark, ann.kind, ann.is_starred) == ("Ann 🌸", "Annie ✨", "friend", True)
        assert by_name[world.user_name(("friend", MP))].kind == "mp"
        assert by_name["filehelper"].kind == "special"
        room = by_name[world.user_name(("room", BIG_ROOM))]
        assert (room.kind, room.nickname, room.members, room.is_muted) == ("room", "Big & <Room>", (), True)
        assert "skey" not in room.head_img_url


def _many_rooms_spec() -> WorldSpec:
    spec = make_spec()
    for rid in EXTRA_ROOMS:
        spec.rooms.append(RoomSpec(rid, f"room {rid} 🍵", ANN, [0, ANN, TOM, STRANGERS[rid % 50]]))
    return spec


def test_members_come_in_batches_of_50(caplog: pytest.LogCaptureFixture) -> None:
    with Simulator(_many_rooms_spec(), hold=0.3) as sim, new_client(sim) as client:
        log_in(client, sim)
        client.init()
        rooms = [
            sim.world.user_name(("room", rid)) for rid in (SAVED_ROOM, UNSAVED_ROOM, BIG_ROOM, *EXTRA_ROOMS)
        ]
        with caplog.at_level(logging.DEBUG, logger="wxnb.protocol"):
            got = client.batch_get_contacts(rooms)
        assert _requests_to(caplog, "webwxbatchgetcontact") == 2  # 63 rooms: 50 + 13
        assert [c.user_name for c in got] == rooms
        by_name = {c.user_name: c for c in got}
        big = by_name[sim.world.user_name(("room", BIG_ROOM))]
        assert big.member_count == len(big.members) == 53
        shown = {m.display_name for m in big.members}
        assert {"小红 🌹", "A&B"} <= shown
        extra = by_name[sim.world.user_name(("room", 30))]
        assert extra.nickname == "room 30 🍵" and len(extra.members) == 4
        assert sim.errors == []


def test_a_member_seen_in_a_room_has_its_display_name(account: Account) -> None:
    (family,) = account.client.batch_get_contacts([account.name(("room", SAVED_ROOM))])
    assert family.encry_chat_room_id.startswith("@")
    (ann,) = account.client.batch_get_contacts([(account.name(("friend", ANN)), family.encry_chat_room_id)])
    assert (ann.nickname, ann.display_name) == ("Ann 🌸", "妈妈")


def test_no_entries_make_no_request(account: Account, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="wxnb.protocol"):
        assert account.client.batch_get_contacts([]) == ()
    assert _requests_to(caplog, "webwxbatchgetcontact") == 0


def test_head_images_are_jpegs(account: Account) -> None:
    client: WebClient = account.client
    contacts = client.get_contacts()
    friend = next(c for c in contacts if c.kind == "friend")
    room = next(c for c in contacts if c.is_room)
    (members_room,) = client.batch_get_contacts([room.user_name])
    for url in (account.init.user.head_img_url, friend.head_img_url, room.head_img_url):
        assert "skey" not in url
        _jpeg(client.get_head_image(url))
    assert members_room.members  # members have no HeadImgUrl: their images go by UserName
    member_url = f"/cgi-bin/mmwebwx-bin/webwxgeticon?seq=0&username={members_room.members[0].user_name}"
    _jpeg(client.get_head_image(member_url))
    with pytest.raises(ValueError, match="head image"):
        client.get_head_image("/cgi-bin/mmwebwx-bin/webwxsync")
    with pytest.raises(ValueError, match="another host"):
        client.get_head_image("http://example.com/cgi-bin/mmwebwx-bin/webwxgeticon?username=@a")


def test_message_images_are_jpegs(account: Account) -> None:
    msg_id = account.sim.phone.send(("friend", ANN), kind="image", fields={"width": 320, "height": 200})
    full = _jpeg(account.client.get_message_image(msg_id))
    thumb = _jpeg(account.client.get_message_image(msg_id, thumbnail=True))
    assert full.size == (320, 200)
    assert thumb.size[0] <= full.size[0]
