"""Waiting in a notebook cell without freezing the widgets.

A cell that blocks (``session.wait_ready(60)``) keeps the kernel from reading the messages the page
sends: the login widget's "New code" button is not heard until the cell ends. So in a kernel, on the
main thread, :func:`wait_keeping_ui` runs the wait itself on a helper thread and meanwhile lets the
kernel handle the page's widget messages, with `jupyter-ui-poll <https://github.com/Kirill888/jupyter-ui-poll>`_
(it runs the kernel's own message loop one step at a time and holds back other cells' execute
requests until this cell ends, so Run All keeps its order). Measured in JupyterLab 4
(tests/browser/test_notebook_waits.py): New code clicked during ``wait_ready`` brings a new code
while the cell still runs.

A wait that times out ends with one sentence, not a traceback: :class:`WaitTimedOut` (a
``TimeoutError``) tells IPython how to show itself (``_render_traceback_``).

Outside a kernel, or from another thread, the wait simply runs where it is called.

Example (what ``NotebookSession.wait_ready`` does)::

    wait_keeping_ui(lambda left: Session.wait_ready(session, left), timeout=60,
                    timed_out="not logged in after 60 s: scan the QR code above")
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Final, TypeVar

from wxnb.errors import Error

__all__ = ["WaitTimedOut", "can_poll_ui", "wait_keeping_ui"]

T = TypeVar("T")

#: How often the main thread looks at the page's messages while it waits (seconds).
POLL_EVERY: Final = 0.05
#: Widget messages handled per look (a burst of clicks is not worth more).
EVENTS_PER_POLL: Final = 20
#: The longest slice a resumable wait runs before it checks whether the cell was interrupted.
SLICE: Final = 1.0


class WaitTimedOut(Error, TimeoutError):
    """A wait in a notebook cell ran out of time: shown as its one sentence, not a traceback.

    It is a ``TimeoutError`` too, so ``except TimeoutError`` still catches it.

    Example:
        >>> WaitTimedOut("not logged in after 5 s.")._render_traceback_()
        ['TimeoutError: not logged in after 5 s.']
    """

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of formatting the traceback: what happened and what to do is
        # all a person needs; the frames of wxnb's own threads help nobody.
        return [f"TimeoutError: {self}"]


def can_poll_ui() -> bool:
    """True in a Jupyter kernel, on its main thread: only there can a wait hand the page's messages
    to the kernel (and only there does a blocking wait freeze the widgets).

    Example:
        >>> can_poll_ui()   # a plain interpreter
        False
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    ipython = sys.modules.get("IPython")  # never imported here: plain scripts do not load IPython
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def wait_keeping_ui(wait: Callable[[float | None], T], timeout: float | None, *, resumable: bool) -> T:
    """Run ``wait(timeout)`` on a helper thread while this (the kernel's main) thread handles widget
    messages; return its result or raise its error.

    Args:
        wait: the blocking wait; it receives the seconds left (None: no limit).
        timeout: the limit for the whole wait (None: none).
        resumable: True when calling ``wait`` again loses nothing (waiting for a state, like
            ``wait_ready``): it is then called in slices of at most :data:`SLICE` seconds, so an
            interrupted cell (Ctrl-C, the stop button) leaves no thread waiting behind it. False for
            a wait that would miss what arrives between two calls (``wait_for``): one call.

    Raises:
        Whatever ``wait`` raises (a ``TimeoutError`` from its last slice means the whole wait timed out).
    """
    from jupyter_ui_poll import ui_events

    deadline = None if timeout is None else time.monotonic() + timeout
    cancelled = threading.Event()
    done = threading.Event()
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            if not resumable:
                outcome.append(wait(timeout))
                return
            while True:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                step = SLICE if left is None else min(SLICE, left)
                try:
                    outcome.append(wait(step))
                    return
                except TimeoutError:
                    if cancelled.is_set() or (left is not None and left <= SLICE):
                        raise
        except BaseException as exc:  # noqa: BLE001 - not swallowed: the cell's thread raises it below
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="wxnb-wait", daemon=True).start()
    try:
        with ui_events() as poll:
            while not done.wait(POLL_EVERY):
                poll(EVENTS_PER_POLL)
    finally:
        cancelled.set()  # an interrupted cell: a resumable wait stops at the end of its slice
    if failure:
        raise failure[0]
    return outcome[0]
