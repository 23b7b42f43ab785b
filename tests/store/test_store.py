"""The Store glue: one batch → archive then tables, names resolved, restarts and re-logins."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from wxnb.protocol.records import Contact, Member
from wxnb.store import Archive, Store, open_archive
from wxnb.store.errors import ArchiveWriteError

from .conftest import friend, make_message, msg_id, room

ME = Contact("@me", nickname="Me", uin=2663483803)


def logged_in(store: Store, me: Contact = ME) -> Store:
    store.start_login(me)
    return store


def test_each_message_reaches_the_tables_once() -> None:
    store = logged_in(Store.in_memory())
    ann = friend("@ann", "Ann", attr=5)
    first = [make_message(i) for i in range(5)]
    assert store.apply_batch(first, [ann], sync_key={"v": 1}) == first
    # Re-delivery, an own echo of a sent message, and a repeat inside one batch.
    echo = make_message(10, is_self=True, text="sent from here")
    again = [*first[3:], echo, make_message(5), make_message(5)]
    assert [m.msg_id for m in store.apply_batch(again, sync_key={"v": 2})] == [msg_id(10), msg_id(5)]
    assert store.apply_batch([echo]) == []
    frame = store.messages
    assert frame.msg_id.tolist() == [*(msg_id(i) for i in range(5)), msg_id(10), msg_id(5)]
    assert store.sync_state is not None and store.sync_state.sync_key == {"v": 2}


def test_names_are_resolved_at_append_time() -> None:
    store = logged_in(Store.in_memory())
    ann = friend("@ann", "Ann", remark="Annie", attr=5)
    bob = friend("@bob", "Bob", attr=6)  # no remark
    members = [
        Member("@ann", nickname="Ann", display_name="Ann in club"),
        Member("@bob", nickname="Bob", display_name="Bobby"),
        Member("@cat", nickname="Cat"),
        Member("@dan", nickname="Dan"),
    ]
    club = room("@@club", "Club", members, ecr="@ecr")
    batch = [
        make_message(1, chat="@ann"),
        make_message(2, chat="@@club", sender="@ann", is_group=True),  # remark wins
        make_message(3, chat="@@club", sender="@bob", is_group=True),  # in-room name
        make_message(4, chat="@@club", sender="@cat", is_group=True),  # nickname
        make_message(5, chat="@@club", is_self=True, is_group=True),
        make_message(6, chat="@stranger"),  # nobody knows them
    ]
    store.apply_batch(batch, [club, ann, bob])  # the contacts of this very batch count
    frame = store.messages
    assert frame.chat_name.tolist()[:5] == ["Annie", "Club", "Club", "Club", "Club"]
    assert frame.sender_name.tolist()[:5] == ["Annie", "Annie", "Bobby", "Cat", "Me"]
    by_user = store.contacts.set_index("user_name").key
    assert frame.chat_key.iloc[0] == store.key_of("@ann") == by_user["@ann"]
    assert frame.chat_key.iloc[1] == store.key_of("@@club")
    last = frame.iloc[5]
    assert pd.isna(last.chat_key) and pd.isna(last.chat_name) and pd.isna(last.sender_name)

    # A later rename changes new rows only: the old rows keep the name they arrived with.
    store.apply_batch([make_message(7, chat="@ann")], [friend("@ann", "Ann", remark="Ann B.", attr=5)])
    assert store.messages.chat_name.tolist()[0::6] == ["Annie", "Ann B."]


def test_a_custom_resolver_overrides_the_default() -> None:
    store = logged_in(Store.in_memory())
    store.apply_batch([make_message(1)], resolve=lambda m: ("k", f"chat {m.chat}", "someone"))
    row = store.messages.iloc[0]
    assert (row.chat_key, row.chat_name, row.sender_name) == ("k", "chat @ann", "someone")


def test_contacts_members_and_removals() -> None:
    store = logged_in(Store.in_memory())
    ann = friend("@ann", "Ann", attr=5)
    club = room("@@club", "Club", [Member("@ann", nickname="Ann"), Member("@x", nickname="X", attr_status=9)])
    news = Contact("@news", nickname="News", kind="mp", verify_flag=24, key_word="gh_")
    store.apply_batch(contacts=[ann, club, news])
    assert store.friends.user_name.tolist() == ["@ann"]
    assert store.rooms.member_count.tolist() == [2]
    assert store.mps.nickname.tolist() == ["News"]
    members = store.members
    assert members.user_name.tolist() == ["@ann", "@x"]
    assert members.key.iloc[0] == store.key_of("@ann")  # a member who is a friend: one key
    assert set(members.room_key) == {store.key_of("@@club")}

    # The contact list later names the room without members: what we know stays.
    store.apply_batch(contacts=[room("@@club", "Club (renamed)", [])])
    assert store.members.user_name.tolist() == ["@ann", "@x"]
    assert store.rooms.member_count.tolist() == [2]
    assert store.rooms.nickname.tolist() == ["Club (renamed)"]
    # A member leaves: the new full list replaces the old one.
    store.apply_batch(contacts=[room("@@club", "Club (renamed)", [Member("@ann", nickname="Ann")])])
    assert store.members.user_name.tolist() == ["@ann"]
    # DelContactList.
    store.apply_batch(removed=["@@club", "@news"])
    assert store.contacts.user_name.tolist() == ["@ann"]
    assert store.members.empty


def test_a_committed_batch_reaches_the_message_table_when_published_in_commit_order() -> None:
    store = logged_in(Store.in_memory())
    ann = friend("@ann", "Ann", attr=5)
    first = store.commit_batch([make_message(1), make_message(2)], [ann], sync_key={"v": 1})
    # Durable and known, contacts in their table; the messages wait for publish().
    assert store.sync_state is not None and store.sync_state.sync_key == {"v": 1}
    assert store.archive.message_count() == 2 and store.messages.empty
    assert store.contacts.display_name.tolist() == ["Ann"]
    notice = make_message(4, msg_type=10002, revoked_msg_id=msg_id(1))
    second = store.commit_batch([make_message(3), notice], sync_key={"v": 2})
    assert [m.msg_id for m in second.new] == [msg_id(3), msg_id(4)]
    store.publish(second)  # publishes the batch before it first: the revoke finds its message
    assert store.messages.msg_id.tolist() == [msg_id(i) for i in (1, 2, 3, 4)]
    assert store.messages.revoked.tolist() == [True, False, False, False]
    store.publish(first)
    store.publish(second)
    assert len(store.messages) == 4  # each once
    # apply_batch publishes what is pending: a send's own message is in the table when it returns,
    # even when its echo was committed (not yet published) a moment before.
    echo = make_message(5, is_self=True)
    store.commit_batch([echo])
    assert store.apply_batch([echo]) == []
    assert store.messages.msg_id.tolist()[-1] == msg_id(5)


def test_revoke_marks_the_original_message() -> None:
    store = logged_in(Store.in_memory())
    store.apply_batch([make_message(1), make_message(2)])
    before = store.messages
    notice = make_message(3, msg_type=10002, text='"Ann" recalled a message', revoked_msg_id=msg_id(1))
    assert store.apply_batch([notice]) == [notice]
    frame = store.messages
    assert frame.revoked.tolist() == [True, False, False]
    assert frame.type.tolist() == ["text", "text", "revoke"]
    assert not before.revoked.any()
    # A revoke of a message in the same batch, and a re-delivered notice, both work out.
    late = make_message(5, msg_type=10002, revoked_msg_id=msg_id(4))
    store.apply_batch([make_message(4), late, notice])
    assert store.messages.revoked.tolist() == [True, False, False, True, False]


def test_a_failed_commit_changes_nothing_and_the_batch_can_be_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = logged_in(Store.open("acct-t", tmp_path))
    store.apply_batch([make_message(1)], [friend("@ann", "Ann", attr=5)], sync_key={"v": 1})
    frames = (store.messages, store.contacts, store.members)

    def fail(*args: object) -> None:
        raise ArchiveWriteError("simulated: disk full")

    monkeypatch.setattr(Archive, "commit_batch", fail)
    batch = [make_message(2, chat="@@club", sender="@bob", is_group=True), make_message(3)]
    contacts = [friend("@bob", "Bob", attr=6), room("@@club", "Club", [Member("@bob", nickname="Bob")])]
    with pytest.raises(ArchiveWriteError):
        store.apply_batch(batch, contacts, removed=["@ann"], sync_key={"v": 2})
    pd.testing.assert_frame_equal(store.messages, frames[0])
    pd.testing.assert_frame_equal(store.contacts, frames[1])
    pd.testing.assert_frame_equal(store.members, frames[2])
    assert store.key_of("@bob") is None and store.key_of("@ann") is not None
    assert store.sync_state is not None and store.sync_state.sync_key == {"v": 1}

    monkeypatch.undo()
    assert store.apply_batch(batch, contacts, removed=["@ann"], sync_key={"v": 2}) == batch
    assert (
        store.messages.sender_name.tolist() == [None, "Bob", None]
        or store.messages.sender_name.tolist()[1] == "Bob"
    )
    assert store.contacts.user_name.tolist() == ["@bob", "@@club"]
    store.close()


def test_history_and_keys_come_back_after_a_restart_and_a_new_login(tmp_path: Path) -> None:
    ann = friend("@ann1", "Ann", attr=5)
    club = room(
        "@@club1", "Club", [Member("@ann1", nickname="Ann"), Member("@x1", nickname="X", attr_status=9)]
    )
    with logged_in(Store.open("acct-t", tmp_path)) as store:
        store.apply_batch([make_message(1, chat="@ann1")], [ann, club], sync_key={"v": 1})
        keys = store.contacts.key.tolist()
        member_keys = store.members.key.tolist()
        # Ann renames herself while we are logged in.
        store.apply_batch(contacts=[friend("@ann1", "Annabel", attr=5)])

    # Kernel restart: history is back before login, with keys but no UserNames.
    store = Store.open("acct-t", tmp_path)
    assert store.messages.chat_name.tolist() == ["Ann"]
    assert store.contacts.key.tolist() == keys
    assert store.contacts.user_name.isna().all()
    assert store.members.key.tolist() == member_keys and store.members.user_name.isna().all()

    # New login, new UserNames: the same people get the same keys, rows are updated, not added.
    store.start_login(Contact("@me2", nickname="Me", uin=ME.uin))
    ann2 = friend("@ann2", "Annabel", attr=5)  # the new name maps back through the archived alias
    store.apply_batch(contacts=[ann2, room("@@club2", "Club", [])])
    contacts = store.contacts
    assert contacts.key.tolist() == keys
    assert contacts.user_name.tolist() == ["@ann2", "@@club2"]
    assert store.members.room_user_name.tolist() == ["@@club2", "@@club2"]  # known members, new room id
    store.apply_batch([make_message(2, chat="@ann2")])
    assert store.messages.chat_key.tolist() == [keys[0], keys[0]]
    store.close()

    with open_archive(tmp_path / "acct-t") as history:
        assert history.messages.chat_key.tolist() == [keys[0], keys[0]]
        assert history.contacts.user_name.tolist() == ["@ann2", "@@club2"]


def test_sends_are_journalled_with_the_chat_key(tmp_path: Path) -> None:
    with logged_in(Store.open("acct-t", tmp_path)) as store:
        store.apply_batch(contacts=[friend("@ann", "Ann", attr=5)])
        store.record_send("17000000000000001", "@ann", "hi")
        store.record_send("17000000000000002", "@ann", "again")
        store.complete_send("17000000000000001", "4875421002314560123")
        store.fail_send("17000000000000002", "send failed (1204)")
        store.record_send("17000000000000003", "@ann", "in flight")
        pending = store.pending_sends()
        assert [s.client_msg_id for s in pending] == ["17000000000000003"]
        assert pending[0].chat_key == store.key_of("@ann")


def test_repr_shows_no_secret() -> None:
    store = logged_in(Store.in_memory())
    assert str(ME.uin) not in repr(store)
    assert str(ME.uin) not in "".join([*store.contacts.key.tolist(), store.key_of("@me") or ""])


def test_a_room_listed_twice_in_one_batch_keeps_the_members_it_came_with() -> None:
    store = logged_in(Store.in_memory())
    full = room(
        "@@club",
        "Club",
        [Member("@a", nickname="A", attr_status=1), Member("@b", nickname="B", attr_status=2)],
    )
    store.apply_batch(contacts=[full, room("@@club", "Club", [])])
    assert store.members.user_name.tolist() == ["@a", "@b"]
    assert store.rooms.member_count.tolist() == [2]


def test_load_restores_once_and_the_account_directory_is_private(tmp_path: Path) -> None:
    with logged_in(Store.open("acct-t", tmp_path)) as store:
        store.apply_batch([make_message(1), make_message(2)])
    with Store.open("acct-t", tmp_path) as store:
        store.load()  # already loaded by open: nothing doubles
        assert store.messages.msg_id.tolist() == [msg_id(1), msg_id(2)]
    if sys.platform != "win32":
        assert (tmp_path / "acct-t").stat().st_mode & 0o077 == 0


def test_a_contact_changed_and_removed_in_one_batch_is_removed_everywhere(tmp_path: Path) -> None:
    with logged_in(Store.open("acct-t", tmp_path)) as store:
        store.apply_batch(contacts=[friend("@ann", "Ann", attr=5), friend("@bob", "Bob", attr=6)])
        store.apply_batch(contacts=[friend("@ann", "Ann v2", attr=5)], removed=["@ann"])
        assert store.contacts.user_name.tolist() == ["@bob"]
        assert store.resolve(make_message(1, chat="@ann"))[1] is None
    with open_archive(tmp_path / "acct-t") as history:
        assert history.contacts.user_name.tolist() == ["@bob"]
