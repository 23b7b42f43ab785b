"""ChatWidget: the conversation list and one conversation's messages, live, with a composer.

The widget knows nothing of the session: the notebook glue (:mod:`wxnb.notebook.chat_view`) gives it
plain rows (:class:`ConversationView`, :class:`MessageView`) and answers its requests (open a
conversation, send, load earlier) through the callbacks registered with ``on_*``.

What a freshly drawn view needs lives in traits (the conversation list, the open conversation and
its window of the last ``window_size`` messages); everything that happens after travels as small
custom messages (``append``, ``earlier``, ``ack``), never by re-sending a whole list: custom
messages sent before a view exists are lost, so a view says ``hello`` when drawn and gets the
current window back. A send is acknowledged with the client id the view chose, and a failure comes
back as data (``{"type": "ack", "cid": ..., "ok": false, "error": "..."}``), never as an exception
in the front end. No secret is ever put in a trait or a message (UserNames and stable keys only).

Example:
    >>> w = ChatWidget()
    >>> w.set_conversations([ConversationView("p:0123456789ab", "Ann", "person", last_time=1.7e9)])
    >>> hi = MessageView("1", 1_700_000_000, "@a", "Ann", False, "text", "hi")
    >>> w.show_conversation("p:0123456789ab", [hi])
    >>> w.open_chat, [m["text"] for m in w.window]
    ('p:0123456789ab', ['hi'])
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import anywidget
import traitlets

from wxnb.widgets.bundle import static_file
from wxnb.widgets.coalesce import Coalescer, Scheduler, thread_timer
from wxnb.widgets.errors import WidgetInputError
from wxnb.widgets.images import image_data_url

__all__ = ["DEFAULT_WINDOW", "ChatWidget", "ConversationView", "MessageView"]

_log = logging.getLogger(__name__)

DEFAULT_WINDOW: Final = 200
"""Messages per conversation the page holds (older ones come with "load earlier")."""

MAX_TEXT: Final = 16_000
"""Characters of one message's text sent to the page (longer texts are cut, with "…")."""

OpenCallback = Callable[[str], None]
SendCallback = Callable[[str, str, str], None]  # (chat id, text, client id)
EarlierCallback = Callable[[str, str], None]  # (chat id, id of the oldest message the view holds)
MediaCallback = Callable[[str, str], None]  # (chat id, message id)
DownloadCallback = Callable[[str, str], None]  # (chat id, message id)
AvatarCallback = Callable[[str, str], None]  # (chat id, sender's UserName)


def _str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise WidgetInputError(f"{what} must be a str, not {type(value).__name__}")
    return value


def _ms(seconds: float, what: str) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds):
        raise WidgetInputError(f"{what} must be seconds since the epoch, not {seconds!r}")
    return round(seconds * 1000)


@dataclass(frozen=True, slots=True)
class MessageView:
    """One message as the pane draws it.

    >>> MessageView("1", 1_700_000_000, "@a", "Ann", False, "text", "hi").to_wire()["t"]
    1700000000000

    Attributes:
        id: the MsgId. time: seconds since the epoch. sender: the sender's UserName (groups bubbles).
        name: the sender's name as shown. is_self: sent by the account. type: the category of
        ``session.messages.type`` ("text", "image", "file", "revoke", ...). text, url, file_name: as
        in ``session.messages`` (text only; the page sets them with textContent). revoked: withdrawn.
        duration: how long a voice or video message plays, in seconds (``session.messages.duration``),
        None when unknown; sent as ``dur`` so the bubble reads "Voice 0:07".
    """

    id: str
    time: float
    sender: str
    name: str
    is_self: bool
    type: str
    text: str = ""
    url: str = ""
    file_name: str = ""
    revoked: bool = False
    duration: float | None = None

    def to_wire(self) -> dict[str, object]:
        """The dict the page gets (validated; long texts cut at :data:`MAX_TEXT`).

        Raises:
            WidgetInputError: a field has the wrong type.
        """
        text = _str(self.text, "MessageView.text")
        if len(text) > MAX_TEXT:
            text = text[:MAX_TEXT] + "…"
        wire: dict[str, object] = {
            "id": _str(self.id, "MessageView.id"),
            "t": _ms(self.time, "MessageView.time"),
            "sender": _str(self.sender, "MessageView.sender"),
            "name": _str(self.name, "MessageView.name"),
            "self": bool(self.is_self),
            "type": _str(self.type, "MessageView.type"),
            "text": text,
        }
        # Only what is set: 1,000 conversations' state must stay small.
        if self.url:
            wire["url"] = _str(self.url, "MessageView.url")
        if self.file_name:
            wire["file"] = _str(self.file_name, "MessageView.file_name")
        if self.revoked:
            wire["revoked"] = True
        duration = self.duration
        if duration is not None:
            if isinstance(duration, bool) or not isinstance(duration, int | float):
                raise WidgetInputError(f"MessageView.duration must be seconds or None, not {duration!r}")
            if math.isfinite(duration) and duration > 0:  # NaN (the table's "none") and 0: not shown
                wire["dur"] = float(duration)
        return wire


