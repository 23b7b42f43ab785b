"""What a user does with a session: send, mark read, revoke, set remarks and room topics, look
contacts up on the server, log out; recipients and message refs.

:class:`SessionActions` is a part of :class:`~wxnb.session.session.Session` (users see one class);
this module holds the actions, :mod:`wxnb.session.session` the lifecycle (login, sync, close, status,
events, tables). An action's request goes out from the caller's thread; what it writes (the send
journal, a sent message in the archive and the tables, the status) is written by the session's writer
thread while the caller waits (:mod:`wxnb.session.writer`), so the writer stays the only writer.

Example (a session logged in to the simulator; its phone confirms by itself):
    >>> import tempfile
    >>> from wxnb.session import Session
    >>> from wxnb.sim.simulator import Simulator
    >>> with Simulator(scenario="tiny", hold=0.2, auto_confirm=0.05) as sim:
    ...     with Session(sim.base_url, data_dir=tempfile.mkdtemp()).start() as session:
    ...         _ = session.wait_ready(10)
    ...         seen = []
    ...         _ = session.on("message", lambda m: seen.append(m.text))
    ...         sent = session.send(session.friends.iloc[0], "hi")
    ...         seen.count("hi"), int((session.messages.msg_id == sent.msg_id).sum())
    (1, 1)
"""

from __future__ import annotations

import html
import logging
import re
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Final

import pandas as pd

from wxnb.protocol import (
    Contact,
    LoggedOut,
    Message,
    OutcomeUnknown,
    TransportError,
    WebClient,
    WxError,
    encode_text,
)
from wxnb.protocol import client_msg_id as new_client_msg_id
from wxnb.session.errors import MessageNotFound, NotReady, SessionClosed, SyncFailed
from wxnb.session.recipients import Recipient, resolve_recipient
from wxnb.store import Store

if TYPE_CHECKING:
    from wxnb.session.ratelimits import RateLimits
    from wxnb.session.status import StatusBoard
    from wxnb.session.sync import SyncWorker
    from wxnb.session.writer import Writer

__all__ = ["DOWNLOAD_CHUNK", "SessionActions"]

DOWNLOAD_CHUNK: Final = 1 << 20
"""Bytes per webwxgetmedia request of :meth:`SessionActions.download` (a failure costs one chunk)."""

_ATTACH_ID: Final = re.compile(r"<attachid>([^<]+)</attachid>")

logger = logging.getLogger("wxnb.session")


