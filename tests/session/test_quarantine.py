"""The quarantine file and the data directory's small files."""

from __future__ import annotations

import stat
from pathlib import Path

from wxnb.protocol.json_replies import SkippedItem
from wxnb.session import paths
from wxnb.session.quarantine import Quarantine


def test_items_are_kept_in_a_private_file_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "acct-x" / "quarantine.jsonl"
    q = Quarantine(path)
    assert q.add([]) == 0 and not path.exists()
    q.add([SkippedItem("AddMsgList", 2, "MsgId is missing", '{"Content":"中文"}')])
    q.add([SkippedItem("ModContactList", 0, "UserName is missing", "{}")])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = Quarantine(path).frame()
    assert again[["list_name", "index"]].values.tolist() == [["AddMsgList", 2], ["ModContactList", 0]]
    assert again.raw[0] == '{"Content":"中文"}'
    assert str(again.time.dtype).startswith("datetime64") and again.time.notna().all()


def test_an_unreadable_line_is_kept_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "quarantine.jsonl"
    good = '{"time": null, "list_name": "AddMsgList", "index": 1, "error": "e", "raw": "{}"}'
    path.write_text(f"not json\n{good}\n")
    frame = Quarantine(path).frame()
    assert frame.raw.tolist() == ["not json", "{}"]


def test_the_last_account_is_remembered_per_server(tmp_path: Path) -> None:
    assert paths.last_account(tmp_path, None) is None
    paths.remember_account(tmp_path, "http://127.0.0.1:9/", "acct-0000000000000001")
    paths.remember_account(tmp_path, None, "acct-0000000000000002")
    assert paths.last_account(tmp_path, "http://127.0.0.1:9") == "acct-0000000000000001"
    assert paths.last_account(tmp_path, None) == "acct-0000000000000002"
    (tmp_path / paths.LOGINS_FILE).write_text("[1, 2]")
    assert paths.last_account(tmp_path, None) is None
    assert paths.credentials_path(tmp_path, "acct-1").name == "credentials.json"
