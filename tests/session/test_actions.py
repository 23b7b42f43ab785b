"""send, mark_read, revoke, logout: what reaches the simulator, the journal and the tables."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pandas as pd
import pytest

from tests.session.conftest import log_in, make_session, new_qr, wait_until
from tests.sim.conftest import ANN, MING1, MING2, SAVED_ROOM, TOM
from wxnb.protocol.errors import OutcomeUnknown, RateLimited, RevokeRefused
from wxnb.protocol.records import Message
from wxnb.session import (
    AmbiguousRecipient,
    MessageNotFound,
    NotReady,
    RecipientNotFound,
    Session,
    SessionClosed,
)
from wxnb.sim.simulator import Simulator


def _key_of(session: Session, name: str) -> str:
    return str(session.contacts.set_index("display_name").at[name, "key"])


def test_send_by_name_lands_once_and_is_journalled(sim: Simulator, session: Session) -> None:
    seen: list[Message] = []
    session.on("message", seen.append)
    sent = session.send("Annie ✨", "晚上好 😄\nsee you")
    # In the table when send() returns, before any echo:
    rows = session.messages.set_index("msg_id")
    assert rows.at[sent.msg_id, "text"] == "晚上好 😄\nsee you" and bool(rows.at[sent.msg_id, "is_self"])
    assert rows.at[sent.msg_id, "chat_name"] == "Annie ✨"
    assert [m.msg_id for m in seen].count(sent.msg_id) == 1
    (out,) = sim.world.outbox_since(0)
    assert (out.chat, out.content, out.msg_id) == (("person", ANN), "晚上好 😄\nsee you", sent.msg_id)
    (record,) = session.store.archive.sends("sent") if session.store else []
    assert (record.msg_id, record.client_msg_id) == (sent.msg_id, out.client_msg_id)
    # The server's echo comes through the sync and is dropped as a duplicate.
    later = sim.phone.send(("friend", ANN), "after the echo")
    session.wait_for(lambda m: m.msg_id == later, timeout=10)
    assert (session.messages.msg_id == sent.msg_id).sum() == 1
    assert [m.msg_id for m in seen].count(sent.msg_id) == 1  # the echo fired no second event
    assert session.store is not None and session.store.archive.message_count() == len(session.messages)
    assert session.status.messages_received >= 2


def test_send_by_key_row_user_name_and_to_a_room(sim: Simulator, session: Session) -> None:
    tom = session.friends.set_index("nickname").loc["Tom & Jerry <3"]
    by_row = session.send(tom, "row")
    by_key = session.send(str(tom["key"]), "key")
    by_user = session.send(str(tom["user_name"]), "user name")
    to_room = session.send("家人群 👨‍👩‍👧", "room")
    reply = session.send(session.messages.iloc[-1], "a reply into the last chat")
    chats = [o.chat for o in sim.world.outbox_since(0)]
    assert chats == [("person", TOM)] * 3 + [("room", SAVED_ROOM)] * 2
    assert {by_row.chat, by_key.chat, by_user.chat} == {tom["user_name"]}
    assert to_room.is_group and reply.chat == to_room.chat


def test_recipient_errors_list_candidates_with_keys(sim: Simulator, session: Session) -> None:
    with pytest.raises(AmbiguousRecipient) as info:
        session.send("小明", "which one?")
    keys = {c.key for c in info.value.candidates}
    assert keys == {_key_of(session, "小明(同学)"), _key_of(session, "小明")}
    with pytest.raises(RecipientNotFound) as unknown:
        session.send("annie", "hi")
    # The closest name first (a room without a topic is named after its members, Annie among them).
    assert unknown.value.candidates[0].name == "Annie ✨"
    assert sim.world.outbox_since(0) == []
    session.send(_key_of(session, "小明"), "the one without a remark")
    assert sim.world.outbox_since(0)[0].chat == ("person", MING2)
    assert MING1 != MING2


def test_a_refused_send_is_journalled_as_failed(sim: Simulator, session: Session) -> None:
    sim.faults.set_budget("send", 0)
    with pytest.raises(RateLimited):
        session.send("Annie ✨", "too often")
    (record,) = session.store.archive.sends() if session.store else []
    assert record.status == "failed" and "1205" in (record.error or "")
    assert "too often" not in set(session.messages.text)


def test_revoke_by_record_row_and_msg_id(sim: Simulator, session: Session) -> None:
    first = session.send("Annie ✨", "oops 1")
    second = session.send("Annie ✨", "oops 2")
    third = session.send("Annie ✨", "oops 3")
    session.revoke(first)
    session.revoke(session.messages.set_index("msg_id", drop=False).loc[second.msg_id])
    session.revoke(third.msg_id)
    wait_until(
        lambda: (
            session.messages.set_index("msg_id")
            .loc[[first.msg_id, second.msg_id, third.msg_id]]
            .revoked.all()
        ),
        what="the three revokes to come back through the sync",
    )
    with pytest.raises(MessageNotFound):
        session.revoke("1234")
    incoming = sim.phone.send(("friend", ANN), "not yours")
    session.wait_for(lambda m: m.msg_id == incoming, timeout=10)
    with pytest.raises(RevokeRefused):
        session.revoke(incoming)


def test_mark_read_reaches_the_phone(sim: Simulator, session: Session) -> None:
    session.mark_read("Annie ✨")
    assert f"person:{ANN}" in sim.world.read_marks_view()


def test_logout_ends_the_server_session_and_forgets_the_credentials(sim: Simulator, tmp_path: Path) -> None:
    session = log_in(sim, tmp_path)
    hello = sim.phone.send(("friend", ANN), "before the logout")
    session.wait_for(lambda m: m.msg_id == hello, timeout=10)
    account = session.account
    assert account is not None
    credentials = tmp_path / account / "credentials.json"
    assert credentials.exists()
    session.logout()
    assert session.status.state == "closed"
    assert session.status.logout_reason == "logged out with session.logout()"
    assert not credentials.exists()
    assert sim.world.current is None or not sim.world.current.live
    with pytest.raises(SessionClosed):
        session.send("Annie ✨", "after logout")
    assert hello in set(session.messages.msg_id)  # the tables stay readable


def test_actions_before_login_say_to_wait(sim: Simulator, tmp_path: Path) -> None:
    session = make_session(sim, tmp_path).start()
    try:
        with pytest.raises(NotReady, match="wait_ready"):
            session.send("Annie ✨", "too early")
        assert session.messages.empty and {"key", "user_name"} <= set(session.contacts.columns)
        sim.phone.confirm(new_qr(sim, set()))
        session.wait_ready(10)
    finally:
        session.close()
    with pytest.raises(ValueError, match="non-empty"):
        session.send("Annie ✨", "")


def test_a_send_whose_fate_is_unknown_stays_pending_in_the_journal(sim: Simulator, session: Session) -> None:
    sim.faults.add("http_502", endpoint="webwxsendmsg", times=1)
    with pytest.raises(OutcomeUnknown) as info:
        session.send("Annie ✨", "did it go?")
    (pending,) = session.pending_sends()
    assert (pending.content, pending.status) == ("did it go?", "pending")
    assert info.value.client_msg_id == pending.client_msg_id  # journalled before the request went out
    assert "did it go?" not in set(session.messages.text)


def test_credentials_are_kept_private_and_out_of_every_repr(sim: Simulator, session: Session) -> None:
    assert session.account is not None and session.archive_path is not None
    path = session.archive_path.parent / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    secrets = [saved["sid"], saved["skey"], str(saved["uin"]), saved["pass_ticket"]]
    shown = repr(session) + repr(session.status) + session.status.describe() + repr(session.login_events)
    assert not [s for s in secrets if s and s in shown]


def test_export_parquet_writes_the_archive(sim: Simulator, session: Session, tmp_path: Path) -> None:
    msg_id = sim.phone.send(("friend", ANN), "to parquet")
    session.wait_for(lambda m: m.msg_id == msg_id, timeout=10)
    written = session.export_parquet(tmp_path / "out")
    assert msg_id in set(pd.read_parquet(written["messages"]).msg_id)
    assert len(pd.read_parquet(written["contacts"])) == len(session.contacts)
