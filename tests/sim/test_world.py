"""The world without HTTP: loading, naming, sync keys, images, phone actions and their checks."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.sim.conftest import ANN, BIG_ROOM, LONER, STRANGERS, make_spec
from wxnb.sim.content import compose
from wxnb.sim.cursors import SyncKeyCodec, format_synccheck_key, parse_synccheck_key
from wxnb.sim.jpeg import encode_gray, encode_rgb
from wxnb.sim.phone import Phone
from wxnb.sim.spec import AccountSpec, FriendSpec, IncomingSpec, PersonSpec, RoomSpec, WorldSpec
from wxnb.sim.usernames import Naming
from wxnb.sim.world import World, WorldError


def test_a_big_world_loads_without_naming_anyone() -> None:
    persons = [PersonSpec(i, f"wxid_{i:06d}", f"p{i}") for i in range(100_000)]
    friends = [FriendSpec(i) for i in range(1, 10_001)]
    rooms = [
        RoomSpec(r, f"r{r}", 0, [0, *range(10_001 + r * 80, 10_001 + r * 80 + 80)]) for r in range(1_000)
    ]
    world = World.from_spec(WorldSpec(AccountSpec(0), persons, friends, rooms))
    assert len(world.persons) == 100_001  # filehelper was added, as every account has it
    assert world.special == {100_000: "filehelper"} and world.sessions == []


def test_naming_is_lazy_unique_and_per_login() -> None:
    first, second = Naming("a"), Naming("b")
    names = {first.person(i) for i in range(2000)} | {first.room(i) for i in range(200)}
    assert len(names) == 2200
    assert first.person(5) != second.person(5)
    assert first.resolve("@nobody") is None and first.known_person(3000) is None
    assert len(first.person(9999, long=True)) == 65 and len(first.room(5)) == 66


def test_synckey_round_trip_and_text_form() -> None:
    codec = SyncKeyCodec(seed=3)
    key = codec.encode(msg_pos=12, contact_pos=3, login_time=1, last_time=2, full=True)
    assert [k["Key"] for k in key["List"]] == [1, 2, 3, 11, 201, 1000, 1001]
    text = format_synccheck_key(key)
    assert text.startswith("1_") and "|2_" in text
    assert codec.decode(parse_synccheck_key(text)) == (12, 3)
    for bad in ("", "1-2", "a_b", "|"):
        assert parse_synccheck_key(bad) is None
    assert codec.decode({"List": [{"Key": 1000, "Val": 5}]}) is None
    assert codec.decode({"List": "x"}) is None and codec.decode(None) is None


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)), min_size=3, max_size=3
        ),
        min_size=1,
        max_size=4,
    )
)
def test_jpeg_blocks_decode_to_their_colours(blocks: list[list[tuple[int, int, int]]]) -> None:
    image = Image.open(io.BytesIO(encode_rgb(blocks)))
    image.load()
    assert image.size == (24, 8 * len(blocks))
    for r, row in enumerate(blocks):
        for c, colour in enumerate(row):
            got = image.getpixel((c * 8 + 3, r * 8 + 3))
            assert isinstance(got, tuple)
            assert all(abs(a - b) <= 3 for a, b in zip(got, colour, strict=True))  # YCbCr rounding


def test_gray_jpeg_is_exact_and_empty_images_are_refused() -> None:
    image = Image.open(io.BytesIO(encode_gray([[0, 17, 255]])))
    assert [image.getpixel((c * 8, 0)) for c in range(3)] == [0, 17, 255]
    with pytest.raises(ValueError):
        encode_gray([])


def test_phone_refuses_what_cannot_happen() -> None:
    world = World.from_spec(make_spec())
    phone = Phone(world)
    with pytest.raises(WorldError, match="not a member"):
        phone.send(("room", BIG_ROOM), "x", sender=LONER)
    with pytest.raises(WorldError, match="needs a sender"):
        phone.send(("room", BIG_ROOM), "x")
    with pytest.raises(WorldError, match="no person"):
        phone.send(("friend", 10_000), "x")
    with pytest.raises(WorldError, match="card"):
        phone.send(("friend", ANN), kind="card")
    with pytest.raises(WorldError, match="no message"):
        phone.revoke("42")
    with pytest.raises(WorldError, match="no login is pending"):
        phone.confirm()
    with pytest.raises(ValueError, match="unknown message kind"):
        compose("hologram", msg_id=1)
    with pytest.raises(TimeoutError):
        phone.wait_for(lambda: None, timeout=0.01)


def test_traffic_events_with_revokes_by_stream_index() -> None:
    world = World.from_spec(make_spec())
    first = world.deliver(
        IncomingSpec(chat=("room", BIG_ROOM), sender_pid=STRANGERS[3], kind="text", text="hi")
    )
    system = world.deliver(
        IncomingSpec(chat=("friend", ANN), sender_pid=ANN, kind="system", fields={"text": "改了"})
    )
    revoke = world.deliver(
        IncomingSpec(chat=("room", BIG_ROOM), sender_pid=STRANGERS[3], kind="revoke", fields={"revokes": 0}),
        revoke_ids={0: first},
    )
    assert world.message(system).body.content == "改了"
    assert f"&lt;msgid&gt;{first}&lt;/msgid&gt;" in world.message(revoke).body.content
    card = world.deliver(
        IncomingSpec(chat=("friend", ANN), sender_pid=ANN, kind="card", fields={"card_pid": LONER})
    )
    assert world.message(card).body.msg_type == 42


def test_chat_references() -> None:
    world = World.from_spec(make_spec())
    assert world.chat_ref("room:2") == ("room", 2)
    assert world.chat_ref(["friend", 1]) == world.chat_ref(("friend", 1)) == ("person", 1)
    assert world.chat_ref("wxid_ann") == ("person", ANN)
    assert world.chat_ref("filehelper")[0] == "person"
    for bad in ("room:9", ("planet", 1), ("friend", "1"), "wxid_nobody", 5):
        with pytest.raises(WorldError):
            world.chat_ref(bad)


def test_user_name_of_a_chat_in_the_current_login() -> None:
    world = World.from_spec(make_spec())
    with pytest.raises(WorldError, match="nobody is logged in"):
        world.user_name(("friend", ANN))
    login = world.new_login()
    world.confirm(login.uuid)
    session = world.start_session(login)
    assert world.user_name(("friend", ANN)) == session.naming.person(ANN)
    assert world.user_name(f"room:{BIG_ROOM}").startswith("@@")
    assert world.user_name("filehelper") == "filehelper"
