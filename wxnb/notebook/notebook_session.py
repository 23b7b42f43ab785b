"""A session as a notebook shows it: the plain :class:`~wxnb.session.Session`, plus a widget.

The jupyter-scatter pattern: the user holds the session (tables, actions, events: nothing of widgets),
and :class:`NotebookSession` only adds ``.widget`` (the login and status view, made on first use),
``_repr_mimebundle_``, which delegates to it (the widget is drawn once per login; later ``session``
at the end of a cell prints one line), waits that keep the widgets alive (``await session.ready()``,
``await session.received(...)``), the close reason the status line shows, the static form a shown
login leaves once the session ends (``close()``, ``logout()``, the kernel shutting down: a saved
notebook then shows why it ended, not "model not found"), and the tables' compact view. Everything
the widget draws comes through the session's public events (``on("login", ..., replay=True)``,
``"status"``, ``"contacts"``); the session imports nothing from here.

Threads: widgets are made and displayed on the kernel's main thread only (:class:`NotMainThread`
elsewhere); the session's thread only calls the view's handlers, which call the widget's
thread-safe ``show_*`` methods.

Example (what ``wxnb.login()`` does in a notebook)::

    session = NotebookSession(base_url, interactive=True)
    session.show()        # displays session.widget in this cell (main thread)
    session.start()       # the login runs in the session's thread; the widget follows it
    await session.ready(120)  # a later cell: the widget's buttons keep working meanwhile
    session               # at the end of a later cell: one line (the widget is in the first cell)
"""

from __future__ import annotations

import atexit
import base64
import logging
import sys
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self

from wxnb.errors import Error
from wxnb.notebook.login_view import NotebookLoginView
from wxnb.notebook.tables_view import register as register_table_view
from wxnb.notebook.waiting import WaitTimedOut, in_kernel, wait_in_thread
from wxnb.protocol import WxError
from wxnb.protocol.records import Message
from wxnb.session import Session, SessionStatus
from wxnb.widgets.errors import FrontendBundleMissing, WidgetError

if TYPE_CHECKING:
    from wxnb.widgets.chat import ChatWidget
    from wxnb.widgets.login import LoginWidget

__all__ = ["NotMainThread", "NotebookSession", "in_notebook"]

logger = logging.getLogger("wxnb.notebook")


class NotMainThread(Error, RuntimeError):
    """A widget was to be created or displayed outside the kernel's main thread."""


def in_notebook() -> bool:
    """True inside a Jupyter kernel (an IPython shell with a kernel), False in a terminal or script.

    IPython is looked up only if something imported it already: plain scripts never import it.

    Example:
        >>> in_notebook()
        False
    """
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _require_main_thread(what: str) -> None:
    if threading.current_thread() is not threading.main_thread():
        raise NotMainThread(
            f"{what} only from the notebook's main thread: call wxnb.login() in the cell itself, or "
            "pass show='none' in a thread and put `session` at the end of a cell later"
        )


#: Every NotebookSession of this kernel, to tell a close by a newer login of the same account.
_SESSIONS: weakref.WeakSet[NotebookSession] = weakref.WeakSet()
_EXIT_HOOKED = threading.Event()


def _at_kernel_exit() -> None:
    """The kernel is shutting down (ipykernel's shutdown ends in a normal exit, which runs atexit; this
    runs before ipykernel's own exit hooks stop its IOPub thread, registered earlier): every shown
    login becomes its static form while the page still listens."""
    for session in list(_SESSIONS):
        if not session._closed_reason:
            why = session.status.logout_reason  # the server ended it earlier: that is the reason
            session._closed_reason = f"logged out: {why}" if why else "kernel shut down"
        session._end_displays()


