"""The chat widget wired to a session: what ``session.chat()`` shows and does.

:class:`NotebookChatView` reads the session's public tables (``contacts``, ``messages``) to build the
conversation list and a conversation's window, follows the session's ``"message"`` and
``"contacts"`` events to keep an open widget live, and turns the widget's requests into session
actions: ``open`` → :meth:`~wxnb.session.Session.mark_read`, ``send`` →
:meth:`~wxnb.session.Session.send` (acknowledged with the view's client id; a failure comes back as
data), ``earlier`` → the page of messages before the oldest one the view holds.

Threads: events arrive on the session's writer thread and only update the widget (cheap, no
request). Sends run on a thread of their own, in the order asked, so a send never waits behind a
picture, an avatar, a download or a mark-read; those run on a second worker thread. The kernel's
main thread and the writer never wait for the network.

Avatars: a view asks for a room sender's head image once; it is fetched here
(:meth:`~wxnb.session.Session.head_image`), sent as a ``data:`` URL built here, and kept per sender.

Conversations are identified by their stable key (``chat_key``; a UserName when there is none), so a
conversation keeps its id across logins.

Example (in a notebook)::

    session = wxnb.login()
    session.chat()            # every conversation
    session.chat("Annie")     # one conversation (a name, key, row or UserName, as send accepts)
"""

from __future__ import annotations

import base64
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from wxnb.errors import Error
from wxnb.protocol import Message
from wxnb.session.events import ContactsChange
from wxnb.store import duration_of
from wxnb.widgets.images import image_data_url

if TYPE_CHECKING:
    from wxnb.session import Session
    from wxnb.widgets.chat import ChatWidget, ConversationView, MessageView

__all__ = ["SKIPPED_TYPES", "NotebookChatView"]

logger = logging.getLogger("wxnb.notebook")

SKIPPED_TYPES: Final = frozenset({"status"})
"""Message types the chat never shows (status notifications: "opened a chat on the phone")."""

_PREVIEW_CHARS: Final = 80
_PICTURES_KEPT: Final = 200  # thumbnails kept for redraws (about 2 MB)
_AVATARS_KEPT: Final = 500  # head images kept per sender (a few KB each)


def _seconds(value: object) -> float:
    """Seconds since the epoch of a ``time`` cell, whatever the table's time zone."""
    return float(pd.Timestamp(value).timestamp())  # type: ignore[arg-type]


