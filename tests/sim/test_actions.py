"""What a client does: send (+ echo), revoke (2-minute limit), remark, pin, room changes, create, logout."""

from __future__ import annotations

import io
import time

from PIL import Image

from tests.sim.conftest import ANN, BIG_ROOM, MING1, MING2, SAVED_ROOM, TOM
from tests.sim.helpers import WebClient, client_msg_id
from tests.sim.test_sync import names
from wxnb.sim.clock import Clock
from wxnb.sim.simulator import Simulator


def test_send_is_echoed_through_sync_with_the_same_msgid(sim: Simulator, client: WebClient) -> None:
    client.drain()
    to = names(client)["Annie ✨"]
    cid = client_msg_id()
    reply = client.send_text(to, "hello & <world> 😄\nline 2", client_id=cid)
    assert reply["BaseResponse"] == {"Ret": 0, "ErrMsg": ""}
    assert len(reply["MsgID"]) == 19 and reply["LocalID"] == cid
    assert client.synccheck() == ("0", "2")
    echo = client.drain()
    assert len(echo) == 1
    assert echo[0]["MsgId"] == reply["MsgID"]
    assert echo[0]["FromUserName"] == client.user_name and echo[0]["ToUserName"] == to
    assert echo[0]["Content"] == 'hello &amp; &lt;world&gt; <span class="emoji emoji1f604"></span><br/>line 2'
    [entry] = sim.world.outbox_since(0)
    assert entry.content == "hello & <world> 😄\nline 2" and entry.chat == ("person", ANN)
    assert entry.msg_id == reply["MsgID"] and entry.client_msg_id == cid


def test_a_resent_client_msg_id_is_idempotent(sim: Simulator, client: WebClient) -> None:
    client.drain()
    to = names(client)["Tom & Jerry <3"]
    cid = client_msg_id()
    first = client.send_text(to, "once", client_id=cid)
    second = client.send_text(to, "once", client_id=cid)
    assert first["MsgID"] == second["MsgID"]
    assert len(client.drain()) == 1 and len(sim.world.outbox_since(0)) == 1


def test_send_to_rooms_filehelper_self_and_with_numeric_ids(sim: Simulator, client: WebClient) -> None:
    client.drain()
    contacts = names(client)
    for to in (contacts["家人群 👨‍👩‍👧"], "filehelper", client.user_name):
        assert client.send_text(to, "x")["BaseResponse"]["Ret"] == 0
    numeric = {"Type": 1, "Content": "n", "FromUserName": client.user_name, "ToUserName": "filehelper"}
    numeric.update({"LocalID": 15139251046900833, "ClientMsgId": 15139251046900833})
    reply = client.post("webwxsendmsg", {"Msg": numeric, "Scene": 0})
    assert reply["BaseResponse"]["Ret"] == 0 and reply["LocalID"] == "15139251046900833"
    echoes = client.drain()
    assert [e["ToUserName"] for e in echoes] == [
        contacts["家人群 👨‍👩‍👧"],
        "filehelper",
        client.user_name,
        "filehelper",
    ]


def test_send_errors_keep_the_skeleton(client: WebClient) -> None:
    unknown = client.send_text("@" + "f" * 32, "x")
    assert unknown == {"BaseResponse": {"Ret": -1, "ErrMsg": ""}, "MsgID": "", "LocalID": ""}
    wrong_from = {"Type": 1, "Content": "x", "FromUserName": "", "ToUserName": "filehelper", "LocalID": "1"}
    assert client.post("webwxsendmsg", {"Msg": wrong_from})["BaseResponse"]["Ret"] == -1
    assert client.post("webwxsendmsg", {"Msg": "text"})["BaseResponse"]["Ret"] == 1200
    bad_content = {"Type": 1, "Content": 5, "FromUserName": client.user_name, "ToUserName": "filehelper"}
    assert client.post("webwxsendmsg", {"Msg": bad_content})["BaseResponse"]["Ret"] == 1200


