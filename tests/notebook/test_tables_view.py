"""The tables' compact HTML view: what people read first, clipped, no raw XML; frames keep every column."""

from __future__ import annotations

import pandas as pd
import pytest
from IPython.core.formatters import DisplayFormatter

from tests.store.test_tables import BASE_TIME
from wxnb.notebook.tables_view import CLIP, compact_html, register
from wxnb.protocol.records import Message
from wxnb.store.rows import ContactRow, MemberRow, MessageRows
from wxnb.store.tables import Tables

LONG = "很长的一段话，" * 40
XML = '&lt;msg&gt;&lt;appmsg appid="" sdkver="0"&gt;&lt;title&gt;secret-xml&lt;/title&gt;'


def tables() -> Tables:
    t = Tables(tz="Asia/Shanghai")
    messages = [
        Message("m1", "@a", "@me", "@a", "@a", False, False, 1, "text", BASE_TIME, "line one\nline two", ""),
        Message("m2", "@a", "@me", "@a", "@a", False, False, 49, "link", BASE_TIME + 1, LONG, XML),
        Message("m3", "@a", "@me", "@a", "@a", False, False, 1, "text", BASE_TIME + 2, "<b>bold?</b>", ""),
    ]
    t.append_messages(MessageRows.from_messages(messages, [("p:a", "Ann", "Ann")] * 3))
    t.upsert_contacts(
        [
            ContactRow("p:a", "@a", "friend", nickname="Ann " + "长" * 100, remark="", province="北京"),
            ContactRow("r:1", "@@r", "room", nickname="Team", member_count=12),
        ]
    )
    t.set_room_members("r:1", [MemberRow("r:1", "@@r", "@a", "Ann", "", "p:a")])
    return t


def test_messages_show_what_people_read_clipped_and_without_raw_xml() -> None:
    frame = tables().messages
    shown = compact_html(frame)
    headers = ["time", "chat_name", "sender_name", "type", "text"]
    assert all(f"<th>{h}</th>" in shown for h in headers)
    for hidden in ("msg_id", "raw_content", "chat_key", "<th>chat</th>", "<th>sender</th>"):
        assert hidden not in shown
    assert "secret-xml" not in shown and "appmsg" not in shown
    assert "line one<br>line two" in shown
    assert LONG[: CLIP + 1] not in shown and LONG[: CLIP - 1] + "…" in shown  # clipped
    assert "&lt;b&gt;bold?&lt;/b&gt;" in shown and "<b>bold" not in shown  # text, never HTML
    local = pd.Timestamp(BASE_TIME, unit="s", tz="UTC").tz_convert("Asia/Shanghai")
    assert f"<td>{local:%Y-%m-%d %H:%M:%S}</td>" in shown  # to the second, in the frame's zone
    assert "times in Asia/Shanghai" in shown and "5 of 18 columns shown" in shown
    # The frame itself keeps every column and the full text.
    assert len(frame.columns) == 18 and frame.text.iloc[1] == LONG and frame.raw_content.iloc[1] == XML


def test_contacts_rooms_and_members_read_left_to_right() -> None:
    t = tables()
    contacts = compact_html(t.contacts)
    assert (
        contacts.index("<th>display_name</th>")
        < contacts.index("<th>kind</th>")
        < contacts.index("<th>remark</th>")
    )
    assert "head_img_url" not in contacts and "<th>key</th>" not in contacts and "北京" not in contacts
    rooms = compact_html(t.rooms)
    assert "<th>member_count</th>" in rooms and "<td>12</td>" in rooms and "province" not in rooms
    assert (
        rooms.index("<th>member_count</th>") < rooms.index("<th>owner</th>") < rooms.index("<th>remark</th>")
    )
    assert "Ann" in compact_html(t.members)


def test_slices_keep_the_view_and_chosen_columns_are_shown_as_chosen() -> None:
    frame = tables().messages
    assert "text" in compact_html(frame.tail(2)) and "msg_id" not in compact_html(frame.tail(2))
    chosen = compact_html(frame[["msg_id", "text"]])
    assert "<th>msg_id</th>" in chosen and "<th>time</th>" not in chosen


def test_long_frames_show_their_ends_around_an_ellipsis_row() -> None:
    frame = pd.concat([tables().messages] * 30, ignore_index=True)  # 90 rows
    frame.attrs["wxnb"] = "messages"
    with pd.option_context("display.max_rows", 20, "display.min_rows", 6):
        shown = compact_html(frame)
    assert shown.count("<tr><th>") == 1 + 3 + 1 + 3 and "<th>89</th>" in shown and "90 rows" in shown


def test_registered_on_ipython_only_wxnb_frames_change() -> None:
    formatter = DisplayFormatter()
    assert register(formatter_shell(formatter))
    wx = tables().messages
    plain = pd.DataFrame({"a": [1, 2]})
    data, _ = formatter.format(wx)
    assert "wxnb-table" in data["text/html"]
    data, _ = formatter.format(plain)
    assert "wxnb-table" not in data["text/html"] and "<table" in data["text/html"]
    with pytest.raises(ValueError, match="not a wxnb table"):
        compact_html(plain)


def formatter_shell(formatter: DisplayFormatter) -> object:
    class Shell:
        display_formatter = formatter

    return Shell()
