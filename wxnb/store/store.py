"""The store of one account: live tables + archive, kept in step by one call per sync batch.

The session's writer thread calls, in order: :meth:`Store.load` once (history back after a kernel
restart), :meth:`Store.start_login` after webwxinit, then :meth:`Store.apply_batch` per webwxsync reply
(and for contact lists). ``apply_batch`` stages keys and names, commits the batch and the SyncKey to the
archive in one transaction, and only then updates the tables and returns the messages that were new:
when it returns, the SyncKey is safe to use. If it raises, nothing changed anywhere; the same batch can
be retried.

Users read :attr:`Store.messages`, :attr:`Store.contacts` etc. from any thread: snapshots.

Example:
    >>> from wxnb.protocol.records import Contact, Message
    >>> store = Store.in_memory()
    >>> store.start_login(Contact("@me", nickname="Me", uin=42))
    >>> ann = Contact("@ann", nickname="Ann", remark="Annie", kind="friend", attr_status=7, contact_flag=3)
    >>> hi = Message("1", "@ann", "@me", "@ann", "@ann", False, False, 1, "text", 1700000000, "hi", "hi")
    >>> [m.msg_id for m in store.apply_batch([hi, hi], contacts=[ann], sync_key={"Count": 0})]
    ['1']
    >>> store.messages[["chat_name", "sender_name", "text"]].values.tolist()
    [['Annie', 'Annie', 'hi']]
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from pathlib import Path
from typing import Any, Generic, Literal, Self, TypeVar

import pandas as pd

from wxnb.store.database import SendRecord, SyncState
from wxnb.store.inputs import ContactLike, MessageLike
from wxnb.store.keys import KeyPlan, KeyRegistry
from wxnb.store.rows import UNNAMED_ROOM, ContactRow, MemberRow, MessageRows, Resolution, room_name
from wxnb.store.tables import Tables
from wxnb.store.writer import Archive

__all__ = ["CommittedBatch", "Resolver", "Store"]

M = TypeVar("M", bound=MessageLike)
"""The caller's message type: what it passes in, it gets back (the session: protocol records)."""

Resolver = Callable[[MessageLike], Resolution]
"""Gives (chat_key, chat_name, sender_name) for a message; None where unknown."""


@dataclass(slots=True)
class _Names:
    """What name resolution needs, by this login's UserNames (only non-empty names are kept).

    Never changed once published: a batch with contact changes works on a copy, which replaces the
    published one after the commit. So resolution is plain dict lookups.
    """

    display: dict[str, str] = field(default_factory=dict)  # user -> remark, else nickname
    remark: dict[str, str] = field(default_factory=dict)
    nickname: dict[str, str] = field(default_factory=dict)
    members: dict[str, dict[str, str]] = field(default_factory=dict)  # room -> user -> in-room name

    def copy(self) -> _Names:
        return _Names(dict(self.display), dict(self.remark), dict(self.nickname), dict(self.members))

    def set_contact(self, user_name: str, remark: str, nickname: str) -> None:
        for names, value in (
            (self.remark, remark),
            (self.nickname, nickname),
            (self.display, remark or nickname),
        ):
            if value:
                names[user_name] = value
            else:
                names.pop(user_name, None)

    def remove(self, user_name: str) -> None:
        for names in (self.display, self.remark, self.nickname):
            names.pop(user_name, None)
        self.members.pop(user_name, None)


_NO_MEMBERS: dict[str, str] = {}


@dataclass(slots=True)
class _Staged:
    """One batch's contact changes, ready to commit."""

    rows: list[ContactRow] = field(default_factory=list)
    members: dict[str, list[MemberRow]] = field(default_factory=dict)
    removed_keys: list[str] = field(default_factory=list)
    names: _Names | None = None  # None: the batch changes no names


