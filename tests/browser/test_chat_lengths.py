"""Voice and video bubbles in real Chromium read their length ("Voice 0:07", "Video 1:02"), from the
state the real ChatWidget builds and from a live append."""

from __future__ import annotations

from typing import Any

from tests.browser.harness_page import T0_MS, Harness
from tests.browser.waits import RENDER, wait_for_js
from wxnb.widgets.chat import ChatWidget, ConversationView, MessageView

T0_S = T0_MS / 1000
CHAT = "p:000000000001"
LABELS = ", ".join(f".wxnb-chat__bubble[data-type='{t}'] .wxnb-chat__label" for t in ("voice", "video"))


def mount(h: Harness, messages: list[MessageView]) -> None:
    """The state the real widget builds for one conversation, drawn by the bundle."""
    widget = ChatWidget(min_interval=0)
    try:
        widget.set_conversations([ConversationView(CHAT, "Annie ✨", "person", last_time=T0_S)])
        widget.show_conversation(CHAT, messages)
        widget.flush()
        state: dict[str, Any] = widget.get_state()
    finally:
        widget.close()
    state = {k: state[k] for k in ("conversations", "open_chat", "window", "has_earlier", "single", "me")}
    h.page.add_style_tag(url=f"{h.base_url}/static/chat.css")
    h.page.evaluate(
        "([url, state]) => window.harness.mount(url, state, {})", [f"{h.base_url}/static/chat.js", state]
    )
    wait_for_js(h.page, "() => document.querySelector('.wxnb-chat') !== null", deadline=RENDER)


def labels(h: Harness) -> list[str]:
    return list(h.page.evaluate("(s) => [...document.querySelectorAll(s)].map(n => n.textContent)", LABELS))


def test_voice_and_video_bubbles_show_their_length(harness: Harness) -> None:
    mount(
        harness,
        [
            MessageView("1", T0_S - 60, "@ann", "Ann", False, "voice", duration=7.25),
            MessageView("2", T0_S - 50, "@ann", "Ann", False, "video", duration=62.0),
            MessageView("3", T0_S - 40, "@ann", "Ann", False, "voice"),  # no length known
        ],
    )
    assert labels(harness) == ["Voice 0:07", "Video 1:02", "[Voice]"]
    live = MessageView("4", T0_S - 30, "@ann", "Ann", False, "video", duration=3605).to_wire()
    harness.page.evaluate(
        "(c) => window.harness.current.model.emit('msg:custom', c, [])",
        {"type": "append", "chat": CHAT, "messages": [live]},
    )
    harness.tick(50)  # the pane redraws on the next animation frame
    assert labels(harness)[-1] == "Video 1:00:05"
