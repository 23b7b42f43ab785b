"""The chat view in real Chromium: every message type, hostile text, the composer, sends and acks.

Model states come from the real ChatWidget (Python), so what Python sends is what the view accepts.
Screenshots (light and dark) go to test-output/.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from tests.browser.harness_page import T0_MS, Harness
from tests.browser.waits import RENDER, text_of, wait_for_js
from tests.pictures import png_bytes
from wxnb.protocol.records import CATEGORIES
from wxnb.widgets.chat import ChatWidget, ConversationView, MessageView

T0_S = T0_MS / 1000
SCHEMA = ("conversations", "open_chat", "window", "has_earlier", "single", "me")
ROOM = "r:0123456789ab"

XSS = [
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=1</script>",
    '"><svg onload="window.__pwned=1">',
    "<iframe src=javascript:window.__pwned=1></iframe>",
    "javascript:window.__pwned=1",
    "&lt;b&gt;entity&lt;/b&gt; <b>bold</b>",
    "{{constructor.constructor('window.__pwned=1')()}}",
]


def chat_state(
    conversations: list[ConversationView], chat: str, messages: list[MessageView]
) -> dict[str, Any]:
    widget = ChatWidget(min_interval=0)
    try:
        widget.set_conversations(conversations)
        widget.show_conversation(chat, messages)
        widget.flush()
        full = widget.get_state()
        return {k: full[k] for k in SCHEMA}
    finally:
        widget.close()


def mount(h: Harness, state: dict[str, Any]) -> None:
    h.page.add_style_tag(url=f"{h.base_url}/static/chat.css")
    h.page.evaluate(
        "([url, state]) => window.harness.mount(url, state, {})", [f"{h.base_url}/static/chat.js", state]
    )
    wait_for_js(h.page, "() => document.querySelector('.wxnb-chat') !== null", deadline=RENDER)


def custom(h: Harness, content: dict[str, Any]) -> None:
    h.page.evaluate("(c) => window.harness.current.model.emit('msg:custom', c, [])", content)
    h.tick(50)  # the pane redraws on the next animation frame


def texts(h: Harness, selector: str) -> list[str]:
    """The textContent of every element matching ``selector``, in document order."""
    return list(h.page.evaluate("(s) => [...document.querySelectorAll(s)].map(n => n.textContent)", selector))


def types(h: Harness, selector: str) -> list[str]:
    """The data-type of every element matching ``selector``."""
    return list(
        h.page.evaluate("(s) => [...document.querySelectorAll(s)].map(n => n.dataset.type)", selector)
    )


def sent(h: Harness) -> list[dict[str, Any]]:
    return list(h.page.evaluate("() => window.harness.current.model.sent"))


def one_of_each(t0: float = T0_S - 3600) -> list[MessageView]:
    out = []
    for i, category in enumerate(CATEGORIES):
        out.append(
            MessageView(
                str(1000 + i), t0 + i * 10, "@ann", "Ann", i % 3 == 0, category, text=f"{category} body",
                url="https://example.com/a" if category == "link" else "",
                file_name="report.pdf" if category == "file" else "",
            )
        )  # fmt: skip
    return out


def conversations() -> list[ConversationView]:
    return [
        ConversationView(ROOM, "家人群 👨‍👩‍👧", "room", pinned=True, last_time=T0_S - 60, preview="Ann: hi"),
        ConversationView(
            "p:000000000001", "Annie ✨", "person", remark="Annie ✨", unread=3, last_time=T0_S - 30
        ),
        ConversationView("p:000000000002", "Tom", "person", unread=120, last_time=T0_S - 10),
    ]


def test_every_message_type_is_drawn_as_what_it_is(harness: Harness, screenshots: Path) -> None:
    messages = one_of_each()
    mount(harness, chat_state(conversations(), ROOM, messages))
    page = harness.page
    assert sorted(types(harness, ".wxnb-chat__bubble, .wxnb-chat__notice")) == sorted(CATEGORIES)
    notices = page.evaluate(
        "() => [...document.querySelectorAll('.wxnb-chat__notice')].map(n => n.dataset.type)"
    )
    assert sorted(notices) == ["revoke", "status", "system"]
    assert text_of(page, ".wxnb-chat__bubble[data-type='image'] .wxnb-chat__label") == "[Photo]"
    assert text_of(page, ".wxnb-chat__bubble[data-type='file'] .wxnb-chat__file") == "report.pdf"
    link = page.locator(".wxnb-chat__bubble[data-type='link'] a")
    assert (
        link.get_attribute("href") == "https://example.com/a"
        and link.get_attribute("rel") == "noopener noreferrer"
    )
    # Own messages on the right, others' on the left; the room shows sender names.
    assert (
        page.locator(".wxnb-chat__msg--self").count() > 0
        and page.locator(".wxnb-chat__msg--other").count() > 0
    )
    assert "Ann" in page.evaluate(
        "() => [...document.querySelectorAll('.wxnb-chat__sender')].map(n => n.textContent)"
    )
    # The list: pinned first, then by activity; badges capped.
    names = page.evaluate("() => [...document.querySelectorAll('.wxnb-chat__name')].map(n => n.textContent)")
    assert names == ["家人群 👨‍👩‍👧", "Tom", "Annie ✨"]
    badges = page.evaluate(
        "() => [...document.querySelectorAll('.wxnb-chat__badge')].map(n => n.textContent)"
    )
    assert badges == ["99+", "3"]
    assert page.locator(".wxnb-chat__day").count() >= 1
    harness.page.locator(".wxnb-chat").screenshot(
        path=str(screenshots / "chat-light.png"), animations="disabled"
    )
    harness.theme("dark")
    harness.page.locator(".wxnb-chat").screenshot(
        path=str(screenshots / "chat-dark.png"), animations="disabled"
    )


@pytest.mark.parametrize("payload", XSS)
def test_hostile_names_texts_file_names_and_links_are_text_and_run_nothing(
    harness: Harness, payload: str
) -> None:
    dialogs: list[str] = []
    harness.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    convs = [
        ConversationView(
            ROOM, payload, "room", remark=payload, alias=payload, preview=payload, last_time=T0_S
        )
    ]
    messages = [
        MessageView("1", T0_S - 5, "@x", payload, False, "text", payload),
        MessageView("2", T0_S - 4, "@x", payload, False, "file", payload, file_name=payload),
        MessageView("3", T0_S - 3, "@x", payload, False, "link", payload, url=payload),
        MessageView("4", T0_S - 2, "@x", payload, False, "system", payload),
        MessageView(
            "5", T0_S - 1, "@x", payload, False, "link", payload, url=f"https://example.com/?q={payload}"
        ),
    ]
    mount(harness, chat_state(convs, ROOM, messages))
    custom(
        harness,
        {
            "type": "append",
            "chat": ROOM,
            "messages": [MessageView("6", T0_S, "@x", payload, False, "text", payload).to_wire()],
        },
    )
    page = harness.page
    assert text_of(page, ".wxnb-chat__name") == payload
    assert text_of(page, ".wxnb-chat__header") == payload
    assert text_of(page, ".wxnb-chat__file") == payload
    assert text_of(page, ".wxnb-chat__notice") == payload
    assert texts(harness, '.wxnb-chat__msg[data-id="6"] .wxnb-chat__text') == [payload]
    # Every element in the view is one chat.js made (class wxnb-chat*): none came from the text.
    injected = page.evaluate(
        "() => [...document.querySelectorAll('.wxnb-chat *')]"
        ".filter(n => !String(n.className).startsWith('wxnb-chat')).length"
    )
    assert injected == 0
    hrefs = page.evaluate("() => [...document.querySelectorAll('.wxnb-chat a')].map(a => a.href)")
    assert all(h.startswith("https://example.com/") for h in hrefs)
    harness.tick(100)
    assert page.evaluate("() => window.__pwned") is None and dialogs == []
    assert all(url.startswith((harness.base_url, "data:")) for url in harness.requests)


def open_composer(h: Harness) -> None:
    mount(
        h,
        chat_state(
            conversations(),
            "p:000000000001",
            [MessageView("1", T0_S - 60, "@ann", "Ann", False, "text", "hi")],
        ),
    )
    h.page.click(".wxnb-chat__input")


def sends(h: Harness) -> list[dict[str, Any]]:
    return [m for m in sent(h) if m.get("type") == "send"]


def test_enter_sends_shift_enter_adds_a_line_and_an_input_method_enter_sends_nothing(
    harness: Harness,
) -> None:
    open_composer(harness)
    page = harness.page
    page.keyboard.type("line one")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("line two")
    assert sends(harness) == []
    # An input method composing: its Enter picks a candidate (isComposing, keyCode 229).
    page.evaluate(
        """() => {
          const input = document.querySelector('.wxnb-chat__input');
          input.dispatchEvent(new CompositionEvent('compositionstart', {data: ''}));
          const key = (init) => input.dispatchEvent(new KeyboardEvent('keydown', {bubbles: true, ...init}));
          key({key: 'Enter', keyCode: 229, isComposing: true});
          key({key: 'Enter', isComposing: true});
          input.dispatchEvent(new CompositionEvent('compositionend', {data: '你好'}));
          // Safari: the Enter's keydown comes after compositionend, no longer composing.
          key({key: 'Enter'});
        }"""
    )
    assert sends(harness) == []
    harness.tick(200)  # later, a real Enter
    page.keyboard.press("Enter")
    (request,) = sends(harness)
    assert request["text"] == "line one\nline two" and request["chat"] == "p:000000000001"
    assert page.input_value(".wxnb-chat__input") == ""
    page.keyboard.press("Enter")  # empty: never sent
    page.keyboard.type("   ")
    page.keyboard.press("Enter")
    assert len(sends(harness)) == 1


def test_pending_then_echo_then_ack_is_one_sent_bubble(harness: Harness) -> None:
    open_composer(harness)
    page = harness.page
    page.keyboard.type("see you")
    page.keyboard.press("Enter")
    harness.tick(50)
    assert text_of(page, ".wxnb-chat__status") == "Sending…"
    (request,) = sends(harness)
    echo = MessageView("900", T0_S, "@me", "Me", True, "text", "see you").to_wire()
    custom(harness, {"type": "append", "chat": "p:000000000001", "messages": [echo]})
    custom(harness, {"type": "ack", "cid": request["cid"], "ok": True, "msg_id": "900"})
    bubbles = page.evaluate(
        "() => [...document.querySelectorAll('.wxnb-chat__msg--self')].map(n => n.dataset.id)"
    )
    assert bubbles == ["900"] and page.locator(".wxnb-chat__status").count() == 0


def test_a_failed_send_shows_why_and_retry_sends_once_more(harness: Harness) -> None:
    open_composer(harness)
    page = harness.page
    page.keyboard.type("too often")
    page.keyboard.press("Enter")
    (first,) = sends(harness)
    custom(harness, {"type": "ack", "cid": first["cid"], "ok": False, "error": "rate limited (1205)"})
    assert "rate limited (1205)" in text_of(page, ".wxnb-chat__status--failed")
    page.click(".wxnb-chat__retry")
    harness.tick(50)
    retries = sends(harness)[1:]
    assert len(retries) == 1 and retries[0]["text"] == "too often" and retries[0]["cid"] != first["cid"]
    custom(harness, {"type": "ack", "cid": retries[0]["cid"], "ok": True, "msg_id": "901"})
    assert (
        page.locator(".wxnb-chat__msg--self").count() == 1 and page.locator(".wxnb-chat__status").count() == 0
    )


def test_search_filters_and_escape_clears_it_and_clicking_opens(harness: Harness) -> None:
    mount(harness, chat_state(conversations(), ROOM, []))
    page = harness.page
    page.fill(".wxnb-chat__search", "annie")
    assert page.evaluate(
        "() => [...document.querySelectorAll('.wxnb-chat__name')].map(n => n.textContent)"
    ) == ["Annie ✨"]
    page.press(".wxnb-chat__search", "Escape")
    assert page.locator(".wxnb-chat__item").count() == 3
    page.click(".wxnb-chat__item[data-id='p:000000000002']")
    assert {"type": "open", "chat": "p:000000000002"} in sent(harness)
    assert {"type": "hello"} in sent(harness)


def test_list_avatars_show_a_whole_first_character(harness: Harness) -> None:
    # An emoji name's first character is two UTF-16 units (or more, with joiners): never half of it.
    named = [*conversations(), ConversationView("p:000000000003", "😺😺", "person", last_time=T0_S - 5)]
    mount(harness, chat_state(named, ROOM, []))
    assert texts(harness, ".wxnb-chat__avatar") == ["家", "😺", "T", "A"]


def picture_url() -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(32, 3)).decode()


def test_a_picture_is_asked_for_once_and_only_a_data_url_is_shown(harness: Harness) -> None:
    evil = f"{harness.base_url}/evil.jpg"
    messages = [
        MessageView("7", T0_S - 20, "@ann", "Ann", False, "image"),
        MessageView("8", T0_S - 10, "@ann", "Ann", False, "image"),
    ]
    mount(harness, chat_state(conversations(), "p:000000000001", messages))
    asked = [m["id"] for m in sent(harness) if m.get("type") == "media"]
    assert asked == ["7", "8"]
    page = harness.page
    where = "() => [...document.querySelectorAll('.wxnb-chat__msg')].map(m => m.getBoundingClientRect().top)"
    before = page.evaluate(where)
    custom(harness, {"type": "media", "id": "7", "url": picture_url()})
    custom(harness, {"type": "media", "id": "8", "url": evil})
    # The picture's frame has a fixed size: its arrival moved nothing.
    assert page.evaluate(where) == before
    later = MessageView("9", T0_S, "@ann", "Ann", False, "text", "x").to_wire()
    custom(harness, {"type": "append", "chat": "p:000000000001", "messages": [later]})
    sources = page.evaluate(
        "() => [...document.querySelectorAll('img.wxnb-chat__img')].map(i => i.getAttribute('src'))"
    )
    assert sources == [picture_url(), None]
    assert len([m for m in sent(harness) if m.get("type") == "media"]) == 2  # redraws ask nothing again
    assert not any(url.endswith("/evil.jpg") for url in harness.requests)


def many(n: int, start: int = 0) -> list[MessageView]:
    return [
        MessageView(str(10_000 + i), T0_S - 10_000 + i, "@ann", "Ann", False, "text", f"line {i}")
        for i in range(start, start + n)
    ]


def scroll_state(h: Harness) -> dict[str, float]:
    found: dict[str, float] = h.page.evaluate(
        "() => { const s = document.querySelector('.wxnb-chat__scroller');"
        " return {top: s.scrollTop, height: s.scrollHeight, client: s.clientHeight}; }"
    )
    return found


def test_new_messages_follow_the_bottom_only_when_the_reader_is_there(harness: Harness) -> None:
    mount(harness, chat_state(conversations(), "p:000000000001", many(60)))
    at = scroll_state(harness)
    assert at["height"] - at["top"] - at["client"] <= 1  # opened at the bottom
    custom(
        harness, {"type": "append", "chat": "p:000000000001", "messages": [m.to_wire() for m in many(2, 60)]}
    )
    at = scroll_state(harness)
    assert (
        at["height"] - at["top"] - at["client"] <= 1
        and not harness.page.locator(".wxnb-chat__new").is_visible()
    )
    harness.page.evaluate("() => { document.querySelector('.wxnb-chat__scroller').scrollTop = 100; }")
    custom(
        harness, {"type": "append", "chat": "p:000000000001", "messages": [m.to_wire() for m in many(3, 62)]}
    )
    assert scroll_state(harness)["top"] == 100  # the reader stays where they were
    assert text_of(harness.page, ".wxnb-chat__new") == "3 new messages"
    harness.page.click(".wxnb-chat__new")
    at = scroll_state(harness)
    assert at["height"] - at["top"] - at["client"] <= 1


def test_load_earlier_keeps_what_the_reader_sees_in_place(harness: Harness) -> None:
    state = chat_state(conversations(), "p:000000000001", many(40, 40))
    mount(harness, {**state, "has_earlier": True})
    harness.page.evaluate("() => { document.querySelector('.wxnb-chat__scroller').scrollTop = 0; }")
    first = "() => document.querySelector('.wxnb-chat__msg[data-id=\"10040\"]').getBoundingClientRect().top"
    before = harness.page.evaluate(first)
    harness.page.click(".wxnb-chat__earlier")
    request = [m for m in sent(harness) if m.get("type") == "earlier"]
    assert request == [{"type": "earlier", "chat": "p:000000000001", "before": "10040"}]
    page = {
        "type": "earlier",
        "chat": "p:000000000001",
        "messages": [m.to_wire() for m in many(40)],
        "has_earlier": False,
    }
    custom(harness, page)
    assert harness.page.locator(".wxnb-chat__msg").count() == 80
    assert abs(harness.page.evaluate(first) - before) <= 1
    assert not harness.page.locator(".wxnb-chat__earlier").is_visible()


def test_a_file_downloads_on_click_and_says_where_it_went(harness: Harness) -> None:
    file = MessageView("70", T0_S - 20, "@ann", "Ann", False, "file", file_name="q.pdf")
    mount(harness, chat_state(conversations(), "p:000000000001", [file]))
    page = harness.page
    page.click(".wxnb-chat__download")
    harness.tick(50)
    assert [m for m in sent(harness) if m.get("type") == "download"] == [
        {"type": "download", "chat": "p:000000000001", "id": "70"}
    ]
    assert text_of(page, ".wxnb-chat__download-state") == "Saving…"
    custom(harness, {"type": "download", "id": "70", "path": '<img src=x onerror="window.__pwned=1">/q.pdf'})
    assert (
        text_of(page, ".wxnb-chat__download-state") == 'Saved to <img src=x onerror="window.__pwned=1">/q.pdf'
    )
    assert page.locator(".wxnb-chat__download").count() == 0
    assert page.evaluate("() => window.__pwned") is None


def test_mentions_of_the_account_are_highlighted_in_rooms(harness: Harness) -> None:
    messages = [
        MessageView("80", T0_S - 9, "@ann", "Ann", False, "text", "@Me\u2005dinner? <b>@Me</b>"),
        MessageView("81", T0_S - 8, "@ann", "Ann", False, "text", "@Meg is not you"),
    ]
    mount(harness, {**chat_state(conversations(), ROOM, messages), "me": "Me"})
    assert texts(harness, ".wxnb-chat__mention") == ["@Me"]
    assert texts(harness, '.wxnb-chat__msg[data-id="80"] .wxnb-chat__text') == ["@Me\u2005dinner? <b>@Me</b>"]


def test_up_down_and_ctrl_k_move_between_conversations(harness: Harness) -> None:
    mount(harness, chat_state(conversations(), ROOM, []))  # shown: the room (pinned), Tom, Annie
    page = harness.page
    page.click(".wxnb-chat__search")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Control+k")
    page.keyboard.press("ArrowUp")
    opened = [m["chat"] for m in sent(harness) if m.get("type") == "open"]
    # Each press moves on from the last one asked for, before the kernel has opened it.
    assert opened == ["p:000000000002", "p:000000000001", "p:000000000002"]


def test_row_updates_redraw_the_list_live(harness: Harness) -> None:
    mount(harness, chat_state(conversations(), ROOM, []))
    fresh = ConversationView("p:000000000009", "Zed", "person", unread=1, last_time=T0_S, preview="new!")
    tom = ConversationView("p:000000000002", "Tom", "person", unread=121, last_time=T0_S - 10)
    custom(harness, {"type": "rows", "rows": [tom.to_wire(), fresh.to_wire()]})
    assert texts(harness, ".wxnb-chat__name") == ["家人群 👨‍👩‍👧", "Zed", "Tom", "Annie ✨"]
    assert texts(harness, ".wxnb-chat__badge") == ["1", "99+", "3"]
    assert texts(harness, ".wxnb-chat__preview")[1] == "new!"


def test_a_row_update_moves_and_redraws_only_that_conversation(harness: Harness) -> None:
    many = [
        ConversationView(
            f"p:{i:012x}", f"Friend {i:04d}", "person", last_time=T0_S - 1000 + i, preview=f"hi {i}"
        )
        for i in range(1, 301)
    ]
    mount(harness, chat_state(many, many[0].id, []))
    page = harness.page
    page.evaluate(
        "() => { window.__kept = document.querySelector('.wxnb-chat__item[data-id=\"p:000000000064\"]'); }"
    )
    moved = ConversationView(many[9].id, "Friend 0010", "person", unread=2, last_time=T0_S, preview="now!")
    custom(harness, {"type": "rows", "rows": [moved.to_wire()]})
    names = texts(harness, ".wxnb-chat__name")
    assert names[0] == "Friend 0010" and len(names) == 300
    assert names[1:] == [f"Friend {i:04d}" for i in range(300, 0, -1) if i != 10]
    assert texts(harness, ".wxnb-chat__preview")[0] == "now!"
    # An unchanged conversation keeps its drawn item (no rebuild of the whole list).
    assert page.evaluate(
        "() => window.__kept === document.querySelector('.wxnb-chat__item[data-id=\"p:000000000064\"]')"
    )
    # Search, and clearing it, give the same list back.
    page.fill(".wxnb-chat__search", "Friend 000")
    assert texts(harness, ".wxnb-chat__name") == [f"Friend {i:04d}" for i in range(9, 0, -1)]
    page.fill(".wxnb-chat__search", "")
    assert texts(harness, ".wxnb-chat__name") == names


def test_room_senders_get_avatars_in_a_fixed_box_asked_for_once_per_sender(harness: Harness) -> None:
    messages = [
        MessageView("90", T0_S - 50, "@ann", "Ann", False, "text", "one"),
        MessageView("91", T0_S - 40, "@ann", "Ann", False, "text", "two"),  # same group: no second face
        MessageView("92", T0_S - 30, "@tom", "汤姆", False, "text", "three"),
        MessageView("93", T0_S - 20, "@me", "Me", True, "text", "mine"),  # own: no face
        MessageView("94", T0_S - 10, "@ann", "Ann", False, "text", "four"),
    ]
    mount(harness, chat_state(conversations(), ROOM, messages))
    page = harness.page
    asked = [m for m in sent(harness) if m.get("type") == "avatar"]
    assert asked == [
        {"type": "avatar", "chat": ROOM, "sender": "@ann"},
        {"type": "avatar", "chat": ROOM, "sender": "@tom"},
    ]
    assert texts(harness, ".wxnb-chat__face-initials") == ["A", "汤", "A"]
    where = "() => [...document.querySelectorAll('.wxnb-chat__msg')].map(m => m.getBoundingClientRect().top)"
    before = page.evaluate(where)
    custom(harness, {"type": "avatar", "sender": "@ann", "url": picture_url()})
    custom(harness, {"type": "avatar", "sender": "@tom", "url": f"{harness.base_url}/evil.jpg"})
    assert page.evaluate(where) == before  # the box has a fixed size: nothing moved
    faces = page.evaluate(
        "() => [...document.querySelectorAll('img.wxnb-chat__face-img')]"
        ".map(i => [i.dataset.avatar, i.hidden, i.getAttribute('src')])"
    )
    assert faces == [["@ann", False, picture_url()], ["@tom", True, None], ["@ann", False, picture_url()]]
    assert texts(harness, ".wxnb-chat__face-initials:not([hidden])") == ["汤"]
    # A later message of a known sender is drawn with the picture, and nothing is asked again.
    later = MessageView("95", T0_S + 600, "@ann", "Ann", False, "text", "five").to_wire()  # a new group
    custom(harness, {"type": "append", "chat": ROOM, "messages": [later]})
    assert (
        page.evaluate(
            "() => document.querySelector('.wxnb-chat__msg[data-id=\"95\"] img').getAttribute('src')"
        )
        == picture_url()
    )
    assert len([m for m in sent(harness) if m.get("type") == "avatar"]) == 2
    assert not any(url.endswith("/evil.jpg") for url in harness.requests)


def test_updates_redraw_only_the_bubbles_they_change(harness: Harness) -> None:
    mount(harness, chat_state(conversations(), "p:000000000001", many(200)))
    page = harness.page
    keep = (
        "(id) => { (window.__kept ??= {})[id] = document.querySelector(`.wxnb-chat__msg[data-id='${id}']`); }"
    )
    same = "(id) => window.__kept[id] === document.querySelector(`.wxnb-chat__msg[data-id='${id}']`)"
    for msg_id in ("10100", "10199"):
        page.evaluate(keep, msg_id)
    custom(
        harness, {"type": "append", "chat": "p:000000000001", "messages": [m.to_wire() for m in many(1, 200)]}
    )
    assert page.evaluate(same, "10100") and page.evaluate(same, "10199")  # kept, not redrawn
    assert page.locator(".wxnb-chat__msg").count() == 200  # the window slid: the oldest went
    assert page.locator('.wxnb-chat__msg[data-id="10000"]').count() == 0
    page.click(".wxnb-chat__input")
    page.keyboard.type("see you")
    page.keyboard.press("Enter")
    harness.tick(50)
    (request,) = sends(harness)
    custom(harness, {"type": "ack", "cid": request["cid"], "ok": True, "msg_id": "900"})
    assert page.evaluate(same, "10100")
    assert texts(harness, '.wxnb-chat__msg[data-id="900"] .wxnb-chat__text') == ["see you"]
    assert page.locator(".wxnb-chat__status").count() == 0
    revoked = MessageView(
        "10150", T0_S - 10_000 + 150, "@ann", "Ann", False, "text", "line 150", revoked=True
    )
    page.evaluate(keep, "10150")
    custom(harness, {"type": "append", "chat": "p:000000000001", "messages": [revoked.to_wire()]})
    assert not page.evaluate(same, "10150") and page.evaluate(same, "10100")
    assert texts(harness, '.wxnb-chat__msg[data-id="10150"] .wxnb-chat__label') == ["Recalled"]
    order = page.evaluate("() => [...document.querySelectorAll('.wxnb-chat__msg')].map(n => n.dataset.id)")
    # Following the bottom, the page keeps one window: 200 messages, the oldest went.
    assert order == [str(10_000 + i) for i in range(2, 201)] + ["900"]


def test_a_row_changed_in_place_moves_no_other_item(harness: Harness) -> None:
    rows = [
        ConversationView(f"p:{i:012x}", f"Friend {i:04d}", "person", last_time=T0_S - 1000 + i)
        for i in range(1, 301)
    ]
    mount(harness, chat_state(rows, rows[0].id, []))
    page = harness.page
    page.evaluate(
        """() => {
          window.__moved = 0;
          new MutationObserver((records) => {
            for (const r of records) window.__moved += r.addedNodes.length + r.removedNodes.length;
          }).observe(document.querySelector('.wxnb-chat__list'), {childList: true});
        }"""
    )
    top = ConversationView(rows[-1].id, "Friend 0300", "person", unread=1, last_time=T0_S - 700, preview="hi")
    custom(harness, {"type": "rows", "rows": [top.to_wire()]})  # still first: redrawn where it is
    assert texts(harness, ".wxnb-chat__preview")[0] == "hi"
    assert page.evaluate("() => window.__moved") == 2  # its old node out, its new node in
