"""The SQLite archive: dedupe, atomic batches, restarts, the send journal, typed errors, history, Parquet."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from wxnb.store import Archive, archive_path, default_data_dir, open_archive, writer
from wxnb.store.errors import (
    ArchiveClosedError,
    ArchiveCorruptError,
    ArchiveError,
    ArchiveLockedError,
    ArchiveSchemaError,
    ArchiveVersionError,
    ArchiveWriteError,
    MissingDependencyError,
)
from wxnb.store.rows import ContactRow, MemberRow
from wxnb.store.sqlschema import SCHEMA_VERSION
from wxnb.store.tables import Tables

from .conftest import batch_rows, make_message, msg_id, rows_of

SYNC_KEY = {"Count": 2, "List": [{"Key": 1, "Val": 636444437}, {"Key": 2, "Val": 636445051}]}


def contact(key: str, nickname: str, kind: str = "friend", **kw: Any) -> ContactRow:
    return ContactRow(key, f"@{key[2:]}", kind, nickname=nickname, **kw)


def test_new_positions_skip_known_and_repeated_msg_ids(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite3") as archive:
        first = archive.commit_batch(batch_rows(0, 5))
        assert first.new_positions == [0, 1, 2, 3, 4]
        # Re-delivery of 3..4, two new ones, and one MsgId twice in the same batch.
        again = rows_of([make_message(i) for i in (3, 4, 5, 6, 6)])
        assert archive.commit_batch(again).new_positions == [2, 3]
        assert archive.message_count() == 7


def test_round_trip_across_restarts_gives_the_same_frames(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    live = Tables()
    messages = [
        make_message(1, text="plain"),
        make_message(2, chat="@@room", sender="@bob", is_group=True, text="hi", raw="@bob:<br/>hi"),
        make_message(3, text="Tom & Jerry", raw="Tom &amp; Jerry"),
        make_message(4, msg_type=49, app_msg_type=6, text="report.pdf"),
    ]
    rows = rows_of(messages)
    ann = contact("p:000000000001", "Ann", remark="Annie", contact_flag=3 | 64, is_starred=True)
    club = contact("r:000000000002", "Club", "room", member_count=2)
    members = [MemberRow(club.key, "@@club", "@ann", "Ann", "Annie in club", ann.key)]
    with Archive(path) as archive:
        archive.commit_batch(rows, [ann, club], members={club.key: members}, sync_key=SYNC_KEY)
    live.append_messages(rows)
    live.upsert_contacts([ann, club])
    live.set_room_members(club.key, members)

    with Archive(path) as reopened:  # a "restart"
        restored = Tables()
        reopened.fill(restored, current_login=True)
        assert reopened.sync_state is not None and reopened.sync_state.sync_key == SYNC_KEY
    pd.testing.assert_frame_equal(restored.messages, live.messages)
    pd.testing.assert_frame_equal(restored.contacts, live.contacts)
    pd.testing.assert_frame_equal(restored.members, live.members)
    assert restored.messages.raw_content.tolist() == [m.raw_content for m in messages]


def test_plain_texts_do_not_store_their_content_twice(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    with Archive(path) as archive:
        archive.commit_batch(rows_of([make_message(1, text="same"), make_message(2, text="a", raw="a<br/>")]))
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT raw_content FROM messages ORDER BY seq").fetchall() == [
            (None,),
            ("a<br/>",),
        ]


def test_a_failure_inside_a_commit_leaves_no_partial_batch(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    archive = Archive(path)
    archive.commit_batch(batch_rows(0, 3), [contact("p:000000000001", "Ann")], sync_key={"v": 1})

    # Break the batch after its messages were inserted: the contact row violates NOT NULL.
    broken = ContactRow("p:000000000009", "@x", "friend", nickname=None)  # type: ignore[arg-type]
    with pytest.raises(ArchiveWriteError, match="rolled back"):
        archive.commit_batch(batch_rows(3, 3), [broken], sync_key={"v": 2})
    assert archive.message_count() == 3
    assert archive.sync_state is not None and archive.sync_state.sync_key == {"v": 1}
    history = Tables()
    archive.fill(history)
    assert history.contacts.key.tolist() == ["p:000000000001"]

    # The same batch, fixed, goes through: nothing of the failed attempt is in the way.
    result = archive.commit_batch(batch_rows(3, 3), [contact("p:000000000009", "X")], sync_key={"v": 2})
    assert result.new_positions == [0, 1, 2]
    assert archive.sync_state is not None and archive.sync_state.sync_key == {"v": 2}
    archive.close()


def test_only_a_known_msg_id_is_skipped_any_other_bad_row_fails_the_batch(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite3") as archive:
        archive.commit_batch(batch_rows(0, 2))
        bad = batch_rows(2, 2)
        bad.text[1] = None  # type: ignore[call-overload]  # NOT NULL: must not pass for a re-delivery
        with pytest.raises(ArchiveWriteError, match="rolled back"):
            archive.commit_batch(bad)
        assert archive.message_count() == 2
        assert archive.commit_batch(batch_rows(1, 3)).new_positions == [1, 2]


def test_an_exception_of_ours_inside_a_commit_rolls_back_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = Archive(tmp_path / "a.sqlite3")

    def explode(*args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(writer, "_insert_messages", explode)
    with pytest.raises(RuntimeError):
        archive.commit_batch(batch_rows(0, 3), sync_key={"v": 1})
    monkeypatch.undo()
    assert archive.message_count() == 0 and archive.sync_state is None
    assert archive.commit_batch(batch_rows(0, 3)).new_positions == [0, 1, 2]
    archive.close()


def test_revokes_apply_only_from_new_notices(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite3") as archive:
        notice = make_message(9, msg_type=10002, revoked_msg_id=msg_id(1))
        archive.commit_batch(rows_of([make_message(1), make_message(2)]))
        result = archive.commit_batch(rows_of([notice]), revokes={0: msg_id(1)})
        assert result.revoked == [msg_id(1)]
        again = archive.commit_batch(rows_of([notice]), revokes={0: msg_id(1)})
        assert again.new_positions == [] and again.revoked == []
        tables = Tables()
        archive.fill(tables)
        assert tables.messages.revoked.tolist() == [True, False, False]


def test_contacts_are_upserted_in_first_seen_order_and_removed_with_their_members(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite3") as archive:
        ann, club = contact("p:000000000001", "Ann"), contact("r:000000000002", "Club", "room")
        archive.commit_batch(
            contacts=[ann, club], members={club.key: [MemberRow(club.key, "@@c", "@a", "Ann", "", ann.key)]}
        )
        archive.commit_batch(contacts=[contact("p:000000000001", "Ann", remark="Annie")])
        tables = Tables()
        archive.fill(tables)
        assert tables.contacts.display_name.tolist() == ["Annie", "Club"]
        archive.commit_batch(removed=[club.key])
        tables = Tables()
        archive.fill(tables)
        assert tables.contacts.key.tolist() == [ann.key] and tables.members.empty


def test_the_send_journal_survives_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    archive = Archive(path)
    archive.record_send("17000000000000001", "@ann", "hello", chat_key="p:000000000001")
    archive.record_send("17000000000000002", "@ann", "world")
    archive.record_send("17000000000000003", "@bob", "lost")
    archive.complete_send("17000000000000001", "4875421002314560123")
    archive.fail_send("17000000000000002", "rate limited (1205)")
    with pytest.raises(KeyError, match="record_send"):
        archive.complete_send("99", "1")
    archive.close()  # the process "dies" with one send in flight

    with Archive(path) as after:
        sends = {s.client_msg_id: s for s in after.sends()}
        assert sends["17000000000000001"].status == "sent"
        assert sends["17000000000000001"].msg_id == "4875421002314560123"
        assert sends["17000000000000002"].status == "failed"
        assert sends["17000000000000002"].error == "rate limited (1205)"
        assert [s.client_msg_id for s in after.sends("pending")] == ["17000000000000003"]
        assert sends["17000000000000003"].created_at.tzinfo is not None


def test_a_second_writer_is_refused_until_the_first_closes(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    first = Archive(path)
    with pytest.raises(ArchiveLockedError, match="another wxnb session"):
        Archive(path)
    with open_archive(path) as reader:  # readers are welcome meanwhile
        assert reader.messages.empty
    first.close()
    Archive(path).close()


def test_a_write_lock_held_by_another_program_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    archive = Archive(path, timeout=0.05)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(ArchiveLockedError, match="busy"):
            archive.commit_batch(batch_rows(0, 1))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert archive.commit_batch(batch_rows(0, 1)).new_positions == [0]
    archive.close()


def test_damaged_foreign_and_future_files_are_refused_with_advice(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(ArchiveCorruptError, match="Move it aside"):
        Archive(junk)
    with pytest.raises(ArchiveCorruptError):
        open_archive(junk)

    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(ArchiveSchemaError, match="another program"):
        Archive(foreign)

    future = tmp_path / "future.sqlite3"
    Archive(future).close()
    with sqlite3.connect(future) as conn:
        conn.execute("INSERT INTO schema_version VALUES (?, 0)", (SCHEMA_VERSION + 1,))
    with pytest.raises(ArchiveVersionError, match="newer wxnb"):
        Archive(future)
    with pytest.raises(ArchiveVersionError):
        open_archive(future)

    with pytest.raises(ArchiveError, match="no archive"):
        open_archive(tmp_path / "missing.sqlite3")


def test_using_a_closed_archive_says_so(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "a.sqlite3")
    archive.close()
    archive.close()
    with pytest.raises(ArchiveClosedError):
        archive.commit_batch(batch_rows(0, 1))


def test_open_archive_reads_history_next_to_a_running_writer(tmp_path: Path) -> None:
    path = archive_path("acct-test", tmp_path)
    writer = Archive(path)
    writer.commit_batch(batch_rows(0, 10), [contact("p:000000000001", "Ann")], sync_key=SYNC_KEY)
    with open_archive(path.parent) as history:  # the account directory works too
        frame = history.messages
        assert frame.msg_id.tolist() == [msg_id(i) for i in range(10)]
        assert history.friends.display_name.tolist() == ["Ann"]
        assert history.sync_state is not None and history.sync_state.sync_key == SYNC_KEY
        writer.commit_batch(batch_rows(10, 5))
        assert len(history.messages) == 10  # loaded once ...
        history.refresh()
        assert len(history.messages) == 15  # ... until refreshed
        with pytest.raises(sqlite3.OperationalError):
            history._db.conn.execute("DELETE FROM messages")  # read-only at the SQLite level
    writer.close()


def test_memory_archive_works_without_a_file() -> None:
    archive = Archive(":memory:")
    assert archive.commit_batch(batch_rows(0, 2), sync_key=SYNC_KEY).new_positions == [0, 1]
    assert archive.sync_state is not None and archive.sync_state.sync_key == SYNC_KEY


def test_data_dir_defaults_and_account_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WXNB_DATA_DIR", str(tmp_path / "env"))
    assert default_data_dir() == tmp_path / "env"
    assert archive_path("acct-1") == tmp_path / "env" / "acct-1" / "archive.sqlite3"
    monkeypatch.delenv("WXNB_DATA_DIR")
    assert default_data_dir().name == "wxnb"
    for bad in ("../etc", "a/b", "", ".hidden"):
        with pytest.raises(ValueError, match="directory-safe"):
            archive_path(bad, tmp_path)


def test_parquet_export_round_trips(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "a.sqlite3"
    with Archive(path) as archive:
        archive.commit_batch(batch_rows(0, 20), [contact("p:000000000001", "Ann")])
        written = archive.export_parquet(tmp_path / "out")
    assert sorted(written) == ["contacts", "members", "messages"]
    with open_archive(path) as history:
        expected = history.messages
        again = history.export_parquet(tmp_path / "out2")
    back = pd.read_parquet(written["messages"])
    assert back.msg_id.tolist() == expected.msg_id.tolist()
    assert back.time.tolist() == expected.time.tolist()
    assert back.chat.astype(str).tolist() == expected.chat.astype(str).tolist()
    assert pd.read_parquet(again["contacts"]).nickname.tolist() == ["Ann"]


def test_parquet_export_without_pyarrow_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # import now fails as if not installed
    with (
        Archive(tmp_path / "a.sqlite3") as archive,
        pytest.raises(MissingDependencyError, match="pip install pyarrow"),
    ):
        archive.export_parquet(tmp_path / "out")


_CRASH_SCRIPT = """
import os, signal, sys
sys.path.insert(0, {root!r})
from tests.store.conftest import batch_rows
from wxnb.store import Archive
archive = Archive({path!r})
for b in range(40):
    archive.commit_batch(batch_rows(b * 50, 50), sync_key={{"batch": b}})
