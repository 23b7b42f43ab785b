"""Live tables: columns and dtypes, snapshots that never change, the O(new rows) cost model, threads."""

from __future__ import annotations

import gc
import threading

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from wxnb.protocol.records import CATEGORIES
from wxnb.store.columns import TextColumn, local_zone
from wxnb.store.rows import MESSAGE_COLUMNS, ContactRow, MemberRow
from wxnb.store.tables import CONTACT_COLUMNS, MEMBER_COLUMNS, MESSAGE_FRAME_COLUMNS, ROOM_COLUMNS, Tables

from .conftest import BASE_TIME, batch_rows, make_message, msg_id, rows_of

STR = pd.StringDtype("pyarrow", na_value=np.nan)


def filled(n: int, batch: int = 100) -> Tables:
    tables = Tables(seal_rows=1024)
    for start in range(0, n, batch):
        tables.append_messages(batch_rows(start, min(batch, n - start)))
    return tables


def test_messages_columns_and_dtypes() -> None:
    frame = filled(3).messages
    assert set(frame.columns) == set(MESSAGE_COLUMNS)
    # Ordered for reading (issue 12): what was said first, ids last.
    assert tuple(frame.columns) == MESSAGE_FRAME_COLUMNS
    assert tuple(frame.columns[:5]) == ("time", "chat_name", "sender_name", "type", "text")
    assert frame.columns[-1] == "msg_id"
    expected = {
        "msg_id": STR,
        "time": pd.DatetimeTZDtype("us", local_zone()),
        "is_group": np.dtype(bool),
        "is_self": np.dtype(bool),
        "msg_type": np.dtype(np.int32),
        "app_type": np.dtype(np.int32),
        "text": STR,
        "url": STR,
        "file_name": STR,
        "raw_content": STR,
        "revoked": np.dtype(bool),
    }
    for name, dtype in expected.items():
        assert frame[name].dtype == dtype, name
    for name in ("chat", "chat_key", "chat_name", "sender", "sender_name", "type"):
        assert isinstance(frame[name].dtype, pd.CategoricalDtype), name
        assert frame[name].cat.categories.dtype == STR, name
    assert list(frame["type"].cat.categories[: len(CATEGORIES)]) == list(CATEGORIES)
    assert frame.time.iloc[2] == pd.Timestamp(BASE_TIME + 2, unit="s", tz="UTC")
    assert frame.msg_id.tolist() == [msg_id(i) for i in range(3)]
    assert frame.chat.tolist() == ["@c0", "@c1", "@c2"]
    assert frame.chat_name.iloc[0] == "name @c0"
    assert isinstance(frame.index, pd.RangeIndex)


def test_empty_tables_have_their_columns_and_dtypes() -> None:
    tables = Tables()
    assert tables.messages.shape == (0, len(MESSAGE_COLUMNS))
    assert tables.messages.time.dtype == pd.DatetimeTZDtype("us", local_zone())  # the kernel's zone
    assert tuple(tables.contacts.columns) == CONTACT_COLUMNS
    assert tuple(tables.contacts.columns[:5]) == ("display_name", "kind", "remark", "nickname", "alias")
    assert tuple(tables.contacts.columns[-2:]) == ("user_name", "key")
    assert tuple(tables.rooms.columns) == ROOM_COLUMNS
    assert tuple(tables.rooms.columns[:2]) == ("display_name", "member_count")
    assert not {"sex", "province", "city", "signature", "alias"} & set(tables.rooms.columns)
    assert tables.contacts.member_count.dtype == "Int64"
    assert tuple(tables.members.columns) == MEMBER_COLUMNS
    assert tables.friends.empty and tables.rooms.empty and tables.mps.empty


def test_times_are_in_the_zone_asked_for_and_the_same_instants() -> None:
    shanghai = Tables(tz="Asia/Shanghai")
    utc = Tables(tz="UTC")
    for tables in (shanghai, utc):
        tables.append_messages(batch_rows(0, 2))
    there, here = shanghai.messages.time, utc.messages.time
    assert str(there.dt.tz) == "Asia/Shanghai" and str(here.dt.tz) == "UTC"
    assert (there == here).all()  # one instant, two labels
    assert there.iloc[1] == pd.Timestamp(BASE_TIME + 1, unit="s", tz="UTC")
    assert there.iloc[0].utcoffset() == pd.Timedelta(hours=8)
    assert shanghai.messages.attrs["wxnb"] == "messages"


