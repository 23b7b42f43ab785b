"""Voice and video bubbles get their length: ``MessageView.duration`` → ``dur`` in the payload (the
same against the simulator, from the table and live: tests/notebook/test_chat_view.py)."""

from __future__ import annotations

import pytest

from wxnb.widgets.chat import MessageView
from wxnb.widgets.errors import WidgetInputError


def test_the_length_goes_out_in_seconds_only_when_there_is_one() -> None:
    voice = MessageView("1", 1_700_000_000, "@a", "Ann", False, "voice", duration=7.25)
    assert voice.to_wire()["dur"] == 7.25
    for none in (None, float("nan"), 0):
        assert "dur" not in MessageView("2", 0, "@a", "Ann", False, "voice", duration=none).to_wire()
    with pytest.raises(WidgetInputError, match="duration"):
        MessageView("3", 0, "@a", "Ann", False, "voice", duration="7").to_wire()  # type: ignore[arg-type]
