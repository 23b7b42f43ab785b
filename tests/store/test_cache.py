"""The columnar history cache: same frames as SQLite, used only where SQLite agrees, never in the way."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from wxnb.store import Archive, Store, archive_path, open_archive
from wxnb.store import cache as cache_module
from wxnb.store.cache import cache_dir
from wxnb.store.database import Database
from wxnb.store.tables import Tables

from .conftest import make_message, msg_id, rows_of

CHUNK = 64


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "CHUNK_ROWS", CHUNK)


def fill_archive(path: Path, start: int, count: int) -> None:
    with Archive(path) as archive:
        messages = [
            make_message(i, chat=f"@c{i % 7}", is_group=i % 2 == 0) for i in range(start, start + count)
        ]
        for s in range(0, count, 50):
            archive.commit_batch(rows_of(messages[s : s + 50]))


def load(path: Path) -> Tables:
    tables = Tables(seal_rows=CHUNK)
    with Archive(path) as archive:
        archive.fill(tables, current_login=True)
    return tables


def sqlite_only(path: Path) -> pd.DataFrame:
    with Archive(path) as archive:
        tables = Tables()
        archive._db.fill(tables, current_login=True, write_cache=False)
        return tables.messages


def chunk_files(path: Path) -> list[str]:
    return sorted(p.name for p in cache_dir(path).glob("*.arrow"))


def test_a_load_writes_full_chunks_and_the_next_load_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    fill_archive(path, 0, 3 * CHUNK + 10)
    first = load(path).messages
    assert chunk_files(path) == [f"messages-{i:06d}.arrow" for i in range(3)]
    second = load(path)
    pd.testing.assert_frame_equal(second.messages, first)
    pd.testing.assert_frame_equal(second.messages, sqlite_only(path))

    # More messages, and revokes of cached rows: the cache covers the old rows, SQLite the rest.
    fill_archive(path, 3 * CHUNK + 10, CHUNK)
    with Archive(path) as archive:
        notice = make_message(10_000, msg_type=10002, revoked_msg_id=msg_id(5))
        archive.commit_batch(rows_of([notice]), revokes={0: msg_id(5)})
    third = load(path).messages
    pd.testing.assert_frame_equal(third, sqlite_only(path))
    assert bool(third.revoked[5]) and third.revoked.sum() == 1
    assert len(chunk_files(path)) == 4


def test_a_cache_that_does_not_match_the_archive_is_dropped(tmp_path: Path) -> None:
    path, other = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    fill_archive(path, 0, 2 * CHUNK)
    fill_archive(other, 1000, 2 * CHUNK)  # another archive, other MsgIds
    load(path)
    load(other)
    # The second chunk of the wrong archive's cache, and a damaged file after it.
    shutil.copy(cache_dir(other) / "messages-000001.arrow", cache_dir(path) / "messages-000001.arrow")
    (cache_dir(path) / "messages-000002.arrow").write_bytes(b"garbage")
    reloaded = load(path).messages
    pd.testing.assert_frame_equal(reloaded, sqlite_only(path))
    assert reloaded.msg_id.tolist() == [msg_id(i) for i in range(2 * CHUNK)]
    assert chunk_files(path) == ["messages-000000.arrow", "messages-000001.arrow"]  # rewritten, right ones
    pd.testing.assert_frame_equal(load(path).messages, reloaded)


def test_failing_to_write_the_cache_warns_and_loads_anyway(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    fill_archive(path, 0, CHUNK + 1)
    cache_dir(path).write_text("a file where the cache directory should be")
    with pytest.warns(RuntimeWarning, match="history cache"):
        tables = load(path)
    assert len(tables.messages) == CHUNK + 1


def test_readers_use_the_cache_but_never_change_it(tmp_path: Path) -> None:
    path = archive_path("acct-t", tmp_path)
    fill_archive(path, 0, 2 * CHUNK)
    with open_archive(path) as history:
        assert len(history.messages) == 2 * CHUNK
    assert chunk_files(path) == []  # a reader does not write
    load(path)
    (cache_dir(path) / "messages-000001.arrow").write_bytes(b"garbage")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with open_archive(path) as history:
            pd.testing.assert_frame_equal(history.messages, sqlite_only(path))
    assert len(chunk_files(path)) == 2  # ... nor delete


def test_a_store_restart_reads_only_the_uncached_rows_from_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_from_sqlite: list[int] = []
    original = Database.iter_messages

    def counting(self: Database, after_seq: int = 0, batch_rows: int = 65_536) -> Iterator[Any]:
        for seqs, rows in original(self, after_seq, batch_rows):
            read_from_sqlite.append(len(seqs))
            yield seqs, rows

    monkeypatch.setattr(Database, "iter_messages", counting)
    with Store.open("acct-t", tmp_path) as store:
        store.apply_batch([make_message(i) for i in range(2 * CHUNK + 3)])
        live = store.messages
    with Store.open("acct-t", tmp_path) as store:  # reads SQLite, writes the cache
        pd.testing.assert_frame_equal(store.messages, live)
    assert sum(read_from_sqlite) == 2 * CHUNK + 3
    read_from_sqlite.clear()
    with Store.open("acct-t", tmp_path) as store:  # reads the cache, and SQLite for the tail only
        pd.testing.assert_frame_equal(store.messages, live)
    assert sum(read_from_sqlite) == 3
