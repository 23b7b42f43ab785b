"""webwxinit, webwxgetcontact (paging), webwxbatchgetcontact: formats, stable facts, limits."""

from __future__ import annotations

import re
import time
from typing import Any

import requests

from tests.sim.conftest import STRANGERS, UNSAVED_ROOM, make_spec
from tests.sim.helpers import WebClient
from wxnb.protocol.wiretext import decode_text
from wxnb.sim.simulator import Simulator

CONTACT_FIELDS = [
    "Uin", "UserName", "NickName", "HeadImgUrl", "ContactFlag", "MemberCount", "MemberList", "RemarkName",
    "HideInputBarFlag", "Sex", "Signature", "VerifyFlag", "OwnerUin", "PYInitial", "PYQuanPin",
    "RemarkPYInitial", "RemarkPYQuanPin", "StarFriend", "AppAccountFlag", "Statues", "AttrStatus", "Province",
    "City", "Alias", "SnsFlag", "UniFriend", "DisplayName", "ChatRoomId", "KeyWord", "EncryChatRoomId",
    "IsOwner",
]  # fmt: skip
MEMBER_FIELDS = [
    "Uin", "UserName", "NickName", "AttrStatus", "PYInitial", "PYQuanPin", "RemarkPYInitial",
    "RemarkPYQuanPin", "MemberStatus", "DisplayName", "KeyWord",
]  # fmt: skip
USER_FIELDS = [
    "Uin", "UserName", "NickName", "HeadImgUrl", "RemarkName", "PYInitial", "PYQuanPin", "RemarkPYInitial",
    "RemarkPYQuanPin", "HideInputBarFlag", "StarFriend", "Sex", "Signature", "AppAccountFlag", "VerifyFlag",
    "ContactFlag", "WebWxPluginSwitch", "HeadImgFlag", "SnsFlag",
]  # fmt: skip
PERSON_NAME = re.compile(r"^@[0-9a-f]{32}([0-9a-f]{32})?$")
ROOM_NAME = re.compile(r"^@@[0-9a-f]{64}$")


def by_nick(contacts: list[dict[str, Any]], nick: str) -> dict[str, Any]:
    found = [c for c in contacts if decode_text(c["NickName"]) == nick]
    assert len(found) == 1, (nick, len(found))
    return found[0]


def test_init_reply_has_every_field(client: WebClient) -> None:
    reply = client.init_reply
    assert list(reply) == [
        "BaseResponse", "Count", "ContactList", "SyncKey", "User", "ChatSet", "SKey", "ClientVersion",
        "SystemTime", "GrayScale", "InviteStartCount", "MPSubscribeMsgCount", "MPSubscribeMsgList",
        "ClickReportInterval",
    ]  # fmt: skip
    assert reply["BaseResponse"] == {"Ret": 0, "ErrMsg": ""}
    assert [k["Key"] for k in reply["SyncKey"]["List"]] == [1, 2, 3, 1000]
    assert reply["SyncKey"]["Count"] == 4 and all(k["Val"] > 600_000_000 for k in reply["SyncKey"]["List"])
    user = reply["User"]
    assert list(user) == USER_FIELDS
    assert user["Uin"] == 2663483803 and PERSON_NAME.match(user["UserName"])
    assert user["NickName"] == 'Me <span class="emoji emoji1f43c"></span>'
    assert reply["InviteStartCount"] == 40 and reply["SKey"] == client.skey
    assert reply["Count"] == len(reply["ContactList"]) and reply["ChatSet"].split(",")[0] == "filehelper"
    assert abs(reply["SystemTime"] - time.time()) < 60
    for contact in reply["ContactList"]:
        assert list(contact) == CONTACT_FIELDS
    rooms = [c for c in reply["ContactList"] if c["UserName"].startswith("@@")]
    assert rooms, "init lists recent rooms"
    for room in rooms:
        assert room["MemberCount"] == len(room["MemberList"]) > 0
        for member in room["MemberList"]:
            assert list(member) == MEMBER_FIELDS and member["NickName"] == "" and member["Uin"] == 0
    mp = reply["MPSubscribeMsgList"][0]
    assert reply["MPSubscribeMsgCount"] == 1 and decode_text(mp["NickName"]) == "上海本地宝"
    assert mp["MPArticleCount"] == len(mp["MPArticleList"]) == 2


