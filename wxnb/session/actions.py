"""What a user does with a session: send, mark read, revoke, log out; recipients and message refs.

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

import logging
import threading
import time
from typing import TYPE_CHECKING

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
    from wxnb.session.status import StatusBoard
    from wxnb.session.sync import SyncWorker
    from wxnb.session.writer import Writer

__all__ = ["SessionActions"]

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
            SendFailed, RateLimited: the server refused (the journal says failed).
            OutcomeUnknown: the network failed after the request went out: the journal keeps it pending
                (look for it in :attr:`messages` before sending again).
            NotReady, SessionClosed, LoggedOut, SyncFailed: no usable session.
        """
        if not isinstance(text, str) or not text:
            raise ValueError("text must be a non-empty str")
        store, client, me = self._require_ready()
        recipient = resolve_recipient(to, store.contacts, me=me.user_name, user_name_of=store.user_name_of)
        to_user = recipient.user_name
        client_msg_id = new_client_msg_id()
        writer = self._writer
        writer.call(lambda: store.record_send(client_msg_id, to_user, text))  # before the request
        try:
            reply = client.send_text(to_user, text, client_msg_id=client_msg_id)
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
        client.revoke(chat, msg_id, client_msg_id)

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