def test_revoke_within_two_minutes_and_refusal_after(sim: Simulator, client: WebClient, clock: Clock) -> None:
    client.drain()
    to = names(client)["Annie ✨"]
    sent = client.send_text(to, "oops")
    body = {"ClientMsgId": client_msg_id(), "SvrMsgId": sent["MsgID"], "ToUserName": to}
    reply = client.post("webwxrevokemsg", body)
    assert reply == {"BaseResponse": {"Ret": 0, "ErrMsg": ""}, "Introduction": "", "SysWording": ""}
    _echo, notice = client.drain()
    assert notice["MsgType"] == 10002 and f"&lt;msgid&gt;{sent['MsgID']}&lt;/msgid&gt;" in notice["Content"]
    assert "你撤回了一条消息" in notice["Content"] and notice["FromUserName"] == client.user_name
    late = client.send_text(to, "too late")
    clock.advance(121)
    refused = client.post("webwxrevokemsg", {"ClientMsgId": "1", "SvrMsgId": late["MsgID"], "ToUserName": to})
    assert refused["BaseResponse"]["Ret"] == 1204 and refused["SysWording"]
    assert [m["MsgType"] for m in client.drain()] == [1]  # no revoke notice for the late one
    someone_else = sim.phone.send(("friend", ANN), "mine")
    not_mine = client.post("webwxrevokemsg", {"ClientMsgId": "1", "SvrMsgId": someone_else, "ToUserName": to})
    assert not_mine["BaseResponse"]["Ret"] == 1204
    unknown = client.post("webwxrevokemsg", {"ClientMsgId": "1", "SvrMsgId": "123", "ToUserName": to})
    assert unknown["BaseResponse"]["Ret"] == -1 and list(unknown) == [
        "BaseResponse",
        "Introduction",
        "SysWording",
    ]


def test_remark_and_pin_through_oplog(sim: Simulator, client: WebClient) -> None:
    client.drain()
    ming = names(client)["小明(同学)"]
    reply = client.post("webwxoplog", {"UserName": ming, "CmdId": 2, "RemarkName": "老同学 🎓 & co"})
    assert reply == {"BaseResponse": {"Ret": 0, "ErrMsg": ""}}
    assert sim.world.remark(MING1) == "老同学 🎓 & co"
    assert client.synccheck() == ("0", "4")
    [changed] = client.sync()["ModContactList"]
    assert changed["RemarkName"] == '老同学 <span class="emoji emoji1f393"></span> &amp; co'
    pinned = client.post(
        "webwxoplog", {"UserName": ming, "CmdId": 3, "OP": 1, "RemarkName": "老同学 🎓 & co"}
    )
    assert pinned["BaseResponse"]["Ret"] == 0 and ("person", MING1) in sim.world.pinned()
    assert sim.world.remark(MING1) == "老同学 🎓 & co"
    [changed] = client.sync()["ModContactList"]
    assert changed["ContactFlag"] & 2048
    # the real server's quirk: a pin without RemarkName clears the remark
    client.post("webwxoplog", {"UserName": ming, "CmdId": 3, "OP": 0})
    assert sim.world.remark(MING1) == "" and ("person", MING1) not in sim.world.pinned()
    room = names(client)["家人群 👨‍👩‍👧"]
    assert client.post("webwxoplog", {"UserName": room, "CmdId": 3, "OP": 1})["BaseResponse"]["Ret"] == 0
    assert ("room", SAVED_ROOM) in sim.world.pinned()
    assert (
        client.post("webwxoplog", {"UserName": "@" + "0" * 32, "CmdId": 2, "RemarkName": "x"})[
            "BaseResponse"
        ]["Ret"]
        == -1
    )
    assert client.post("webwxoplog", {"UserName": ming, "CmdId": 9})["BaseResponse"]["Ret"] == 1200