os.kill(os.getpid(), signal.SIGKILL)  # no close, no checkpoint: the batches are only in the WAL
"""


def test_committed_batches_survive_the_process_being_killed(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    script = _CRASH_SCRIPT.format(root=str(Path(__file__).resolve().parents[2]), path=str(path))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120, check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    assert Path(f"{path}-wal").stat().st_size > 0  # the WAL was not checkpointed into the file
    with Archive(path) as after:
        assert after.message_count() == 40 * 50
        assert after.sync_state is not None and after.sync_state.sync_key == {"batch": 39}
        assert after.commit_batch(batch_rows(1950, 100)).new_positions == list(range(50, 100))


def test_dedupe_holds_across_reopening_whether_or_not_the_archive_was_filled(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    with Archive(path) as archive:
        archive.commit_batch(batch_rows(0, 5))
    with Archive(path) as reopened:  # not filled: the MsgIds are read on the first batch
        assert reopened.commit_batch(batch_rows(3, 4)).new_positions == [2, 3]
    with Archive(path) as filled:
        filled.fill(Tables())  # the fill reads them all (from the cache files, written above)
        assert filled.commit_batch(batch_rows(0, 8)).new_positions == [7]
        assert filled.message_count() == 8


def test_a_revoke_finds_its_message_in_the_batch_among_recent_inserts_and_after_a_restart(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.sqlite3"

    def revoke(archive: Archive, i: int, of: int) -> list[str]:
        notice = rows_of([make_message(i, msg_type=10002, revoked_msg_id=msg_id(of))])
        return archive.commit_batch(notice, revokes={0: msg_id(of)}).revoked

    with Archive(path) as archive:
        together = rows_of([make_message(1), make_message(2, msg_type=10002, revoked_msg_id=msg_id(1))])
        assert archive.commit_batch(together, revokes={1: msg_id(1)}).revoked == [msg_id(1)]
        archive.commit_batch(batch_rows(10, 3))
        assert revoke(archive, 20, 11) == [msg_id(11)]
        assert revoke(archive, 21, 99) == []  # never arrived: nothing to mark
    with Archive(path) as reopened:  # no seqs remembered: found by MsgId
        assert revoke(reopened, 22, 12) == [msg_id(12)]
        tables = Tables()
        reopened.fill(tables)
    revoked = tables.messages.set_index("msg_id").revoked
    assert revoked[[msg_id(1), msg_id(11), msg_id(12)]].tolist() == [True, True, True]
    assert not revoked[[msg_id(2), msg_id(10)]].any()


def test_a_schema_1_archive_is_upgraded_with_its_messages_and_their_dedupe(tmp_path: Path) -> None:
    from wxnb.store import sqlschema

    path = tmp_path / "v1.sqlite3"
    with sqlite3.connect(path) as conn:  # what wxnb wrote before schema 2
        conn.executescript(sqlschema._SCHEMA_V1)
        conn.execute(f"PRAGMA application_id = {sqlschema.APPLICATION_ID}")
        conn.execute("INSERT INTO schema_version VALUES (1, 0)")
        conn.execute("INSERT INTO meta VALUES ('key_salt', '00ff')")
        conn.executemany(
            "INSERT INTO messages (msg_id, time, chat, sender, is_group, is_self, type, msg_type, "
            "app_type, text, url, file_name, revoked) VALUES (?, ?, '@a', '@a', 0, 0, 'text', 1, 0, ?, "
            "'', '', ?)",
            [(msg_id(i), 1_700_000_000 + i, f"old {i}", int(i == 2)) for i in range(3)],
        )
    with pytest.raises(ArchiveVersionError, match="open it once for writing"):
        open_archive(path)
    with Archive(path) as archive:
        assert archive.commit_batch(batch_rows(1, 4)).new_positions == [2, 3]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
        indexes = "SELECT name FROM sqlite_master WHERE tbl_name = 'messages' AND type = 'index'"
        assert sorted(conn.execute(indexes).fetchall()) == [("messages_msg_key",), ("messages_other_msg_id",)]
    with open_archive(path) as history:
        frame = history.messages
    assert frame.msg_id.tolist() == [msg_id(i) for i in range(5)]
    assert frame.text.tolist()[:3] == ["old 0", "old 1", "old 2"]
    assert frame.revoked.tolist() == [False, False, True, False, False]


def test_a_schema_2_archive_is_upgraded_to_unique_msg_ids_with_its_data(tmp_path: Path) -> None:
    from wxnb.store import sqlschema

    path = tmp_path / "v2.sqlite3"
    with sqlite3.connect(path) as conn:  # what wxnb wrote with schema 2: no constraint on msg_id
        conn.executescript(sqlschema._SCHEMA_V1)
        sqlschema.MIGRATIONS[2](conn)
        conn.execute(f"PRAGMA application_id = {sqlschema.APPLICATION_ID}")
        conn.executemany("INSERT INTO schema_version VALUES (?, 0)", [(1,), (2,)])
        conn.execute("INSERT INTO meta VALUES ('key_salt', '00ff')")
        ids = [msg_id(0), "0042", msg_id(1), msg_id(0), "x-7"]  # msg_id(0) twice: the later row goes
        conn.executemany(
            "INSERT INTO messages (msg_id, time, chat, sender, is_group, is_self, type, msg_type, "
            "app_type, text, url, file_name, revoked) VALUES (?, ?, '@a', '@a', 0, 0, 'text', 1, 0, ?, "
            "'', '', 0)",
            [(m, 1_700_000_000 + i, f"old {i}") for i, m in enumerate(ids)],
        )
    with Archive(path) as archive:
        assert archive.message_count() == 4
        again = rows_of([make_message(i) for i in range(3)])
        again.msg_id[:] = ["42", "0042", "x-7"]  # "42" is not "0042": new; the others are known
        assert archive.commit_batch(again).new_positions == [0]
        assert archive.commit_batch(batch_rows(0, 3)).new_positions == [2]
        notices = rows_of([make_message(90 + i, msg_type=10002) for i in range(3)])
        assert archive.commit_batch(notices, revokes={0: msg_id(0), 1: "0042", 2: "42"}).revoked == [
            msg_id(0),
            "0042",
            "42",
        ]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    with open_archive(path) as history:
        frame = history.messages
    assert frame.msg_id.tolist()[:4] == [msg_id(0), "0042", msg_id(1), "x-7"]
    assert frame.text.tolist()[:4] == ["old 0", "old 1", "old 2", "old 4"]
    assert frame.set_index("msg_id").revoked[[msg_id(0), "0042", "42", msg_id(1)]].tolist() == [
        True,
        True,
        True,
        False,
    ]


def test_the_integer_key_of_a_msg_id_keeps_order_and_never_confuses_two_msg_ids() -> None:
    from wxnb.store.sqlschema import msgid_key

    numbers = [0, 1, 9, 10, 4_000_000_000_000_000_000, 2**63 - 1, 2**63, 10**19 - 1]
    keys = [msgid_key(str(n)) for n in numbers]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert all(k is not None and -(2**63) <= k < 2**63 for k in keys)
    for other in ("", "00", "0042", "10000000000000000000", "12a", "١٢", "-5", " 5"):
        assert msgid_key(other) is None, other


def test_gaps_are_recorded_durably_and_read_back_by_open_archive(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    with Archive(path) as archive:
        assert archive.gaps().empty
        archive.record_gap(1_700_000_000.0, 1_700_000_180.5, "the server refused the archived SyncKey")
        with pytest.raises(ValueError, match="before it starts"):
            archive.record_gap(10.0, 5.0, "backwards")
    with open_archive(path) as history:
        gaps = history.gaps
    assert gaps.columns.tolist() == ["start", "end", "reason", "recorded_at"]
    assert gaps.start.tolist() == [pd.Timestamp(1_700_000_000, unit="s", tz="UTC")]
    assert gaps.end.tolist() == [pd.Timestamp(1_700_000_180.5, unit="s", tz="UTC")]
    assert gaps.reason.tolist() == ["the server refused the archived SyncKey"]


# What each migration added, taken away again: an archive as an older wxnb left it.
_UNDO = {
    4: "DROP TABLE gaps",
    5: "ALTER TABLE messages DROP COLUMN duration",
    6: "ALTER TABLE contacts DROP COLUMN room_name",
    7: "ALTER TABLE contacts DROP COLUMN owner",
}


def downgrade(path: Path, version: int) -> None:
    """Turn an archive of the current schema back into one of schema ``version`` (>= 3)."""
    with sqlite3.connect(path) as conn:
        for undone in range(SCHEMA_VERSION, version, -1):
            conn.execute(_UNDO[undone])
        conn.execute("DELETE FROM schema_version WHERE version > ?", (version,))


def test_a_schema_3_archive_is_upgraded_to_4_with_its_data_and_an_empty_gaps_table(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite3"
    with Archive(path) as archive:
        archive.commit_batch(batch_rows(0, 3), sync_key=SYNC_KEY)
    downgrade(path, 3)  # back to what schema 3 wrote: no gaps table
    with pytest.raises(ArchiveVersionError, match="schema 3"):
        open_archive(path).messages  # noqa: B018  (a reader does not upgrade)
    with Archive(path) as archive:
        assert archive.message_count() == 3
        assert archive.sync_state is not None and archive.sync_state.sync_key == SYNC_KEY
        assert archive.gaps().empty
        archive.record_gap(1.0, 2.0, "test")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    with open_archive(path) as history:
        assert len(history.messages) == 3
        assert history.gaps.reason.tolist() == ["test"]


# Content as the server sends it (escaped XML, <br/> for new lines), as the simulator renders it.
VOICE_XML = (
    '&lt;msg&gt;&lt;voicemsg endflag="1" cancelflag="0" forwardflag="0" voiceformat="4" '
    'voicelength="7250" length="14500" bufid="0" /&gt;&lt;/msg&gt;'
)
VIDEO_XML = (
    '&lt;?xml version="1.0"?&gt;<br/>&lt;msg&gt;<br/>\t&lt;videomsg aeskey="ab" cdnthumblength="100" '
    'length="11160000" playlength="62" md5="cd" /&gt;<br/>&lt;/msg&gt;<br/>'
)


def test_a_schema_4_archive_is_upgraded_to_5_with_the_lengths_of_its_voice_and_video_messages(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v4.sqlite3"
    messages = [
        make_message(0, msg_type=34, text="", raw=VOICE_XML),
        make_message(1, msg_type=43, text="", raw=VIDEO_XML),
        make_message(2, msg_type=62, text="", raw=VIDEO_XML.replace('"62"', '"3"')),
        make_message(3, text='playlength="9"'),  # a text that looks like one: not a length
        make_message(4, msg_type=34, text="", raw="&lt;msg/&gt;"),  # no length stated
    ]
    with Archive(path) as archive:
        archive.commit_batch(rows_of(messages), sync_key=SYNC_KEY)
        archive.record_gap(1.0, 2.0, "kept")
    downgrade(path, 4)  # back to what schema 4 wrote: no duration column
    with pytest.raises(ArchiveVersionError, match="schema 4"):
        open_archive(path).messages  # noqa: B018  (a reader does not upgrade)
    with Archive(path) as archive:
        assert archive.message_count() == 5
        assert archive.sync_state is not None and archive.sync_state.sync_key == SYNC_KEY
        assert archive.commit_batch(rows_of(messages)).new_positions == []  # dedupe kept
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    with open_archive(path) as history:
        frame = history.messages
        assert history.gaps.reason.tolist() == ["kept"]
    assert frame.text.tolist()[3] == 'playlength="9"'
    assert frame.raw_content.tolist()[:2] == [VOICE_XML, VIDEO_XML]
    assert frame.duration.fillna(-1).tolist() == [7.25, 62.0, 3.0, -1, -1]


def test_a_schema_5_archive_is_upgraded_to_6_and_names_its_untitled_rooms_as_their_messages_did(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v5.sqlite3"
    rooms = [
        contact("r:000000000001", "", "room", member_count=3),  # untitled, with messages
        contact("r:000000000002", "Club", "room", member_count=2),  # a topic: its name
        contact("r:000000000003", "", "room", member_count=2),  # untitled, no message to go by
        contact("r:000000000004", "", "room", member_count=2),  # untitled, only "Group chat" filed
    ]
    filed = rows_of([make_message(i, chat="@@r") for i in range(4)])
    filed.chat_key[:] = ["r:000000000001", "r:000000000001", "r:000000000004", "r:000000000002"]
    filed.chat_name[:] = ["Ann、Bob", "Ann、Bob、Cat", "Group chat", "Club"]
    with Archive(path) as archive:
        archive.commit_batch(filed, contacts=rooms, sync_key=SYNC_KEY)
    downgrade(path, 5)
    with pytest.raises(ArchiveVersionError, match="schema 5"):
        open_archive(path).rooms  # noqa: B018  (a reader does not upgrade)
    with Archive(path) as archive:
        assert archive.message_count() == 4
    with open_archive(path) as history:
        names = history.rooms.set_index("key").display_name
        assert history.messages.chat_name.tolist() == ["Ann、Bob", "Ann、Bob、Cat", "Group chat", "Club"]
    # The latest name its messages went by; a topic stays; nothing to go by: "Group chat", as before.
    assert names.to_dict() == {
        "r:000000000001": "Ann、Bob、Cat",
        "r:000000000002": "Club",
        "r:000000000003": "Group chat",
        "r:000000000004": "Group chat",
    }


def test_the_name_of_an_untitled_room_is_archived(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    with Archive(path) as archive:
        archive.commit_batch(contacts=[contact("r:000000000001", "", "room", room_name="Ann、Bob")])
    with open_archive(path) as history:
        assert history.rooms.display_name.tolist() == ["Ann、Bob"]
    tables = Tables()
    with Archive(path) as archive:
        archive.fill(tables)
    assert tables.contact("r:000000000001") == ContactRow(
        "r:000000000001", None, "room", room_name="Ann、Bob"
    )