class SessionActions:
    """The actions of :class:`~wxnb.session.session.Session` (see the module docstring)."""

    # Set by Session.__init__ and its session thread (see wxnb.session.session).
    _writer: Writer
    _board: StatusBoard
    _ready: threading.Event
    _closed: bool
    _store: Store | None
    _client: WebClient | None
    _me: Contact | None
    _worker: SyncWorker | None
    _limits: RateLimits

    if TYPE_CHECKING:  # defined by the lifecycle part, Session

        def _terminal_error(self) -> Exception: ...
        def _received(self, messages: list[Message]) -> None: ...
        def _forget_credentials(self) -> None: ...
        def close(self, timeout: float = ...) -> None: ...

    def _require_store(self) -> Store:
        if self._store is None:
            raise NotReady("the login has not finished: session.wait_ready()")
        return self._store

    def _require_ready(self) -> tuple[Store, WebClient, Contact]:
        status = self._board.snapshot()
        if self._closed or not status.alive:
            raise self._terminal_error()
        store, client, me = self._store, self._client, self._me
        if not self._ready.is_set() or store is None or client is None or me is None:
            raise NotReady("the login has not finished: session.wait_ready()")
        return store, client, me

    def recipient(self, to: object) -> Recipient:
        """Who ``to`` names (see :mod:`wxnb.session.recipients`), without sending anything."""
        store, _, me = self._require_ready()
        return resolve_recipient(to, store.contacts, me=me.user_name, user_name_of=store.user_name_of)

    def send(self, to: object, text: str) -> Message:
        """Send ``text`` to ``to`` and return the sent message's record.

        ``to``: a UserName, a key, a row of :attr:`contacts` (or of :attr:`messages`: a reply), or a
        remark/nickname/display name that only one contact has. The send is journalled before the
        request goes out; when this returns, the message is in :attr:`messages` (exactly once: the
        server's echo is dropped as a duplicate) and the "message" listeners have seen it.

        Example: ``session.send("Annie", "see you at 8")``, ``session.send(session.friends.iloc[0], "hi")``

        Raises:
            RecipientNotFound, AmbiguousRecipient: ``to`` names no contact, or several (with their keys).
            SendFailed, RateLimited: the server refused (the journal says failed). After a 1205, sends
                pause (growing with each 1205 in a row; ``session.status.paused`` says until when):
                a send meanwhile raises OperationPaused (a RateLimited, with ``retry_after``) at once,
                sending and journalling nothing.
            OutcomeUnknown: the network failed after the request went out: the journal keeps it pending
                (look for it in :attr:`messages` before sending again).
            NotReady, SessionClosed, LoggedOut, SyncFailed: no usable session.
        """
        if not isinstance(text, str) or not text:
            raise ValueError("text must be a non-empty str")
        store, client, me = self._require_ready()
        recipient = resolve_recipient(to, store.contacts, me=me.user_name, user_name_of=store.user_name_of)
        to_user = recipient.user_name
        limits = self._limits
        limits.check("send", endpoint="webwxsendmsg")  # paused after a 1205: nothing goes out
        client_msg_id = new_client_msg_id()
        writer = self._writer
        writer.call(lambda: store.record_send(client_msg_id, to_user, text))  # before the request
        try:
            reply = limits.guard(
                "send",
                lambda: client.send_text(to_user, text, client_msg_id=client_msg_id),
                endpoint="webwxsendmsg",
            )
        except OutcomeUnknown:
            raise  # the journal keeps it pending: its fate is unknown
        except WxError as exc:
            error = str(exc)
            writer.call(lambda: store.fail_send(client_msg_id, error))
            raise
        message = Message(
            msg_id=reply.msg_id,
            from_user=me.user_name,
            to_user=to_user,
            chat=to_user,
            sender=me.user_name,
            is_group=recipient.is_room,
            is_self=True,
            msg_type=1,
            category="text",
            create_time=int(time.time()),
            text=text,
            raw_content=encode_text(text),
        )

        def sent() -> None:  # on the writer: journal, archive, tables, status, events, in that order
            store.complete_send(client_msg_id, reply.msg_id)
            new = store.apply_batch([message])
            if new:
                self._board.record_messages(len(new))
                self._received(new)

        writer.call(sent)
        return message

    def mark_read(self, chat: object) -> None:
        """Mark a conversation read (as opening it on the web page does). ``chat``: as ``to`` of :meth:`send`.

        Example: ``session.mark_read("Annie")``
        """
        store, client, me = self._require_ready()
        recipient = resolve_recipient(chat, store.contacts, me=me.user_name, user_name_of=store.user_name_of)
        client.status_notify(1, recipient.user_name)

    def revoke(self, message: object) -> None:
        """Take back one of one's own messages (within 2 minutes of sending it).

        ``message``: a record :meth:`send` returned, a row of :attr:`messages`, or a msg_id. The
        revoke notice arrives through the sync and marks the row ``revoked``.

        Example: ``m = session.send("Annie", "oops"); session.revoke(m)``

        Raises:
            MessageNotFound: no such message here. RevokeRefused: too late, or not one's own.
        """
        store, client, _ = self._require_ready()
        msg_id, chat = self._message_ref(message, store)
        client_msg_id = msg_id
        for record in store.archive.sends("sent"):
            if record.msg_id == msg_id:
                client_msg_id = record.client_msg_id
                break
        self._limits.guard(
            "revoke", lambda: client.revoke(chat, msg_id, client_msg_id), endpoint="webwxrevokemsg"
        )

    def message_image(self, message: object, *, thumbnail: bool = True) -> bytes:
        """The picture of an image, sticker or video message (JPEG bytes), fetched from the server.

        ``message``: a record, a row of :attr:`messages`, or a msg_id (as :meth:`revoke` takes).
        ``thumbnail``: the small picture the chat shows (``False``: the full-size one). One request
        from the caller's thread; nothing is written.

        Example: ``jpeg = session.message_image(session.messages.query("type == 'image'").iloc[-1])``

        Raises:
            MessageNotFound: no such message here. NotReady, SessionClosed: no usable session.
            WxError: the request failed (the server has no picture for it: a text message...).
        """
        store, client, _ = self._require_ready()
        msg_id, _ = self._message_ref(message, store)
        return client.get_message_image(msg_id, thumbnail=thumbnail)

    def download(self, message: object, directory: str | Path = ".") -> Path:
        """Save the file of a file message into ``directory`` and return its path (webwxgetmedia).

        ``message``: a record, a row of :attr:`messages`, or a msg_id. The file is fetched in
        :data:`DOWNLOAD_CHUNK` ranges into ``<name>.part``, renamed when complete; the name is the
        message's file name without any directory part, with " (1)", " (2)"... added when taken.

        Example: ``path = session.download(session.messages.query("type == 'file'").iloc[-1])``

        Raises:
            MessageNotFound: no such message here. ValueError: it is not a file message.
            WxError: the download failed (TransportError...); the ``.part`` file is removed.
        """
        store, client, me = self._require_ready()
        msg_id, chat = self._message_ref(message, store)
        media_id, file_name, is_self = _file_of(message, msg_id, store)
        target = _free_name(Path(directory), file_name)
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        sender = me.user_name if is_self else chat
        try:
            with part.open("wb") as out:
                start = 0
                while True:
                    try:
                        chunk = client.get_media(
                            media_id,
                            sender=sender,
                            file_name=file_name,
                            start=start,
                            end=start + DOWNLOAD_CHUNK - 1,
                        )
                    except TransportError as exc:
                        if exc.status == 416 and start > 0:  # the size was a multiple of the chunk
                            break
                        raise
                    out.write(chunk)
                    if len(chunk) != DOWNLOAD_CHUNK:  # the last range, or the whole file at once
                        break
                    start += len(chunk)
            part.replace(target)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        return target

    @staticmethod
    def _message_ref(message: object, store: Store) -> tuple[str, str]:
        if isinstance(message, Message):
            return message.msg_id, message.chat
        if isinstance(message, pd.Series):
            msg_id, chat = message.get("msg_id"), message.get("chat")
            if isinstance(msg_id, str) and isinstance(chat, str):
                return msg_id, chat
            raise TypeError("the row has no msg_id and chat: pass a row of session.messages")
        if isinstance(message, str | int):
            msg_id = str(message)
            frame = store.messages
            hits = frame.index[(frame["msg_id"] == msg_id).to_numpy(dtype=bool, na_value=False)]
            if len(hits) == 0:
                raise MessageNotFound(msg_id)
            return msg_id, str(frame.at[hits[-1], "chat"])
        raise TypeError(
            f"pass a message record, a row of session.messages or a msg_id, not {type(message).__name__}"
        )

    def set_remark(self, to: object, remark: str) -> None:
        """Set a friend's remark on the server ("" clears it): one webwxoplog request, never retried.

        ``to``: as for :meth:`send`. Nothing local changes here: the tables follow when the server's
        contact change arrives (the server may answer 0 and change nothing; :func:`wxnb.bulk.plan_remarks`
        verifies). Example: ``session.set_remark("Annie", "Annie (ACME)")``

        Raises:
            RecipientNotFound, AmbiguousRecipient: ``to`` names no contact, or several.
            RateLimited: Ret 1205 (slow down). WxError: the server refused (Ret in the error).
        """
        if not isinstance(remark, str):
            raise TypeError(f"remark must be a str, not {type(remark).__name__}")
        store, client, me = self._require_ready()
        recipient = resolve_recipient(to, store.contacts, me=me.user_name, user_name_of=store.user_name_of)
        client.set_remark(recipient.user_name, remark)

    def set_topic(self, room: object, topic: str) -> None:
        """Rename a room on the server: one webwxupdatechatroom?fun=modtopic request, never retried.
        Every member sees a notice of the rename. The tables follow the server's change, as for
        :meth:`set_remark`. Example: ``session.set_topic("Family", "Family 2026")``

        Raises:
            ValueError: ``room`` is not a room. RecipientNotFound, AmbiguousRecipient: see :meth:`send`.
            RateLimited: Ret 1205. WxError: the server refused.
        """
        if not isinstance(topic, str):
            raise TypeError(f"topic must be a str, not {type(topic).__name__}")
        store, client, me = self._require_ready()
        recipient = resolve_recipient(room, store.contacts, me=me.user_name, user_name_of=store.user_name_of)
        if not recipient.is_room:
            raise ValueError(f"{room!r} is not a room: set_topic renames rooms (set_remark is for friends)")
        client.update_room(recipient.user_name, "modtopic", topic=topic)

    def lookup(self, user_names: Iterable[str]) -> dict[str, Contact]:
        """The server's current record of each UserName (webwxbatchgetcontact, 50 per request), never
        the local tables: UserName → :class:`~wxnb.protocol.records.Contact`; unknown ones are left out.
        Nothing local changes. Example: ``session.lookup([ann_user_name])[ann_user_name].remark``
        """
        names = [n for n in dict.fromkeys(user_names)]
        if not all(isinstance(n, str) and n for n in names):
            raise TypeError("lookup takes UserNames (non-empty str), e.g. session.friends.user_name")
        _, client, _ = self._require_ready()
        if not names:
            return {}
        return {c.user_name: c for c in client.batch_get_contacts(names)}

    def logout(self) -> None:
        """Log out on the server (the phone shows the web session ended), forget the saved credentials,
        and close the session. The archive stays.

        Example: ``session.logout(); session.status.logout_reason``
        """
        client = self._client
        if client is not None and self._ready.is_set() and self._board.snapshot().alive:
            # The status first: the sync thread will see the session end (1101) and must not be
            # taken for the reason (the first final state stays).
            if self._worker is not None:
                self._worker.stop()
            board = self._board
            try:
                self._writer.call(
                    lambda: board.set_state("logged_out", logout_reason="logged out with session.logout()")
                )
            except (SessionClosed, SyncFailed) as exc:  # closing or failed meanwhile: log out anyway
                logger.info("logout: the status stays as it is: %s", exc)
            try:
                client.logout()
            except (LoggedOut, TransportError) as exc:  # over already, or unreachable: closing anyway
                logger.info("webwxlogout: %s", exc)
        self._forget_credentials()
        self.close()


