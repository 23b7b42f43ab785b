"""Stable keys: the rules, stability across logins, collisions, renames, temporary keys."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from wxnb.protocol.records import Contact, Member
from wxnb.store.keys import KeyRegistry, account_key, contact_key, is_temporary, member_key

from .conftest import friend, room

SALT = b"0123456789abcdef"
KEY_RE = re.compile(r"^[prmt]:[0-9a-f]{12}(~\d+)?$")


def test_each_rule_gives_its_prefix_and_a_short_key() -> None:
    special = Contact("filehelper", nickname="文件传输助手", kind="special")
    mp = Contact("@gh1", nickname="Daily News", kind="mp", verify_flag=24, key_word="gh_")
    ecr_room = room("@@r1", "Hiking 🏔", [], ecr="@" + "0f" * 16)
    topic_room = room("@@r2", "Book club", [], owner=77)
    assert contact_key(special, SALT) == "s:filehelper"
    for contact, prefix in [
        (friend("@a", "Ann", attr=4211), "p:"),
        (mp, "m:"),
        (ecr_room, "r:"),
        (topic_room, "r:"),
        (Contact("@x", kind="other"), "t:"),  # nothing stable known
    ]:
        key = contact_key(contact, SALT)
        assert key.startswith(prefix)
        assert KEY_RE.match(key), key


def test_keys_ignore_user_names_and_survive_a_new_login() -> None:
    # The same people and rooms with the UserNames of another login: same keys.
    first = [
        friend("@a1", "Ann", attr=11),
        room("@@r1", "Club", [], ecr="@ecr1"),
        friend("@b1", "Bo", alias="bo88"),
    ]
    second = [
        friend("@a2", "Ann", attr=11),
        room("@@r2", "Club", [], ecr="@ecr1"),
        friend("@b2", "Bo", alias="bo88"),
    ]
    assert [contact_key(c, SALT) for c in first] == [contact_key(c, SALT) for c in second]


def test_what_the_key_is_derived_from() -> None:
    # Uin wins over everything; Alias over AttrStatus + nickname; EncryChatRoomId over topic.
    assert contact_key(Contact("@a", nickname="A", kind="friend", uin=5), SALT) == contact_key(
        Contact("@b", nickname="B", kind="friend", uin=5), SALT
    )
    assert contact_key(friend("@a", "Ann", alias="ann", attr=1), SALT) == contact_key(
        friend("@b", "Renamed", alias="ann", attr=2), SALT
    )
    assert contact_key(friend("@a", "Ann", attr=1), SALT) != contact_key(friend("@a", "Ann", attr=2), SALT)
    assert contact_key(room("@@a", "Old topic", [], ecr="@e"), SALT) == contact_key(
        room("@@b", "New topic", [], ecr="@e"), SALT
    )
    # A different salt (another account's archive) gives unrelated keys.
    assert contact_key(friend("@a", "Ann", attr=1), SALT) != contact_key(
        friend("@a", "Ann", attr=1), b"other"
    )


def test_member_and_friend_without_alias_share_a_key() -> None:
    assert member_key(Member("@x", nickname="Ann", attr_status=11), SALT) == contact_key(
        friend("@y", "Ann", attr=11), SALT
    )


def test_collisions_get_suffixes_in_order_of_appearance() -> None:
    reg = KeyRegistry(SALT)
    plan = reg.plan()
    twins = [friend(f"@z{i}", "张伟", attr=0) for i in range(3)]
    keys = [plan.contact(c) for c in twins]
    assert keys[1] == keys[0] + "~2" and keys[2] == keys[0] + "~3"
    assert len(set(keys)) == 3
    # Asking again for the same UserName gives the same key, not a new suffix.
    assert plan.contact(twins[1]) == keys[1]
    # Next login, same order: same keys.
    reg.commit(plan)
    reg.forget_login()
    again = reg.plan()
    assert [again.contact(friend(f"@w{i}", "张伟", attr=0)) for i in range(3)] == keys


def test_a_plan_changes_nothing_until_committed() -> None:
    reg = KeyRegistry(SALT)
    plan = reg.plan()
    key = plan.contact(friend("@a", "Ann", attr=1))
    assert plan.key_of("@a") == key
    assert reg.key_of("@a") is None and reg.user_name_of(key) is None
    reg.commit(plan)
    assert reg.key_of("@a") == key and reg.user_name_of(key) == "@a"


def test_a_rename_while_logged_in_keeps_the_key_now_and_after_the_next_login() -> None:
    reg = KeyRegistry(SALT)
    plan = reg.plan()
    key = plan.contact(friend("@a", "Ann", attr=1))
    reg.commit(plan)
    plan = reg.plan()
    assert plan.contact(friend("@a", "Annabel", attr=1)) == key  # same login: looked up by UserName
    assert list(plan.new_aliases.values()) == [key]
    reg.commit(plan)
    # Next login (aliases come back from the archive): the new name still maps to the old key.
    fresh = KeyRegistry(SALT, aliases=reg.aliases)
    assert fresh.plan().contact(friend("@a-new-login", "Annabel", attr=1)) == key


def test_a_collision_suffix_is_not_recorded_as_a_rename() -> None:
    reg = KeyRegistry(SALT)
    plan = reg.plan()
    plan.contact(friend("@a", "Ann", attr=1))
    plan.contact(friend("@b", "Ann", attr=1))
    plan.contact(friend("@b", "Ann", attr=1))
    assert plan.new_aliases == {}


def test_temporary_keys_are_replaced_by_stable_ones() -> None:
    reg = KeyRegistry(SALT)
    plan = reg.plan()
    sparse = plan.member(Member("@m"))  # listed without a name
    assert is_temporary(sparse)
    reg.commit(plan)
    plan = reg.plan()
    stable = plan.member(Member("@m", nickname="Mo", attr_status=3))
    assert not is_temporary(stable)
    reg.commit(plan)
    assert reg.key_of("@m") == stable
    assert reg.user_name_of(sparse) is None


def test_a_member_who_is_a_contact_gets_the_contacts_key() -> None:
    reg = KeyRegistry(SALT)
    plan = reg.plan()
    key = plan.contact(friend("@a", "Ann", alias="ann_88"))
    assert plan.member(Member("@a", nickname="Ann", attr_status=9)) == key
    # ... and the member identity is linked, so next login a member-first sighting finds it too.
    fresh = KeyRegistry(SALT, aliases=plan.new_aliases)
    assert fresh.plan().member(Member("@a2", nickname="Ann", attr_status=9)) == key


def test_account_key_hides_the_uin() -> None:
    key = account_key(2663483803)
    assert key == account_key(2663483803) != account_key(2663483804)
    assert re.match(r"^acct-[0-9a-f]{16}$", key)
    assert "2663483803" not in key


@given(nickname=st.text(max_size=30), attr=st.integers(0, 2**32), alias=st.text(max_size=10))
def test_keys_are_always_short_and_well_formed(nickname: str, attr: int, alias: str) -> None:
    key = contact_key(friend("@a", nickname, attr=attr, alias=alias), SALT)
    assert KEY_RE.match(key)
    assert key == contact_key(friend("@other", nickname, attr=attr, alias=alias), SALT) or is_temporary(key)