def test_missing_names_are_nan_and_types_from_the_record() -> None:
    tables = Tables()
    link = make_message(1, msg_type=49, app_msg_type=5)
    tables.append_messages(rows_of([link]))
    from wxnb.store.rows import MessageRows

    tables.append_messages(MessageRows.from_messages([make_message(2)], [(None, None, None)]))
    frame = tables.messages
    assert frame.type.tolist() == ["link", "text"]
    assert frame.app_type.tolist() == [5, 0]
    assert frame.chat_key.isna().tolist() == [False, True]
    assert frame.sender_name.isna().tolist() == [False, True]


def test_a_snapshot_never_changes_after_appends_and_revokes() -> None:
    tables = filled(250)
    old = tables.messages
    expected = old.copy(deep=True)
    tables.append_messages(batch_rows(250, 100))
    tables.mark_revoked([msg_id(3), msg_id(260)])
    pd.testing.assert_frame_equal(old, expected)
    new = tables.messages
    assert len(new) == 350
    assert new.revoked.sum() == 2 and bool(new.revoked[3])
    assert not old.revoked.any()


def test_writing_into_a_snapshot_changes_only_that_snapshot() -> None:
    tables = filled(50)
    reference = tables.messages.copy(deep=True)
    mine = tables.messages
    mine.loc[0, "msg_type"] = 99
    mine.loc[1, "chat"] = "@c3"
    mine.loc[2, "text"] = "edited"
    mine.loc[3, "is_group"] = True
    mine.loc[4, "time"] = pd.Timestamp("2000-01-01", tz="UTC")
    assert mine.loc[0, "msg_type"] == 99 and mine.loc[2, "text"] == "edited"
    # A derived view whose parent is gone, written into: still private.
    head = tables.messages.head(10)
    head.loc[5, "revoked"] = True
    head.loc[6, "app_type"] = 7
    pd.testing.assert_frame_equal(tables.messages, reference)
    pd.testing.assert_frame_equal(tables.messages, reference)


def test_writing_into_a_snapshot_after_the_store_moved_on() -> None:
    # The store no longer caches the frame this snapshot came from, and nothing else shares it.
    tables = filled(50)
    reference = tables.messages.copy(deep=True)
    late = tables.messages
    tables.append_messages(batch_rows(50, 10))
    assert len(tables.messages) == 60
    gc.collect()  # frames sit in reference cycles: make sure the old cached one is really gone
    late.loc[49, "msg_type"] = 98
    late.loc[48, "chat"] = "@c0"
    late.loc[47, "revoked"] = True
    late.loc[46, "time"] = pd.Timestamp("2001-01-01", tz="UTC")
    assert late.loc[49, "msg_type"] == 98 and bool(late.loc[47, "revoked"])
    pd.testing.assert_frame_equal(tables.messages.iloc[:50], reference)


def test_access_costs_only_the_new_rows() -> None:
    tables = filled(5000)
    stats = tables.stats["messages"]
    first = tables.messages
    assert stats.rows_encoded == 5000
    built = stats.frames_built
    tables.append_messages(batch_rows(5000, 100))
    second = tables.messages
    # Only the 100 new rows were converted; the frame reuses every old buffer without copying.
    assert stats.rows_encoded == 5100
    assert stats.frames_built == built + 1
    for name in ("msg_type", "is_group", "revoked"):
        assert np.shares_memory(first[name].to_numpy(), second[name].to_numpy()), name
    for name in ("chat", "sender_name"):
        assert np.shares_memory(first[name].array.codes, second[name].array.codes), name
    old_chunks = first.text.array._pa_array.chunks
    new_chunks = second.text.array._pa_array.chunks
    sealed = [c for c in old_chunks if len(c) >= 1024]
    assert sealed and all(
        any(o.buffers()[2].address == n.buffers()[2].address for n in new_chunks) for o in sealed
    )
    # An unchanged table is answered from the cache.
    hits = stats.cache_hits
    assert len(tables.messages) == 5100
    assert stats.cache_hits == hits + 1 and stats.frames_built == built + 1


