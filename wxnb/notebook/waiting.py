"""Waiting in a notebook cell without freezing the widgets: ``await session.ready()``.

A cell that blocks (``session.wait_ready(60)``) holds the kernel's main thread, where the page's widget
messages are handled: the login widget's "New code" button is not heard until the cell ends. An
*async* cell is different: while it awaits, the kernel's event loop runs, and ipykernel (7.x)
dispatches widget (comm) messages even while that cell is still running. So the notebook's waits are
coroutines that run the session's blocking wait on a worker thread (``asyncio.to_thread``) and await
it: ``await session.ready(120)`` and ``await session.received(predicate, 60)``.

Measured (tests/browser/test_notebook_waits.py, and by hand against a bare ipykernel 7.4): with
``await``, a click on New code during the wait reaches Python within tens of milliseconds; with a
blocking ``wait_ready`` it waits for the cell to end. `jupyter-ui-poll` (the usual remedy for older
kernels) was tried and does not work with ipykernel 7: it steps a ``do_one_iteration`` that ipykernel
7 no longer has, and the message stays queued for the whole wait.

A wait that times out ends with one sentence, not a traceback: :class:`WaitTimedOut` (a
``TimeoutError``) tells IPython how to show itself (``_render_traceback_``).

Example (in a notebook cell)::

    session = wxnb.login()
    await session.ready(120)   # the widget's buttons keep working meanwhile
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import Final, TypeVar

from wxnb.errors import Error

__all__ = ["SLICE", "WaitTimedOut", "in_kernel", "wait_in_thread"]

T = TypeVar("T")

#: The longest slice a resumable wait blocks a worker thread: a cancelled wait (an interrupted cell)
#: leaves no thread behind for longer than this.
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


def in_kernel() -> bool:
    """True in a Jupyter kernel (where a failed wait is shown as one sentence).

    Example:
        >>> in_kernel()   # a plain interpreter
        False
    """
    ipython = sys.modules.get("IPython")  # never imported here: plain scripts do not load IPython
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


async def wait_in_thread(wait: Callable[[float | None], T], timeout: float | None, *, resumable: bool) -> T:
    """Await ``wait(timeout)`` run on a worker thread, so the event loop (and the widgets) keep going.

    Args:
        wait: the blocking wait; it receives the seconds to block (None: no limit).
        timeout: the limit for the whole wait (None: none).
        resumable: True when calling ``wait`` again loses nothing (waiting for a state, like
            ``wait_ready``): it is then called in slices of at most :data:`SLICE` seconds, so a
            cancelled wait (an interrupted cell) leaves no thread blocked behind it. False for a wait
            that would miss what arrives between two calls (``wait_for``): one call, and a cancelled
            one keeps its worker thread until ``timeout``.

    Raises:
        Whatever ``wait`` raises (a ``TimeoutError`` from its last slice: the whole wait timed out).
    """
    if not resumable:
        return await asyncio.to_thread(wait, timeout)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        step = SLICE if left is None else min(SLICE, left)
        try:
            return await asyncio.to_thread(wait, step)
        except TimeoutError:
            if left is not None and left <= SLICE:
                raise