@dataclass(frozen=True, slots=True)
class ConversationView:
    """One row of the conversation list.

    >>> ConversationView("r:0123456789ab", "Club", "room", unread=2).to_wire()["unread"]
    2

    Attributes:
        id: the conversation's stable key (or its UserName when it has none).
        name: its display name. kind: ``"room"`` or ``"person"``. remark, alias: searched too.
        pinned, muted: as on the phone. unread: messages received since it was last opened.
        last_time: the last message's time (seconds since the epoch), 0 for none. preview: its
        one-line preview.
    """

    id: str
    name: str
    kind: str
    remark: str = ""
    alias: str = ""
    pinned: bool = False
    muted: bool = False
    unread: int = 0
    last_time: float = 0
    preview: str = ""

    def to_wire(self) -> dict[str, object]:
        """The dict the page gets (validated).

        Raises:
            WidgetInputError: a field has the wrong type or range.
        """
        if self.kind not in ("room", "person"):
            raise WidgetInputError(f"ConversationView.kind must be 'room' or 'person', not {self.kind!r}")
        if isinstance(self.unread, bool) or not isinstance(self.unread, int) or self.unread < 0:
            raise WidgetInputError(f"ConversationView.unread must be an int >= 0, not {self.unread!r}")
        wire: dict[str, object] = {
            "id": _str(self.id, "ConversationView.id"),
            "name": _str(self.name, "ConversationView.name"),
            "kind": self.kind,
            "last_ms": _ms(self.last_time, "ConversationView.last_time"),
        }
        for name in ("remark", "alias", "preview"):
            value = _str(getattr(self, name), f"ConversationView.{name}")
            if value:
                wire[name] = value
        for name in ("pinned", "muted"):
            if getattr(self, name):
                wire[name] = True
        if self.unread:
            wire["unread"] = self.unread
        return wire