def test_the_writer_encodes_and_a_read_only_takes_a_snapshot() -> None:
    tables = Tables()
    stats = tables.stats["messages"]
    for start in range(0, 900, 50):
        tables.append_messages(batch_rows(start, 50))
        assert stats.rows_encoded == start + 50  # encoded by the writer's own call
    assert len(tables.messages) == 900 and stats.rows_encoded == 900  # the read encoded nothing
    tables.append_messages(batch_rows(900, 50))
    assert tables.mark_revoked([msg_id(920)]) == 1
    frame = tables.messages
    assert stats.rows_encoded == 950
    assert frame.msg_id.tolist() == [msg_id(i) for i in range(950)]
    assert frame.index[frame.revoked].tolist() == [920]


def test_text_pieces_stay_few_and_rows_stay_in_order() -> None:
    column = TextColumn(seal_rows=4096)
    values = [f"v{i}" for i in range(20_000)]
    for start in range(0, len(values), 7):
        column.extend(values[start : start + 7])
        assert len(column._open) <= 14  # O(log(seal_rows / batch)) open pieces
    assert pa.chunked_array(column.chunks()).to_pylist() == values
    assert column.positions(["v3", "v19999", "nope"]) == {"v3": 3, "v19999": 19999}


def test_categories_grow_past_the_narrow_code_widths() -> None:
    tables = Tables()
    chats = [f"@chat{i}" for i in range(40_000)]
    tables.append_messages(rows_of([make_message(i, chat=c) for i, c in enumerate(chats[:100])]))
    small = tables.messages
    tables.append_messages(rows_of([make_message(100 + i, chat=c) for i, c in enumerate(chats[100:])]))
    big = tables.messages
    assert big.chat.tolist() == chats
    assert small.chat.tolist() == chats[:100]
    assert big.chat.array.codes.dtype == np.int32


def test_revoke_marks_the_right_row_and_reports_what_it_found() -> None:
    tables = filled(3000)
    assert tables.mark_revoked([msg_id(10), msg_id(2999), "unknown"]) == 2
    assert tables.mark_revoked([]) == 0
    frame = tables.messages
    assert frame.index[frame.revoked].tolist() == [10, 2999]


def test_contacts_upsert_replace_remove_and_kinds() -> None:
    tables = Tables()
    ann = ContactRow("p:000000000001", "@ann", "friend", nickname="Ann", contact_flag=3 | 2048 | 512)
    club = ContactRow("r:000000000002", "@@club", "room", nickname="Club", member_count=3)
    news = ContactRow("m:000000000003", "@news", "mp", nickname="News", verify_flag=24)
    tables.upsert_contacts([ann, club, news])
    before = tables.contacts
    assert before.kind.tolist() == ["friend", "room", "mp"]
    assert before.display_name.tolist() == ["Ann", "Club", "News"]
    assert before.is_pinned.tolist() == [True, False, False]
    assert before.is_muted.tolist() == [True, False, False]
    assert before.member_count.isna().tolist() == [True, False, True]
    assert tables.friends.key.tolist() == [ann.key]
    assert tables.rooms.member_count.tolist() == [3]
    assert tables.mps.nickname.tolist() == ["News"]

    tables.upsert_contacts([ContactRow(ann.key, "@ann", "friend", nickname="Ann", remark="Annie")])
    tables.remove_contacts([news.key])
    after = tables.contacts
    assert after.display_name.tolist() == ["Annie", "Club"]
    assert before.display_name.tolist() == ["Ann", "Club", "News"]  # the old snapshot is untouched
    assert tables.mps.empty


def test_members_are_replaced_per_room_and_leave_with_the_room() -> None:
    tables = Tables()
    tables.upsert_contacts([ContactRow("r:1", "@@r", "room", nickname="R")])
    members = [MemberRow("r:1", "@@r", f"@m{i}", f"M{i}", "", f"p:{i}") for i in range(3)]
    tables.set_room_members("r:1", members)
    first = tables.members
    tables.set_room_members("r:1", members[1:])  # @m0 left
    assert tables.members.user_name.tolist() == ["@m1", "@m2"]
    assert first.user_name.tolist() == ["@m0", "@m1", "@m2"]
    tables.remove_contacts(["r:1"])
    assert tables.members.empty


def test_forgetting_user_names_keeps_keys() -> None:
    tables = Tables()
    tables.upsert_contacts([ContactRow("p:1", "@ann", "friend", nickname="Ann")])
    tables.set_room_members("r:1", [MemberRow("r:1", "@@r", "@ann", "Ann", "", "p:1")])
    tables.forget_user_names()
    assert tables.contacts.user_name.isna().all() and tables.contacts.key.tolist() == ["p:1"]
    assert tables.members.user_name.isna().all() and tables.members.key.tolist() == ["p:1"]


