"""parse_sync(skip_bad_items=True): one bad item is set aside, the rest of the reply is usable."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit import protocol_samples as s
from wxnb.protocol.errors import ProtocolError
from wxnb.protocol.json_replies import parse_sync


def _body(messages: list[Any], mods: list[Any] | None = None, **extra: Any) -> bytes:
    obj = {
        "BaseResponse": {"Ret": 0, "ErrMsg": ""},
        "AddMsgList": messages,
        "ModContactList": mods or [],
        "DelContactList": [],
        "ModChatRoomMemberList": [],
        "ContinueFlag": 0,
        "SyncKey": {"Count": 1, "List": [{"Key": 1, "Val": 7}]},
        **extra,
    }
    return json.dumps(obj, ensure_ascii=False).encode()


def _good(i: int) -> dict[str, Any]:
    return s.item(MsgId=str(1000 + i), FromUserName="@ann", ToUserName="@me", Content=f"m{i}", CreateTime=5)


def test_without_the_flag_one_bad_message_fails_the_reply() -> None:
    body = _body([_good(0), {**_good(1), "MsgType": "text?"}, _good(2)])
    with pytest.raises(ProtocolError, match=r"AddMsgList\[1\]"):
        parse_sync(body, "@me")


def test_bad_messages_and_contacts_are_skipped_with_their_json() -> None:
    bad_message = {**_good(1), "MsgType": "text?", "Content": "秘密 <b>"}
    bad_contact = {"NickName": "no user name"}
    good_contact = {"UserName": "@bob", "NickName": "Bob", "ContactFlag": 3}
    body = _body(
        [_good(0), bad_message, "not an object", _good(3)],
        [bad_contact, good_contact],
        DelContactList=[{"ContactFlag": 0}],
    )
    reply = parse_sync(body, "@me", skip_bad_items=True)
    assert [m.text for m in reply.messages] == ["m0", "m3"]
    assert [c.user_name for c in reply.modified_contacts] == ["@bob"]
    assert reply.deleted_contacts == ()
    assert [(k.list_name, k.index) for k in reply.skipped] == [
        ("AddMsgList", 1),
        ("AddMsgList", 2),
        ("ModContactList", 0),
        ("DelContactList", 0),
    ]
    assert json.loads(reply.skipped[0].raw)["Content"] == "秘密 <b>"
    assert reply.skipped[1].raw == '"not an object"'
    assert reply.sync_key.for_synccheck() == "1_7"
    assert all(k.error for k in reply.skipped) and "raw" not in repr(reply.skipped[0])


def test_a_good_reply_skips_nothing_and_a_bad_envelope_still_fails() -> None:
    reply = parse_sync(_body([_good(0)]), "@me", skip_bad_items=True)
    assert reply.skipped == () and len(reply.messages) == 1
    with pytest.raises(ProtocolError):
        parse_sync(_body([_good(0)], SyncKey="broken"), "@me", skip_bad_items=True)
    with pytest.raises(ProtocolError):
        parse_sync(b'{"BaseResponse": {"Ret": 0}, "AddMsgList": [', "@me", skip_bad_items=True)
