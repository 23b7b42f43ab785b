"""JSON replies → typed results, on the seeds' real replies; BaseResponse errors; wrong shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit import protocol_samples as s
from wxnb.protocol.errors import LoggedOut, ProtocolError, RateLimited, SendFailed, ServerError
from wxnb.protocol.json_replies import (
    check_base_response,
    encode_body,
    load_json,
    parse_batch_contacts,
    parse_contact_page,
    parse_create_room,
    parse_init,
    parse_ok,
    parse_push_login,
    parse_revoke,
    parse_send,
    parse_status_notify,
    parse_sync,
    parse_update_room,
    parse_upload_media,
)

OK = {"Ret": 0, "ErrMsg": ""}


def _body(**fields: Any) -> bytes:
    return json.dumps({"BaseResponse": OK, **fields}, ensure_ascii=False).encode()


def test_init_from_the_seed() -> None:
    reply = parse_init(s.sample_bytes("init_seed002.json"))
    assert reply.user_name == "@97bd921d6335b07f58a04cea08181b35"
    assert reply.user.nickname == "Will"
    assert reply.user.uin == 0  # the real uin is a secret, kept apart
    assert reply.uin == 2450346660
    assert reply.skey == "@crypt_1533a725_c3f334541b894cc7c82c3e6ff11daec9"
    assert reply.sync_key.for_synccheck() == "1_651991553|2_651996455|3_651996384|1000_1513904762"
    assert reply.chat_set == (
        "filehelper",
        "@@0f524ac5f167e843981a3e48edec9b497bc1b9c7f744e354f3c88b7711b5f867",
    )
    assert (reply.invite_start_count, reply.system_time) == (40, 1513922685)
    helper, room = reply.contacts
    assert (helper.user_name, helper.nickname, helper.kind) == ("filehelper", "文件传输助手", "special")
    assert room.kind == "room" and room.nickname == "微信机器人测试裙"
    assert [m.user_name for m in room.members][-1] == reply.user_name
    assert room.member_count == 3 and room.is_owner == 1
    # Records carry no secret: the skey parameter is stripped from head image paths.
    assert "skey" not in helper.head_img_url and "crypt" not in helper.head_img_url
    assert helper.head_img_url == "/cgi-bin/mmwebwx-bin/webwxgeticon?seq=621332481&username=filehelper"
    assert "crypt" not in repr(reply) and "2450346660" not in repr(reply)


def test_sync_from_the_seed() -> None:
    raw = json.loads(s.sample_bytes("sync_seed002.json"))
    reply = parse_sync(s.sample_bytes("sync_seed002.json"), raw["AddMsgList"][0]["ToUserName"])
    (message,) = reply.messages
    assert (message.text, message.is_group) == ("有", True)
    assert (
        reply.sync_key.for_synccheck()
        == "2_651995969|13_651910002|201_1513913385|1000_1513904762|1001_1513904833"
    )
    assert reply.sync_check_key == reply.sync_key
    assert reply.profile is None  # BitFlag 0: nothing changed
    assert (reply.continue_flag, reply.skey) == (0, "")
    assert reply.modified_contacts == reply.deleted_contacts == reply.modified_room_members == ()


def test_sync_with_contact_changes_profile_and_continue() -> None:
    body = _body(
        AddMsgList=[],
        ModContactList=[
            {
                "UserName": "@@r1",
                "NickName": "New &amp; topic",
                "MemberCount": 1,
                "MemberList": [{"UserName": "@a", "NickName": "A", "DisplayName": "ay"}],
            }
        ],
        DelContactList=[{"UserName": "@gone", "ContactFlag": 0}],
        ModChatRoomMemberList=[{"UserName": "@m", "NickName": "M"}],
        Profile={
            "BitFlag": 190,
            "UserName": {"Buff": "@me"},
            "NickName": {"Buff": 'Me <span class="emoji emoji1f604"></span>'},
            "Signature": "",
            "HeadImgUrl": "/x?seq=1&skey=@crypt_1",
            "Alias": "",
            "Sex": 1,
        },
        ContinueFlag=1,
        SyncKey={"Count": 1, "List": [{"Key": 1, "Val": 5}]},
        SyncCheckKey={"Count": 1, "List": [{"Key": 1, "Val": 6}]},
        SKey="@crypt_new",
    )
    reply = parse_sync(body, "@me")
    (room,) = reply.modified_contacts
    assert (room.nickname, room.members[0].display_name, room.kind) == ("New & topic", "ay", "room")
    assert [c.user_name for c in reply.deleted_contacts] == ["@gone"]
    assert [m.user_name for m in reply.modified_room_members] == ["@m"]
    assert reply.profile is not None
    assert (reply.profile.nickname, reply.profile.user_name, reply.profile.head_img_url) == (
        "Me 😄",
        "@me",
        "/x?seq=1",
    )
    assert reply.continue_flag == 1
    assert (reply.sync_key.for_synccheck(), reply.sync_check_key.for_synccheck()) == ("1_5", "1_6")
    assert reply.skey == "@crypt_new" and "crypt" not in repr(reply)


def test_contact_page_and_paging() -> None:
    body = _body(
        MemberCount=2,
        Seq=1234,
        MemberList=[
            {
                "Uin": 0,
                "UserName": "@53a19d641977ac6bc495b90d3b60e739",
                "NickName": "urrent",
                "ContactFlag": 3,
                "VerifyFlag": 8,
                "KeyWord": "gh_",
                "Alias": "Urinxs",
                "Signature": "I am an egg",
            },
            {
                "UserName": "@b0b",
                "NickName": "Bob",
                "RemarkName": 'Bobby <span class="emoji emoji1f1e81f1f3"></span>',
                "ContactFlag": 2115,
                "StarFriend": 1,
                "Province": "广东",
                "City": "深圳",
                "Sex": 1,
            },
        ],
    )
    page = parse_contact_page(body)
    assert page.has_more and page.seq == 1234 and page.member_count == 2
    mp, bob = page.contacts
    assert (mp.kind, mp.alias, mp.signature) == ("mp", "Urinxs", "I am an egg")
    assert (bob.kind, bob.remark, bob.is_starred, bob.is_pinned, bob.city) == (
        "friend",
        "Bobby 🇨🇳",
        True,
        True,
        "深圳",
    )
    assert not parse_contact_page(_body(MemberCount=0, Seq=0, MemberList=[])).has_more


def test_batch_contacts() -> None:
    body = _body(
        Count=1,
        ContactList=[
            {
                "UserName": "@@r",
                "NickName": "",
                "MemberCount": 2,
                "OwnerUin": 7,
                "EncryChatRoomId": "@" + "a" * 32,
                "MemberList": [{"UserName": "@1"}, {"UserName": "@2"}],
            }
        ],
    )
    (room,) = parse_batch_contacts(body)
    assert (room.member_count, len(room.members), room.owner_uin) == (2, 2, 7)
    assert room.encry_chat_room_id == "@" + "a" * 32


def test_send_reply_and_failures() -> None:
    assert (
        parse_send(_body(MsgID="1234567890123456789", LocalID="15139251046900833")).msg_id
        == "1234567890123456789"
    )
    assert parse_send(_body(MsgID=1234, LocalID=15139251046900833)).local_id == "15139251046900833"
    with pytest.raises(SendFailed, match="no MsgID"):
        parse_send(_body(MsgID="", LocalID=""))
    with pytest.raises(ServerError) as info:
        parse_send(s.sample_bytes("sendmsg_fail_seed002.json"))
    assert info.value.ret == -1
    with pytest.raises(RateLimited):
        parse_send(json.dumps({"BaseResponse": {"Ret": 1205, "ErrMsg": ""}, "MsgID": "", "LocalID": ""}))
    with pytest.raises(SendFailed):
        parse_send(json.dumps({"BaseResponse": {"Ret": 1204, "ErrMsg": ""}, "MsgID": "", "LocalID": ""}))


def test_status_notify_1101_from_the_seed() -> None:
    with pytest.raises(LoggedOut) as info:
        parse_status_notify(s.sample_bytes("statusnotify_1101_seed002.json"))
    assert info.value.code == 1101 and info.value.endpoint == "webwxstatusnotify"
    assert parse_status_notify(_body(MsgID="42")) == "42"


def test_error_skeleton_is_checked_before_the_fields() -> None:
    # Error replies keep the whole skeleton zero-filled: the Ret must win over any field check.
    body = json.dumps({"BaseResponse": {"Ret": 1100, "ErrMsg": ""}, "SyncKey": {"Count": 0, "List": []}})
    with pytest.raises(LoggedOut):
        parse_sync(body, "@me")


def test_revoke_create_update_upload_oplog() -> None:
    revoke = parse_revoke(_body(Introduction="撤回", SysWording="你撤回了一条消息"))
    assert revoke.sys_wording == "你撤回了一条消息"
    created = parse_create_room(
        _body(
            Topic="Tea &amp; cake",
            MemberCount=2,
            ChatRoomName="@@" + "f" * 64,
            BlackList="",
            MemberList=[{"UserName": "@1", "MemberStatus": 0}, {"UserName": "@2", "MemberStatus": 4}],
        )
    )
    assert (created.topic, created.member_count, created.members[1].member_status) == ("Tea & cake", 2, 4)
    with pytest.raises(ProtocolError):
        parse_create_room(_body(ChatRoomName="@notaroom"))
    updated = parse_update_room(_body(MemberCount=1, MemberList=[{"UserName": "@1"}]))
    assert updated.member_count == 1
    assert parse_update_room(_body()).members == ()
    assert parse_upload_media(_body(MediaId="@crypt_media", StartPos=0)) == "@crypt_media"
    parse_ok(_body(), endpoint="webwxoplog")
    with pytest.raises(ServerError):
        parse_ok(json.dumps({"BaseResponse": {"Ret": 1200, "ErrMsg": "bad"}}), endpoint="webwxoplog")


def test_push_login() -> None:
    assert parse_push_login(b'{"ret":"0","msg":"all ok","uuid":"4dcaWx3uBw=="}') == "4dcaWx3uBw=="
    with pytest.raises(ServerError):
        parse_push_login(b'{"ret":"1","msg":"fail"}')
    with pytest.raises(ProtocolError):
        parse_push_login(b'{"ret":"0","msg":"all ok"}')
    with pytest.raises(ProtocolError):
        parse_push_login(b'{"ret":null}')


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"null",
        b"[]",
        b"<html>502</html>",
        b'{"BaseResponse": 1}',
        b'{"BaseResponse": {"Ret": "x"}}',
        b"{}",
        b"[" * 5000 + b"]" * 5000,
    ],
)
def test_not_a_reply(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_sync(body, "@me")


def test_ret_as_digit_string_is_accepted() -> None:
    check_base_response({"BaseResponse": {"Ret": "0"}})
    with pytest.raises(LoggedOut):
        check_base_response({"BaseResponse": {"Ret": "1101"}})


@pytest.mark.parametrize(
    "fields",
    [
        {"SyncKey": None},
        {"SyncKey": {"Count": 1, "List": [{"Key": 1, "Val": 1}]}, "AddMsgList": {}},
        {"SyncKey": {"Count": 1, "List": []}, "ModContactList": [{"NickName": "no user name"}]},
        {"SyncKey": {"Count": 1, "List": []}, "ModContactList": [{"UserName": "@a", "MemberList": "x"}]},
        {"SyncKey": {"Count": 1, "List": []}, "Profile": {"BitFlag": 1, "NickName": 5}},
        {"SyncKey": {"Count": 1, "List": []}, "ContinueFlag": "lots"},
        {"SyncKey": {"Count": 1, "List": []}, "SKey": 5},
    ],
)
def test_sync_wrong_shapes(fields: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError) as info:
        parse_sync(_body(**fields), "@me")
    assert info.value.endpoint == "webwxsync"


def test_lenient_json_for_broken_surrogates_and_bytes() -> None:
    body = b'{"BaseResponse":{"Ret":0},"MemberList":[{"UserName":"@a","NickName":"x\\ud83dy\xff"}],"Seq":0}'
    (contact,) = parse_contact_page(body).contacts
    assert contact.nickname.startswith("x") and contact.nickname.endswith("y\ufffd")
    contact.nickname.encode("utf-8")  # no lone surrogate survives


def test_load_json_accepts_str_and_bytes() -> None:
    assert load_json('{"a": 1}') == load_json(b'{"a": 1}') == {"a": 1}


def test_encode_body_is_utf8_json() -> None:
    assert encode_body({"Content": "你好 😄"}) == '{"Content":"你好 😄"}'.encode()