class ChatWidget(anywidget.AnyWidget):
    """The chat view (see the module docstring; the schema is in docs/frontend.md, "Chat widget").

    Updates may come from any thread (the session's writer thread calls :meth:`append`): row
    updates of the conversation list are coalesced to at most 10 messages a second; appends are
    sent at once. Both are custom messages, never a re-sent list.
    """

    _esm = static_file("chat.js")
    _css = static_file("chat.css")

    #: The conversation list (each a ConversationView.to_wire(); the page sorts and filters it).
    conversations = traitlets.List(traitlets.Dict()).tag(sync=True)
    #: The open conversation's id, "" for none.
    open_chat = traitlets.Unicode("").tag(sync=True)
    #: The open conversation's window as of its opening (later ones come as ``append`` messages).
    window = traitlets.List(traitlets.Dict()).tag(sync=True)
    #: Whether older messages than the window's exist ("load earlier").
    has_earlier = traitlets.Bool(False).tag(sync=True)
    #: One conversation only (``session.chat(to)``): the page hides the list.
    single = traitlets.Bool(False).tag(sync=True)
    #: The account's name: its @mentions in room messages are highlighted ("" for none).
    me = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        *,
        window_size: int = DEFAULT_WINDOW,
        min_interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        schedule: Scheduler = thread_timer,
        **kwargs: Any,
    ) -> None:
        self._updates = Coalescer(  # first: a refused widget is still closed cleanly when collected
            self._apply,
            min_interval=min_interval,
            clock=clock,
            schedule=schedule,
            unchanged=lambda name, value: bool(getattr(self, name) == value),
        )
        self._row_updates = Coalescer(
            self._send_rows, min_interval=min_interval, clock=clock, schedule=schedule
        )
        if isinstance(window_size, bool) or not isinstance(window_size, int) or window_size < 1:
            raise WidgetInputError(f"window_size must be an int >= 1, not {window_size!r}")
        self.window_size = window_size
        super().__init__(**kwargs)
        self._lock = threading.RLock()  # the current window and the conversation rows
        self._window: list[dict[str, object]] = []
        self._rows: dict[str, dict[str, object]] = {}
        self._open_callbacks: list[OpenCallback] = []
        self._send_callbacks: list[SendCallback] = []
        self._earlier_callbacks: list[EarlierCallback] = []
        self._media_callbacks: list[MediaCallback] = []
        self._download_callbacks: list[DownloadCallback] = []
        self._avatar_callbacks: list[AvatarCallback] = []
        self._dirty: dict[str, dict[str, object]] = {}  # rows changed since the last "rows" message
        self.on_msg(self._on_frontend_msg)

    # -- what the glue calls ---------------------------------------------------------------------

    def set_conversations(self, conversations: Sequence[ConversationView]) -> None:
        """Replace the conversation list (the ``conversations`` trait: what a new view starts from).

        Raises:
            WidgetInputError: a row is not valid (nothing changes then).
        """
        rows = {c.id: c.to_wire() for c in conversations}
        with self._lock:
            self._rows = rows
            self._dirty.clear()  # the new list carries them
        self._updates.submit({"conversations": list(rows.values())})

    def update_conversations(self, conversations: Sequence[ConversationView]) -> None:
        """Add or replace some rows of the list (by id). They go to the views as a small ``rows``
        message, at most 10 a second (the rows changed meanwhile, latest values), never as the
        whole list; a view drawn later gets the whole current list with its ``hello``."""
        wired = [c.to_wire() for c in conversations]
        with self._lock:
            for row in wired:
                self._rows[str(row["id"])] = row
                self._dirty[str(row["id"])] = row
        # Outside the lock: the flush may run here and takes it (a timer thread's flush too).
        self._row_updates.submit({"rows": None})

    def conversation(self, chat: str) -> dict[str, object] | None:
        """The list's row of ``chat`` as the page has it (or will, after the next update), or None."""
        with self._lock:
            return self._rows.get(chat)

    def show_conversation(
        self,
        chat: str,
        messages: Sequence[MessageView],
        has_earlier: bool = False,
        *,
        single: bool = False,
        me: str | None = None,
    ) -> None:
        """Open ``chat`` with its last messages (at most :attr:`window_size` of them are kept).

        ``me``: the account's name in this conversation (its in-room display name), whose @mentions
        are highlighted; None keeps :attr:`me` as it is."""
        wired = [m.to_wire() for m in messages][-self.window_size :]
        name = None if me is None else _str(me, "me")  # checked first: a bad value changes nothing
        with self._lock:
            self._window = wired
            self._updates.flush()  # a list update already due goes first: the page sees one order
            with self.hold_sync():
                self.open_chat = _str(chat, "chat")
                self.window = list(wired)
                self.has_earlier = bool(has_earlier)
                if single:
                    self.single = True
                if name is not None:
                    self.me = name

    def append(self, chat: str, messages: Sequence[MessageView]) -> None:
        """New (or changed: revoked) messages of ``chat``; shown at once if it is the open one."""
        wired = [m.to_wire() for m in messages]
        with self._lock:
            if not wired or chat != self.open_chat:
                return
            known = {str(m["id"]): i for i, m in enumerate(self._window)}
            for message in wired:
                at = known.get(str(message["id"]))
                if at is None:
                    known[str(message["id"])] = len(self._window)
                    self._window.append(message)
                else:
                    self._window[at] = message
            overflow = len(self._window) - self.window_size
            if overflow > 0:
                del self._window[:overflow]
            self._post({"type": "append", "chat": chat, "messages": wired})

    def earlier(self, chat: str, messages: Sequence[MessageView], has_earlier: bool) -> None:
        """Answer a view's "load earlier": older messages of ``chat`` (sent to the views only)."""
        wired = [m.to_wire() for m in messages]
        self._post({"type": "earlier", "chat": chat, "messages": wired, "has_earlier": bool(has_earlier)})

    def ack(self, cid: str, *, msg_id: str = "", error: str = "") -> None:
        """Settle the send ``cid``: sent (with the server's ``msg_id``) or failed (with ``error``)."""
        if error:
            self._post({"type": "ack", "cid": cid, "ok": False, "error": error})
        else:
            self._post({"type": "ack", "cid": cid, "ok": True, "msg_id": msg_id})

    def media(self, msg_id: str, *, url: str = "", error: str = "") -> None:
        """Answer a view's picture request: the message's thumbnail as an image ``data:`` URL (checked
        with :func:`~wxnb.widgets.images.image_data_url`), or why there is none.

        Raises:
            InvalidImageDataUrl: ``url`` is not a base64 PNG/JPEG/GIF/WebP data URL.
        """
        if url:
            self._post({"type": "media", "id": msg_id, "url": image_data_url(url)})
        else:
            self._post({"type": "media", "id": msg_id, "error": error or "no picture"})

    def avatar(self, sender: str, *, url: str = "", error: str = "") -> None:
        """Answer a view's avatar request: ``sender``'s head image as an image ``data:`` URL (checked
        with :func:`~wxnb.widgets.images.image_data_url`), or why there is none (the view keeps
        the initials).

        Raises:
            InvalidImageDataUrl: ``url`` is not a base64 PNG/JPEG/GIF/WebP data URL.
        """
        if url:
            self._post({"type": "avatar", "sender": sender, "url": image_data_url(url)})
        else:
            self._post({"type": "avatar", "sender": sender, "error": error or "no picture"})

    def downloaded(self, msg_id: str, *, path: str = "", error: str = "") -> None:
        """Answer a view's Download: where the file was saved (a path on the kernel's machine), or why not."""
        if path:
            self._post({"type": "download", "id": msg_id, "path": _str(path, "path")})
        else:
            self._post({"type": "download", "id": msg_id, "error": error or "not saved"})

    def __repr__(self) -> str:
        """What viewers without widgets show (the display's text/plain) and what a saved notebook keeps
        of it: counts and the open conversation's name, never a message, e.g.
        ``wxnb chat: 63 conversations, 5 unread · open: Ann``.

        >>> ChatWidget()
        wxnb chat: no conversations
        """
        with self._lock:
            rows = list(self._rows.values())
            shown = self._rows.get(self.open_chat) if self.open_chat else None
        unread = sum(int(row.get("unread", 0)) for row in rows)  # type: ignore[call-overload]
        count = f"{len(rows):,} conversation{'' if len(rows) == 1 else 's'}" if rows else "no conversations"
        parts = [count + (f", {unread:,} unread" if unread else "")]
        if self.open_chat:
            parts.append(f"open: {shown['name'] if shown else 'a conversation'}")
        return "wxnb chat: " + " · ".join(parts)

    @property
    def current_conversations(self) -> list[dict[str, object]]:
        """The conversation list as the views have it now, updates included (a copy)."""
        with self._lock:
            return list(self._rows.values())

    @property
    def current_window(self) -> list[dict[str, object]]:
        """The open conversation's window as the page holds it now (a copy)."""
        with self._lock:
            return list(self._window)

    def on_open(self, callback: OpenCallback) -> Callable[[], None]:
        """Call ``callback(chat)`` when the person opens a conversation; returns an unsubscriber."""
        return self._subscribe(self._open_callbacks, callback)

    def on_send(self, callback: SendCallback) -> Callable[[], None]:
        """Call ``callback(chat, text, cid)`` for each send the person asks for (answer with :meth:`ack`)."""
        return self._subscribe(self._send_callbacks, callback)

    def on_earlier(self, callback: EarlierCallback) -> Callable[[], None]:
        """Call ``callback(chat, before_id)`` when a view wants older messages (answer: :meth:`earlier`)."""
        return self._subscribe(self._earlier_callbacks, callback)

    def on_media(self, callback: MediaCallback) -> Callable[[], None]:
        """Call ``callback(chat, msg_id)`` when a view needs a picture (answer: :meth:`media`)."""
        return self._subscribe(self._media_callbacks, callback)

    def on_download(self, callback: DownloadCallback) -> Callable[[], None]:
        """Call ``callback(chat, msg_id)`` when a file is to be saved (answer: :meth:`downloaded`)."""
        return self._subscribe(self._download_callbacks, callback)

    def on_avatar(self, callback: AvatarCallback) -> Callable[[], None]:
        """Call ``callback(chat, sender)`` when a view needs a sender's avatar (answer: :meth:`avatar`)."""
        return self._subscribe(self._avatar_callbacks, callback)

    def flush(self) -> None:
        """Apply pending (coalesced) updates now."""
        self._updates.flush()
        self._row_updates.flush()

    def close(self) -> None:
        """Stop updates and close the comm."""
        self._updates.stop(flush=False)
        self._row_updates.stop(flush=False)
        super().close()

    # -- internals -------------------------------------------------------------------------------

    def _subscribe(self, callbacks: list[Any], callback: Callable[..., None]) -> Callable[[], None]:
        if not callable(callback):
            raise WidgetInputError(f"the callback must be callable, not {type(callback).__name__}")
        with self._lock:
            callbacks.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in callbacks:
                    callbacks.remove(callback)

        return unsubscribe

    def _apply(self, values: dict[str, object]) -> None:
        with self.hold_sync():
            for name, value in values.items():
                setattr(self, name, value)

    def _send_rows(self, _values: dict[str, object]) -> None:
        with self._lock:
            rows, self._dirty = list(self._dirty.values()), {}
        if rows:
            self._post({"type": "rows", "rows": rows})

    def _post(self, content: dict[str, object]) -> None:
        if self.comm is not None:  # closed: nobody to tell
            self.send(content)

    def _on_frontend_msg(self, _widget: object, content: object, _buffers: object) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "hello":  # a view was drawn: the window as it is now (appends since the open)
            with self._lock:
                reply: dict[str, object] = {
                    "type": "window",
                    "chat": self.open_chat,
                    "messages": list(self._window),
                    "conversations": list(self._rows.values()),
                }
            self._post(reply)
            return
        chat = content.get("chat")
        if not isinstance(chat, str) or not chat:
            _log.info("a chat view sent %r without a chat: ignored", kind)
            return
        with self._lock:
            table: dict[str, list[Any]] = {
                "open": self._open_callbacks,
                "send": self._send_callbacks,
                "earlier": self._earlier_callbacks,
                "media": self._media_callbacks,
                "download": self._download_callbacks,
                "avatar": self._avatar_callbacks,
            }
            callbacks = list(table.get(str(kind), []))
        if kind == "open":
            args: tuple[str, ...] = (chat,)
        elif kind == "send":
            text, cid = content.get("text"), content.get("cid")
            if not isinstance(cid, str) or not cid:
                return
            if not isinstance(text, str) or not text.strip():
                self.ack(cid, error="nothing to send: the message is empty")
                return
            if not callbacks:
                self.ack(cid, error="this view cannot send (it is not connected to a session)")
                return
            args = (chat, text, cid)
        elif kind == "earlier":
            before = content.get("before")
            args = (chat, before if isinstance(before, str) else "")
        elif kind in ("media", "download"):
            msg_id = content.get("id")
            if not isinstance(msg_id, str) or not msg_id:
                return
            args = (chat, msg_id)
        elif kind == "avatar":
            sender = content.get("sender")
            if not isinstance(sender, str) or not sender:
                return
            args = (chat, sender)
        else:
            return
        for callback in callbacks:
            callback(*args)  # one that raises is reported by ipywidgets' message handling
