"""``rooms.owner``: the name of a room's owner, the account's own name for its own rooms, missing when
unknown; archived and restored."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pandas as pd

from wxnb.protocol.records import Contact, Member
from wxnb.store import Store, open_archive
from wxnb.store.sqlschema import SCHEMA_VERSION

from .conftest import friend, room

ME = Contact("@me", nickname="Me", uin=2663483803)
MEMBERS = [
    Member("@me", nickname="Me"),
    Member("@ann", nickname="Ann", display_name="Ann in club", uin=77),
    Member("@bob", nickname="Bob"),
]


def owners(store: Store) -> dict[str, str | None]:
    frame = store.rooms
    return {
        str(n): (None if pd.isna(o) else str(o)) for n, o in zip(frame.nickname, frame.owner, strict=True)
    }


def test_the_owner_is_the_account_itself_a_member_with_the_owner_uin_or_missing() -> None:
    store = Store.in_memory()
    store.start_login(ME)
    store.apply_batch(
        contacts=[
            friend("@ann", "Ann", remark="Annie", attr=5),
            replace(room("@@own", "Own", MEMBERS), is_owner=1),  # IsOwner
            room("@@own2", "Own too", MEMBERS, owner=ME.uin),  # OwnerUin is the account's Uin
            room("@@ann", "Ann's", MEMBERS, owner=77),  # a member with that Uin: named as a sender
            room("@@who", "Unknown", MEMBERS, owner=12345),  # no member with that Uin
            room("@@none", "No owner", MEMBERS),  # OwnerUin 0
        ]
    )
    assert owners(store) == {
        "Own": "Me",
        "Own too": "Me",
        "Ann's": "Annie",  # one's remark for them, as their messages are signed
        "Unknown": None,
        "No owner": None,
    }
    assert store.rooms.columns.tolist()[:3] == ["display_name", "member_count", "owner"]
    assert store.friends.owner.isna().all()  # for rooms only


def test_the_owner_is_archived_and_restored(tmp_path: Path) -> None:
    with Store.open("acct-owner", tmp_path) as store:
        store.start_login(ME)
        store.apply_batch(contacts=[replace(room("@@own", "Own", MEMBERS), is_owner=1)])
    with Store.open("acct-owner", tmp_path) as again:
        assert owners(again) == {"Own": "Me"}
    with open_archive(again.archive.path) as history:
        assert history.rooms.owner.tolist() == ["Me"]


def test_a_schema_6_archive_is_upgraded_to_7_with_its_rooms_owner_unknown_until_listed_again(
    tmp_path: Path,
) -> None:
    with Store.open("acct-owner", tmp_path) as store:
        store.start_login(ME)
        store.apply_batch(contacts=[replace(room("@@own", "Own", MEMBERS), is_owner=1)])
        path = store.archive.path
    with sqlite3.connect(path) as conn:  # what schema 6 wrote: no owner column
        conn.execute("ALTER TABLE contacts DROP COLUMN owner")
        conn.execute("DELETE FROM schema_version WHERE version > 6")
    with Store.open("acct-owner", tmp_path) as store:
        assert owners(store) == {"Own": None}  # kept, owner unknown
        store.start_login(ME)
        store.apply_batch(contacts=[replace(room("@@own2", "Own", MEMBERS), is_owner=1)])
        assert owners(store) == {"Own": "Me"}
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