def test_room_topic_add_delete_invite_and_quit(sim: Simulator, client: WebClient) -> None:
    client.drain()
    contacts = names(client)
    room = contacts["家人群 👨‍👩‍👧"]
    reply = client.post(
        "webwxupdatechatroom", {"ChatRoomName": room, "NewTopic": "Family & Friends 🏠"}, fun="modtopic"
    )
    assert reply["BaseResponse"]["Ret"] == 0 and sim.world.topic(SAVED_ROOM) == "Family & Friends 🏠"
    sync = client.sync()
    assert (
        sync["ModContactList"][0]["NickName"] == 'Family &amp; Friends <span class="emoji emoji1f3e0"></span>'
    )
    assert sync["AddMsgList"][0]["MsgType"] == 10000
    ming2 = next(c["UserName"] for c in client.contacts() if c["NickName"] == "小明" and not c["RemarkName"])
    added = client.post(
        "webwxupdatechatroom", {"ChatRoomName": room, "AddMemberList": ming2}, fun="addmember"
    )
    assert added["BaseResponse"]["Ret"] == 0 and added["MemberCount"] == 5
    assert [m["UserName"] for m in added["MemberList"]] == [ming2]
    assert MING2 in sim.world.members(SAVED_ROOM)
    again = f"{ming2},{contacts['Annie ✨']}"  # both are members already: nobody joins
    repeat = client.post(
        "webwxupdatechatroom", {"ChatRoomName": room, "AddMemberList": again}, fun="addmember"
    )
    assert repeat["BaseResponse"]["Ret"] == 0 and repeat["MemberList"] == [] and repeat["MemberCount"] == 5
    assert len(client.sync()["ModContactList"][0]["MemberList"]) == 5
    removed = client.post(
        "webwxupdatechatroom", {"ChatRoomName": room, "DelMemberList": ming2}, fun="delmember"
    )
    assert removed["BaseResponse"]["Ret"] == 0 and MING2 not in sim.world.members(SAVED_ROOM)
    big = contacts["Big & <Room>"]
    refused = client.post(
        "webwxupdatechatroom", {"ChatRoomName": big, "AddMemberList": ming2}, fun="addmember"
    )
    assert refused["BaseResponse"]["Ret"] == -1 and MING2 not in sim.world.members(BIG_ROOM)
    assert refused["MemberList"] == [] and refused["MemberCount"] == 0
    invited = client.post(
        "webwxupdatechatroom", {"ChatRoomName": big, "InviteMemberList": ming2}, fun="invitemember"
    )
    assert invited["BaseResponse"]["Ret"] == 0 and MING2 in sim.world.members(BIG_ROOM)
    not_owner = client.post(
        "webwxupdatechatroom", {"ChatRoomName": big, "DelMemberList": ming2}, fun="delmember"
    )
    assert not_owner["BaseResponse"]["Ret"] == -1
    client.drain()
    quit_reply = client.post("webwxupdatechatroom", {"ChatRoomName": big}, fun="quitchatroom")
    assert quit_reply["BaseResponse"]["Ret"] == 0 and 0 not in sim.world.members(BIG_ROOM)
    gone = client.sync()
    assert gone["DelContactList"] == [{"UserName": big, "ContactFlag": 0}] and gone["DelContactCount"] == 1
    assert client.send_text(big, "still there?")["BaseResponse"]["Ret"] == -1
    unknown = client.post(
        "webwxupdatechatroom", {"ChatRoomName": "@@" + "0" * 64, "NewTopic": "x"}, fun="modtopic"
    )
    assert unknown["BaseResponse"]["Ret"] == -1
    assert (
        client.post("webwxupdatechatroom", {"ChatRoomName": room}, fun="explode")["BaseResponse"]["Ret"]
        == 1200
    )


def test_create_chatroom(sim: Simulator, client: WebClient) -> None:
    client.drain()
    contacts = names(client)
    members = [{"UserName": contacts["Annie ✨"]}, {"UserName": contacts["Tom & Jerry <3"]}]
    reply = client.post(
        "webwxcreatechatroom", {"MemberCount": 2, "MemberList": members, "Topic": "新群 <1>"}, r="1"
    )
    assert reply["BaseResponse"]["Ret"] == 0 and reply["ChatRoomName"].startswith("@@")
    assert reply["Topic"] == "新群 &lt;1&gt;" and reply["MemberCount"] == 3 and reply["BlackList"] == ""
    rid = max(sim.world.rooms)
    assert sim.world.members(rid) == [0, ANN, TOM] and sim.world.topic(rid) == "新群 <1>"
    sync = client.sync()
    [room] = sync["ModContactList"]
    assert (
        room["UserName"] == reply["ChatRoomName"] and room["IsOwner"] == 1 and room["OwnerUin"] == 2663483803
    )
    assert sync["AddMsgList"][0]["MsgType"] == 10000
    assert client.send_text(reply["ChatRoomName"], "hi all")["BaseResponse"]["Ret"] == 0
    one = client.post("webwxcreatechatroom", {"MemberCount": 1, "MemberList": members[:1], "Topic": ""})
    assert one["BaseResponse"]["Ret"] == -1 and one["ChatRoomName"] == ""
    mp = client.post("webwxcreatechatroom", {"MemberList": [*members, {"UserName": contacts["上海本地宝"]}]})
    assert mp["BaseResponse"]["Ret"] == -1


