"""The whole walk of a web session, start to end, with plain requests calls."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.sim.conftest import ANN, BIG_ROOM, MING2, SAVED_ROOM, STRANGERS, TOM, make_spec
from tests.sim.helpers import WebClient, client_msg_id, wait_for
from wxnb.protocol.wiretext import decode_text
from wxnb.sim.clock import Clock
from wxnb.sim.simulator import Simulator


def test_whole_walk() -> None:
    clock = Clock()
    with Simulator(make_spec(), hold=30, clock=clock, contact_page=3, sync_batch=3) as sim:
        web = WebClient(sim.base_url)
        # login: QR, scan, confirm, redeem
        uuid = web.jslogin()
        assert sim.phone.wait_for_login() == uuid
        with ThreadPoolExecutor(2) as pool:
            poll = pool.submit(web.poll, uuid)
            wait_for(lambda: len(sim.protocol.waiters or []) == 1, what="the login poll")
            sim.phone.scan()
            assert poll.result(10).startswith("window.code=201;")
            poll = pool.submit(web.poll, uuid, 0)
            wait_for(lambda: len(sim.protocol.waiters or []) == 1, what="the login poll")
            sim.phone.confirm()
            redirect = poll.result(10).split('redirect_uri="')[1].rstrip('";')
            xml = web.redeem(redirect).text
            web.skey, web.sid = xml.split("<skey>")[1].split("<")[0], xml.split("<wxsid>")[1].split("<")[0]
            web.uin, web.pass_ticket = (
                xml.split("<wxuin>")[1].split("<")[0],
                xml.split("<pass_ticket>")[1].split("<")[0],
            )

            # init, status notify, contacts over three pages, room members in batches
            init = web.init()
            contacts = web.contacts()
            assert len(contacts) == 8
            by_name = {decode_text(c["RemarkName"] or c["NickName"]): c["UserName"] for c in contacts}
            big = by_name["Big & <Room>"]
            room = web.post("webwxbatchgetcontact", {"Count": 1, "List": [{"UserName": big}]})["ContactList"][
                0
            ]
            members = room["MemberList"]
            details = []
            for start in range(0, len(members), 50):
                batch = [
                    {"UserName": m["UserName"], "EncryChatRoomId": room["EncryChatRoomId"]}
                    for m in members[start : start + 50]
                ]
                reply = web.post("webwxbatchgetcontact", {"Count": len(batch), "List": batch}, type="ex")
                details += reply["ContactList"]
            assert len(details) == len(members) == 3 + len(STRANGERS)
            assert init["User"]["UserName"] in {d["UserName"] for d in details}

            # sync: the status notice, then a contact's message waking a held synccheck
            assert web.synccheck() == ("0", "2")
            assert [m["MsgType"] for m in web.drain()] == [51]
            check = pool.submit(web.synccheck)
            wait_for(lambda: len(sim.protocol.waiters or []) == 1, what="synccheck to be held")
            incoming = sim.phone.send(("room", BIG_ROOM), "大家好", sender=STRANGERS[4])
            assert check.result(10) == ("0", "2")
            assert [m["MsgId"] for m in web.drain()] == [incoming]

            # send (+ echo), revoke, and a late revoke refused after two minutes
            ann = by_name["Annie ✨"]
            sent = web.send_text(ann, "hi Ann")
            undo = web.post(
                "webwxrevokemsg",
                {"ClientMsgId": client_msg_id(), "SvrMsgId": sent["MsgID"], "ToUserName": ann},
            )
            assert undo["BaseResponse"]["Ret"] == 0
            late = web.send_text(ann, "kept")
            clock.advance(125)
            refused = web.post(
                "webwxrevokemsg", {"ClientMsgId": "1", "SvrMsgId": late["MsgID"], "ToUserName": ann}
            )
            assert refused["BaseResponse"]["Ret"] == 1204
            assert [m["MsgType"] for m in web.drain()] == [1, 10002, 1]
            assert [e.content for e in sim.world.outbox_since(0)] == ["hi Ann", "kept"]

            # remark, pin, topic
            assert (
                web.post("webwxoplog", {"UserName": ann, "CmdId": 2, "RemarkName": "Ann ❤"})["BaseResponse"][
                    "Ret"
                ]
                == 0
            )
            tom = by_name["Tom & Jerry <3"]
            assert (
                web.post("webwxoplog", {"UserName": tom, "CmdId": 3, "OP": 0, "RemarkName": ""})[
                    "BaseResponse"
                ]["Ret"]
                == 0
            )
            family = by_name["家人群 👨‍👩‍👧"]
            topic = web.post(
                "webwxupdatechatroom", {"ChatRoomName": family, "NewTopic": "家"}, fun="modtopic"
            )
            assert topic["BaseResponse"]["Ret"] == 0
            changed = web.drain_contacts()
            assert decode_text(changed[ann]["RemarkName"]) == "Ann ❤"
            assert not changed[tom]["ContactFlag"] & 2048 and changed[family]["NickName"] == "家"
            assert sim.world.remark(ANN) == "Ann ❤" and sim.world.topic(SAVED_ROOM) == "家"

            # add, delete, invite, quit
            ming2 = next(c["UserName"] for c in contacts if c["NickName"] == "小明" and not c["RemarkName"])
            add = web.post(
                "webwxupdatechatroom", {"ChatRoomName": family, "AddMemberList": ming2}, fun="addmember"
            )
            assert add["BaseResponse"]["Ret"] == 0 and MING2 in sim.world.members(SAVED_ROOM)
            delete = web.post(
                "webwxupdatechatroom", {"ChatRoomName": family, "DelMemberList": ming2}, fun="delmember"
            )
            assert delete["BaseResponse"]["Ret"] == 0 and MING2 not in sim.world.members(SAVED_ROOM)
            invite = web.post(
                "webwxupdatechatroom", {"ChatRoomName": big, "InviteMemberList": ming2}, fun="invitemember"
            )
            assert invite["BaseResponse"]["Ret"] == 0 and MING2 in sim.world.members(BIG_ROOM)
            leave = web.post("webwxupdatechatroom", {"ChatRoomName": big}, fun="quitchatroom")
            assert leave["BaseResponse"]["Ret"] == 0
            assert big in web.drain_deleted()

            # create a room, then log out
            created = web.post(
                "webwxcreatechatroom",
                {"MemberCount": 2, "MemberList": [{"UserName": ann}, {"UserName": tom}], "Topic": "三人行"},
            )
            assert created["BaseResponse"]["Ret"] == 0
            assert created["ChatRoomName"] in web.drain_contacts()
            assert sim.world.members(max(sim.world.rooms)) == [0, ANN, TOM]
            web.get("webwxlogout", redirect="1", type="0", skey=web.skey)
            assert web.synccheck() == ("1101", "0")
        assert sim.errors == []
