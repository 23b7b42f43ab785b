"""session.download(): a file message saved through webwxgetmedia, in ranges, from the simulator."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from tests.session.conftest import wait_until
from tests.sim.conftest import ANN
from wxnb.session import MessageNotFound, Session
from wxnb.session.actions import DOWNLOAD_CHUNK
from wxnb.sim.files import FileBytes
from wxnb.sim.simulator import Simulator


def file_from_ann(sim: Simulator, session: Session, name: str, size: int) -> str:
    msg_id = sim.phone.send(("friend", ANN), kind="file", fields={"file_name": name, "file_size": size})
    wait_until(lambda: msg_id in set(session.messages.msg_id), what="the file message")
    return msg_id


def expected(session: Session, msg_id: str, size: int) -> bytes:
    raw = str(session.messages.set_index("msg_id").at[msg_id, "raw_content"])
    media_id = re.search(r"<attachid>([^<]+)</attachid>", html.unescape(raw))
    assert media_id is not None
    return FileBytes(media_id.group(1), size).read(0, size - 1)


@pytest.mark.parametrize("size", [10, DOWNLOAD_CHUNK, 2 * DOWNLOAD_CHUNK + 12_345])
def test_a_file_is_saved_whole_in_ranges(sim: Simulator, session: Session, tmp_path: Path, size: int) -> None:
    msg_id = file_from_ann(sim, session, "报告 final.pdf", size)
    path = session.download(msg_id, tmp_path / "downloads")
    assert path == tmp_path / "downloads" / "报告 final.pdf"
    assert path.read_bytes() == expected(session, msg_id, size)
    assert list(path.parent.iterdir()) == [path]  # no .part left


def test_names_never_leave_the_directory_and_never_overwrite(
    sim: Simulator, session: Session, tmp_path: Path
) -> None:
    first = file_from_ann(sim, session, "../../etc/passwd", 100)
    again = file_from_ann(sim, session, "../../etc/passwd", 100)
    row = session.messages.set_index("msg_id", drop=False).loc[first]
    assert session.download(row, tmp_path / "dl") == tmp_path / "dl" / "passwd"
    assert session.download(again, tmp_path / "dl") == tmp_path / "dl" / "passwd (1)"


def test_only_file_messages_download(sim: Simulator, session: Session, tmp_path: Path) -> None:
    text = session.send("Annie ✨", "not a file")
    with pytest.raises(ValueError, match="not a file"):
        session.download(text, tmp_path / "dl")
    with pytest.raises(MessageNotFound):
        session.download("1234", tmp_path / "dl")
    assert not (tmp_path / "dl").exists()
