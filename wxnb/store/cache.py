"""A columnar cache of archived messages: history back in about a second after a kernel restart.

Reading a million messages out of SQLite costs ~10 s (a Python object per value). So after a load the
messages are also kept as Arrow IPC files of ``CHUNK_ROWS`` rows each, in ``<archive>.cache/``; the
next load reads those files and only the newer rows from SQLite. The archive stays the truth:

- A chunk file is written once (to a temporary name, then renamed) and never changed. It records the
  archive ``seq`` range and the MsgIds at both ends of its rows.
- It is used only if SQLite agrees: the rows up to its last seq number exactly the rows cached so far,
  and the MsgIds at its first and last seq are the recorded ones. A file that fails this (a restored
  backup, another archive's cache, a newer format, a damaged file) is dropped with every later one,
  and those rows are read from SQLite; a later load writes them again.
- ``revoked`` is not cached, as it can change after a row was written: it is read from SQLite.

Example:
    >>> cache_dir(Path("/data/acct-1/archive.sqlite3")).as_posix()
    '/data/acct-1/archive.sqlite3.cache'
"""

from __future__ import annotations

import os
import sqlite3
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import pyarrow as pa

from wxnb.store.rows import MESSAGE_COLUMNS
from wxnb.store.tables import Tables

__all__ = ["CHUNK_ROWS", "cache_dir", "read_chunks", "write_chunks"]

FORMAT: Final = b"wxnb-messages-2"  # 2: with duration (schema 5)
CHUNK_ROWS: Final = 65_536
COLUMNS: Final = tuple(c for c in MESSAGE_COLUMNS if c != "revoked")


def cache_dir(archive: Path) -> Path:
    """The cache directory of an archive file."""
    return archive.with_name(archive.name + ".cache")


def _chunk_path(directory: Path, index: int) -> Path:
    return directory / f"messages-{index:06d}.arrow"


def _read(path: Path) -> tuple[pa.Table, dict[bytes, bytes]] | None:
    try:
        with pa.OSFile(str(path)) as source:
            reader = pa.ipc.open_file(source)
            table = reader.read_all()
    except (OSError, pa.ArrowInvalid):
        return None  # damaged or unreadable: the rows come from SQLite instead
    meta = dict(table.schema.metadata or {})
    if meta.get(b"format") != FORMAT or tuple(table.column_names) != COLUMNS:
        return None
    return table, meta


def _agrees(conn: sqlite3.Connection, meta: dict[bytes, bytes], rows_before: int, rows: int) -> bool:
    try:
        first, last = int(meta[b"first_seq"]), int(meta[b"last_seq"])
        first_id, last_id = meta[b"first_msg_id"].decode(), meta[b"last_msg_id"].decode()
    except (KeyError, ValueError, UnicodeDecodeError):
        return False
    count = conn.execute("SELECT count(*) FROM messages WHERE seq <= ?", (last,)).fetchone()[0]
    if count != rows_before + rows:
        return False
    ends = dict(
        conn.execute("SELECT seq, msg_id FROM messages WHERE seq IN (?, ?)", (first, last)).fetchall()
    )
    return ends.get(first) == first_id and ends.get(last) == last_id


def read_chunks(directory: Path, conn: sqlite3.Connection, *, prune: bool) -> tuple[list[pa.Table], int]:
    """The cached chunks SQLite agrees with, oldest first, and the last seq they cover (0: none).

    With ``prune`` (the archive's writer), files from the first one that does not agree on are deleted.
    """
    tables: list[pa.Table] = []
    last_seq = 0
    rows = 0
    index = 0
    while (path := _chunk_path(directory, index)).is_file():
        read = _read(path)
        if read is None or not _agrees(conn, read[1], rows, read[0].num_rows):
            break
        table, meta = read
        tables.append(table)
        rows += table.num_rows
        last_seq = int(meta[b"last_seq"])
        index += 1
    if prune:
        for stale in sorted(directory.glob("messages-*.arrow"))[index:]:
            stale.unlink(missing_ok=True)
    return tables, last_seq


def write_chunks(
    directory: Path, tables: Tables, start_row: int, seqs: Sequence[int], first_index: int
) -> int:
    """Write rows ``start_row`` on of ``tables`` as chunk files, full chunks only; returns rows written.

    ``seqs`` are the archive seq numbers of those rows. A failure to write is reported as a
    ``RuntimeWarning`` (the cache only saves time; loading still works without it).
    """
    written = 0
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        index = first_index
        while len(seqs) - written >= CHUNK_ROWS:
            a, b = written, written + CHUNK_ROWS
            table = tables.messages_arrow(start_row + a, start_row + b)
            ids = table.column("msg_id")
            table = table.replace_schema_metadata(
                {
                    b"format": FORMAT,
                    b"first_seq": str(seqs[a]).encode(),
                    b"last_seq": str(seqs[b - 1]).encode(),
                    b"first_msg_id": str(ids[0]).encode(),
                    b"last_msg_id": str(ids[CHUNK_ROWS - 1]).encode(),
                }
            )
            path = _chunk_path(directory, index)
            partial = path.with_suffix(".partial")
            with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
            os.replace(partial, path)
            written += CHUNK_ROWS
            index += 1
    except OSError as exc:
        warnings.warn(
            f"wxnb could not write the history cache in {directory} ({exc}); history still loads, "
            "only more slowly. Check the disk space and permissions of the data directory.",
            RuntimeWarning,
            stacklevel=2,
        )
    return written
