"""synccheck (long poll, selectors) and webwxsync (batches, ContinueFlag, re-delivery, message fields)."""

from __future__ import annotations

import html
import io
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PIL import Image

from tests.sim.conftest import ANN, BIG_ROOM, LONER, MING1, SAVED_ROOM, STRANGERS, TOM, make_spec
from tests.sim.helpers import WebClient, wait_for
from wxnb.protocol.wiretext import decode_text
from wxnb.sim.simulator import Simulator

MESSAGE_FIELDS = [
    "MsgId", "FromUserName", "ToUserName", "MsgType", "Content", "Status", "ImgStatus", "CreateTime",
    "VoiceLength", "PlayLength", "FileName", "FileSize", "MediaId", "Url", "AppMsgType", "StatusNotifyCode",
    "StatusNotifyUserName", "RecommendInfo", "ForwardFlag", "AppInfo", "HasProductId", "Ticket", "ImgHeight",
    "ImgWidth", "SubMsgType", "NewMsgId", "OriContent", "EncryFileName",
]  # fmt: skip
SYNC_FIELDS = [
    "BaseResponse", "AddMsgCount", "AddMsgList", "ModContactCount", "ModContactList", "DelContactCount",
    "DelContactList", "ModChatRoomMemberCount", "ModChatRoomMemberList", "Profile", "ContinueFlag", "SyncKey",
    "SKey", "SyncCheckKey",
]  # fmt: skip


def names(web: WebClient) -> dict[str, str]:
    """decoded nickname (or remark) → UserName, from getcontact and init."""
    out = {}
    for contact in web.contacts() + web.init_reply["ContactList"]:
        out[decode_text(contact["NickName"])] = contact["UserName"]
        if contact["RemarkName"]:
            out[decode_text(contact["RemarkName"])] = contact["UserName"]
    return out


def room_member_name(web: WebClient, room: str, nickname: str) -> str:
    reply = web.post("webwxbatchgetcontact", {"Count": 1, "List": [{"UserName": room}]})
    for member in reply["ContactList"][0]["MemberList"]:
        if decode_text(member["NickName"]) == nickname:
            return str(member["UserName"])
    raise AssertionError(nickname)


def test_init_then_status_notify_gives_a_51_message_listing_recent_chats(client: WebClient) -> None:
    assert client.synccheck() == ("0", "2")
    reply = client.sync()
    assert list(reply) == SYNC_FIELDS
    assert reply["AddMsgCount"] == 1 and reply["ContinueFlag"] == 0
    status = reply["AddMsgList"][0]
    assert list(status) == MESSAGE_FIELDS
    assert status["MsgType"] == 51 and status["StatusNotifyCode"] == 4
    assert status["FromUserName"] == status["ToUserName"] == client.user_name
    assert status["StatusNotifyUserName"] == client.init_reply["ChatSet"]
    assert "&lt;op id='4'&gt;" in status["Content"] and "filehelper" in status["Content"]
    assert status["NewMsgId"] == int(status["MsgId"]) and len(status["MsgId"]) == 19
    assert (
        reply["SyncKey"]["Count"] == len(reply["SyncKey"]["List"])
        and reply["SyncCheckKey"] == reply["SyncKey"]
    )
    assert reply["Profile"]["UserName"] == {"Buff": ""}
    assert client.synccheck() == ("0", "0")  # nothing more: held for `hold`, then selector 0


def test_synccheck_wakes_the_moment_a_contact_writes(sim: Simulator, client: WebClient) -> None:
    client.drain()
    sim.hold = 30
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(client.synccheck)
        wait_for(lambda: len(sim.protocol.waiters or []) == 1, what="synccheck to be held")
        msg_id = sim.phone.send(("friend", ANN), "你好 😄\n第二行 & <tag>")
        assert pending.result(timeout=10) == ("0", "2")
    messages = client.drain()
    assert len(messages) == 1
    message = messages[0]
    assert message["MsgId"] == msg_id and message["MsgType"] == 1
    assert message["FromUserName"] == names(client)["Annie ✨"] and message["ToUserName"] == client.user_name
    assert message["Content"] == '你好 <span class="emoji emoji1f604"></span><br/>第二行 &amp; &lt;tag&gt;'
    assert decode_text(message["Content"]) == "你好 😄\n第二行 & <tag>"


def test_room_messages_carry_the_sender_prefix(sim: Simulator, client: WebClient) -> None:
    client.drain()
    stranger = STRANGERS[1]
    sim.phone.send(("room", BIG_ROOM), "@Me 🐼\u2005看这里", sender=stranger)
    sim.phone.send_as_owner(("room", BIG_ROOM), "我来了")
    incoming, outgoing = client.drain()
    room = names(client)["Big & <Room>"]
    sender = room_member_name(client, room, f"member{stranger}")
    assert incoming["FromUserName"] == room and incoming["ToUserName"] == client.user_name
    assert incoming["Content"] == f'{sender}:<br/>@Me <span class="emoji emoji1f43c"></span>\u2005看这里'
    assert outgoing["FromUserName"] == client.user_name and outgoing["ToUserName"] == room
    assert outgoing["Content"] == "我来了"