def test_readers_never_see_a_half_written_batch() -> None:
    # The readers' work is bounded by the writer's, not by the clock: each reader takes at most
    # READS_PER_BATCH snapshots per published batch, then waits for the next one. (Readers spinning
    # freely starved the writer, which releases the GIL around every Arrow call and waits a whole switch
    # interval to get it back each time; on a loaded machine the test ran into its timeout.) Their
    # snapshots still overlap with the writer, who goes on with the next batch as soon as one is out.
    tables = Tables(seal_rows=512)
    batch, batches, reads_per_batch = 50, 300, 2
    progress = threading.Condition()
    published = [0]
    started = threading.Barrier(3)
    failures: list[str] = []
    seen: list[int] = []

    def check(frame: pd.DataFrame, last: int) -> str | None:
        n = len(frame)
        lengths = {len(frame[c].array) for c in frame.columns}
        if lengths != {n} or n % batch or n < last:
            return f"lengths {lengths} n {n} last {last}"
        if n:
            i = n - 1  # the newest row is whole: every column agrees with its MsgId
            row = frame.iloc[i]
            if (
                row.msg_id != msg_id(i)
                or row.text != f"message {i}"
                or row.time != pd.Timestamp(BASE_TIME + i, unit="s", tz="UTC")
                or row.chat != f"@c{i % 5}"
            ):
                return f"row {i} torn: {row.to_dict()}"
        return None

    def read() -> None:
        started.wait()
        last = 0
        while True:
            with progress:
                level = published[0]
            for _ in range(reads_per_batch):
                frame = tables.messages
                failure = check(frame, last)
                if failure is not None:
                    failures.append(failure)
                    return
                last = len(frame)
                seen.append(last)
            if level == batches:
                return
            with progress:
                if not progress.wait_for(lambda level=level: published[0] > level, timeout=60):
                    failures.append(f"the writer published nothing for 60 s after batch {level}")
                    return

    readers = [threading.Thread(target=read) for _ in range(2)]
    for r in readers:
        r.start()
    started.wait()
    for b in range(batches):
        tables.append_messages(batch_rows(b * batch, batch))
        if b % 50 == 0:
            tables.mark_revoked([msg_id(b * batch)])
        with progress:
            published[0] = b + 1
            progress.notify_all()
    for r in readers:
        r.join()
    assert not failures, failures[:3]
    assert len(tables.messages) == batch * batches
    assert len(set(seen)) > 2  # the readers did overlap with the writer
    assert 0 < len(seen) <= 2 * reads_per_batch * (batches + 1)  # bounded by the writer's work


_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(1, 40)),
        st.tuples(st.just("revoke"), st.integers(0, 500)),
        st.tuples(st.just("snapshot"), st.just(0)),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(ops=_OPS)
def test_every_snapshot_matches_a_plain_model(ops: list[tuple[str, int]]) -> None:
    # Small sealed chunks and many tiny appends exercise merging, sealing and copy-on-write revokes.
    tables = Tables(seal_rows=16)
    model_ids: list[str] = []
    model_revoked: list[bool] = []
    taken: list[tuple[pd.DataFrame, list[str], list[bool]]] = []
    for op, arg in ops:
        if op == "append":
            start = len(model_ids)
            tables.append_messages(
                rows_of([make_message(i, chat=f"@c{i % 3}") for i in range(start, start + arg)])
            )
            model_ids += [msg_id(i) for i in range(start, start + arg)]
            model_revoked += [False] * arg
        elif op == "revoke":
            found = tables.mark_revoked([msg_id(arg)])
            assert found == (arg < len(model_ids))
            if found:
                model_revoked[arg] = True
        else:
            taken.append((tables.messages, list(model_ids), list(model_revoked)))
    taken.append((tables.messages, model_ids, model_revoked))
    for frame, ids, revoked in taken:
        assert frame.msg_id.tolist() == ids
        assert frame.revoked.tolist() == revoked
        assert frame.text.tolist() == [f"message {int(i) - int(msg_id(0))}" for i in ids]
        assert frame.chat.tolist() == [f"@c{(int(i) - int(msg_id(0))) % 3}" for i in ids]
