"""session.chat(): the chat widget against the simulator, over real HTTP.

What a contact writes appears in the open widget; a send from the widget lands in the simulator's
outbox exactly once and is acknowledged with the server's MsgID; a refused send comes back as data;
opening a conversation marks it read; the conversation list follows the traffic.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.frontend import ensure_bundle
from tests.session.conftest import FAST_RETRY, FAST_SYNC, new_qr, wait_until
from tests.sim.conftest import ANN, ME, SAVED_ROOM, TOM, UNSAVED_ROOM, make_spec
from wxnb.notebook import NotebookSession
from wxnb.notebook.chat_view import NotebookChatView
from wxnb.session import RecipientNotFound
from wxnb.sim.simulator import Simulator
from wxnb.sim.spec import WorldSpec
from wxnb.widgets.chat import ChatWidget

ensure_bundle()


@pytest.fixture
def nb(sim: Simulator, tmp_path: Path) -> Iterator[NotebookSession]:
    """A NotebookSession logged in to ``sim``."""
    known = {p.uuid for p in sim.phone.pending_logins()}
    session = NotebookSession(sim.base_url, data_dir=tmp_path, retry=FAST_RETRY, sync=FAST_SYNC).start()
    try:
        sim.phone.confirm(new_qr(sim, known))
        session.wait_ready(10)
        yield session
    finally:
        session.close()


def capture(widget: ChatWidget) -> list[dict[str, object]]:
    sent: list[dict[str, object]] = []
    widget.send = lambda content, buffers=None: sent.append(content)  # the comm boundary, not the logic
    return sent


def rows_of(sent: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    """The conversation rows the view got from "rows" messages, latest per id."""
    return {str(r["id"]): r for c in sent if c["type"] == "rows" for r in c["rows"]}  # type: ignore[attr-defined]


def key_of(session: NotebookSession, name: str) -> str:
    return str(session.contacts.set_index("display_name").at[name, "key"])


def test_a_contacts_message_appears_in_the_open_conversation(sim: Simulator, nb: NotebookSession) -> None:
    widget = nb.chat("Annie ✨")
    sent = capture(widget)
    assert widget.single and widget.open_chat == key_of(nb, "Annie ✨")
    assert nb.me is not None and widget.me == nb.me.nickname  # its @mentions are highlighted
    assert [c["name"] for c in widget.conversations] == ["Annie ✨"]
    msg_id = sim.phone.send(("friend", ANN), "are you there? <b>x</b>")
    appended = wait_until(
        lambda: [m for c in sent if c["type"] == "append" for m in c["messages"] if m["id"] == msg_id],  # type: ignore[attr-defined]
        what="the message in the widget",
    )
    assert appended[0]["text"] == "are you there? <b>x</b>" and appended[0]["self"] is False
    assert [m["id"] for m in widget.current_window][-1] == msg_id


def test_a_send_from_the_widget_lands_once_and_is_acknowledged(sim: Simulator, nb: NotebookSession) -> None:
    widget = nb.chat("Annie ✨")
    sent = capture(widget)
    before = len(sim.world.outbox_since(0))
    widget._handle_custom_msg(
        {"type": "send", "chat": widget.open_chat, "text": "晚上好\nok", "cid": "c1"}, []
    )
    ack = wait_until(lambda: next((c for c in sent if c["type"] == "ack"), None), what="the ack")
    assert ack["ok"] is True and ack["cid"] == "c1"
    out = sim.world.outbox_since(before)
    assert [(o.content, o.msg_id) for o in out] == [("晚上好\nok", ack["msg_id"])]
    # The echo of the sent message reached the view once (before the ack), and the window holds it once.
    echoes = [m for c in sent if c["type"] == "append" for m in c["messages"] if m["id"] == ack["msg_id"]]  # type: ignore[attr-defined]
    assert len(echoes) == 1 and echoes[0]["self"] is True
    assert [m["id"] for m in widget.current_window].count(ack["msg_id"]) == 1
    assert int((nb.messages.msg_id == ack["msg_id"]).sum()) == 1


def test_a_refused_send_comes_back_as_data(sim: Simulator, nb: NotebookSession) -> None:
    widget = nb.chat("Annie ✨")
    sent = capture(widget)
    sim.faults.set_budget("send", 0)
    widget._handle_custom_msg(
        {"type": "send", "chat": widget.open_chat, "text": "too often", "cid": "c9"}, []
    )
    ack = wait_until(lambda: next((c for c in sent if c["type"] == "ack"), None), what="the ack")
    assert ack["ok"] is False and ack["cid"] == "c9" and "1205" in str(ack["error"])
    assert sim.world.outbox_since(0) == []


def test_the_list_follows_traffic_unread_counts_and_opening_clears_them(
    sim: Simulator, nb: NotebookSession
) -> None:
    widget = nb.chat()
    sent = capture(widget)
    assert not widget.single and widget.open_chat == ""
    sim.phone.send(("friend", TOM), "one")
    sim.phone.send(("friend", TOM), "two")

    def tom_row() -> dict[str, object] | None:
        widget.flush()
        return next((c for c in rows_of(sent).values() if c.get("unread") == 2), None)

    row = wait_until(tom_row, what="two unread in a row of the list")
    assert row["preview"] == "two" and row["kind"] == "person"
    before = len(sim.world.outbox_since(0))
    widget._handle_custom_msg({"type": "open", "chat": row["id"]}, [])
    assert widget.open_chat == row["id"] and [m["text"] for m in widget.window][-2:] == ["one", "two"]
    widget.flush()
    assert "unread" not in rows_of(sent)[str(row["id"])]
    # Marked read on the server (webwxstatusnotify Code 1), from the view's worker thread.
    wait_until(lambda: f"person:{TOM}" in sim.world.read_marks_view(), what="the read mark on the server")
    assert sim.world.outbox_since(before) == []  # marking read sends no message


def test_an_untitled_room_is_named_after_its_members(sim: Simulator, nb: NotebookSession) -> None:
    widget = nb.chat()
    sent = capture(widget)
    sim.phone.send(("room", UNSAVED_ROOM), "hello all", sender=ANN)

    def room_row() -> dict[str, object] | None:
        widget.flush()
        return next(
            (c for c in rows_of(sent).values() if str(c.get("preview", "")).endswith("hello all")), None
        )

    row = wait_until(room_row, what="the room's row")
    assert row["kind"] == "room" and "、" in str(row["name"]) and not str(row["name"]).startswith("@@")
    chat_names = set(nb.messages[nb.messages.text == "hello all"].chat_name)
    assert chat_names == {row["name"]}


def test_load_earlier_pages_back_from_the_oldest_message_held(sim: Simulator, nb: NotebookSession) -> None:
    ids = [sim.phone.send(("room", SAVED_ROOM), f"n{i}", sender=TOM) for i in range(7)]
    wait_until(lambda: set(ids) <= set(nb.messages.msg_id), what="the seven messages")
    widget = ChatWidget(window_size=3)
    view = NotebookChatView(widget, nb)
    try:
        sent = capture(widget)
        room = str(nb.messages.set_index("msg_id").at[ids[0], "chat_key"])
        view.open(room)
        assert [m["id"] for m in widget.window] == ids[-3:] and widget.has_earlier
        widget._handle_custom_msg({"type": "earlier", "chat": room, "before": ids[-3]}, [])
        page = sent[-1]
        assert page["type"] == "earlier" and [m["id"] for m in page["messages"]] == ids[1:4]  # type: ignore[attr-defined]
        assert page["has_earlier"] is True
    finally:
        view.detach()


def test_a_name_that_matches_nobody_makes_no_widget(nb: NotebookSession) -> None:
    with pytest.raises(RecipientNotFound):
        nb.chat("nobody at all")


def test_a_picture_is_fetched_on_demand_and_sent_as_a_data_url(sim: Simulator, nb: NotebookSession) -> None:
    widget = nb.chat("Annie ✨")
    sent = capture(widget)
    msg_id = sim.phone.send(("friend", ANN), kind="image")
    wait_until(lambda: msg_id in {m["id"] for m in widget.current_window}, what="the image in the window")
    widget._handle_custom_msg({"type": "media", "chat": widget.open_chat, "id": msg_id}, [])
    answer = wait_until(lambda: next((c for c in sent if c["type"] == "media"), None), what="the picture")
    assert answer["id"] == msg_id and str(answer["url"]).startswith("data:image/jpeg;base64,/9j/")
    text = nb.send("Annie ✨", "not a picture")
    widget._handle_custom_msg({"type": "media", "chat": widget.open_chat, "id": text.msg_id}, [])
    refused = wait_until(
        lambda: next((c for c in sent if c["type"] == "media" and c["id"] == text.msg_id), None),
        what="the refusal",
    )
    assert "url" not in refused and refused["error"]


def test_a_closed_widget_stops_following_the_session(sim: Simulator, nb: NotebookSession) -> None:
    widget = nb.chat("Annie ✨")
    sent = capture(widget)
    widget.close()
    seen: list[str] = []
    nb.on("message", lambda m: seen.append(m.msg_id))
    msg_id = sim.phone.send(("friend", ANN), "after the close")
    wait_until(lambda: msg_id in seen, what="the message in the session")
    assert [c for c in sent if c["type"] == "append"] == []
    assert msg_id not in {m["id"] for m in widget.current_window}  # the view no longer feeds it


def test_a_revoked_message_is_shown_revoked(sim: Simulator, nb: NotebookSession) -> None:
    widget = nb.chat("Annie ✨")
    sent = capture(widget)
    msg_id = sim.phone.send(("friend", ANN), "oops")
    wait_until(lambda: msg_id in {m["id"] for m in widget.current_window}, what="the message")
    sim.phone.revoke(msg_id)

    def revoked() -> bool:
        return any(m.get("revoked") for m in widget.current_window if m["id"] == msg_id)

    wait_until(revoked, what="the message marked revoked")
    marked = [m for c in sent if c["type"] == "append" for m in c["messages"] if m["id"] == msg_id]  # type: ignore[attr-defined]
    assert marked[-1]["revoked"] is True
    notices = [m for m in widget.current_window if m["type"] == "revoke"]
    assert len(notices) == 1 and notices[0]["text"]


def test_download_saves_the_file_and_says_where(sim: Simulator, nb: NotebookSession, tmp_path: Path) -> None:
    msg_id = sim.phone.send(
        ("friend", ANN), kind="file", fields={"file_name": "notes.txt", "file_size": 5000}
    )
    wait_until(lambda: msg_id in set(nb.messages.msg_id), what="the file message")
    widget = ChatWidget()
    view = NotebookChatView(widget, nb, downloads=tmp_path / "dl")
    try:
        sent = capture(widget)
        widget._handle_custom_msg({"type": "download", "chat": "p:x", "id": msg_id}, [])
        text = nb.send("Annie ✨", "not a file")
        widget._handle_custom_msg({"type": "download", "chat": "p:x", "id": text.msg_id}, [])

        def replies() -> list[dict[str, object]] | None:
            found = [c for c in sent if c["type"] == "download"]
            return found if len(found) == 2 else None

        saved, refused = wait_until(replies, what="two download replies")
        assert saved == {"type": "download", "id": msg_id, "path": str(tmp_path / "dl" / "notes.txt")}
        assert (tmp_path / "dl" / "notes.txt").stat().st_size == 5000
        assert refused["id"] == text.msg_id and "not a file" in str(refused["error"])
    finally:
        view.detach()


def test_a_room_senders_avatar_is_fetched_once_and_sent_as_a_data_url(
    sim: Simulator, nb: NotebookSession
) -> None:
    msg_id = sim.phone.send(("room", SAVED_ROOM), "hi all", sender=TOM)
    wait_until(lambda: msg_id in set(nb.messages.msg_id), what="the room message")
    row = nb.messages.set_index("msg_id").loc[msg_id]
    widget = nb.chat(str(row["chat_key"]))
    sent = capture(widget)
    ask = {"type": "avatar", "chat": widget.open_chat, "sender": str(row["sender"])}
    widget._handle_custom_msg(ask, [])
    answer = wait_until(lambda: next((c for c in sent if c["type"] == "avatar"), None), what="the avatar")
    assert answer["sender"] == row["sender"] and str(answer["url"]).startswith("data:image/jpeg;base64,/9j/")
    # Kept per sender: a second view's request is answered at once, with the same picture.
    widget._handle_custom_msg(ask, [])
    assert [c for c in sent if c["type"] == "avatar"] == [answer, answer]
    # Not a UserName: no request, a reason as data (the view keeps the initials).
    widget._handle_custom_msg({**ask, "sender": "wxid_tom"}, [])
    refused = wait_until(
        lambda: next((c for c in sent if c["type"] == "avatar" and c["sender"] == "wxid_tom"), None),
        what="the refusal",
    )
    assert "url" not in refused and refused["error"]


def test_mentions_are_marked_with_the_accounts_nickname_where_it_has_no_room_name(
    sim: Simulator, nb: NotebookSession
) -> None:
    assert nb.me is not None
    widget = nb.chat(key_of(nb, "家人群 👨‍👩‍👧"))
    assert widget.me == nb.me.nickname


def named_in_the_room() -> WorldSpec:
    spec = make_spec()
    spec.rooms[SAVED_ROOM].display_names[ME] = "小熊猫 <b>"
    return spec


@pytest.mark.parametrize("spec", [named_in_the_room()])
def test_mentions_are_marked_with_the_accounts_name_in_the_room(
    spec: WorldSpec, sim: Simulator, nb: NotebookSession
) -> None:
    assert nb.me is not None
    widget = nb.chat(key_of(nb, "家人群 👨‍👩‍👧"))
    assert widget.me == "小熊猫 <b>"  # as members write it after "@"
    assert nb.chat("Annie ✨").me == nb.me.nickname  # a person's chat: the nickname


def test_voice_and_video_bubbles_carry_their_length_live_and_when_opened(
    sim: Simulator, nb: NotebookSession
) -> None:
    voice = sim.phone.send(("friend", ANN), kind="voice", fields={"voice_length_ms": 7250})
    wait_until(lambda: voice in set(nb.messages.msg_id), what="the voice message")
    widget = nb.chat("Annie ✨")
    sent = capture(widget)
    opened = {m["id"]: m for m in widget.window}
    assert opened[voice]["type"] == "voice" and opened[voice]["dur"] == 7.25
    video = sim.phone.send(("friend", ANN), kind="video", fields={"play_length_s": 62})
    text = sim.phone.send(("friend", ANN), "and a text")

    def appended() -> dict[str, dict[str, object]]:
        return {m["id"]: m for c in sent if c["type"] == "append" for m in c["messages"]}  # type: ignore[attr-defined]

    live = wait_until(lambda: appended() if {video, text} <= appended().keys() else None, what="both bubbles")
    assert live[video]["dur"] == 62.0
    assert "dur" not in live[text]
