"""A room without a topic is named as WeChat's clients name it: never a bare ``@@…`` or a missing name."""

from __future__ import annotations

from wxnb.protocol.records import Contact, Member
from wxnb.store import Store
from wxnb.store.rows import UNNAMED_ROOM

from .conftest import friend, make_message, msg_id, room

ME = Contact("@me", nickname="Me", uin=2663483803)


def _store() -> Store:
    store = Store.in_memory()
    store.start_login(ME)
    return store


MEMBERS = [
    Member("@me", nickname="Me"),
    Member("@ann", nickname="Ann", display_name="Ann in club"),
    Member("@bob", nickname="Bob"),
    Member("@cat", nickname="Cat"),
]


def test_an_untitled_room_is_named_after_its_members_in_contacts_rooms_and_messages() -> None:
    store = _store()
    ann = friend("@ann", "Ann", remark="Annie", attr=5)
    untitled = room("@@x", "", MEMBERS)
    store.apply_batch([make_message(1, chat="@@x", sender="@bob", is_group=True)], [ann, untitled])
    # One's remark, else the in-room name, else the nickname; the account itself is left out.
    expected = "Annie、Bob、Cat"
    assert store.rooms.set_index("user_name").loc["@@x", "display_name"] == expected
    assert store.contacts.set_index("user_name").loc["@@x", "display_name"] == expected
    assert store.messages.chat_name.tolist() == [expected]
    assert store.rooms.set_index("user_name").loc["@@x", "nickname"] == ""  # the topic stays what it is


def test_a_long_untitled_room_shows_its_first_three_members_then_an_ellipsis() -> None:
    store = _store()
    many = [Member(f"@p{i}", nickname=f"P{i}") for i in range(6)]
    store.apply_batch([], [room("@@big", "", many)])
    assert store.rooms.display_name.tolist() == ["P0、P1、P2…"]


def test_a_room_with_a_topic_keeps_it() -> None:
    store = _store()
    store.apply_batch(
        [make_message(1, chat="@@club", sender="@bob", is_group=True)], [room("@@club", "Club", MEMBERS)]
    )
    assert store.rooms.display_name.tolist() == ["Club"]
    assert store.messages.chat_name.tolist() == ["Club"]


def test_a_room_listed_again_without_members_keeps_its_members_name() -> None:
    store = _store()
    store.apply_batch([], [room("@@x", "", MEMBERS)])
    store.apply_batch([make_message(2, chat="@@x", sender="@ann", is_group=True)], [room("@@x", "", [])])
    assert store.rooms.display_name.tolist() == ["Ann in club、Bob、Cat"]
    assert store.messages.chat_name.tolist() == ["Ann in club、Bob、Cat"]


def test_a_room_known_by_nothing_but_its_user_name_is_never_named_by_it() -> None:
    store = _store()
    store.apply_batch(
        [make_message(3, chat="@@unknown", sender="@zed", is_group=True)], [room("@@empty", "", [])]
    )
    assert store.messages.set_index("msg_id").loc[msg_id(3), "chat_name"] == UNNAMED_ROOM
    assert store.rooms.display_name.tolist() == [UNNAMED_ROOM]
