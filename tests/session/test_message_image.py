"""session.message_image(): the picture of an image message, from the simulator over HTTP."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.session.conftest import wait_until
from tests.sim.conftest import ANN
from wxnb.protocol import WxError
from wxnb.session import MessageNotFound, Session
from wxnb.sim.simulator import Simulator


def test_an_image_message_has_a_thumbnail_and_a_full_picture(sim: Simulator, session: Session) -> None:
    msg_id = sim.phone.send(("friend", ANN), kind="image")
    wait_until(lambda: msg_id in set(session.messages.msg_id), what="the image message")
    row = session.messages.set_index("msg_id", drop=False).loc[msg_id]
    small = Image.open(io.BytesIO(session.message_image(row)))
    large = Image.open(io.BytesIO(session.message_image(msg_id, thumbnail=False)))
    assert small.format == large.format == "JPEG"
    assert small.size[0] * small.size[1] < large.size[0] * large.size[1]


def test_no_picture_for_an_unknown_or_a_text_message(sim: Simulator, session: Session) -> None:
    with pytest.raises(MessageNotFound):
        session.message_image("1234")
    text = session.send("Annie ✨", "no picture")
    with pytest.raises(WxError):
        session.message_image(text)
