"""Voice and video lengths: ``messages.duration`` in seconds, archived, cached and read back."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest

from wxnb.protocol.records import Contact
from wxnb.store import Archive, Store, open_archive
from wxnb.store import cache as cache_module
from wxnb.store.cache import cache_dir
from wxnb.store.tables import Tables

from .conftest import make_message, msg_id, rows_of

ME = Contact("@me", nickname="Me", uin=2663483803)


def media_messages(start: int = 0) -> list:  # type: ignore[type-arg]
    """A voice note of 7.25 s, a video of 62 s, a short video of 3 s, a text, and a voice without a length."""
    return [
        make_message(start, msg_type=34, text="", raw="<msg/>", voice_length=7250),
        make_message(start + 1, msg_type=43, text="", raw="<msg/>", play_length=62),
        make_message(start + 2, msg_type=62, text="", raw="<msg/>", play_length=3),
        make_message(start + 3, text="hi"),
        make_message(start + 4, msg_type=34, text="", raw="<msg/>"),
    ]


def durations(frame) -> list[float | None]:  # type: ignore[no-untyped-def]
    return [None if math.isnan(d) else d for d in frame.duration.tolist()]


EXPECTED = [7.25, 62.0, 3.0, None, None]


def test_the_messages_table_has_the_length_of_voice_and_video_in_seconds() -> None:
    store = Store.in_memory()
    store.start_login(ME)
    store.apply_batch(media_messages())
    frame = store.messages
    assert frame.type.tolist() == ["voice", "video", "video", "text", "voice"]
    assert frame.duration.dtype == "float64"
    assert durations(frame) == EXPECTED
    # Plain seconds: they add up as they are.
    assert frame.duration.sum() == pytest.approx(72.25)
    # In the reading order, after the text and its file name, before the raw fields and ids.
    columns = frame.columns.tolist()
    assert columns.index("file_name") < columns.index("duration") < columns.index("msg_type")


def test_lengths_come_back_from_the_archive_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    with Archive(path) as archive:
        archive.commit_batch(rows_of(media_messages()))
    with open_archive(path) as history:
        assert durations(history.messages) == EXPECTED
    tables = Tables()
    with Archive(path) as archive:
        archive.fill(tables)
    assert durations(tables.messages) == EXPECTED


def test_lengths_come_back_from_the_history_cache_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "CHUNK_ROWS", 5)
    path = tmp_path / "a.sqlite3"
    with Archive(path) as archive:
        archive.commit_batch(rows_of(media_messages(0) + media_messages(5) + media_messages(10)[:2]))
    first = Tables()
    with Archive(path) as archive:
        archive.fill(first)  # writes two chunks of 5
    assert sorted(p.name for p in cache_dir(path).glob("*.arrow")) == [
        "messages-000000.arrow",
        "messages-000001.arrow",
    ]
    with sqlite3.connect(path) as conn:  # the lengths of the cached rows can now only come from the cache
        conn.execute("UPDATE messages SET duration = NULL WHERE seq <= 10")
    again = Tables()
    with Archive(path) as archive:
        archive.fill(again)  # reads the chunks, the last 2 rows from SQLite
    assert durations(again.messages) == EXPECTED * 2 + EXPECTED[:2]
    assert again.messages.msg_id.tolist()[-1] == msg_id(11)