def test_getcontact_lists_friends_mps_specials_and_saved_rooms(client: WebClient) -> None:
    contacts = client.contacts()
    names = sorted(decode_text(c["NickName"]) for c in contacts)
    assert names == sorted(
        [
            "Ann 🌸",
            "Tom & Jerry <3",
            "小明",
            "小明",
            "上海本地宝",
            "文件传输助手",
            "家人群 👨‍👩‍👧",
            "Big & <Room>",
        ]
    )
    for contact in contacts:
        assert list(contact) == CONTACT_FIELDS
        assert contact["Uin"] == 0
        name = contact["UserName"]
        assert name == "filehelper" or PERSON_NAME.match(name) or ROOM_NAME.match(name)
        assert contact["HeadImgUrl"].startswith("/cgi-bin/mmwebwx-bin/webwxget")
    ann = by_nick(contacts, "Ann 🌸")
    assert ann["RemarkName"] == 'Annie <span class="emoji emoji2728"></span>'
    assert ann["StarFriend"] == 1 and ann["ContactFlag"] & 64 and ann["AttrStatus"] == 4133
    assert (
        ann["KeyWord"] == "wxi" and ann["Sex"] == 2 and ann["Province"] == "广东" and ann["Alias"] == "ann_a"
    )
    tom = by_nick(contacts, "Tom & Jerry <3")
    assert tom["NickName"] == "Tom &amp; Jerry &lt;3" and tom["ContactFlag"] & 2048
    mp = by_nick(contacts, "上海本地宝")
    assert mp["VerifyFlag"] & 8 and mp["KeyWord"] == "gh_"
    assert by_nick(contacts, "文件传输助手")["UserName"] == "filehelper"
    for room_name in ("家人群 👨‍👩‍👧", "Big & <Room>"):
        room = by_nick(contacts, room_name)
        assert room["MemberList"] == [] and room["MemberCount"] == 0 and ROOM_NAME.match(room["UserName"])
    big = by_nick(contacts, "Big & <Room>")
    assert big["Statues"] == 0 and big["ContactFlag"] & 512  # muted
    assert "" not in [decode_text(c["NickName"]) for c in contacts]  # the unsaved, unnamed room is not listed


def test_getcontact_pages_with_seq() -> None:
    with Simulator(make_spec(), hold=1.0, contact_page=3) as sim:
        web = WebClient(sim.base_url)
        web.login(sim)
        web.init()
        seqs = []
        seq = "0"
        collected: list[str] = []
        while True:
            reply = web.get("webwxgetcontact", r="1", seq=seq, skey=web.skey).json()
            assert reply["MemberCount"] == len(reply["MemberList"]) <= 3
            collected += [c["UserName"] for c in reply["MemberList"]]
            seqs.append(reply["Seq"])
            if reply["Seq"] == 0:
                break
            seq = str(reply["Seq"])
        assert len(seqs) == 3 and seqs[-1] == 0 and all(s > 1000 for s in seqs[:-1])
        assert len(collected) == len(set(collected)) == 8
        # a Seq the server never handed out: an empty last page
        bogus = web.get("webwxgetcontact", r="1", seq="5", skey=web.skey).json()
        assert bogus["MemberList"] == [] and bogus["Seq"] == 0
        assert sim.errors == []


def test_getcontact_without_cookies_is_1102(sim: Simulator, client: WebClient) -> None:
    reply = requests.get(f"{sim.base_url}/cgi-bin/mmwebwx-bin/webwxgetcontact?r=1&seq=0&skey={client.skey}")
    assert reply.json() == {
        "BaseResponse": {"Ret": 1102, "ErrMsg": ""},
        "MemberCount": 0,
        "MemberList": [],
        "Seq": 0,
    }
    wrong = requests.get(
        f"{sim.base_url}/cgi-bin/mmwebwx-bin/webwxgetcontact?r=1&seq=0",
        cookies={"wxuin": client.uin, "wxsid": "AAAAAAAAAAAAAAAA"},
    )
    assert wrong.json()["BaseResponse"]["Ret"] == 1101


def test_batchgetcontact_rooms_carry_members_and_stable_ids(sim: Simulator, client: WebClient) -> None:
    big = by_nick(client.contacts(), "Big & <Room>")
    reply = client.post(
        "webwxbatchgetcontact",
        {"Count": 1, "List": [{"UserName": big["UserName"], "EncryChatRoomId": ""}]},
        type="ex",
        r="1",
    )
    assert reply["BaseResponse"]["Ret"] == 0 and reply["Count"] == 1
    room = reply["ContactList"][0]
    assert list(room) == CONTACT_FIELDS
    assert room["MemberCount"] == len(room["MemberList"]) == 3 + len(STRANGERS)
    assert re.fullmatch(r"@[0-9a-f]{32}", room["EncryChatRoomId"])
    assert room["IsOwner"] == 0 and room["Statues"] == 0
    members = {decode_text(m["NickName"]): m for m in room["MemberList"]}
    me = members["Me 🐼"]
    assert me["UserName"] == client.user_name
    red = [m for m in room["MemberList"] if decode_text(m["DisplayName"]) == "小红 🌹"]
    assert len(red) == 1 and red[0]["KeyWord"] == "wxi"
    stranger = members[f"member{STRANGERS[1]}"]
    assert re.fullmatch(r"@[0-9a-f]{64}", stranger["UserName"])  # people met only in rooms: 64 hex
    assert [m for m in room["MemberList"] if m["DisplayName"] == "A&amp;B"]
    # member details through the room's EncryChatRoomId: the in-room name comes along
    detail = client.post(
        "webwxbatchgetcontact",
        {"Count": 1, "List": [{"UserName": red[0]["UserName"], "EncryChatRoomId": room["EncryChatRoomId"]}]},
        type="ex",
    )
    assert detail["ContactList"][0]["DisplayName"] == '小红 <span class="emoji emoji1f339"></span>'
    assert detail["ContactList"][0]["ContactFlag"] == 0  # not a contact


