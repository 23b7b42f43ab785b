"""The live tables: messages, contacts (friends, rooms, MPs) and room members, as pandas DataFrames.

One writer (the session's writer thread) appends, and its thread does all the encoding of what it appends; any
thread reads, and a read only takes a *snapshot*: a DataFrame that later appends, revokes and contact
changes never alter, and that never shows a half-written row (columns of unequal length cannot happen:
the writer publishes an encoded batch under the same lock that a reader takes to build its frame).
Writing into a snapshot is allowed and changes only that snapshot.

Cost: the messages frame is built from column buffers (see :mod:`wxnb.store.columns`) without copying
them, so an access costs O(number of chunks), whatever the size of the table; the frame is cached by a
version counter, so repeated reads of an unchanged table are free. Contacts and members change in
place (remarks, topics, members leaving); they are kept in dicts keyed by stable key and rebuilt into
a frame on the first read after a change.

Example:
    >>> from wxnb.store.rows import MessageRows
    >>> t = Tables()
    >>> rows = MessageRows.empty()
    >>> t.append_messages(rows)
    >>> t.messages.columns.tolist()[:5]
    ['time', 'chat_name', 'sender_name', 'type', 'text']

Columns are ordered for reading (what a person looks at first, ids last) and times are in the
kernel's local time zone (``Tables(tz=...)``, ``wxnb.login(tz=...)`` for another); every frame is tagged
``frame.attrs["wxnb"] = "messages" | "contacts" | "rooms" | "members"``, which the notebook uses to
draw a compact view (wxnb/notebook/tables_view.py). The frames themselves keep every column.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import tzinfo
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa

from wxnb.store.columns import (
    STR_DTYPE,
    TIME_DTYPE,
    GrowingArray,
    InternedColumn,
    TextColumn,
    share_safely,
    text_array,
    time_dtype,
)
from wxnb.store.inputs import MESSAGE_CATEGORIES
from wxnb.store.rows import MESSAGE_COLUMNS, ContactRow, MemberRow, MessageRows

__all__ = [
    "CONTACT_COLUMNS",
    "CONTACT_KINDS",
    "MEMBER_COLUMNS",
    "MESSAGE_FRAME_COLUMNS",
    "ROOM_COLUMNS",
    "MessageTable",
    "TableStats",
    "Tables",
    "contacts_frame",
    "members_frame",
]

CONTACT_KINDS: Final = ("friend", "room", "mp", "special", "other")
# Frames' column orders: for reading, left to right (names and what was said first, ids last).
MESSAGE_FRAME_COLUMNS: Final = (
    "time", "chat_name", "sender_name", "type", "text", "is_self", "is_group", "revoked", "url", "file_name",
    "duration", "msg_type", "app_type", "raw_content", "chat_key", "chat", "sender", "msg_id",
)  # fmt: skip
CONTACT_COLUMNS: Final = (
    "display_name", "kind", "remark", "nickname", "alias", "signature", "member_count", "owner", "sex",
    "province", "city", "is_starred", "is_pinned", "is_muted", "verify_flag", "contact_flag", "head_img_url",
    "user_name", "key",
)  # fmt: skip
#: ``rooms``: the contacts columns that mean something for a room (no sex, province, city, signature, alias).
ROOM_COLUMNS: Final = (
    "display_name", "member_count", "owner", "remark", "nickname", "kind", "is_starred", "is_pinned",
    "is_muted", "verify_flag", "contact_flag", "head_img_url", "user_name", "key",
)  # fmt: skip
MEMBER_COLUMNS: Final = ("display_name", "nickname", "room_key", "key", "room_user_name", "user_name")

_TEXT: Final = ("msg_id", "text", "url", "file_name", "raw_content")
_INTERNED: Final = ("chat", "chat_key", "chat_name", "sender", "sender_name", "type")
_NUMERIC: Final[dict[str, type]] = {
    "time": np.int64,  # microseconds since the epoch, UTC
    "is_group": np.bool_,
    "is_self": np.bool_,
    "msg_type": np.int32,
    "app_type": np.int32,
    "revoked": np.bool_,
    "duration": np.float64,  # seconds; NaN where there is none
}
_KIND_DTYPE: Final = pd.CategoricalDtype(pd.Index(CONTACT_KINDS, dtype=STR_DTYPE))
_FLAG_PINNED: Final = 2048
_FLAG_MUTE: Final = 512


@dataclass(slots=True)
class TableStats:
    """Counters that show the cost model at work (tests assert on them; the bench reports them)."""

    rows_encoded: int = 0  # Python values turned into column arrays: each appended row once
    frames_built: int = 0  # snapshot frames assembled (each access after a change: one)
    cache_hits: int = 0  # accesses answered from the cached frame


class MessageTable:
    """Append-only messages with a ``revoked`` mark; thread-safe for one writer and many readers.

    The writer's thread does all the work of a change: it encodes appended rows into the columns (Arrow
    for text, numpy for the rest) before it publishes them, so a reader only takes a snapshot of
    columns that are complete.

    Example:
        >>> from wxnb.protocol.records import Message
        >>> table = MessageTable()
        >>> m = Message("7", "@a", "@me", "@a", "@a", False, False, 1, "text", 1700000000, "hi", "hi")
        >>> table.append(MessageRows.from_messages([m], [(None, "Ann", "Ann")]))
        >>> old = table.frame(); table.mark_revoked(["7"])
        1
        >>> bool(old.revoked[0]), bool(table.frame().revoked[0])
        (False, True)
    """

    def __init__(self, seal_rows: int = 65_536, tz: tzinfo | str | None = None) -> None:
        self._time_dtype = time_dtype(tz)
        self._lock = threading.Lock()  # held briefly: to publish encoded rows, and to take a snapshot
        self._write_lock = threading.Lock()  # one writer is the contract; two are serialised, not mixed
        self._text = {name: TextColumn(seal_rows) for name in _TEXT}
        self._interned = {name: InternedColumn() for name in _INTERNED}
        self._interned["type"] = InternedColumn(MESSAGE_CATEGORIES)
        self._numeric = {name: GrowingArray(dtype) for name, dtype in _NUMERIC.items()}
        self._rows = 0
        self._version = 0
        self.stats = TableStats()
        self._snapshot = _Snapshot(self._build, self.stats)

    def __len__(self) -> int:
        return self._rows

    @property
    def version(self) -> int:
        """Changes with every append or revoke."""
        return self._version

    def append(self, rows: MessageRows) -> None:
        """Append a batch (the writer's thread encodes it); readers see all of it or none of it.

        Encoding has a fixed cost per call (the Arrow and numpy conversions of 18 columns), so a writer
        with several batches at hand appends them together (:meth:`Store.publish` does).
        """
        k = len(rows)
        if k == 0:
            return
        with self._write_lock:
            # Convert outside the read lock: readers are held up only while the rows are moved over.
            text = {name: text_array(getattr(rows, name)) for name in _TEXT}
            times = np.asarray(rows.time, dtype=np.int64) * 1_000_000
            durations = np.asarray(rows.duration, dtype=np.float64)  # None -> NaN
            with self._lock:
                for name, array in text.items():
                    self._text[name].extend_arrow(array)
                for name in _INTERNED:
                    self._interned[name].extend(getattr(rows, name))
                self._numeric["time"].extend(times)
                for name in ("is_group", "is_self", "msg_type", "app_type", "revoked"):
                    self._numeric[name].extend(getattr(rows, name))
                self._numeric["duration"].extend(durations)
                self._rows += k
                self._version += 1
                self.stats.rows_encoded += k

    def append_arrow(self, table: pa.Table) -> None:
        """Append rows read back from a cache file (columns as :meth:`frame` writes them, no ``revoked``)."""
        k = table.num_rows
        if k == 0:
            return
        table = table.combine_chunks()
        with self._write_lock:
            text = {name: table.column(name).chunk(0).cast(pa.large_string()) for name in _TEXT}
            times = table.column("time").chunk(0).cast(pa.timestamp("us", "UTC")).cast(pa.int64()).to_numpy()
            with self._lock:
                for name, array in text.items():
                    self._text[name].extend_arrow(array)
                for name in _INTERNED:
                    self._interned[name].extend_dictionary(table.column(name).chunk(0))
                self._numeric["time"].extend(times)
                for name in ("is_group", "is_self", "msg_type", "app_type", "duration"):
                    self._numeric[name].extend(table.column(name).chunk(0).to_numpy(zero_copy_only=False))
                self._numeric["revoked"].extend(np.zeros(k, dtype=np.bool_))
                self._rows += k
                self._version += 1
                self.stats.rows_encoded += k

    def mark_revoked(self, msg_ids: Iterable[str]) -> int:
        """Mark earlier messages as revoked; returns how many were found. Old snapshots keep False."""
        wanted = list(msg_ids)
        if not wanted:
            return 0
        with self._write_lock:
            positions = self._text["msg_id"].positions(wanted)
            if not positions:
                return 0
            with self._lock:
                self._numeric["revoked"].set(np.fromiter(positions.values(), dtype=np.int64), True)
                self._version += 1
        return len(positions)

    def frame(self) -> pd.DataFrame:
        """A snapshot of all messages (see :attr:`Tables.messages` for the columns)."""
        with self._lock:
            return self._snapshot.frame(self._version).copy(deep=False)

    def _build(self) -> pd.DataFrame:
        data: dict[str, Any] = {}
        for name in MESSAGE_FRAME_COLUMNS:
            if name in self._text:
                data[name] = self._text[name].pandas()
            elif name in self._interned:
                data[name] = self._interned[name].pandas()
            elif name == "time":
                view = self._numeric["time"].view().view("M8[us]")
                # UTC instants either way: the zone is only the dtype's label (no conversion).
                data[name] = pd.array(view, copy=False).view(TIME_DTYPE).tz_convert(self._time_dtype.tz)
            else:
                data[name] = self._numeric[name].view()
        frame = pd.DataFrame(data, index=pd.RangeIndex(self._rows), copy=False)
        frame.attrs["wxnb"] = "messages"
        return share_safely(frame)


def _bool_array(values: Sequence[bool]) -> np.ndarray[Any, Any]:
    return np.fromiter(values, dtype=np.bool_, count=len(values))


def contacts_frame(rows: Sequence[ContactRow]) -> pd.DataFrame:
    """The ``contacts`` frame of some contact rows (columns: see :attr:`Tables.contacts`)."""
    flags = np.fromiter((r.contact_flag for r in rows), dtype=np.int64, count=len(rows))
    data = {
        "key": pd.array([r.key for r in rows], dtype=STR_DTYPE),
        "user_name": pd.array([r.user_name for r in rows], dtype=STR_DTYPE),
        "kind": pd.Categorical([r.kind for r in rows], dtype=_KIND_DTYPE),
        "nickname": pd.array([r.nickname for r in rows], dtype=STR_DTYPE),
        "remark": pd.array([r.remark for r in rows], dtype=STR_DTYPE),
        "display_name": pd.array([r.display_name for r in rows], dtype=STR_DTYPE),
        "alias": pd.array([r.alias for r in rows], dtype=STR_DTYPE),
        "sex": np.fromiter((r.sex for r in rows), dtype=np.int8, count=len(rows)),
        "province": pd.array([r.province for r in rows], dtype=STR_DTYPE),
        "city": pd.array([r.city for r in rows], dtype=STR_DTYPE),
        "signature": pd.array([r.signature for r in rows], dtype=STR_DTYPE),
        "member_count": pd.array([r.member_count for r in rows], dtype="Int64"),
        "owner": pd.array([r.owner for r in rows], dtype=STR_DTYPE),
        "is_starred": _bool_array([r.is_starred for r in rows]),
        "is_pinned": (flags & _FLAG_PINNED) != 0,
        "is_muted": (flags & _FLAG_MUTE) != 0,
        "head_img_url": pd.array([r.head_img_url for r in rows], dtype=STR_DTYPE),
        "contact_flag": flags,
        "verify_flag": np.fromiter((r.verify_flag for r in rows), dtype=np.int64, count=len(rows)),
    }
    frame = pd.DataFrame({name: data[name] for name in CONTACT_COLUMNS}, copy=False)
    frame.attrs["wxnb"] = "contacts"
    return frame


def members_frame(rows: Sequence[MemberRow]) -> pd.DataFrame:
    """The ``members`` frame of some member rows (columns: see :attr:`Tables.members`)."""
    data = {
        "room_key": pd.array([r.room_key for r in rows], dtype=STR_DTYPE),
        "room_user_name": pd.array([r.room_user_name for r in rows], dtype=STR_DTYPE),
        "user_name": pd.array([r.user_name for r in rows], dtype=STR_DTYPE),
        "nickname": pd.array([r.nickname for r in rows], dtype=STR_DTYPE),
        "display_name": pd.array([r.display_name for r in rows], dtype=STR_DTYPE),
        "key": pd.array([r.key for r in rows], dtype=STR_DTYPE),
    }
    frame = pd.DataFrame({name: data[name] for name in MEMBER_COLUMNS}, copy=False)
    frame.attrs["wxnb"] = "members"
    return frame


class _Snapshot:
    """A frame cached by the version of its source: built on the first read after a change, then
    handed out until the next one. Call with the source's lock held."""

    def __init__(self, build: Callable[[], pd.DataFrame], stats: TableStats) -> None:
        self._build = build
        self._frame: pd.DataFrame | None = None
        self._version = -1
        self.stats = stats

    def frame(self, version: int) -> pd.DataFrame:
        """The frame of ``version`` of the source (the cached one if it is still that version)."""
        if self._frame is None or self._version != version:
            self._frame = self._build()
            self._version = version
            self.stats.frames_built += 1
        else:
            self.stats.cache_hits += 1
        return self._frame


class _CachedFrame:
    """A frame rebuilt from scratch on the first read after a change (for small, mutable tables)."""

    def __init__(self, lock: threading.Lock, build: Callable[[], pd.DataFrame]) -> None:
        self._lock = lock
        self._version = 0
        self.stats = TableStats()
        self._snapshot = _Snapshot(build, self.stats)
        self._derived: dict[str, tuple[int, pd.DataFrame]] = {}

    def changed(self) -> None:
        """Call with the lock held after changing the source."""
        self._version += 1

    @property
    def version(self) -> int:
        return self._version

    def frame(self, derive: tuple[str, Callable[[pd.DataFrame], pd.DataFrame]] | None = None) -> pd.DataFrame:
        with self._lock:
            out = self._snapshot.frame(self._version)
            if derive is not None:
                name, fn = derive
                hit = self._derived.get(name)
                if hit is None or hit[0] != self._version:
                    hit = (self._version, fn(out).reset_index(drop=True))
                    self._derived[name] = hit
                out = hit[1]
        return out.copy(deep=False)


class Tables:
    """The in-memory tables of one account. Properties are snapshots; methods are for the one writer.

    Example:
        >>> from wxnb.store.rows import ContactRow
        >>> t = Tables()
        >>> t.upsert_contacts([ContactRow("p:0123456789ab", "@a1", "friend", nickname="Ann")])
        >>> t.friends.display_name.tolist()
        ['Ann']
    """

    def __init__(self, seal_rows: int = 65_536, tz: tzinfo | str | None = None) -> None:
        self._messages = MessageTable(seal_rows, tz)
        self._lock = threading.Lock()
        self._contacts: dict[str, ContactRow] = {}
        self._rooms: dict[str, dict[str, MemberRow]] = {}  # room_key -> member key -> row
        self._contacts_frame = _CachedFrame(self._lock, lambda: contacts_frame(list(self._contacts.values())))
        self._members_frame = _CachedFrame(
            self._lock, lambda: members_frame([m for room in self._rooms.values() for m in room.values()])
        )

    # -- reading --------------------------------------------------------------------------------------

    @property
    def messages(self) -> pd.DataFrame:
        """Every message, oldest first (one row per MsgId). A snapshot: later messages never change it.

        Columns:

        In this order (ids last; ``frame.attrs["wxnb"] == "messages"``):

        - ``time`` (datetime64[us, <zone>]): when the server stamped it (CreateTime), in the kernel's
          local time zone (:func:`~wxnb.store.columns.local_zone`), the zone the widgets show times
          in; another with ``wxnb.login(tz="UTC")``, ``wxnb.demo(tz=...)``,
          ``open_archive(path, tz=...)`` or ``Tables(tz=...)``; ``.dt.tz_convert("UTC")`` converts.
        - ``chat`` (category): the conversation's UserName in the login it arrived in (the other
          person, the room, or the MP; for one's own messages the recipient).
        - ``chat_key`` (category): the conversation's stable key (see :mod:`wxnb.store.keys`);
          NaN if the chat was unknown when the message arrived.
        - ``chat_name`` (category): the conversation's display name when the message arrived
          (remark, else nickname or room topic); NaN if unknown.
        - ``sender`` (category): UserName of who wrote it (oneself for own messages; the member for
          room messages).
        - ``sender_name`` (category): the sender's name when it arrived (remark, else in-room name,
          else nickname); NaN if unknown.
        - ``is_group`` (bool): sent in a room.
        - ``is_self`` (bool): sent by this account (from any device).
        - ``type`` (category): one of ``wxnb.store.inputs.MESSAGE_CATEGORIES`` (text, image, voice, video,
          sticker, link, file, location, card, system, revoke, ...).
        - ``msg_type`` (int32): the protocol MsgType (1 text, 3 image, 49 app, 10002 revoke, ...).
        - ``app_type`` (int32): AppMsgType for MsgType 49 (5 link, 6 file, ...), else 0.
        - ``text`` (str): clean Unicode text (entities, emoji spans, ``<br/>`` and the room sender
          prefix decoded away).
        - ``url`` (str): the link of link messages, else "".
        - ``file_name`` (str): the file name of files and media, else "".
        - ``duration`` (float64): how long a voice or video message plays, in seconds (VoiceLength,
          PlayLength); NaN for every other message and when the server gave no length. Plain
          seconds sum, average and plot as they are (``messages.groupby("sender_name").duration.sum()``);
          ``pd.to_timedelta(messages.duration, unit="s")`` gives timedeltas.
        - ``raw_content`` (str): Content exactly as the server sent it.
        - ``revoked`` (bool): the sender withdrew it later (a ``revoke`` row names it).
        - ``msg_id`` (str): the server's MsgId, unique.
        """
        return self._messages.frame()

    @property
    def contacts(self) -> pd.DataFrame:
        """Everyone known: friends, rooms, official accounts, special accounts, others. A snapshot.

        Columns, in this order (ids last; ``frame.attrs["wxnb"] == "contacts"``):

        - ``display_name`` (str): remark if set, else nickname.
        - ``kind`` (category): friend, room, mp (official account), special (filehelper, ...), other.
        - ``remark`` (str): the name this account gave them, "" if none.
        - ``nickname`` (str): their own name (a room's topic).
        - ``alias`` (str): their WeChat ID if the server shows it, else "".
        - ``signature`` (str): their profile's "What's up", "" if unset.
        - ``member_count`` (Int64): members of a room; <NA> for non-rooms.
        - ``owner`` (str): the name of a room's owner as this account sees them (one's own nickname
          for the account's own rooms); NaN when unknown (the real server names only one's own rooms'
          owner: it lists members without their Uin) and for non-rooms.
        - ``sex`` (int8): 0 unknown, 1 male, 2 female.
        - ``province``, ``city`` (str): profile fields, "" if unset.
        - ``is_starred``, ``is_pinned``, ``is_muted`` (bool): star, pin to top, mute notifications.
        - ``verify_flag``, ``contact_flag`` (int64): the raw flags (VerifyFlag, ContactFlag).
        - ``head_img_url`` (str): the avatar path on the server (needs this login's session).
        - ``user_name`` (str): this login's UserName (``@...``, ``@@...`` for rooms); NaN for a contact
          restored from the archive and not seen in this login yet.
        - ``key`` (str): stable key, the same across logins (see :mod:`wxnb.store.keys`).
        """
        return self._contacts_frame.frame()

    @property
    def friends(self) -> pd.DataFrame:
        """The rows of :attr:`contacts` with kind "friend" (same columns)."""
        return self._contacts_frame.frame(("friend", _kind_filter("friend")))

    @property
    def rooms(self) -> pd.DataFrame:
        """The rows of :attr:`contacts` with kind "room", in :data:`ROOM_COLUMNS` (display_name,
        member_count, owner, ...: the contacts columns without the person-only ones: sex, province,
        city, signature, alias)."""
        return self._contacts_frame.frame(("room", _rooms))

    @property
    def mps(self) -> pd.DataFrame:
        """The rows of :attr:`contacts` with kind "mp": official accounts (same columns)."""
        return self._contacts_frame.frame(("mp", _kind_filter("mp")))

    @property
    def members(self) -> pd.DataFrame:
        """Who is in which room, one row per (room, member). A snapshot.

        Columns, in this order (``frame.attrs["wxnb"] == "members"``):

        - ``display_name`` (str): the member's name inside this room, "" if unset.
        - ``nickname`` (str): the member's own name.
        - ``room_key`` (str): the room's stable key (joins ``contacts.key``).
        - ``key`` (str): the member's stable key (equal to ``contacts.key`` for members who are contacts).
        - ``room_user_name`` (str): the room's UserName in this login; NaN if not seen in this login.
        - ``user_name`` (str): the member's UserName in this login; NaN if not seen in this login.
        """
        return self._members_frame.frame()

    def contact(self, key: str) -> ContactRow | None:
        """The current row of one contact, by key."""
        with self._lock:
            return self._contacts.get(key)

    def room_members(self, room_key: str) -> list[MemberRow]:
        """The current members of one room, by room key."""
        with self._lock:
            return list(self._rooms.get(room_key, {}).values())

    @property
    def stats(self) -> dict[str, TableStats]:
        """Cost counters per table (see :class:`TableStats`)."""
        return {
            "messages": self._messages.stats,
            "contacts": self._contacts_frame.stats,
            "members": self._members_frame.stats,
        }

    @property
    def message_count(self) -> int:
        return len(self._messages)

    def contact_counts(self) -> tuple[int, int]:
        """(contacts that are not rooms, rooms): ``len(contacts) - len(rooms)`` and ``len(rooms)``
        without building a frame (the status line asks often)."""
        with self._lock:
            rooms = sum(1 for row in self._contacts.values() if row.kind == "room")
            return len(self._contacts) - rooms, rooms

    # -- writing (one writer) -------------------------------------------------------------------------

    def append_messages(self, rows: MessageRows) -> None:
        """Append messages (already de-duplicated by the caller); encoded here, in the writer's thread."""
        self._messages.append(rows)

    def append_messages_arrow(self, table: pa.Table) -> None:
        """Append messages read back from a cache file (see :mod:`wxnb.store.cache`)."""
        self._messages.append_arrow(table)

    def messages_arrow(self, start: int, stop: int) -> pa.Table:
        """Rows ``start:stop`` of the messages as an Arrow table, without ``revoked`` (for the cache)."""
        # In the stored order (MESSAGE_COLUMNS), not the frame's reading order, and in UTC: the cache's
        # format does not depend on how frames are shown.
        frame = self._messages.frame().iloc[start:stop][[c for c in MESSAGE_COLUMNS if c != "revoked"]]
        frame["time"] = frame["time"].dt.tz_convert("UTC")
        return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)

    def mark_revoked(self, msg_ids: Iterable[str]) -> int:
        """Mark messages revoked; returns how many were found."""
        return self._messages.mark_revoked(msg_ids)

    def upsert_contacts(self, rows: Iterable[ContactRow]) -> None:
        """Add or replace contacts by key."""
        with self._lock:
            for row in rows:
                self._contacts[row.key] = row
            self._contacts_frame.changed()

    def remove_contacts(self, keys: Iterable[str]) -> None:
        """Remove contacts (and, for rooms, their member lists) by key."""
        with self._lock:
            for key in keys:
                self._contacts.pop(key, None)
                if self._rooms.pop(key, None) is not None:
                    self._members_frame.changed()
            self._contacts_frame.changed()

    def set_room_members(self, room_key: str, rows: Iterable[MemberRow]) -> None:
        """Replace the member list of one room (members not listed have left)."""
        room = {row.key: row for row in rows}
        with self._lock:
            self._rooms[room_key] = room
            self._members_frame.changed()

    def forget_user_names(self) -> None:
        """A new login: every UserName of the last one is void (keys stay)."""
        with self._lock:
            self._contacts = {k: replace(r, user_name=None) for k, r in self._contacts.items()}
            self._rooms = {
                rk: {k: replace(m, room_user_name=None, user_name=None) for k, m in room.items()}
                for rk, room in self._rooms.items()
            }
            self._contacts_frame.changed()
            self._members_frame.changed()


def _rooms(frame: pd.DataFrame) -> pd.DataFrame:
    rooms = frame.loc[frame["kind"] == "room", list(ROOM_COLUMNS)]
    rooms.attrs["wxnb"] = "rooms"
    return rooms


def _kind_filter(kind: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def select(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["kind"] == kind]

    return select