def test_contact_changes_raise_selector_4_and_come_whole(sim: Simulator, client: WebClient) -> None:
    client.drain()
    sim.phone.set_remark(MING1, "同桌 & 好友")
    assert client.synccheck() == ("0", "4")
    reply = client.sync()
    assert reply["AddMsgCount"] == 0 and reply["ModContactCount"] == 1
    contact = reply["ModContactList"][0]
    assert contact["RemarkName"] == "同桌 &amp; 好友" and contact["NickName"] == "小明"
    assert len(contact) == 31 and contact["AttrStatus"] == 101
    sim.phone.set_topic(SAVED_ROOM, "新名字", by=ANN)
    assert client.synccheck() == ("0", "2")  # the topic change comes with a system message
    reply = client.sync()
    room = reply["ModContactList"][0]
    assert room["NickName"] == "新名字" and room["MemberCount"] == 4 == len(room["MemberList"])
    notice = reply["AddMsgList"][0]
    assert notice["MsgType"] == 10000 and notice["Content"] == '"妈妈"修改群名为“新名字”'


def test_chat_opened_on_the_phone_raises_selector_7(sim: Simulator, client: WebClient) -> None:
    client.drain()
    sim.phone.open_chat(("friend", TOM))
    assert client.synccheck() == ("0", "7")
    message = client.drain()[0]
    assert message["MsgType"] == 51 and message["StatusNotifyCode"] == 2
    assert message["StatusNotifyUserName"] == names(client)["Tom & Jerry <3"]


def test_a_stale_key_gets_the_same_messages_again(sim: Simulator, client: WebClient) -> None:
    client.drain()
    old_key = client.sync_key
    ids = [sim.phone.send(("friend", ANN), f"m{i}") for i in range(3)]
    first = client.sync()
    assert [m["MsgId"] for m in first["AddMsgList"]] == ids
    again = client.sync(old_key, advance=False)
    assert [m["MsgId"] for m in again["AddMsgList"]] == ids
    assert again["SyncKey"] == first["SyncKey"]
    assert client.synccheck(old_key) == ("0", "2")
    assert client.sync()["AddMsgList"] == []  # the newest key: nothing


def test_continue_flag_when_more_than_one_batch_is_pending() -> None:
    with Simulator(make_spec(), hold=1.0, sync_batch=4) as sim:
        web = WebClient(sim.base_url)
        web.login(sim)
        web.init(notify=False)
        ids = [sim.phone.send(("friend", ANN), f"n{i}") for i in range(10)]
        flags, got = [], []
        while True:
            reply = web.sync()
            flags.append(reply["ContinueFlag"])
            got += [m["MsgId"] for m in reply["AddMsgList"]]
            assert reply["AddMsgCount"] <= 4
            if not reply["ContinueFlag"]:
                break
        assert got == ids and flags == [1, 1, 0]
        assert sim.errors == []


def test_a_key_without_positions_falls_back_to_the_last_one_handed_out(
    sim: Simulator, client: WebClient
) -> None:
    client.drain()
    msg_id = sim.phone.send(("friend", ANN), "x")
    reply = client.sync({"Count": 1, "List": [{"Key": 1000, "Val": 1}]}, advance=False)
    assert [m["MsgId"] for m in reply["AddMsgList"]] == [msg_id]
    garbage = client.post("webwxsync", {"SyncKey": "nonsense"})
    assert garbage["BaseResponse"]["Ret"] == 0


def kinds(sim: Simulator, client: WebClient) -> dict[str, dict[str, Any]]:
    """Send one message of every kind from Ann and return them by kind."""
    client.drain()
    sent: dict[str, str] = {}
    plain = ["text", "image", "voice", "video", "short_video", "sticker", "location", "live_location"]
    plain += ["transfer", "red_packet", "mini_program", "voip", "system", "notice"]
    for kind in plain:
        sent[kind] = sim.phone.send(
            ("friend", ANN), "text & 😄" if kind in ("text", "system", "notice") else "", kind=kind
        )
    sent["link"] = sim.phone.send(
        ("friend", ANN), kind="link", fields={"url": "https://example.com/a?b=1&c=2", "title": "A <b> title"}
    )
    sent["file"] = sim.phone.send(
        ("friend", ANN), kind="file", fields={"file_name": "报告 final.pdf", "file_size": 123456}
    )
    sent["card"] = sim.phone.send(("friend", ANN), kind="card", fields={"card_pid": TOM})
    sent["friend_request"] = sim.phone.send(("friend", LONER), "hi, I'm <Lonely>", kind="friend_request")
    sent["revoke"] = sim.phone.revoke(sent["text"])
    messages = {m["MsgId"]: m for m in client.drain()}
    return {kind: messages[msg_id] for kind, msg_id in sent.items()}