def test_stable_facts_survive_a_new_login(sim: Simulator, client: WebClient) -> None:
    def facts(web: WebClient) -> dict[str, tuple[int, str]]:
        contacts = web.contacts()
        return {c["NickName"] + c["RemarkName"]: (c["AttrStatus"], c["KeyWord"]) for c in contacts}

    def encry(web: WebClient) -> str:
        big = by_nick(web.contacts(), "Big & <Room>")
        reply = web.post("webwxbatchgetcontact", {"Count": 1, "List": [{"UserName": big["UserName"]}]})
        return str(reply["ContactList"][0]["EncryChatRoomId"])

    first_names = {c["UserName"] for c in client.contacts()}
    first, first_encry = facts(client), encry(client)
    again = WebClient(sim.base_url)
    again.login(sim)
    again.init()
    second_names = {c["UserName"] for c in again.contacts()}
    assert facts(again) == first and encry(again) == first_encry
    assert first_names & second_names == {"filehelper"}  # every other UserName is new


def test_batchgetcontact_limits_and_unknown_names(client: WebClient) -> None:
    ann = by_nick(client.contacts(), "Ann 🌸")["UserName"]
    mixed = client.post(
        "webwxbatchgetcontact", {"Count": 2, "List": [{"UserName": ann}, {"UserName": "@" + "0" * 32}]}
    )
    assert mixed["BaseResponse"]["Ret"] == 0 and mixed["Count"] == 1
    too_many = client.post("webwxbatchgetcontact", {"Count": 51, "List": [{"UserName": ann}] * 51})
    assert (
        too_many["BaseResponse"]["Ret"] == 1200 and too_many["ContactList"] == [] and too_many["Count"] == 0
    )
    fifty = client.post("webwxbatchgetcontact", {"Count": 50, "List": [{"UserName": ann}] * 50})
    assert fifty["BaseResponse"]["Ret"] == 0
    bad = client.post("webwxbatchgetcontact", {"Count": 1, "List": "nope"})
    assert bad["BaseResponse"]["Ret"] == 1200


def test_unsaved_room_shows_up_in_init_and_through_batchgetcontact(sim: Simulator, client: WebClient) -> None:
    unnamed = [
        c for c in client.init_reply["ContactList"] if c["UserName"].startswith("@@") and c["NickName"] == ""
    ]
    assert len(unnamed) == 1
    reply = client.post("webwxbatchgetcontact", {"Count": 1, "List": [{"UserName": unnamed[0]["UserName"]}]})
    room = reply["ContactList"][0]
    assert room["MemberCount"] == len(sim.world.members(UNSAVED_ROOM)) and not room["ContactFlag"] & 4
    assert room["IsOwner"] == 0 and room["OwnerUin"] == 0


def test_head_images_are_jpegs_and_stable(sim: Simulator, client: WebClient) -> None:
    contacts = client.contacts()
    ann = by_nick(contacts, "Ann 🌸")
    image = client.http.get(sim.base_url + ann["HeadImgUrl"])
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/jpeg"
    assert image.content[:3] == b"\xff\xd8\xff"
    room = by_nick(contacts, "家人群 👨‍👩‍👧")
    assert "webwxgetheadimg" in room["HeadImgUrl"]
    assert client.http.get(sim.base_url + room["HeadImgUrl"]).content[:2] == b"\xff\xd8"
    assert client.get("webwxgeticon", username="@" + "1" * 32, skey=client.skey).status_code == 404
    no_cookies = requests.get(sim.base_url + ann["HeadImgUrl"])
    assert no_cookies.json()["BaseResponse"]["Ret"] == 1102
    again = WebClient(sim.base_url)
    again.login(sim)
    again.init()
    ann2 = by_nick(again.contacts(), "Ann 🌸")
    assert again.http.get(sim.base_url + ann2["HeadImgUrl"]).content == image.content