class _Recent:
    """The latest ``limit`` data URLs by key (thumbnails, avatars), for redraws and later views; any
    thread."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._urls: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._urls.get(key)

    def put(self, key: str, url: str) -> None:
        with self._lock:
            self._urls[key] = url
            while len(self._urls) > self._limit:
                self._urls.popitem(last=False)


def _jpeg_url(jpeg: bytes) -> str:
    """A JPEG from the server as the checked data: URL the page may show (ValueError if it is none)."""
    return image_data_url("data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii"))


def _duration(row: Any) -> float | None:
    """A ``duration`` cell (seconds; NaN for none) as the widget takes it."""
    value = row.get("duration") if hasattr(row, "get") else None
    return float(value) if isinstance(value, int | float) and value == value else None


def _cell(row: Any, name: str) -> str:
    value = row.get(name) if hasattr(row, "get") else None
    return value if isinstance(value, str) else ""


class NotebookChatView:
    """Draws a session on a :class:`~wxnb.widgets.chat.ChatWidget` and carries out its requests.

    Made by ``session.chat()`` (:class:`~wxnb.notebook.NotebookSession`); call :meth:`detach` to
    stop following the session. ``downloads``: where a file bubble's Download saves the file.
    """

    def __init__(self, widget: ChatWidget, session: Session, downloads: str | Path = "downloads") -> None:
        self.widget = widget
        self.downloads = Path(downloads)  # where Download saves files (relative: to the kernel's cwd)
        self.session = session
        self._unread: dict[str, int] = {}
        self._pictures = _Recent(_PICTURES_KEPT)  # msg_id -> thumbnail data URL
        self._avatars = _Recent(_AVATARS_KEPT)  # sender -> head image data URL
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wxnb-chat")
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wxnb-chat-send")
        self._detach: list[Callable[[], None]] = [
            widget.on_open(self.open),
            widget.on_send(self._on_send),
            widget.on_earlier(self._on_earlier),
            widget.on_media(self._on_media),
            widget.on_download(self._on_download),
            widget.on_avatar(self._on_avatar),
            session.on("message", self._on_message),
            session.on("contacts", self._on_contacts),
        ]
        widget.observe(self._on_comm, names="comm")  # closed by the person: stop following

    def _on_comm(self, change: dict[str, Any]) -> None:
        if change.get("new") is None:
            self.detach()

    def detach(self) -> None:
        """Stop following the session and answering the widget (pending actions still finish)."""
        detach, self._detach = self._detach, []
        for unsubscribe in detach:
            unsubscribe()
        self._worker.shutdown(wait=False)
        self._sender.shutdown(wait=False)

    # -- reading the tables ------------------------------------------------------------------------

    def chat_id(self, to: object) -> str:
        """The conversation id of ``to`` (anything :meth:`~wxnb.session.Session.send` accepts).

        Raises:
            RecipientNotFound, AmbiguousRecipient, NotReady: as :meth:`~wxnb.session.Session.recipient`.
        """
        recipient = self.session.recipient(to)
        return recipient.key or recipient.user_name

    def _message_view(self, row: Any) -> MessageView:
        from wxnb.widgets.chat import MessageView

        return MessageView(
            id=str(row["msg_id"]),
            time=_seconds(row["time"]),
            sender=_cell(row, "sender"),
            name=_cell(row, "sender_name"),
            is_self=bool(row["is_self"]),
            type=_cell(row, "type") or "unknown",
            text=_cell(row, "text"),
            url=_cell(row, "url"),
            file_name=_cell(row, "file_name"),
            revoked=bool(row["revoked"]),
            duration=_duration(row),
        )

    def _of_chat(self, frame: pd.DataFrame, chat: str) -> pd.DataFrame:
        keys = frame["chat_key"].astype(object)
        mask = (keys == chat).to_numpy(dtype=bool, na_value=False) | (frame["chat"] == chat).to_numpy(
            dtype=bool, na_value=False
        )
        shown = frame[mask]
        return shown[~shown["type"].isin(list(SKIPPED_TYPES)).to_numpy(dtype=bool, na_value=False)]

    def conversations(self) -> list[ConversationView]:
        """The conversation list: every chat with a message, and every pinned contact."""
        contacts = self.session.contacts
        by_id: dict[str, Any] = {}
        for _, contact in contacts.iterrows():
            by_id[str(contact["key"])] = contact
            if isinstance(contact["user_name"], str):
                by_id.setdefault(contact["user_name"], contact)
        frame = self.session.messages
        frame = frame[~frame["type"].isin(list(SKIPPED_TYPES)).to_numpy(dtype=bool, na_value=False)]
        ids = frame["chat_key"].astype(object).where(frame["chat_key"].notna(), frame["chat"])
        last = frame.assign(_id=ids.to_numpy()).drop_duplicates("_id", keep="last")
        rows: dict[str, ConversationView] = {}
        for _, message in last.iterrows():
            chat = str(message["_id"])
            known = by_id.get(chat)
            rows[chat] = self._conversation(chat, known, message)
        for _, contact in contacts.iterrows():
            if bool(contact["is_pinned"]) and str(contact["key"]) not in rows:
                rows[str(contact["key"])] = self._conversation(str(contact["key"]), contact, None)
        return list(rows.values())

    def _conversation(self, chat: str, contact: Any, message: Any) -> ConversationView:
        from wxnb.widgets.chat import ConversationView

        is_room = (contact is not None and contact["kind"] == "room") or (
            message is not None and bool(message["is_group"])
        )
        name = _cell(contact, "display_name") if contact is not None else ""
        if not name and message is not None:
            name = _cell(message, "chat_name")
        preview = ""
        if message is not None:
            preview = _preview(self._message_view(message), is_room)
        with self._lock:
            unread = self._unread.get(chat, 0)
        return ConversationView(
            id=chat,
            name=name or chat,
            kind="room" if is_room else "person",
            remark=_cell(contact, "remark") if contact is not None else "",
            alias=_cell(contact, "alias") if contact is not None else "",
            pinned=bool(contact["is_pinned"]) if contact is not None else False,
            muted=bool(contact["is_muted"]) if contact is not None else False,
            unread=unread,
            last_time=_seconds(message["time"]) if message is not None else 0,
            preview=preview,
        )

    # -- what the person does --------------------------------------------------------------------

    def show_all(self) -> None:
        """Fill the conversation list (``session.chat()``)."""
        self.widget.set_conversations(self.conversations())

    def open(self, chat: str, *, single: bool = False) -> None:
        """Open ``chat`` (a conversation id): its last messages in the pane, its badge cleared, and the
        conversation marked read on the phone (statusnotify Code 1, on the worker thread)."""
        if single:  # the one conversation's row: its name and kind for the header
            self.widget.set_conversations(
                [c for c in self.conversations() if c.id == chat] or [self._bare(chat)]
            )
        shown = self._of_chat(self.session.messages, chat)
        size = self.widget.window_size
        views = [self._message_view(row) for _, row in shown.tail(size).iterrows()]
        self.widget.show_conversation(
            chat, views, has_earlier=len(shown) > size, single=single, me=self._my_name(chat)
        )
        with self._lock:
            had_unread = self._unread.pop(chat, 0) > 0
        row = self.widget.conversation(chat)
        if row is not None and had_unread:
            self._refresh_row(chat)
        self._run(self._mark_read, chat)

    def _my_name(self, chat: str) -> str:
        """The account's name in ``chat`` as members write it in @mentions: its display name in the
        room if it set one, else its nickname."""
        me = self.session.me
        if me is None:
            return ""
        row = self.widget.conversation(chat)
        if row is not None and row.get("kind") != "room":
            return me.nickname  # no members table to build for a person's chat
        members = self.session.members
        mine = members[
            (members["room_key"] == chat).to_numpy(dtype=bool, na_value=False)
            & (members["user_name"] == me.user_name).to_numpy(dtype=bool, na_value=False)
        ]
        names = [n for n in mine["display_name"].tolist() if isinstance(n, str) and n]
        return names[0] if names else me.nickname

    def _bare(self, chat: str) -> ConversationView:
        """The row of a conversation without messages (a contact written to for the first time)."""
        contacts = self.session.contacts
        match = contacts[
            (contacts["key"] == chat).to_numpy(dtype=bool, na_value=False)
            | (contacts["user_name"] == chat).to_numpy(dtype=bool, na_value=False)
        ]
        return self._conversation(chat, match.iloc[0] if len(match) else None, None)

    def _mark_read(self, chat: str) -> None:
        try:
            self.session.mark_read(chat)
        except Error as exc:  # the badge is cleared here anyway; the phone keeps its own
            logger.info("could not mark %s read: %s", chat, exc)

    def _run(self, action: Callable[..., None], *args: str, cid: str = "") -> None:
        """Run an action on its worker (a send on the sender's); a bug in it is logged (and fails its
        send), never lost."""

        def done(future: Future[None]) -> None:
            error = future.exception()
            if error is not None:
                logger.error("the chat's %s failed", action.__name__, exc_info=error)
                if cid:
                    self.widget.ack(cid, error=f"{type(error).__name__}: {error}")

        worker = self._sender if cid else self._worker
        worker.submit(action, *args).add_done_callback(done)

    def _on_send(self, chat: str, text: str, cid: str) -> None:
        self._run(self._send, chat, text, cid, cid=cid)

    def _send(self, chat: str, text: str, cid: str) -> None:
        try:
            sent = self.session.send(chat, text)
        except Error as exc:  # errors come back as data: the bubble shows failed, with Retry
            self.widget.ack(cid, error=str(exc))
            return
        self.widget.ack(cid, msg_id=sent.msg_id)

    def _on_earlier(self, chat: str, before: str) -> None:
        shown = self._of_chat(self.session.messages, chat)
        ids = shown["msg_id"].astype(object).to_numpy()
        hits = [i for i, value in enumerate(ids) if value == before]
        end = hits[0] if hits else len(shown)
        start = max(0, end - self.widget.window_size)
        views = [self._message_view(row) for _, row in shown.iloc[start:end].iterrows()]
        self.widget.earlier(chat, views, has_earlier=start > 0)

    def _on_media(self, chat: str, msg_id: str) -> None:
        known = self._pictures.get(msg_id)
        if known is not None:
            self.widget.media(msg_id, url=known)
            return
        self._run(self._fetch_picture, msg_id)

    def _fetch_picture(self, msg_id: str) -> None:
        """A thumbnail from the server (webwxgetmsgimg), as a data URL built here (never a remote URL)."""
        try:
            jpeg = self.session.message_image(msg_id)
            url = _jpeg_url(jpeg)
        except Error as exc:  # no picture: the bubble keeps its label, and says why
            self.widget.media(msg_id, error=str(exc))
            return
        self._pictures.put(msg_id, url)
        self.widget.media(msg_id, url=url)

    def _on_avatar(self, chat: str, sender: str) -> None:
        known = self._avatars.get(sender)
        if known is not None:
            self.widget.avatar(sender, url=known)
            return
        self._run(self._fetch_avatar, chat, sender)

    def _fetch_avatar(self, chat: str, sender: str) -> None:
        """A room sender's head image (webwxgeticon with the room), as a data URL built here."""
        store = self.session.store
        room = chat if chat.startswith("@@") else (store.user_name_of(chat) if store is not None else None)
        try:
            jpeg = self.session.head_image(sender, room=room if room and room.startswith("@@") else None)
            url = _jpeg_url(jpeg)
        except (Error, ValueError) as exc:
            # No picture: the view keeps the initials. Not kept here: a later view asks again.
            self.widget.avatar(sender, error=str(exc) or type(exc).__name__)
            return
        self._avatars.put(sender, url)
        self.widget.avatar(sender, url=url)

    def _on_download(self, chat: str, msg_id: str) -> None:
        self._run(self._download, msg_id)

    def _download(self, msg_id: str) -> None:
        try:
            path = self.session.download(msg_id, self.downloads)
        except (Error, ValueError, OSError) as exc:  # the bubble says why; nothing half-saved stays
            self.widget.downloaded(msg_id, error=str(exc))
            return
        self.widget.downloaded(msg_id, path=str(path))

    # -- the session's events (its writer thread) --------------------------------------------------

    def _on_message(self, message: Message) -> None:
        if message.category in SKIPPED_TYPES:
            return
        store = self.session.store
        key = store.key_of(message.chat) if store is not None else None
        chat = key or message.chat
        chat_name, sender_name = self.session.names_of(message)
        from wxnb.widgets.chat import MessageView

        view = MessageView(
            id=message.msg_id,
            time=message.create_time,
            sender=message.sender,
            name=sender_name or "",
            is_self=message.is_self,
            type=message.category,
            text=message.text,
            url=message.url,
            file_name=message.file_name,
            duration=duration_of(message),
        )
        changed = [view]
        if message.revoked_msg_id:  # the withdrawn message shows as revoked where it is drawn
            for drawn in self.widget.current_window:
                if drawn.get("id") == message.revoked_msg_id:
                    changed.insert(0, _revoked(drawn))
        self.widget.append(chat, changed)
        counts = not message.is_self and chat != self.widget.open_chat
        with self._lock:
            if counts:
                self._unread[chat] = self._unread.get(chat, 0) + 1
            unread = self._unread.get(chat, 0)
        if self.widget.single:
            return
        from wxnb.widgets.chat import ConversationView

        row = self.widget.conversation(chat) or {}
        self.widget.update_conversations(
            [
                ConversationView(
                    id=chat,
                    name=str(row.get("name") or chat_name or chat),
                    kind="room" if message.is_group else "person",
                    remark=str(row.get("remark", "")),
                    alias=str(row.get("alias", "")),
                    pinned=bool(row.get("pinned", False)),
                    muted=bool(row.get("muted", False)),
                    unread=unread,
                    last_time=message.create_time,
                    preview=_preview(view, message.is_group),
                )
            ]
        )

    def _on_contacts(self, change: ContactsChange) -> None:
        if self.widget.single:
            return
        store = self.session.store
        for contact in change.changed:
            chat = (store.key_of(contact.user_name) if store is not None else None) or contact.user_name
            if self.widget.conversation(chat) is not None:
                self._refresh_row(chat)

    def _refresh_row(self, chat: str) -> None:
        """Redraw one row (its name, badge) from the tables."""
        from wxnb.widgets.chat import ConversationView

        row = self.widget.conversation(chat)
        if row is None:
            return
        contacts = self.session.contacts
        match = contacts[(contacts["key"] == chat).to_numpy(dtype=bool, na_value=False)]
        contact: Any = match.iloc[0] if len(match) else None
        with self._lock:
            unread = self._unread.get(chat, 0)
        name = (_cell(contact, "display_name") if contact is not None else "") or str(row.get("name", chat))
        self.widget.update_conversations(
            [
                ConversationView(
                    id=chat,
                    name=name,
                    kind=str(row.get("kind", "person")),
                    remark=_cell(contact, "remark") if contact is not None else str(row.get("remark", "")),
                    alias=_cell(contact, "alias") if contact is not None else str(row.get("alias", "")),
                    pinned=bool(row.get("pinned", False)),
                    muted=bool(row.get("muted", False)),
                    unread=unread,
                    last_time=int(row.get("last_ms", 0) or 0) / 1000,  # type: ignore[call-overload]
                    preview=str(row.get("preview", "")),
                )
            ]
        )