@dataclass(slots=True)
class CommittedBatch(Generic[M]):
    """A batch in the archive whose messages are not yet in the tables (see :meth:`Store.commit_batch`).

    ``new``: the messages that were new, in batch order (the ones :meth:`Store.apply_batch` returns).
    """

    new: list[M]
    rows: MessageRows | None
    revoked: tuple[str, ...]
    published: bool = False


class Store:
    """Live tables + archive of one account. One writer thread calls the methods; anyone reads the tables.

    Example:
        >>> store = Store.in_memory()
        >>> store.messages.empty, store.sync_state is None
        (True, True)
    """

    def __init__(self, archive: Archive, tables: Tables | None = None) -> None:
        self.archive = archive
        self.tables = tables if tables is not None else Tables()
        self._registry = KeyRegistry(salt=archive.salt)
        self._names = _Names()
        self._me: ContactLike | None = None
        self._write_lock = threading.RLock()
        self._unpublished: deque[CommittedBatch[Any]] = deque()  # committed, not yet in the tables (in order)
        self._loaded = False

    @classmethod
    def open(
        cls,
        account: str,
        data_dir: str | Path | None = None,
        *,
        load: bool = True,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        tz: tzinfo | str | None = None,
    ) -> Store:
        """The store of ``account`` (see :func:`wxnb.store.keys.account_key`), history loaded; ``tz``:
        the time zone of the tables' times (see :class:`~wxnb.store.tables.Tables`; default: local).

        Example:
            >>> import tempfile
            >>> with Store.open("acct-demo", tempfile.mkdtemp()) as store:
            ...     len(store.messages)
            0
        """
        tables = Tables(tz=tz)  # before the archive: a bad zone leaves nothing open
        archive = Archive.for_account(account, data_dir, synchronous=synchronous)
        try:
            store = cls(archive, tables)
            if load:
                store.load()
        except BaseException:
            archive.close()
            raise
        return store

    @classmethod
    def in_memory(cls) -> Store:
        """A store that keeps nothing after the process ends (tests, throw-away sessions)."""
        return cls(Archive(":memory:"))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.archive!r}, messages={self.tables.message_count})"

    def close(self) -> None:
        """Close the archive. The tables stay readable."""
        self.archive.close()

    # -- lifecycle ------------------------------------------------------------------------------------

    def load(self) -> None:
        """Restore the tables from the archive (before the first batch; later calls do nothing).

        Contacts and members come back with their keys and names but no UserName (those belong to the
        login that saw them); they get one when the next contact list or batch mentions them.
        """
        with self._write_lock:
            if self._loaded:
                return
            self._registry.add_aliases(self.archive.aliases().items())
            self.archive.fill(self.tables, current_login=False)
            self._loaded = True

    def start_login(self, me: ContactLike) -> None:
        """A new login began (after webwxinit): ``me`` is the User record. Old UserNames are forgotten."""
        with self._write_lock:
            self._registry.forget_login()
            names = _Names()
            names.set_contact(me.user_name, "", me.nickname)
            self._names = names
            self.tables.forget_user_names()
            plan = self._registry.plan()
            plan.contact(me)
            self._registry.commit(plan)
            self._me = me

    @property
    def me(self) -> ContactLike | None:
        """The logged-in account's User record (set by :meth:`start_login`)."""
        return self._me

    # -- the batch ------------------------------------------------------------------------------------

    def apply_batch(
        self,
        messages: Sequence[M] = (),
        contacts: Iterable[ContactLike] = (),
        removed: Iterable[str] = (),
        sync_key: Any = None,
        *,
        resolve: Resolver | None = None,
    ) -> list[M]:
        """Apply one sync batch; returns the messages that were new (in batch order).

        ``messages``: AddMsgList records (re-deliveries and own echoes are dropped by MsgId).
        ``contacts``: new or changed contacts (ModContactList, contact-list pages, batchgetcontact);
        a room whose ``members`` is empty keeps its known members. ``removed``: UserNames of
        DelContactList. ``sync_key``: the reply's SyncKey, archived with the batch. ``resolve``:
        overrides name resolution (default: from the contacts and room members known so far, this
        batch's included).

        When this returns, the batch and ``sync_key`` are durable: acknowledge the key only now. If it
        raises (:class:`~wxnb.store.errors.ArchiveWriteError`), tables and archive are unchanged.
        """
        with self._write_lock:
            batch = self.commit_batch(messages, contacts, removed, sync_key, resolve=resolve)
            self.publish(batch)
            return batch.new

    def commit_batch(
        self,
        messages: Sequence[M] = (),
        contacts: Iterable[ContactLike] = (),
        removed: Iterable[str] = (),
        sync_key: Any = None,
        *,
        resolve: Resolver | None = None,
    ) -> CommittedBatch[M]:
        """:meth:`apply_batch` up to the message tables: the batch and ``sync_key`` are durable, keys,
        names and contact tables updated; the new messages reach ``messages`` at :meth:`publish`.

        The session publishes while its sync thread waits for the server's next reply, which the key it
        may now use asks for: that work is then off the critical path of ingest. Batches are published in the
        order they were committed: publishing one publishes the ones before it, and so does
        :meth:`apply_batch` (a send's own message is in the tables when it returns, even when its echo
        was committed a moment before).
        """
        with self._write_lock:
            plan = self._registry.plan()
            staged = self._stage(plan, contacts, removed)
            if resolve is None:
                resolve = self._resolver(plan, staged.names or self._names)
            rows = MessageRows.from_messages(messages, [resolve(m) for m in messages])
            revokes = {i: m.revoked_msg_id for i, m in enumerate(messages) if m.revoked_msg_id}
            result = self.archive.commit_batch(
                rows, staged.rows, staged.removed_keys, staged.members, revokes, sync_key, plan.new_aliases
            )
            # Durable from here on: publish to the registry, the names and the tables.
            self._registry.commit(plan)
            if staged.names is not None:
                self._names = staged.names
            if staged.removed_keys:
                self.tables.remove_contacts(staged.removed_keys)
            if staged.rows:
                self.tables.upsert_contacts(staged.rows)
            for room_key, members in staged.members.items():
                self.tables.set_room_members(room_key, members)
            new_rows = rows.select(result.new_positions) if result.new_positions else None
            new = [messages[i] for i in result.new_positions]
            batch = CommittedBatch(new, new_rows, tuple(result.revoked))
            self._unpublished.append(batch)
            return batch

    def publish(self, batch: CommittedBatch[Any]) -> None:
        """Put a committed batch's new messages (and its revokes) into the tables, and those of every
        batch committed before it; a batch already published is left alone."""
        with self._write_lock:
            rows: list[MessageRows] = []
            revoked: list[str] = []
            while not batch.published and self._unpublished:
                first = self._unpublished.popleft()
                first.published = True
                if first.rows is not None:
                    rows.append(first.rows)
                revoked.extend(first.revoked)
            # Encoding has a fixed cost per append: batches published together are appended together.
            # A revoke names an earlier message, so marking after the appends marks the same rows.
            if rows:
                self.tables.append_messages(rows[0] if len(rows) == 1 else MessageRows.concat(rows))
            if revoked:
                self.tables.mark_revoked(revoked)

    def _stage(self, plan: KeyPlan, contacts: Iterable[ContactLike], removed: Iterable[str]) -> _Staged:
        staged = _Staged()
        # People before rooms, so that members who are contacts get the contacts' keys.
        ordered = sorted(contacts, key=lambda c: c.kind == "room")
        removed = list(removed)
        if not ordered and not removed:
            return staged
        names = staged.names = self._names.copy()
        gone = set(removed)  # listed as changed and as removed in one batch: removal is the last word
        for contact in ordered:
            if contact.user_name in gone:
                continue
            previous = plan.key_of(contact.user_name)
            key = plan.contact(contact)
            old_key = previous if previous is not None and previous != key else None
            if old_key is not None:
                staged.removed_keys.append(old_key)  # a temporary key replaced by a stable one
            names.set_contact(contact.user_name, contact.remark, contact.nickname)
            member_count: int | None = None
            untitled = ""
            owner: str | None = None
            if contact.kind == "room":
                member_count, members = self._stage_room(plan, contact, key, old_key, staged)
                if not (contact.remark or contact.nickname):
                    # No topic: named after its members, as WeChat's clients do (never a bare "@@…").
                    untitled = self._untitled_name(names, members)
                    names.display[contact.user_name] = untitled
                owner = self._owner_name(names, contact)
            staged.rows.append(ContactRow.from_contact(key, contact, member_count, untitled, owner))
        for user_name in removed:
            removed_key = plan.key_of(user_name)
            if removed_key is not None:
                staged.removed_keys.append(removed_key)
            names.remove(user_name)
        return staged

    def _untitled_name(self, names: _Names, members: Sequence[MemberRow]) -> str:
        # As a sender's name in a room: one's remark for them, else their in-room name, else their own.
        me = self._me.user_name if self._me is not None else None
        return room_name(
            [
                (names.remark.get(m.user_name) if m.user_name else None) or m.display_name or m.nickname
                for m in members
                if m.user_name is None or m.user_name != me
            ]
        )

    def _owner_name(self, names: _Names, room: ContactLike) -> str | None:
        """The name of a room's owner: the account's own when it owns the room (IsOwner, or OwnerUin is
        its Uin), else the member listed with the OwnerUin as Uin (named as a sender: one's remark for
        them, else their in-room name, else their own); None when unknown. The real server lists
        members with Uin 0, so only the account's own rooms are known there."""
        me = self._me
        if me is not None and (room.is_owner or (me.uin and room.owner_uin == me.uin)):
            return me.nickname or None
        if room.owner_uin:
            for member in room.members:
                if member.uin == room.owner_uin:
                    name = names.remark.get(member.user_name) or member.display_name or member.nickname
                    return name or None
        return None

    def _stage_room(
        self, plan: KeyPlan, room: ContactLike, key: str, old_key: str | None, staged: _Staged
    ) -> tuple[int, Sequence[MemberRow]]:
        """(member count, the members as known now) of a room of this batch."""
        if room.members:
            rows: dict[str, MemberRow] = {}
            in_room: dict[str, str] = {}
            for member in room.members:
                member_key = plan.member(member)
                rows[member_key] = MemberRow.from_member(key, room.user_name, member_key, member)
                if member.display_name or member.nickname:
                    in_room[member.user_name] = member.display_name or member.nickname
            staged.members[key] = list(rows.values())
            if staged.names is not None:
                staged.names.members[room.user_name] = in_room
            return room.member_count or len(rows), staged.members[key]
        # Listed without members (a saved room in the contact list): keep what we know, from earlier in
        # this batch or from the tables.
        known = staged.members.get(key)
        if known is None:
            known = self.tables.room_members(old_key or key)
            if known and (old_key is not None or any(m.room_user_name != room.user_name for m in known)):
                staged.members[key] = [replace(m, room_key=key, room_user_name=room.user_name) for m in known]
        known = staged.members.get(key, known)
        if room.member_count:
            return room.member_count, known
        earlier = [r.member_count for r in staged.rows if r.key == key and r.member_count]
        if earlier:
            return earlier[-1], known
        previous = self.tables.contact(old_key or key)
        if previous is not None and previous.member_count:
            return previous.member_count, known
        return len(known), known

    def resolve(self, message: MessageLike) -> Resolution:
        """(chat_key, chat_name, sender_name) of a message, from what is known now."""
        return self._resolver(self._registry.plan(), self._names)(message)

    def _resolver(self, plan: KeyPlan, names: _Names) -> Resolver:
        # Runs once per message of every batch: plain dict lookups bound to locals.
        key_of = plan.key_of if plan.assigned else self._registry.key_of
        display, remark, nickname, members = names.display, names.remark, names.nickname, names.members
        me = self._me.nickname if self._me is not None else None

        def resolve(message: MessageLike) -> Resolution:
            chat = message.chat
            if message.is_self:
                sender_name = me
            elif message.is_group:
                sender = message.sender
                # As on the phone: one's remark for them, else their name in the room, else their own.
                sender_name = (
                    remark.get(sender) or members.get(chat, _NO_MEMBERS).get(sender) or nickname.get(sender)
                )
            else:
                sender_name = display.get(message.sender)
            chat_name = display.get(chat)
            if chat_name is None and chat.startswith("@@"):
                chat_name = UNNAMED_ROOM  # a room not listed yet: a name, never its bare "@@…"
            return key_of(chat), chat_name, sender_name or None

        return resolve

    def key_of(self, user_name: str) -> str | None:
        """The stable key of a UserName of this login, or None."""
        return self._registry.key_of(user_name)

    def user_name_of(self, key: str) -> str | None:
        """This login's UserName of a stable key, or None if not seen in this login."""
        return self._registry.user_name_of(key)

    # -- sends ----------------------------------------------------------------------------------------

    def record_send(self, client_msg_id: str, to_user: str, content: str, *, msg_type: int = 1) -> None:
        """Journal a send before its request goes out (see :meth:`Archive.record_send`)."""
        self.archive.record_send(
            client_msg_id, to_user, content, msg_type=msg_type, chat_key=self.key_of(to_user)
        )

    def complete_send(self, client_msg_id: str, msg_id: str) -> None:
        """The server accepted the send (its MsgID)."""
        self.archive.complete_send(client_msg_id, msg_id)

    def fail_send(self, client_msg_id: str, error: str) -> None:
        """The send failed; ``error`` says why (no secrets)."""
        self.archive.fail_send(client_msg_id, error)

    def pending_sends(self) -> list[SendRecord]:
        """Sends journalled but neither completed nor failed (after a crash: fate unknown)."""
        return self.archive.sends("pending")

    @property
    def sync_state(self) -> SyncState | None:
        """The last archived SyncKey and when it was saved (None before the first batch)."""
        return self.archive.sync_state

    def record_gap(self, start: float, end: float, reason: str) -> None:
        """Record that messages between ``start`` and ``end`` (epoch seconds) may be missing."""
        self.archive.record_gap(start, end, reason)

    def gaps(self) -> pd.DataFrame:
        """The recorded gaps (start, end, reason, recorded_at), oldest first."""
        return self.archive.gaps()

    def export_parquet(self, directory: str | Path) -> dict[str, Path]:
        """Write the archive's messages, contacts and members as Parquet files (needs pyarrow)."""
        return self.archive.export_parquet(directory)

    # -- tables ---------------------------------------------------------------------------------------

    @property
    def messages(self) -> pd.DataFrame:
        return self.tables.messages

    @property
    def contacts(self) -> pd.DataFrame:
        return self.tables.contacts

    @property
    def friends(self) -> pd.DataFrame:
        return self.tables.friends

    @property
    def rooms(self) -> pd.DataFrame:
        return self.tables.rooms

    @property
    def mps(self) -> pd.DataFrame:
        return self.tables.mps

    @property
    def members(self) -> pd.DataFrame:
        return self.tables.members

    # The columns are documented once, on Tables.
    messages.__doc__ = Tables.messages.__doc__
    contacts.__doc__ = Tables.contacts.__doc__
    friends.__doc__ = Tables.friends.__doc__
    rooms.__doc__ = Tables.rooms.__doc__
    mps.__doc__ = Tables.mps.__doc__
    members.__doc__ = Tables.members.__doc__
