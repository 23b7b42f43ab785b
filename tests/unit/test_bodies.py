"""Request bodies: what the client posts, formed as the web page forms them."""

from __future__ import annotations

import pytest

from tests.unit import protocol_samples as s
from wxnb.protocol.client import (
    batch_contact_body,
    create_room_body,
    mention,
    oplog_pin_body,
    oplog_remark_body,
    outgoing_text,
    revoke_body,
    send_media_body,
    send_text_body,
    status_notify_body,
    sync_body,
    synccheck_params,
    update_room_body,
)
from wxnb.protocol.credentials import Credentials, Hosts
from wxnb.protocol.json_replies import SyncKey, encode_body, load_json

CREDS = Credentials(
    uin=2450346660,
    sid=s.WXSID,
    skey=s.SKEY,
    pass_ticket=s.PASS_TICKET,
    device_id="e944972306651598",
    hosts=Hosts.for_base("http://127.0.0.1:9"),
    user_name=s.ME,
)
BASE = {"Uin": 2450346660, "Sid": s.WXSID, "Skey": s.SKEY, "DeviceID": "e944972306651598"}


def test_send_text_body_matches_the_seed_shape() -> None:
    body = send_text_body(CREDS, s.BOB, "Test", client_msg_id="15139251046900833")
    assert body == {
        "BaseRequest": BASE,
        "Msg": {
            "Type": 1,
            "Content": "Test",
            "FromUserName": s.ME,
            "ToUserName": s.BOB,
            "LocalID": "15139251046900833",
            "ClientMsgId": "15139251046900833",
        },
        "Scene": 0,
    }
    fresh = send_text_body(CREDS, s.BOB, "x")["Msg"]
    assert fresh["LocalID"] == fresh["ClientMsgId"] and len(fresh["LocalID"]) == 17


def test_outgoing_text_is_plain_unicode() -> None:
    text = 'Tom & Jerry <b> "q"\r\nline 2\r😄 <span class="emoji emoji1f604"></span>'
    assert outgoing_text(text) == 'Tom & Jerry <b> "q"\nline 2\n😄 <span class="emoji emoji1f604"></span>'
    body = encode_body(send_text_body(CREDS, s.BOB, "你好 😄"))
    assert load_json(body)["Msg"]["Content"] == "你好 😄"


@pytest.mark.parametrize("text", ["", "  \n ", "x" * 20_001])
def test_outgoing_text_refuses_empty_and_huge(text: str) -> None:
    with pytest.raises(ValueError, match=r"empty|split"):
        outgoing_text(text)


def test_mention() -> None:
    assert mention("Ann 🌸") == "@Ann 🌸\u2005"


def test_sync_body_and_synccheck_params() -> None:
    key = SyncKey(((1, 651991553), (2, 651996455)))
    body = sync_body(CREDS, key)
    assert body["SyncKey"] == {
        "Count": 2,
        "List": [{"Key": 1, "Val": 651991553}, {"Key": 2, "Val": 651996455}],
    }
    assert body["BaseRequest"] == BASE and isinstance(body["rr"], int)
    params = synccheck_params(CREDS, key)
    assert params["synckey"] == "1_651991553|2_651996455"
    assert (params["uin"], params["sid"], params["skey"], params["deviceid"]) == (
        "2450346660",
        s.WXSID,
        s.SKEY,
        "e944972306651598",
    )
    assert params["r"] == params["_"] and params["r"].isdigit()


def test_media_bodies() -> None:
    image = send_media_body(CREDS, s.BOB, "@crypt_media", msg_type=3, client_msg_id="1")
    assert image["Msg"]["MediaId"] == "@crypt_media" and image["Msg"]["Type"] == 3
    file = send_media_body(CREDS, s.BOB, "@m", msg_type=6, file_name="a&b <1>.pdf", file_size=482137)["Msg"]
    assert "MediaId" not in file and file["Type"] == 6
    assert "<title>a&amp;b &lt;1&gt;.pdf</title>" in file["Content"]
    assert "<totallen>482137</totallen>" in file["Content"] and "<fileext>pdf</fileext>" in file["Content"]
    assert send_media_body(CREDS, s.BOB, "@m", msg_type=47)["Msg"]["EmojiFlag"] == 2


def test_status_notify_bodies() -> None:
    inited = status_notify_body(CREDS, 3)
    assert (inited["Code"], inited["FromUserName"], inited["ToUserName"]) == (3, s.ME, s.ME)
    read = status_notify_body(CREDS, 1, s.ROOM)
    assert read["ToUserName"] == s.ROOM and isinstance(read["ClientMsgId"], int)


def test_batch_contact_body_and_its_limit() -> None:
    body = batch_contact_body(CREDS, [(s.ROOM, ""), ("@@b", "@" + "a" * 32)])
    assert body["Count"] == 2
    assert body["List"][1] == {"UserName": "@@b", "EncryChatRoomId": "@" + "a" * 32}
    with pytest.raises(ValueError, match="at most 50"):
        batch_contact_body(CREDS, [(f"@{i}", "") for i in range(51)])


def test_revoke_and_oplog_bodies() -> None:
    assert revoke_body(CREDS, s.BOB, "5918499768689813400", "14908762377750838") == {
        "BaseRequest": BASE,
        "ClientMsgId": "14908762377750838",
        "SvrMsgId": "5918499768689813400",
        "ToUserName": s.BOB,
    }
    assert oplog_remark_body(CREDS, s.BOB, "3123")["CmdId"] == 2
    pin = oplog_pin_body(CREDS, s.BOB, True, "Bobby")
    assert (pin["CmdId"], pin["OP"], pin["RemarkName"]) == (3, 1, "Bobby")
    assert oplog_pin_body(CREDS, s.BOB, False, "")["OP"] == 0


def test_room_bodies() -> None:
    assert update_room_body(CREDS, "modtopic", s.ROOM, topic="KKK1")["NewTopic"] == "KKK1"
    assert update_room_body(CREDS, "addmember", s.ROOM, members=["@1", "@2"])["AddMemberList"] == "@1,@2"
    assert update_room_body(CREDS, "invitemember", s.ROOM, members=["@1"])["InviteMemberList"] == "@1"
    assert update_room_body(CREDS, "delmember", s.ROOM, members=["@1"])["DelMemberList"] == "@1"
    assert set(update_room_body(CREDS, "quitchatroom", s.ROOM)) == {"BaseRequest", "ChatRoomName"}
    with pytest.raises(ValueError):
        update_room_body(CREDS, "addmember", s.ROOM)
    created = create_room_body(CREDS, ["@1", "@2"], "Tea")
    assert created["MemberList"] == [{"UserName": "@1"}, {"UserName": "@2"}] and created["MemberCount"] == 2
    with pytest.raises(ValueError):
        create_room_body(CREDS, ["@1"])