class NotebookSession(Session):
    """A :class:`~wxnb.session.Session` that shows itself in a notebook as the login/status widget.

    Takes exactly :class:`~wxnb.session.Session`'s arguments. ``wxnb.login()`` returns one in a
    kernel (a plain Session in a terminal). The session itself is unchanged: this class only makes
    and wires widgets, on the main thread.

    Example:
        >>> session = NotebookSession()
        >>> session._repr_mimebundle_() is None   # outside a notebook IPython prints the repr
        True
        >>> session.close()
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if in_notebook():  # the tables' compact view (wxnb/notebook/tables_view.py); other frames unchanged
            from IPython import get_ipython

            register_table_view(get_ipython())
        self._shown_model = ""  # the model id of the widget last put in an output (drawn once per login)
        self._closed_reason = ""  # why it was closed, as the status line says it
        # The outputs session.show() drew the widget in (IPython DisplayHandles): once the session ends
        # they become its static form (docs/frontend.md, "When the session ends").
        self._displays: list[Any] = []
        self._displays_lock = threading.Lock()
        _SESSIONS.add(self)
        self._view: NotebookLoginView | None = None
        self._detach_view: list[Callable[[], None]] = []
        self._avatar = ""  # the account's head image as a data URL, once fetched for a view
        self._avatar_lock = threading.Lock()
        self._avatar_fetched = False
        self._avatar_watched = False  # _fetch_avatar subscribed (with the first view)

    # -- waiting in a cell (the widgets stay alive) -------------------------------------------------

    async def ready(self, timeout: float | None = None) -> Self:
        """``await session.ready(120)``: :meth:`Session.wait_ready <wxnb.session.Session.wait_ready>`
        for a notebook cell. While it waits the kernel keeps handling the page, so the widget's New code
        button works (a blocking ``wait_ready`` holds the kernel until it returns; see
        :mod:`wxnb.notebook.waiting`). A timeout ends with one sentence, not a traceback.

        Example (a notebook cell): ``await session.ready(120)``

        Raises:
            WaitTimedOut: (a ``TimeoutError``) not ready within ``timeout`` s; the login goes on.
            Everything :meth:`Session.wait_ready <wxnb.session.Session.wait_ready>` raises.
        """
        try:
            return await wait_in_thread(super().wait_ready, timeout, resumable=True)
        except TimeoutError:
            raise WaitTimedOut(
                f"not logged in after {timeout:g} s: scan the QR code above, then run this cell again; "
                "the login goes on meanwhile."
            ) from None

    async def received(self, predicate: Callable[[Message], object], timeout: float = 30.0) -> Message:
        """``await session.received(predicate, 60)``: :meth:`Session.wait_for
        <wxnb.session.Session.wait_for>` for a notebook cell (the widgets keep working meanwhile).
        ``predicate`` runs on a worker thread: keep it to reading the message.

        Example: ``m = await session.received(lambda m: m.chat_name == "Ann", timeout=60)``

        Raises:
            WaitTimedOut: (a ``TimeoutError``) no matching message within ``timeout`` s.
            Everything :meth:`Session.wait_for <wxnb.session.Session.wait_for>` raises.
        """
        wait = super().wait_for
        try:
            return await wait_in_thread(lambda left: wait(predicate, timeout), timeout, resumable=False)
        except TimeoutError:
            raise WaitTimedOut(f"no matching message within {timeout:g} s.") from None

    def wait_ready(self, timeout: float | None = None) -> Self:
        """:meth:`Session.wait_ready <wxnb.session.Session.wait_ready>`; in a kernel a timeout ends with
        one sentence, not a traceback. It blocks the kernel meanwhile (the widget's buttons wait for
        the cell to end): in a notebook prefer ``await session.ready(timeout)``.

        Raises:
            WaitTimedOut: (in a kernel; a ``TimeoutError``) not ready within ``timeout`` s.
            Everything :meth:`Session.wait_ready <wxnb.session.Session.wait_ready>` raises.
        """
        try:
            return super().wait_ready(timeout)
        except WaitTimedOut:
            raise
        except TimeoutError:
            if not in_kernel():
                raise
            raise WaitTimedOut(
                f"not logged in after {timeout:g} s: scan the QR code above, then run "
                "`await session.ready()` (it keeps the widget's buttons working while it waits)."
            ) from None

    def wait_for(self, predicate: Callable[[Message], object], timeout: float = 30.0) -> Message:
        """:meth:`Session.wait_for <wxnb.session.Session.wait_for>`; in a kernel a timeout ends with one
        sentence. In a notebook ``await session.received(predicate, timeout)`` keeps the widgets alive.

        Raises:
            WaitTimedOut: (in a kernel; a ``TimeoutError``) no matching message within ``timeout`` s.
            Everything :meth:`Session.wait_for <wxnb.session.Session.wait_for>` raises.
        """
        try:
            return super().wait_for(predicate, timeout)
        except WaitTimedOut:
            raise
        except TimeoutError:
            if not in_kernel():
                raise
            raise WaitTimedOut(f"no matching message within {timeout:g} s.") from None

    # -- the widget (main thread) ------------------------------------------------------------------

    @property
    def widget(self) -> LoginWidget:
        """The session's live login/status widget (``LoginWidget``), made on first use, and again
        after the last one was closed; a new one replays the login steps so far, then follows.

        Example: ``session.widget`` (display it with ``IPython.display.display``, or end a cell with
        ``session``).

        Raises:
            NotMainThread: a widget is to be made outside the kernel's main thread.
            FrontendBundleMissing: the front end was never built (a source checkout without npm).
        """
        view = self._view
        if view is not None and view.widget.comm is not None:  # comm None: closed by the person
            return view.widget
        return self._new_view().widget

    def show(self) -> LoginWidget:
        """Display :attr:`widget` in the current cell's output; returns it.

        Raises:
            NotMainThread: called from another thread than the main one (a display from a thread
                lands in whichever cell runs at that moment, or nowhere).
        """
        _require_main_thread("the login widget can only be shown")
        from IPython.display import display

        widget = self.widget
        handle = display(widget, display_id=True)  # type: ignore[no-untyped-call]
        self._shown_model = widget.model_id
        if handle is None:  # IPython without a shell prints the repr instead: nothing to replace later
            return widget
        with self._displays_lock:
            self._displays.append(handle)
        if not _EXIT_HOOKED.is_set():
            _EXIT_HOOKED.set()
            atexit.register(_at_kernel_exit)
        return widget

    def _end_displays(self) -> None:
        """Replace every output :meth:`show` drew with the static form of the ended login
        (:func:`~wxnb.widgets.login.ended_bundle`): a notebook saved afterwards shows what it was and
        why it ended, not "Error displaying widget: model not found". Any thread; once per output."""
        with self._displays_lock:
            handles, self._displays = self._displays, []
        if not handles:
            return
        from wxnb.widgets.login import ended_bundle

        bundle = ended_bundle(self.status.nickname, self._closed_reason)
        for handle in handles:
            handle.update(bundle, raw=True)

    def chat(self, to: object = None) -> ChatWidget:
        """A live chat widget: every conversation, or only ``to``'s (a name, key, row or UserName, as
        :meth:`send` accepts). End a cell with it (or ``display`` it) to show it.

        Example: ``session.chat()``, ``session.chat("Annie")``

        Raises:
            NotMainThread: called outside the kernel's main thread.
            NotReady: the login has not finished (``session.wait_ready()`` first).
            RecipientNotFound, AmbiguousRecipient: ``to`` names no conversation, or several.
            FrontendBundleMissing: the front end was never built.
        """
        _require_main_thread("a chat widget can only be made")
        from wxnb.notebook.chat_view import NotebookChatView
        from wxnb.widgets.chat import ChatWidget

        chat = None
        if to is not None:
            chat = self.recipient(to)  # checked before a widget exists: a bad name makes nothing
        else:
            self._require_ready()  # NotReady before the login, like every other action
        me = self.me
        widget = ChatWidget(me=me.nickname if me is not None else "")
        view = NotebookChatView(widget, self)  # kept alive by its subscriptions; detached on close
        if chat is None:
            view.show_all()
        else:
            view.open(chat.key or chat.user_name, single=True)
        return view.widget

    # -- closing, with the reason the status line gives --------------------------------------------

    def close(self, timeout: float | None = None) -> None:
        """:meth:`Session.close <wxnb.session.Session.close>`; the status line then says why it closed
        (this call, or a newer login of the same account that replaced this session)."""
        if not self._closed_reason:
            self._closed_reason = self._why_closed()
        if timeout is None:
            super().close()
        else:
            super().close(timeout)
        self._end_displays()

    def logout(self) -> None:
        """:meth:`Session.logout <wxnb.session.Session.logout>`; the status line says it was this call."""
        self._closed_reason = self._closed_reason or "logged out with session.logout()"
        super().logout()
        self._end_displays()

    def _why_closed(self) -> str:
        if threading.current_thread() is threading.main_thread():
            return "closed with session.close()"
        # Another login of the same account closes this one from its own thread, once confirmed.
        for other in list(_SESSIONS):
            if (
                other is not self
                and other.data_dir == self.data_dir
                and other.status.state == "logging_in"
                and any(e.phase == "confirmed" for e in other.login_events)
            ):
                return "replaced by a newer login (wxnb.login() ran again)"
        return "the session was closed"

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """In a notebook, ``session`` at the end of a cell shows :attr:`widget` (the live one, or a
        new one); the bundle's text/plain is the readable repr, what viewers without widgets show.
        Outside a notebook, from another thread with no live widget, or without a built front end:
        None, and IPython prints the repr."""
        if not in_notebook():
            return None
        view = self._view
        if view is not None and view.widget.comm is not None and view.widget.model_id == self._shown_model:
            # Drawn once per login: the live widget is already in an output above (the login cell);
            # a cell ending with `session` (or `session.wait_ready()`) shows the one-line text.
            # session.show() draws it again on purpose.
            return None
        if view is None or view.widget.comm is None:
            if threading.current_thread() is not threading.main_thread():
                return None  # widgets are made on the main thread only: text it is
            try:
                widget = self.widget
            except FrontendBundleMissing as exc:
                logger.warning("showing the session as text: %s", exc)
                return None
        else:
            widget = view.widget
        shown = widget._repr_mimebundle_(**kwargs)
        if shown is None:
            return None
        data, metadata = shown
        self._shown_model = widget.model_id
        widget.flush()  # the text says what the widget shows now
        return {**data, "text/plain": repr(widget)}, metadata

    def _new_view(self) -> NotebookLoginView:
        _require_main_thread("a widget can be made")
        from wxnb.widgets import LoginWidget

        view = NotebookLoginView(
            LoginWidget(),
            self._kind_counts,
            status=lambda: self.status,
            failure=lambda: self.failure,
            desktop=self.desktop,
            retry=self.interactive,
            closed_reason=lambda: self._closed_reason,
        )
        old, self._detach_view = self._detach_view, []
        for detach in old:  # the closed widget's view hears nothing more
            detach()
        self._view = view
        with self._avatar_lock:
            avatar = self._avatar
        if avatar:
            view.set_avatar(avatar)
        self._detach_view = [
            view.widget.on_new_code(self.request_new_code),
            self.on("login", view.on_login_event, replay=True),  # the steps so far, then live
            self.on("status", view.on_status),
            self.on("contacts", view.on_contacts),
        ]
        view.on_status(self.status)  # a status that changed before the subscription is not lost
        if not self._avatar_watched:  # after the view's own: the status line is drawn first
            self._avatar_watched = True
            self.on("status", self._fetch_avatar)
        return view

    def _kind_counts(self) -> tuple[int, int, int]:
        """(friends, rooms, official accounts), as the status line says them; (0, 0, 0) before login.

        From the contacts snapshot (cached until the contacts change; the view asks at most once a
        second): the session's ``contact_counts()`` lumps official accounts in with friends."""
        kinds = self.contacts["kind"].value_counts()
        return int(kinds.get("friend", 0)), int(kinds.get("room", 0)), int(kinds.get("mp", 0))

    # -- the account's picture (the session's thread) ----------------------------------------------

    def _fetch_avatar(self, status: SessionStatus) -> None:
        """A resumed or pushed login has no scanned avatar: fetch the account's head image once, for
        the status line, when a view needs it. Status events come from the session's writer thread,
        which must not wait for a picture (every write of the session would wait behind it), so the
        request runs on a short-lived thread of its own; one request, a failure only costs the picture."""
        if status.state != "online":
            return
        view = self._view
        if view is None or not view.needs_avatar:
            return
        with self._avatar_lock:
            if self._avatar_fetched:
                return
            self._avatar_fetched = True
        threading.Thread(target=self._load_avatar, args=(view,), name="wxnb-avatar", daemon=True).start()

    def _load_avatar(self, view: NotebookLoginView) -> None:
        try:
            url = "data:image/jpeg;base64," + base64.b64encode(self.head_image()).decode("ascii")
            view.set_avatar(url)
        except (WxError, ValueError, WidgetError) as exc:
            logger.info("no avatar for the status line: %s", exc)
            return
        with self._avatar_lock:
            self._avatar = url
