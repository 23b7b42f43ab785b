"""Voice and video bubbles get their length: ``MessageView.duration`` → ``dur`` in the payload, from the
table (a conversation's window) and from live messages, against the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.session.conftest import FAST_RETRY, FAST_SYNC, new_qr, sim, spec, wait_until
from tests.sim.conftest import ANN
from wxnb.notebook import NotebookSession
from wxnb.sim.simulator import Simulator
from wxnb.widgets.chat import MessageView
from wxnb.widgets.errors import WidgetInputError

__all__ = ["sim", "spec"]  # the simulator fixtures of the session tests


def test_the_length_goes_out_in_seconds_only_when_there_is_one() -> None:
    voice = MessageView("1", 1_700_000_000, "@a", "Ann", False, "voice", duration=7.25)
    assert voice.to_wire()["dur"] == 7.25
    for none in (None, float("nan"), 0):
        assert "dur" not in MessageView("2", 0, "@a", "Ann", False, "voice", duration=none).to_wire()
    with pytest.raises(WidgetInputError, match="duration"):
        MessageView("3", 0, "@a", "Ann", False, "voice", duration="7").to_wire()  # type: ignore[arg-type]


@pytest.fixture
def nb(sim: Simulator, tmp_path: Path) -> Iterator[NotebookSession]:
    known = {p.uuid for p in sim.phone.pending_logins()}
    session = NotebookSession(sim.base_url, data_dir=tmp_path, retry=FAST_RETRY, sync=FAST_SYNC).start()
    try:
        sim.phone.confirm(new_qr(sim, known))
        session.wait_ready(10)
        yield session
    finally:
        session.close()


def test_voice_and_video_bubbles_carry_their_length_live_and_when_opened(
    sim: Simulator, nb: NotebookSession
) -> None:
    voice = sim.phone.send(("friend", ANN), kind="voice", fields={"voice_length_ms": 7250})
    wait_until(lambda: voice in set(nb.messages.msg_id), what="the voice message")
    widget = nb.chat("Annie ✨")
    sent: list[dict[str, object]] = []
    widget.send = lambda content, buffers=None: sent.append(content)  # the comm boundary, not the logic
    opened = {m["id"]: m for m in widget.window}
    assert opened[voice]["type"] == "voice" and opened[voice]["dur"] == 7.25
    video = sim.phone.send(("friend", ANN), kind="video", fields={"play_length_s": 62})
    text = sim.phone.send(("friend", ANN), "and a text")

    def appended() -> dict[str, dict[str, object]]:
        return {m["id"]: m for c in sent if c["type"] == "append" for m in c["messages"]}  # type: ignore[attr-defined]

    live = wait_until(lambda: appended() if {video, text} <= appended().keys() else None, what="both bubbles")
    assert live[video]["dur"] == 62.0
    assert "dur" not in live[text]
