"""Voice and video lengths from the simulator reach ``session.messages.duration`` and survive a restart."""

from __future__ import annotations

import math
from pathlib import Path

from tests.session.conftest import log_in, make_session, wait_until
from tests.sim.conftest import ANN, SAVED_ROOM, TOM
from wxnb.sim.simulator import Simulator


def test_voice_and_video_messages_carry_their_length_in_seconds(sim: Simulator, tmp_path: Path) -> None:
    with log_in(sim, tmp_path) as session:
        sent = {
            sim.phone.send(("friend", ANN), kind="voice", fields={"voice_length_ms": 7250}): 7.25,
            sim.phone.send(("friend", TOM), kind="video", fields={"play_length_s": 62}): 62.0,
            sim.phone.send(
                ("room", SAVED_ROOM), kind="short_video", sender=ANN, fields={"play_length_s": 3}
            ): 3.0,
            sim.phone.send(("friend", ANN), "no length here"): None,
        }
        wait_until(lambda: set(sent) <= set(session.messages.msg_id), what="the four messages")
        frame = session.messages.set_index("msg_id").loc[list(sent)]
        assert frame.type.tolist() == ["voice", "video", "video", "text"]
        got = [None if math.isnan(d) else d for d in frame.duration.tolist()]
        assert got == list(sent.values())
    # History comes back from the archive with the lengths (a restart: the saved login resumes).
    with make_session(sim, tmp_path).start() as again:
        again.wait_ready(10)
        durations = again.messages.set_index("msg_id").duration.loc[list(sent)[:3]].tolist()
        assert durations == [7.25, 62.0, 3.0]