def test_read_notice_is_recorded(sim: Simulator, client: WebClient) -> None:
    to = names(client)["Annie ✨"]
    reply = client.status_notify(1, to)
    assert reply["BaseResponse"]["Ret"] == 0 and len(reply["MsgID"]) == 19
    assert "person:1" in sim.world.read_marks_view()
    assert client.status_notify(1, "@" + "9" * 32)["BaseResponse"]["Ret"] == -1


def test_logout_ends_the_session(sim: Simulator, client: WebClient) -> None:
    reply = client.http.get(
        f"{sim.base_url}/cgi-bin/mmwebwx-bin/webwxlogout?redirect=1&type=0&skey={client.skey}"
    )
    assert reply.status_code == 200
    assert client.synccheck()[0] == "1101"
    assert client.post("webwxinit")["BaseResponse"]["Ret"] == 1101
    posted = client.http.post(f"{sim.base_url}/cgi-bin/mmwebwx-bin/webwxlogout?redirect=1&type=1")
    assert posted.status_code == 200


def test_upload_then_send_image_and_file(sim: Simulator, client: WebClient) -> None:
    client.drain()
    buffer = io.BytesIO()
    Image.new("RGB", (200, 100), (200, 30, 30)).save(buffer, "JPEG")
    data = buffer.getvalue()
    request = {
        "UploadType": 2, "BaseRequest": client.base_request, "ClientMediaId": int(time.time() * 1e4),
        "TotalLen": len(data), "StartPos": 0, "DataLen": len(data), "MediaType": 4,
        "FromUserName": client.user_name, "ToUserName": "filehelper", "FileMd5": "x",
    }  # fmt: skip
    import json

    files = {
        "id": (None, "WU_FILE_0"), "name": (None, "pic.jpg"), "type": (None, "image/jpeg"),
        "lastModifiedDate": (None, "x"), "size": (None, str(len(data))), "mediatype": (None, "pic"),
        "uploadmediarequest": (None, json.dumps(request)),
        "webwx_data_ticket": (None, client.http.cookies["webwx_data_ticket"]),
        "pass_ticket": (None, client.pass_ticket),
        "filename": ("pic.jpg", data, "application/octet-stream"),
    }  # fmt: skip
    upload = client.http.post(
        f"{sim.base_url}/cgi-bin/mmwebwx-bin/webwxuploadmedia?f=json", files=files
    ).json()
    assert upload["BaseResponse"]["Ret"] == 0 and upload["MediaId"].startswith("@crypt_")
    msg = {
        "Type": 3,
        "MediaId": upload["MediaId"],
        "FromUserName": client.user_name,
        "ToUserName": "filehelper",
    }
    msg.update({"LocalID": client_msg_id(), "ClientMsgId": client_msg_id()})
    sent = client.post("webwxsendmsgimg", {"Msg": msg, "Scene": 0}, fun="async", f="json")
    assert sent["BaseResponse"]["Ret"] == 0 and sent["MsgID"]
    [echo] = client.drain()
    assert echo["MsgType"] == 3 and echo["MsgId"] == sent["MsgID"]
    big = client.get("webwxgetmsgimg", MsgID=sent["MsgID"], skey=client.skey)
    assert Image.open(io.BytesIO(big.content)).size == (200, 104)  # whole 8×8 blocks
    app = {
        "Type": 6, "FromUserName": client.user_name, "ToUserName": "filehelper", "LocalID": "1",
        "ClientMsgId": "2",
        "Content": f"<appmsg appid='wxeb7ec651dd0aefa9' sdkver=''><title>pic.jpg</title><type>6</type>"
        f"<appattach><totallen>{len(data)}</totallen><attachid>{upload['MediaId']}</attachid></appattach></appmsg>",
        "MediaId": upload["MediaId"],
    }  # fmt: skip
    sent_file = client.post("webwxsendappmsg", {"Msg": app, "Scene": 0}, fun="async", f="json")
    assert sent_file["BaseResponse"]["Ret"] == 0
    [file_echo] = client.drain()
    assert (file_echo["MsgType"], file_echo["AppMsgType"], file_echo["FileName"]) == (49, 6, "pic.jpg")
    no_media = dict(msg, MediaId="@crypt_nope", ClientMsgId="3")
    assert client.post("webwxsendmsgimg", {"Msg": no_media})["BaseResponse"]["Ret"] == -1
    assert [e.endpoint for e in sim.world.outbox_since(0)] == ["webwxsendmsgimg", "webwxsendappmsg"]