def _revoked(drawn: dict[str, object]) -> MessageView:
    from wxnb.widgets.chat import MessageView

    return MessageView(
        id=str(drawn["id"]),
        time=int(drawn["t"]) / 1000,  # type: ignore[call-overload]
        sender=str(drawn.get("sender", "")),
        name=str(drawn.get("name", "")),
        is_self=bool(drawn.get("self")),
        type=str(drawn.get("type", "text")),
        text=str(drawn.get("text", "")),
        url=str(drawn.get("url", "")),
        file_name=str(drawn.get("file", "")),
        revoked=True,
        duration=float(drawn["dur"]) if isinstance(drawn.get("dur"), int | float) else None,  # type: ignore[arg-type]
    )


_LABELS: Final = {
    "image": "[Photo]", "voice": "[Voice]", "video": "[Video]", "sticker": "[Sticker]", "link": "[Link]",
    "file": "[File]", "location": "[Location]", "card": "[Contact card]", "transfer": "[Transfer]",
    "red_packet": "[Red packet]",
}  # fmt: skip


def _preview(message: MessageView, in_room: bool) -> str:
    """The list's one-line preview (as js/src/lib/chat.js previewOf, which draws live ones)."""
    if message.revoked:
        return "[Revoked]"
    label = _LABELS.get(message.type, "")
    body = " ".join(part for part in (label, message.file_name or message.text) if part)
    line = " ".join(body.split())[:_PREVIEW_CHARS]
    if in_room and not message.is_self and message.name and message.type not in ("system", "revoke"):
        return f"{message.name}: {line}"
    return line
