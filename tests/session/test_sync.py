"""The sync worker against the simulator: messages, batches, contact changes, unknown rooms, retries."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.session.conftest import FAST_RETRY, log_in, make_session, new_qr, wait_until
from tests.session.proxy import RewritingProxy
from tests.sim.conftest import ANN, BIG_ROOM, MING2, SAVED_ROOM, STRANGERS, TOM, UNSAVED_ROOM, make_spec
from wxnb.protocol.records import Message
from wxnb.session import ContactsChange, Session, SyncFailed, SyncOptions
from wxnb.sim.simulator import Simulator
from wxnb.sim.spec import RoomSpec


def test_messages_arrive_with_names_events_and_waiters(sim: Simulator, session: Session) -> None:
    received: list[Message] = []
    session.on("message", received.append)
    direct = sim.phone.send(("friend", ANN), "你好 😄 & <b>")
    hello = session.wait_for(lambda m: m.msg_id == direct, timeout=10)
    room = sim.phone.send(("room", SAVED_ROOM), "饭好了", sender=ANN)
    session.wait_for(lambda m: m.msg_id == room, timeout=10)
    rows = session.messages.set_index("msg_id")
    assert hello.text == "你好 😄 & <b>" and rows.at[direct, "text"] == "你好 😄 & <b>"
    assert (rows.at[direct, "chat_name"], rows.at[direct, "sender_name"]) == ("Annie ✨", "Annie ✨")
    assert rows.at[room, "chat_name"] == "家人群 👨‍👩‍👧" and bool(rows.at[room, "is_group"])
    assert rows.at[room, "sender_name"] == "Annie ✨"  # one's remark for her wins over her in-room name
    assert [m.msg_id for m in received if m.msg_id in (direct, room)] == [direct, room]
    status = session.status
    assert status.messages_received >= 2 and status.batches >= 2 and status.sync_latency is not None
    assert status.last_sync is not None


def test_continue_flag_brings_every_batch_in_order(tmp_path: Path) -> None:
    with Simulator(make_spec(), hold=0.3, sync_batch=5) as sim, log_in(sim, tmp_path) as session:
        ids = [sim.phone.send(("friend", TOM), f"message {i}") for i in range(23)]
        wait_until(lambda: set(ids) <= set(session.messages.msg_id), what="all 23 messages")
        assert [m for m in session.messages.msg_id if m in set(ids)] == ids
        assert session.status.batches >= 5


def test_a_batch_is_published_while_the_next_webwxsync_is_on_its_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Simulator(make_spec(), hold=0.3, sync_batch=5) as sim, log_in(sim, tmp_path) as session:
        # The login's status notify comes back as a message (MsgType 51): let it pass first.
        wait_until(lambda: session.status.messages_received >= 1, what="the status notify echo")
        client = session._client
        assert client is not None
        calls: list[int] = []  # messages published when each webwxsync is called
        next_call = threading.Event()
        received: list[Message] = []
        sync = client.sync

        def watched(key: Any, **options: Any) -> Any:
            calls.append(len(received))
            if len(calls) == 2:
                next_call.set()
            return sync(key, **options)

        def slow_listener(message: Message) -> None:
            # The first batch's publication holds here until the sync thread asks for the next batch:
            # if the sync thread waited for publication, that would never happen.
            if not received:
                next_call.wait(10)
            received.append(message)

        monkeypatch.setattr(client, "sync", watched)
        session.on("message", slow_listener)
        with sim.world.lock:  # all 12 are waiting before the first webwxsync is answered: 5 + 5 + 2
            ids = [sim.phone.send(("friend", TOM), f"message {i}") for i in range(12)]
        wait_until(lambda: len(received) >= 12, what="all 12 messages")
        assert next_call.is_set() and calls[1] == 0  # the 2nd request went out before batch 1 was out
        assert [m.msg_id for m in received] == ids  # published in order all the same
        assert list(session.messages.msg_id[-12:]) == ids
        assert session.status.batches >= 3


def test_contact_changes_are_applied(sim: Simulator, session: Session) -> None:
    changes: list[ContactsChange] = []
    session.on("contacts", changes.append)
    sim.phone.set_remark(TOM, "Tommy")
    wait_until(lambda: "Tommy" in set(session.friends.remark), what="the new remark")
    sim.phone.set_topic(SAVED_ROOM, "新家")
    wait_until(lambda: "新家" in set(session.rooms.nickname), what="the new topic")
    room_key = session.rooms.set_index("nickname").at["新家", "key"]
    sim.phone.add_members(SAVED_ROOM, [MING2])
    wait_until(lambda: (session.members.room_key == room_key).sum() == 5, what="the new member")
    big = session.rooms.set_index("nickname").at["Big & <Room>", "key"]
    sim.phone.remove_members(BIG_ROOM, [0])  # the owner removes the account from the room
    wait_until(lambda: big not in set(session.rooms.key), what="the room to go")
    assert big not in set(session.members.room_key)
    assert any(c.removed for c in changes) and any(c.changed for c in changes)
    archived = session.store.archive.message_count() if session.store else -1
    assert archived == len(session.messages)


def test_a_message_from_an_unknown_room_fetches_the_room(tmp_path: Path) -> None:
    spec = make_spec()
    # Six saved rooms first: webwxinit lists the six first rooms as recent, so the unsaved room is
    # neither in webwxinit nor in the contact list: the session first hears of it in a message.
    extra = [RoomSpec(10 + i, f"extra {i}", 0, [0, ANN, TOM]) for i in range(6)]
    spec = replace(spec, rooms=extra + spec.rooms)
    with Simulator(spec, hold=0.3) as sim, log_in(sim, tmp_path) as session:
        unsaved = sim.world.user_name(("room", UNSAVED_ROOM))
        assert unsaved not in set(session.contacts.user_name)
        msg_id = sim.phone.send(("room", UNSAVED_ROOM), "who is here?", sender=STRANGERS[0])
        session.wait_for(lambda m: m.msg_id == msg_id, timeout=10)
        row = session.messages.set_index("msg_id").loc[msg_id]
        assert row.sender_name == "member7" and isinstance(row.chat_key, str)
        assert unsaved in set(session.rooms.user_name)
        assert (session.members.room_key == row.chat_key).sum() == 4


def test_transport_failures_are_retried_and_counted(sim: Simulator, session: Session) -> None:
    sim.faults.add("reset", endpoint="synccheck", times=2)
    sim.faults.add("http_502", endpoint="webwxsync", times=1)
    msg_id = sim.phone.send(("friend", ANN), "through the faults")
    session.wait_for(lambda m: m.msg_id == msg_id, timeout=10)
    wait_until(lambda: session.status.reconnects >= 3, what="three retries counted")
    status = session.status
    assert status.state == "online" and status.last_error
    assert len(session.messages.query("msg_id == @msg_id")) == 1


def test_the_sync_gives_up_after_the_configured_time_and_says_why(sim: Simulator, tmp_path: Path) -> None:
    options = SyncOptions(give_up_after=0.2, backoff=0.005, max_backoff=0.02)
    with log_in(sim, tmp_path, sync=options) as session:
        sim.faults.add("http_500", endpoint="synccheck")
        with pytest.raises(SyncFailed, match="no successful sync"):
            session.wait_for(lambda m: False, timeout=10)
        status = session.status
        assert status.state == "failed" and "HTTP 500" in (status.last_error or "")
        assert status.reconnects > 1
        thread = session._thread
        assert thread is not None
        thread.join(5)
        assert not thread.is_alive()


def test_unreadable_replies_are_retried_a_bounded_number_of_times(sim: Simulator, tmp_path: Path) -> None:
    options = SyncOptions(backoff=0.001, max_backoff=0.005, max_bad_replies=3)
    with log_in(sim, tmp_path, sync=options) as session:
        sim.faults.add("malformed", endpoint="webwxsync")
        sim.phone.send(("friend", ANN), "a message the session cannot read")
        with pytest.raises(SyncFailed, match="3 webwxsync/synccheck replies in a row could not be read"):
            session.wait_for(lambda m: False, timeout=10)
        sim.faults.clear()
        assert session.status.state == "failed"


def test_one_bad_item_is_quarantined_and_the_rest_applied(spec: Any, tmp_path: Path) -> None:
    def corrupt(path: str, body: bytes) -> bytes:
        if not path.endswith("/webwxsync"):
            return body
        reply = json.loads(body)
        for item in reply.get("AddMsgList", []):
            if "CORRUPT" in item.get("Content", ""):
                item["MsgType"] = "not a number"
        return json.dumps(reply, ensure_ascii=False).encode()

    with Simulator(spec, hold=0.3) as sim, RewritingProxy(sim.base_url, corrupt) as proxy:
        session = Session(proxy.base_url, data_dir=tmp_path, retry=FAST_RETRY).start()
        try:
            sim.phone.confirm(new_qr(sim, set()))
            session.wait_ready(10)
            bad = sim.phone.send(("friend", ANN), "CORRUPT me")
            good = sim.phone.send(("friend", ANN), "fine")
            session.wait_for(lambda m: m.msg_id == good, timeout=10)
            assert bad not in set(session.messages.msg_id)
            assert session.status.quarantined == 1 and session.status.state == "online"
            kept = session.quarantine
            assert kept.list_name.tolist() == ["AddMsgList"]
            assert json.loads(kept.raw[0])["MsgId"] == bad
            archive_dir = session.archive_path.parent if session.archive_path else tmp_path
            assert (archive_dir / "quarantine.jsonl").exists()
        finally:
            session.close()


def test_status_events_follow_the_state(sim: Simulator, tmp_path: Path) -> None:
    states: list[str] = []
    session = make_session(sim, tmp_path)
    session.on("status", lambda s: states.append(s.state))
    session.start()
    try:
        sim.phone.confirm(new_qr(sim, set()))
        session.wait_ready(10)
        sim.phone.logout()
        wait_until(lambda: session.status.state == "logged_out", what="logged out")
    finally:
        session.close()
    assert states[0] == "logging_in" and "online" in states and states[-2:] == ["logged_out", "closed"]


def test_a_sender_missing_from_a_known_room_refetches_the_room(spec: Any, tmp_path: Path) -> None:
    def hide_room_changes(path: str, body: bytes) -> bytes:
        if not path.endswith("/webwxsync"):
            return body
        reply = json.loads(body)
        reply["ModContactList"] = [c for c in reply["ModContactList"] if not c["UserName"].startswith("@@")]
        reply["ModContactCount"] = len(reply["ModContactList"])
        return json.dumps(reply, ensure_ascii=False).encode()

    newcomer = STRANGERS[3]
    with Simulator(spec, hold=0.3) as sim, RewritingProxy(sim.base_url, hide_room_changes) as proxy:
        session = Session(proxy.base_url, data_dir=tmp_path, retry=FAST_RETRY).start()
        try:
            sim.phone.confirm(new_qr(sim, set()))
            session.wait_ready(10)
            room_key = session.rooms.set_index("nickname").at["家人群 👨‍👩‍👧", "key"]
            sim.phone.add_members(SAVED_ROOM, [newcomer])  # the session does not hear of it...
            msg_id = sim.phone.send(("room", SAVED_ROOM), "hello all", sender=newcomer)
            session.wait_for(lambda m: m.msg_id == msg_id, timeout=10)  # ...until the newcomer writes
            row = session.messages.set_index("msg_id").loc[msg_id]
            assert row.sender_name == "成员10 🎈"
            assert (session.members.room_key == room_key).sum() == 5
        finally:
            session.close()
