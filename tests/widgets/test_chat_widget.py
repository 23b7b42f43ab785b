"""ChatWidget's model: traits for a fresh view, custom messages for what happens after, errors as data."""

from __future__ import annotations

import pytest

from tests.widgets.conftest import FakeTime
from wxnb.widgets.chat import ChatWidget, ConversationView, MessageView
from wxnb.widgets.errors import InvalidImageDataUrl, WidgetInputError

T0 = 1_700_000_000


def message(i: int, *, is_self: bool = False, text: str | None = None, **extra: object) -> MessageView:
    return MessageView(
        str(i),
        T0 + i,
        "@me" if is_self else "@ann",
        "Ann",
        is_self,
        "text",
        text or f"m{i}",
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def widget(fake_time: FakeTime) -> ChatWidget:
    return ChatWidget(window_size=3, clock=fake_time.clock, schedule=fake_time.schedule)


@pytest.fixture
def sent(widget: ChatWidget) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    widget.send = lambda content, buffers=None: out.append(content)  # the comm boundary, not the logic
    return out


def test_the_synced_state_is_the_documented_schema(widget: ChatWidget) -> None:
    synced = set(widget.get_state()) - {"_esm", "_css", "_anywidget_id"}
    ours = {
        name for name in synced if not name.startswith("_") and name not in {"layout", "tabbable", "tooltip"}
    }
    assert ours == {"conversations", "open_chat", "window", "has_earlier", "single", "me"}


def test_opening_keeps_only_the_last_window(widget: ChatWidget) -> None:
    widget.show_conversation("p:a", [message(i) for i in range(5)], has_earlier=True)
    assert widget.open_chat == "p:a" and widget.has_earlier
    assert [m["id"] for m in widget.window] == ["2", "3", "4"]
    first = {"id": "2", "t": (T0 + 2) * 1000, "sender": "@ann", "name": "Ann", "self": False, "type": "text"}
    assert widget.window[0] == {**first, "text": "m2"}


def test_appends_are_small_messages_and_a_new_view_gets_them_with_hello(
    widget: ChatWidget, sent: list[dict[str, object]]
) -> None:
    widget.show_conversation("p:a", [message(1)])
    widget.append("p:a", [message(2), message(3)])
    widget.append("p:b", [message(9)])  # not the open one: nothing sent
    assert sent == [
        {"type": "append", "chat": "p:a", "messages": [m.to_wire() for m in (message(2), message(3))]}
    ]
    assert [m["id"] for m in widget.window] == ["1"]  # the list trait is not re-sent per append
    widget._handle_custom_msg({"type": "hello"}, [])
    assert sent[-1] == {
        "type": "window",
        "chat": "p:a",
        "messages": [m.to_wire() for m in map(message, (1, 2, 3))],
        "conversations": [],
    }
    widget.append("p:a", [message(4), message(5)])
    assert [m["id"] for m in widget.current_window] == ["3", "4", "5"]  # bounded


def test_a_revoke_replaces_the_message_in_the_window(
    widget: ChatWidget, sent: list[dict[str, object]]
) -> None:
    widget.show_conversation("p:a", [message(1)])
    widget.append("p:a", [message(1, revoked=True)])
    assert widget.current_window == [{**message(1).to_wire(), "revoked": True}]


def test_send_requests_reach_the_callback_and_acks_go_back(
    widget: ChatWidget, sent: list[dict[str, object]]
) -> None:
    asked: list[tuple[str, str, str]] = []
    widget.on_send(lambda chat, text, cid: asked.append((chat, text, cid)))
    widget._handle_custom_msg({"type": "send", "chat": "p:a", "text": "hi", "cid": "c1"}, [])
    assert asked == [("p:a", "hi", "c1")]
    widget.ack("c1", msg_id="900")
    widget.ack("c2", error="rate limited")
    assert sent == [
        {"type": "ack", "cid": "c1", "ok": True, "msg_id": "900"},
        {"type": "ack", "cid": "c2", "ok": False, "error": "rate limited"},
    ]


def test_an_empty_send_or_one_without_a_session_fails_as_data(
    widget: ChatWidget, sent: list[dict[str, object]]
) -> None:
    widget._handle_custom_msg({"type": "send", "chat": "p:a", "text": "  \n", "cid": "c1"}, [])
    widget._handle_custom_msg({"type": "send", "chat": "p:a", "text": "hi", "cid": "c2"}, [])
    assert [(m["cid"], m["ok"]) for m in sent] == [("c1", False), ("c2", False)]
    assert "empty" in str(sent[0]["error"]) and "session" in str(sent[1]["error"])


def test_open_and_earlier_requests_reach_their_callbacks(
    widget: ChatWidget, sent: list[dict[str, object]]
) -> None:
    opened: list[str] = []
    earlier: list[tuple[str, str]] = []
    widget.on_open(opened.append)
    unsubscribe = widget.on_earlier(lambda chat, before: earlier.append((chat, before)))
    widget._handle_custom_msg({"type": "open", "chat": "p:a"}, [])
    widget._handle_custom_msg({"type": "earlier", "chat": "p:a", "before": "7"}, [])
    unsubscribe()
    widget._handle_custom_msg({"type": "earlier", "chat": "p:a", "before": "3"}, [])
    widget._handle_custom_msg({"type": "open"}, [])  # no chat: ignored
    assert opened == ["p:a"] and earlier == [("p:a", "7")]
    widget.earlier("p:a", [message(0)], has_earlier=False)
    assert sent[-1] == {
        "type": "earlier",
        "chat": "p:a",
        "messages": [message(0).to_wire()],
        "has_earlier": False,
    }


def test_row_updates_are_small_coalesced_messages_and_a_new_view_gets_the_list(
    widget: ChatWidget, sent: list[dict[str, object]], fake_time: FakeTime
) -> None:
    widget.set_conversations([ConversationView("p:a", "Ann", "person", last_time=T0)])
    assert [c["name"] for c in widget.conversations] == ["Ann"]
    for i in range(5):
        widget.update_conversations(
            [ConversationView("p:a", "Ann", "person", unread=i + 1, last_time=T0 + i)]
        )
    widget.update_conversations([ConversationView("p:b", "Bob", "person", last_time=T0)])
    latest = {"id": "p:a", "name": "Ann", "kind": "person", "last_ms": (T0 + 4) * 1000, "unread": 5}
    bob = {"id": "p:b", "name": "Bob", "kind": "person", "last_ms": T0 * 1000}
    # The first at once, the rest within the next slot, latest values only; the trait is not re-sent.
    assert sent == [{"type": "rows", "rows": [{**latest, "last_ms": T0 * 1000, "unread": 1}]}]
    fake_time.advance(0.2)
    assert sent[1:] == [{"type": "rows", "rows": [latest, bob]}]
    assert [c["name"] for c in widget.conversations] == ["Ann"] and "unread" not in widget.conversations[0]
    assert widget.current_conversations == [latest, bob]
    widget._handle_custom_msg({"type": "hello"}, [])
    assert sent[-1]["conversations"] == [latest, bob]


def test_bad_rows_get_typed_errors(widget: ChatWidget) -> None:
    with pytest.raises(WidgetInputError, match="kind"):
        widget.set_conversations([ConversationView("p:a", "Ann", "robot")])
    with pytest.raises(WidgetInputError, match="unread"):
        widget.set_conversations([ConversationView("p:a", "Ann", "person", unread=-1)])
    with pytest.raises(WidgetInputError, match="time"):
        widget.show_conversation("p:a", [MessageView("1", float("nan"), "@a", "A", False, "text")])
    with pytest.raises(WidgetInputError, match="window_size"):
        ChatWidget(window_size=0)


def test_picture_requests_reach_the_callback_and_only_image_data_urls_go_back(
    widget: ChatWidget, sent: list[dict[str, object]]
) -> None:
    asked: list[tuple[str, str]] = []
    widget.on_media(lambda chat, msg_id: asked.append((chat, msg_id)))
    widget._handle_custom_msg({"type": "media", "chat": "p:a", "id": "42"}, [])
    widget._handle_custom_msg({"type": "media", "chat": "p:a"}, [])  # no id: ignored
    assert asked == [("p:a", "42")]
    jpeg = "data:image/jpeg;base64,/9j/4AAQSkZJRg=="
    widget.media("42", url=jpeg)
    widget.media("43", error="no picture for a text message")
    assert sent == [
        {"type": "media", "id": "42", "url": jpeg},
        {"type": "media", "id": "43", "error": "no picture for a text message"},
    ]
    with pytest.raises(InvalidImageDataUrl):
        widget.media("44", url="https://example.com/x.jpg")
    assert len(sent) == 2


def test_download_requests_reach_the_callback_and_the_outcome_goes_back(
    widget: ChatWidget, sent: list[dict[str, object]]
) -> None:
    asked: list[tuple[str, str]] = []
    widget.on_download(lambda chat, msg_id: asked.append((chat, msg_id)))
    widget._handle_custom_msg({"type": "download", "chat": "p:a", "id": "42"}, [])
    assert asked == [("p:a", "42")]
    widget.downloaded("42", path="downloads/a.pdf")
    widget.downloaded("43", error="HTTP 404 Not Found")
    assert sent == [
        {"type": "download", "id": "42", "path": "downloads/a.pdf"},
        {"type": "download", "id": "43", "error": "HTTP 404 Not Found"},
    ]


def test_avatar_requests_reach_the_callback_and_only_image_data_urls_go_back(
    widget: ChatWidget, sent: list[dict[str, object]]
) -> None:
    asked: list[tuple[str, str]] = []
    widget.on_avatar(lambda chat, sender: asked.append((chat, sender)))
    widget._handle_custom_msg({"type": "avatar", "chat": "r:a", "sender": "@bob"}, [])
    widget._handle_custom_msg({"type": "avatar", "chat": "r:a"}, [])  # no sender: ignored
    assert asked == [("r:a", "@bob")]
    jpeg = "data:image/jpeg;base64,/9j/4AAQSkZJRg=="
    widget.avatar("@bob", url=jpeg)
    widget.avatar("@eve", error="HTTP 404")
    assert sent == [
        {"type": "avatar", "sender": "@bob", "url": jpeg},
        {"type": "avatar", "sender": "@eve", "error": "HTTP 404"},
    ]
    with pytest.raises(InvalidImageDataUrl):
        widget.avatar("@bob", url="https://example.com/face.jpg")
    assert len(sent) == 2


def test_opening_a_conversation_sets_the_name_whose_mentions_are_marked(widget: ChatWidget) -> None:
    widget.me = "Me"
    widget.show_conversation("r:a", [message(1)], me="小明在群里")
    assert widget.me == "小明在群里"
    widget.show_conversation("p:b", [message(2)])  # None: kept
    assert widget.me == "小明在群里"
    with pytest.raises(WidgetInputError):
        widget.show_conversation("r:a", [], me=3)  # type: ignore[arg-type]


def test_the_plain_text_form_says_what_it_is_and_shows_no_message(widget: ChatWidget) -> None:
    assert repr(widget) == "wxnb chat: no conversations"
    ann = ConversationView("p:a", "Ann", "person", unread=2)
    widget.set_conversations([ann, ConversationView("r:b", "Club", "room", unread=1)])
    widget.show_conversation("p:a", [message(1, text="a private word")])
    shown = repr(widget)
    assert shown == "wxnb chat: 2 conversations, 3 unread · open: Ann"
    assert "private" not in widget._repr_mimebundle_()[0]["text/plain"]  # type: ignore[index]