def _file_of(message: object, msg_id: str, store: Store) -> tuple[str, str, bool]:
    """(MediaId, file name, sent by the account) of a file message."""
    if isinstance(message, Message):
        if message.category != "file" or not message.media_id:
            raise ValueError(f"message {msg_id} is a {message.category!r} message, not a file")
        return message.media_id, message.file_name, message.is_self
    frame = store.messages
    rows = frame[(frame["msg_id"] == msg_id).to_numpy(dtype=bool, na_value=False)]
    if len(rows) == 0:
        raise MessageNotFound(msg_id)
    row = rows.iloc[-1]
    if row["type"] != "file":
        raise ValueError(f"message {msg_id} is a {row['type']!r} message, not a file")
    # The table keeps the Content as received: the appmsg XML names the attachment (the MediaId).
    found = _ATTACH_ID.search(html.unescape(str(row["raw_content"])))
    if found is None:
        raise ValueError(f"message {msg_id} names no attachment: it cannot be downloaded")
    return found.group(1), str(row["file_name"] or "file"), bool(row["is_self"])


def _free_name(directory: Path, file_name: str) -> Path:
    """``directory/<name>``, the name stripped of any directory part, with " (n)" when taken."""
    name = Path(file_name.replace("\\", "/")).name.strip() or "file"
    if name in (".", ".."):
        name = "file"
    stem, dot, suffix = name.partition(".") if not name.startswith(".") else (name, "", "")
    candidate = directory / name
    n = 1
    while candidate.exists() or candidate.with_name(candidate.name + ".part").exists():
        candidate = directory / f"{stem} ({n}){dot}{suffix}"
        n += 1
    return candidate
