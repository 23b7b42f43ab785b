"""synccheck and webwxsync through WebClient: every MsgType decoded, ContinueFlag, re-delivery, the echo of
a send, revoke and its 2-minute limit."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.protocol.conftest import Account, log_in, new_client
from tests.sim.conftest import ANN, BIG_ROOM, LONER, SAVED_ROOM, STRANGERS, TOM, make_spec
from tests.sim.helpers import wait_for
from wxnb.protocol.client import WebClient
from wxnb.protocol.errors import RevokeRefused
from wxnb.protocol.json_replies import SyncKey, SyncReply
from wxnb.protocol.records import Message
from wxnb.sim.content import Body
from wxnb.sim.markup import wire_xml
from wxnb.sim.simulator import Simulator


def drain(client: WebClient, key: SyncKey) -> tuple[list[Message], SyncKey, list[SyncReply]]:
    """webwxsync until ContinueFlag is 0: the messages, the newest key and every reply."""
    messages: list[Message] = []
    replies: list[SyncReply] = []
    while True:
        reply = client.sync(key)
        replies.append(reply)
        messages.extend(reply.messages)
        key = reply.sync_key
        if not reply.continue_flag:
            return messages, key, replies


def _appmsg(app_type: int, title: str) -> str:
    xml = (
        f'<msg><appmsg appid="" sdkver="0"><title>{title}</title><des></des><type>{app_type}</type>'
        f"<url></url></appmsg></msg>"
    )
    return wire_xml(xml)


def test_every_msg_type_is_decoded(account: Account) -> None:
    sim, client = account.sim, account.client
    phone = sim.phone
    ann = ("friend", ANN)
    sent: dict[str, str] = {}
    sent["text"] = phone.send(ann, "Tom & Jerry <3> 😄\nline two")
    for kind in ("image", "voice", "video", "short_video", "sticker", "live_location", "transfer"):
        sent[kind] = phone.send(ann, kind=kind)
    for kind in ("red_packet", "mini_program", "voip"):
        sent[kind] = phone.send(ann, kind=kind)
    sent["link"] = phone.send(
        ann, kind="link", fields={"url": "https://example.com/a?b=1&c=2", "title": "A <b> & title"}
    )
    sent["file"] = phone.send(ann, kind="file", fields={"file_name": "报告 & notes.pdf", "file_size": 123456})
    sent["location"] = phone.send(
        ann, kind="location", fields={"label": "天安门 & 广场", "lat": 39.9, "lng": 116.4}
    )
    sent["card"] = phone.send(ann, kind="card", fields={"card_pid": TOM})
    sent["friend_request"] = phone.send(("friend", LONER), "hi, I'm <Lonely>", kind="friend_request")
    sent["possible_friend"] = phone.send(("friend", LONER), kind="possible_friend")
    sent["system"] = phone.send(ann, "Ann & you are friends now", kind="system")
    sent["notice"] = phone.send(ann, "a <notice>", kind="notice")
    sent["opened"] = phone.open_chat(ann)
    world = sim.world
    # Kinds the phone does not send but the real server does: put on the log as the wire has them.
    location_xml = (
        '<msg><location x="31.2" y="121.5" scale="16" label="外滩 &amp; 江" poiname="[位置]" /></msg>'
    )
    sent["location48"] = str(world.append(("person", ANN), ANN, Body(48, wire_xml(location_xml))))
    sent["voip52"] = str(
        world.append(("person", ANN), ANN, Body(52, wire_xml("<voipmsg type='VoIPBubbleMsg'/>")))
    )
    sent["voip53"] = str(world.append(("person", ANN), ANN, Body(53, wire_xml("<voipinvitemsg/>"))))
    sticker8 = Body(49, _appmsg(8, "[动画表情]"), {"AppMsgType": 8})
    sent["app_sticker"] = str(world.append(("person", ANN), ANN, sticker8))
    sent["revoke"] = phone.revoke(sent["text"])

    messages, _, _ = drain(client, account.init.sync_key)
    got = {m.msg_id: m for m in messages}
    by_kind = {kind: got[msg_id] for kind, msg_id in sent.items()}
    ann_name = account.name(ann)
    expected = {
        "text": (1, "text"), "image": (3, "image"), "voice": (34, "voice"), "video": (43, "video"),
        "short_video": (62, "video"), "sticker": (47, "sticker"), "live_location": (49, "live_location"),
        "transfer": (49, "transfer"), "red_packet": (49, "red_packet"), "mini_program": (49, "mini_program"),
        "voip": (50, "voip"), "link": (49, "link"), "file": (49, "file"), "location": (1, "location"),
        "card": (42, "card"), "friend_request": (37, "friend_request"),
        "possible_friend": (40, "possible_friend"), "system": (10000, "system"), "notice": (9999, "system"),
        "opened": (51, "status"), "location48": (48, "location"), "voip52": (52, "voip"),
        "voip53": (53, "voip"), "app_sticker": (49, "sticker"), "revoke": (10002, "revoke"),
    }  # fmt: skip
    assert {kind: (m.msg_type, m.category) for kind, m in by_kind.items()} == expected

    text = by_kind["text"]
    assert text.text == "Tom & Jerry <3> 😄\nline two"
    assert (text.chat, text.sender, text.is_group, text.is_self) == (ann_name, ann_name, False, False)
    assert by_kind["image"].img_width > 0 and by_kind["voice"].voice_length > 0
    assert by_kind["video"].play_length > 0
    link = by_kind["link"]
    assert (link.app_msg_type, link.url, link.text) == (5, "https://example.com/a?b=1&c=2", "A <b> & title")
    file = by_kind["file"]
    assert (file.app_msg_type, file.file_name, file.file_size) == (6, "报告 & notes.pdf", 123456)
    assert file.text == "报告 & notes.pdf"
    location = by_kind["location"]
    assert (location.sub_msg_type, location.text) == (48, "天安门 & 广场")
    assert (location.latitude, location.longitude) == (39.9, 116.4)
    located = by_kind["location48"]
    assert (located.text, located.latitude, located.longitude) == ("外滩 & 江", 31.2, 121.5)
    card = by_kind["card"]
    assert (card.recommend_user_name, card.recommend_nickname) == (
        account.name(("friend", TOM)),
        "Tom & Jerry <3",
    )
    request = by_kind["friend_request"]
    assert (request.from_user, request.recommend_content) == ("fmessage", "hi, I'm <Lonely>")
    assert request.recommend_ticket
    assert by_kind["system"].text == "Ann & you are friends now"
    assert by_kind["notice"].text == "a <notice>"
    assert (by_kind["opened"].status_notify_code, by_kind["opened"].status_notify_user_names) == (
        2,
        (ann_name,),
    )
    revoke = by_kind["revoke"]
    assert revoke.revoked_msg_id == sent["text"]
    assert revoke.text == '"Annie ✨" 撤回了一条消息'


def test_room_messages_split_the_sender(account: Account) -> None:
    sim, client = account.sim, account.client
    from_ann = sim.phone.send(("room", SAVED_ROOM), "hi <all> 😄", sender=ANN)
    from_stranger = sim.phone.send(("room", BIG_ROOM), "@Me\u2005look", sender=STRANGERS[3])
    from_me = sim.phone.send_as_owner(("room", BIG_ROOM), "mine")
    to_ann = sim.phone.send_as_owner(("friend", ANN), "direct")
    got = {m.msg_id: m for m in drain(client, account.init.sync_key)[0]}
    room, big, me = account.name(("room", SAVED_ROOM)), account.name(("room", BIG_ROOM)), client.user_name

    ann = got[from_ann]
    assert (ann.chat, ann.sender, ann.is_group, ann.is_self) == (
        room,
        account.name(("friend", ANN)),
        True,
        False,
    )
    assert ann.text == "hi <all> 😄" and ann.raw_content.startswith(ann.sender + ":<br/>")
    stranger = got[from_stranger]
    assert (stranger.chat, stranger.is_group, stranger.text) == (big, True, "@Me\u2005look")
    assert stranger.sender.startswith("@") and stranger.sender not in (big, me)
    mine = got[from_me]
    assert (mine.chat, mine.sender, mine.is_group, mine.is_self, mine.text) == (big, me, True, True, "mine")
    direct = got[to_ann]
    assert (direct.chat, direct.is_self, direct.is_group) == (account.name(("friend", ANN)), True, False)


def test_sync_check_selectors(account: Account) -> None:
    sim, client = account.sim, account.client
    _, key, _ = drain(client, account.init.sync_key)
    assert client.sync_check(key).selector == 0  # held 0.3 s, nothing new
    sim.phone.set_remark(ANN, "Ann again")
    assert client.sync_check(key).selector == 4
    _, key, _ = drain(client, key)
    sim.phone.open_chat(("friend", TOM))
    assert client.sync_check(key).selector == 7
    _, key, _ = drain(client, key)
    sim.phone.send(("friend", ANN), "new")
    check = client.sync_check(key)
    assert check.selector == 2 and check.needs_sync


@pytest.fixture
def small_batches() -> Iterator[Simulator]:
    with Simulator(make_spec(), hold=0.3, sync_batch=3) as sim:
        yield sim
        assert sim.errors == []


def test_continue_flag_says_more_is_waiting(small_batches: Simulator) -> None:
    sim = small_batches
    with new_client(sim) as client:
        log_in(client, sim)
        init = client.init()
        sent = [sim.phone.send(("friend", ANN), f"message {i}") for i in range(7)]
        messages, key, replies = drain(client, init.sync_key)
        assert [r.continue_flag for r in replies] == [1, 1, 0]
        assert [m.msg_id for m in messages] == sent
        assert client.sync(key).messages == ()


def test_a_stale_key_gets_the_same_messages_again(account: Account) -> None:
    sim, client = account.sim, account.client
    _, key, _ = drain(client, account.init.sync_key)
    sent = [sim.phone.send(("friend", ANN), f"again {i}") for i in range(2)]
    sim.faults.once("stale_key")
    first = client.sync(key)
    assert [m.msg_id for m in first.messages] == sent
    assert first.sync_key == key  # the server handed the old key back
    second = client.sync(first.sync_key)
    assert [m.msg_id for m in second.messages] == sent  # re-delivered: the caller dedupes by MsgId
    assert client.sync(second.sync_key).messages == ()
    assert [m.msg_id for m in client.sync(key).messages] == sent  # any old key re-delivers


def test_a_sent_message_comes_back_through_sync_with_its_msg_id(account: Account) -> None:
    sim, client = account.sim, account.client
    _, key, _ = drain(client, account.init.sync_key)
    ann = account.name(("friend", ANN))
    reply = client.send_text(ann, "Tom & Jerry <3>\r\nsecond line 😄", client_msg_id="17000000000001234")
    assert reply.local_id == "17000000000001234" and reply.msg_id.isdigit()
    (outgoing,) = sim.world.outbox_since(0)
    assert (outgoing.msg_id, outgoing.client_msg_id, outgoing.chat) == (
        reply.msg_id,
        "17000000000001234",
        ("person", ANN),
    )
    assert outgoing.content == "Tom & Jerry <3>\nsecond line 😄"  # plain Unicode on the way out
    (echo,) = client.sync(key).messages
    assert (echo.msg_id, echo.is_self, echo.chat, echo.sender) == (reply.msg_id, True, ann, client.user_name)
    assert echo.text == "Tom & Jerry <3>\nsecond line 😄"
    fresh = client.send_text("filehelper", "to myself")
    assert len(fresh.local_id) == 17 and fresh.local_id.isdigit()


def test_revoke_within_two_minutes_and_not_after(account: Account) -> None:
    sim, client = account.sim, account.client
    _, key, _ = drain(client, account.init.sync_key)
    ann = account.name(("friend", ANN))
    sent = client.send_text(ann, "oops")
    client.revoke(ann, sent.msg_id, sent.local_id)
    messages, key, _ = drain(client, key)
    notice = next(m for m in messages if m.msg_type == 10002)
    assert notice.revoked_msg_id == sent.msg_id and notice.is_self

    late = client.send_text(ann, "too late to take back")
    sim.clock.advance(121)
    with pytest.raises(RevokeRefused) as refused:
        client.revoke(ann, late.msg_id, late.local_id)
    assert refused.value.ret == 1204
    assert "2分钟" in str(refused.value) and "within 2 minutes" in str(refused.value)
    assert not [m for m in drain(client, key)[0] if m.msg_type == 10002]


def test_a_send_goes_out_while_a_sync_check_is_held(account: Account) -> None:
    """The session layer polls in one thread and sends from another: one client serves both."""
    sim, client = account.sim, account.client
    _, key, _ = drain(client, account.init.sync_key)
    sim.hold = 10.0
    with ThreadPoolExecutor(1) as pool:
        held = pool.submit(client.sync_check, key)
        wait_for(lambda: len(sim.protocol.waiters or ()) == 1, what="synccheck to be held")
        sent = client.send_text("filehelper", "while polling")
        assert held.result(timeout=5).selector == 2  # woken by the echo of the send
    (echo,) = client.sync(key).messages
    assert echo.msg_id == sent.msg_id
