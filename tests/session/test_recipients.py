"""Who ``to`` means: rows, records, UserNames, keys and names; typed errors with candidates."""

from __future__ import annotations

import pandas as pd
import pytest

from wxnb.protocol.records import Contact, Message
from wxnb.session.errors import AmbiguousRecipient, RecipientError, RecipientNotFound
from wxnb.session.recipients import resolve_recipient
from wxnb.store.rows import ContactRow
from wxnb.store.tables import Tables

ANN, BOB, MING1, MING2, ROOM, OLD = (f"p:{i:012x}" for i in range(1, 7))


@pytest.fixture
def contacts() -> pd.DataFrame:
    tables = Tables()
    tables.upsert_contacts(
        [
            ContactRow(ANN, "@ann", "friend", nickname="Ann 🌸", remark="Annie"),
            ContactRow(BOB, "@bob", "friend", nickname="Bob"),
            ContactRow(MING1, "@m1", "friend", nickname="小明", remark="小明(同学)"),
            ContactRow(MING2, "@m2", "friend", nickname="小明"),
            ContactRow(ROOM, "@@room", "room", nickname="家人群", member_count=3),
            ContactRow(OLD, None, "friend", nickname="Old friend"),
        ]
    )
    return tables.contacts


def test_names_match_remark_nickname_or_display_name_exactly(contacts: pd.DataFrame) -> None:
    assert resolve_recipient("Annie", contacts).user_name == "@ann"
    assert resolve_recipient("Ann 🌸", contacts).user_name == "@ann"
    assert resolve_recipient("家人群", contacts).user_name == "@@room"
    assert resolve_recipient("家人群", contacts).is_room
    assert resolve_recipient("小明(同学)", contacts).key == MING1


def test_a_name_two_contacts_have_is_ambiguous_and_lists_both_keys(contacts: pd.DataFrame) -> None:
    with pytest.raises(AmbiguousRecipient) as info:
        resolve_recipient("小明", contacts)
    assert {c.key for c in info.value.candidates} == {MING1, MING2}
    assert MING1 in str(info.value) and MING2 in str(info.value)
    assert isinstance(info.value, LookupError) and isinstance(info.value, RecipientError)


def test_an_unknown_name_lists_close_names(contacts: pd.DataFrame) -> None:
    with pytest.raises(RecipientNotFound) as info:
        resolve_recipient("annie", contacts)
    assert [c.key for c in info.value.candidates] == [ANN]
    assert "Annie" in str(info.value)
    with pytest.raises(RecipientNotFound) as nothing:
        resolve_recipient("Zed", contacts)
    assert nothing.value.candidates == ()


def test_user_names_keys_rows_and_records(contacts: pd.DataFrame) -> None:
    assert resolve_recipient("@bob", contacts).key == BOB
    assert resolve_recipient(BOB, contacts).user_name == "@bob"
    assert resolve_recipient(contacts.iloc[1], contacts).user_name == "@bob"
    message_row = pd.Series({"msg_id": "1", "chat": "@@room", "chat_key": ROOM})
    assert resolve_recipient(message_row, contacts).user_name == "@@room"
    record = Message("1", "@ann", "@me", "@ann", "@ann", False, False, 1, "text", 0, "hi", "hi")
    assert resolve_recipient(record, contacts).key == ANN
    assert resolve_recipient(Contact("@bob", nickname="Bob"), contacts).key == BOB


def test_oneself_and_special_accounts_need_no_contact_row(contacts: pd.DataFrame) -> None:
    assert resolve_recipient("@me", contacts, me="@me").kind == "self"
    assert resolve_recipient("filehelper", contacts).user_name == "filehelper"


def test_a_user_name_of_another_login_and_a_contact_not_seen_yet_are_explained(
    contacts: pd.DataFrame,
) -> None:
    with pytest.raises(RecipientNotFound, match="not a UserName of this login"):
        resolve_recipient("@0123abcd", contacts)
    with pytest.raises(RecipientNotFound, match=r"not\s+seen in this login"):
        resolve_recipient("Old friend", contacts)
    with pytest.raises(RecipientNotFound, match="no contact has the key"):
        resolve_recipient("p:ffffffffffff", contacts)


def test_a_key_not_in_contacts_resolves_through_the_registry(contacts: pd.DataFrame) -> None:
    found = resolve_recipient("r:aaaaaaaaaaaa", contacts, user_name_of={"r:aaaaaaaaaaaa": "@@x"}.get)
    assert (found.user_name, found.kind) == ("@@x", "room")


def test_bad_types_and_empty_names_are_refused(contacts: pd.DataFrame) -> None:
    with pytest.raises(TypeError, match="UserName, a key, a name"):
        resolve_recipient(42, contacts)
    with pytest.raises(RecipientNotFound, match="empty"):
        resolve_recipient("", contacts)
    with pytest.raises(TypeError, match="no key, user_name"):
        resolve_recipient(pd.Series({"text": "x"}), contacts)