def test_every_message_kind_has_its_fields(sim: Simulator, client: WebClient) -> None:
    got = kinds(sim, client)
    contacts = names(client)
    for message in got.values():
        assert list(message) == MESSAGE_FIELDS
    assert got["text"]["Content"] == 'text &amp; <span class="emoji emoji1f604"></span>'
    image = got["image"]
    assert image["MsgType"] == 3 and image["ImgWidth"] > 0 and image["ImgHeight"] > 0
    assert image["Content"].startswith('&lt;?xml version="1.0"?&gt;<br/>&lt;msg&gt;')
    assert got["voice"]["MsgType"] == 34 and got["voice"]["VoiceLength"] > 0
    assert got["video"]["MsgType"] == 43 and got["video"]["PlayLength"] > 0
    assert got["short_video"]["MsgType"] == 62
    assert got["sticker"]["MsgType"] == 47 and "&lt;emoji " in got["sticker"]["Content"]
    link = got["link"]
    assert (link["MsgType"], link["AppMsgType"]) == (49, 5) and link["Url"] == "https://example.com/a?b=1&c=2"
    assert link["FileName"] == "A &lt;b&gt; title"
    assert "&lt;url&gt;https://example.com/a?b=1&amp;amp;c=2&lt;/url&gt;" in link["Content"]
    file = got["file"]
    assert (file["MsgType"], file["AppMsgType"]) == (49, 6) and file["FileSize"] == "123456"
    assert decode_text(file["FileName"]) == "报告 final.pdf" and file["MediaId"].startswith("@crypt_")
    location = got["location"]
    assert (location["MsgType"], location["SubMsgType"]) == (1, 48) and "<location " in location["OriContent"]
    assert location["Url"].startswith("http://apis.map.qq.com/")
    assert (got["live_location"]["MsgType"], got["live_location"]["AppMsgType"]) == (49, 17)
    assert got["transfer"]["AppMsgType"] == 2000 and got["red_packet"]["AppMsgType"] == 2001
    assert got["mini_program"]["AppMsgType"] == 33 and got["voip"]["MsgType"] == 50
    assert got["system"]["MsgType"] == 10000 and got["notice"]["MsgType"] == 9999
    card = got["card"]
    assert card["MsgType"] == 42 and card["RecommendInfo"]["UserName"] == contacts["Tom & Jerry <3"]
    assert f'username="{contacts["Tom & Jerry <3"]}"' in html.unescape(card["Content"])
    request = got["friend_request"]
    assert request["MsgType"] == 37 and request["FromUserName"] == "fmessage"
    assert request["RecommendInfo"]["Content"] == "hi, I'm &lt;Lonely&gt;" and request["Ticket"].startswith(
        "v2_"
    )
    assert re.fullmatch(r"@[0-9a-f]{64}", request["RecommendInfo"]["UserName"])
    revoke = got["revoke"]
    assert revoke["MsgType"] == 10002
    content = html.unescape(revoke["Content"].replace("<br/>", "\n"))
    assert f"<msgid>{got['text']['MsgId']}</msgid>" in content
    assert '<replacemsg><![CDATA["Annie ✨" 撤回了一条消息]]></replacemsg>' in content
    assert f"<session>{contacts['Annie ✨']}</session>" in content


def test_media_of_messages_can_be_fetched(sim: Simulator, client: WebClient) -> None:
    got = kinds(sim, client)
    image = got["image"]
    for kind, size in (("slave", (image["ImgWidth"], image["ImgHeight"])), ("big", None)):
        reply = client.get("webwxgetmsgimg", MsgID=image["MsgId"], type=kind, skey=client.skey)
        assert reply.status_code == 200 and reply.headers["Content-Type"] == "image/jpeg"
        picture = Image.open(io.BytesIO(reply.content))
        picture.load()
        if size:
            assert picture.size == (-(-size[0] // 8) * 8, -(-size[1] // 8) * 8)
    sticker = client.get("webwxgetmsgimg", MsgID=got["sticker"]["MsgId"], skey=client.skey)
    assert sticker.content[:2] == b"\xff\xd8"
    voice = client.get("webwxgetvoice", msgid=got["voice"]["MsgId"], skey=client.skey)
    assert (
        voice.status_code == 200
        and voice.headers["Content-Type"] == "audio/mp3"
        and voice.content[:2] == b"\xff\xfb"
    )
    video_id = got["video"]["MsgId"]
    whole = client.get("webwxgetvideo", msgid=video_id, skey=client.skey)
    assert whole.status_code == 200 and whole.content[4:8] == b"ftyp"
    part = client.http.get(
        f"{sim.base_url}/cgi-bin/mmwebwx-bin/webwxgetvideo?msgid={video_id}", headers={"Range": "bytes=0-99"}
    )
    assert part.status_code == 206 and len(part.content) == 100
    assert part.headers["Content-Range"] == f"bytes 0-99/{len(whole.content)}"
    assert client.get("webwxgetmsgimg", MsgID=got["text"]["MsgId"], skey=client.skey).status_code == 404
    assert client.get("webwxgetmsgimg", MsgID="123", skey=client.skey).status_code == 404
