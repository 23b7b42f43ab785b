"""The kernel's heartbeat to its widget views: "I am alive, and this is my clock".

A view cannot tell from its model whether a kernel still stands behind it: after a kernel restart, in
a notebook reopened with saved widget state, or in a saved copy, the last state is all there is, and
it may say "online". So while the kernel runs, one daemon thread sends every live widget an
``{"type": "alive", "now": <kernel epoch ms>, "every": <ms>}`` message every ``every`` seconds; a
view that has heard nothing for three beats says it is not connected (js/src/lib/view.js). A thread
rather than the main loop: a kernel busy in a long cell still beats (comm messages may be sent from
any thread), so a busy kernel is not mistaken for a dead one.

The same messages carry the kernel's clock, so the view re-estimates the clock offset from each one
(js/src/lib/time.js keeps the best estimate).

Example:
    >>> beats = []
    >>> class View:
    ...     def beat(self): beats.append(1)
    >>> heart = Heartbeat(every=60)
    >>> view = View(); heart.add(view)
    >>> heart.beat_once(); beats
    [1]
    >>> heart.stop()
"""

from __future__ import annotations

import logging
import threading
import weakref
from typing import Final, Protocol

__all__ = ["HEARTBEAT", "Beating", "Heartbeat"]

_log = logging.getLogger(__name__)

#: Seconds between two beats. Views allow three (15 s) before they say "not connected".
DEFAULT_EVERY: Final = 5.0


class Beating(Protocol):
    """What the heartbeat drives: a widget that sends one ``alive`` message per call."""

    def beat(self) -> None:
        """Send one alive message (any thread)."""


class Heartbeat:
    """One daemon thread beating for every registered widget; started with the first one.

    Widgets are held weakly: a widget nobody holds any more stops beating without being told.

    Args:
        every: seconds between two beats (> 0).
    """

    def __init__(self, every: float = DEFAULT_EVERY) -> None:
        if not every > 0:
            raise ValueError(f"every must be > 0 seconds, not {every}")
        self.every = every
        self._lock = threading.Lock()
        self._widgets: weakref.WeakSet[Beating] = weakref.WeakSet()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, widget: Beating) -> None:
        """Beat for ``widget`` from now on (starts the thread if needed)."""
        with self._lock:
            self._widgets.add(widget)
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="wxnb-heartbeat", daemon=True)
                self._thread.start()

    def discard(self, widget: Beating) -> None:
        """Stop beating for ``widget`` (closed)."""
        with self._lock:
            self._widgets.discard(widget)

    def beat_once(self) -> None:
        """Send one beat to every registered widget now, in this thread.

        A widget whose send fails is logged and skipped: the others still beat.
        """
        with self._lock:
            widgets = list(self._widgets)
        for widget in widgets:
            try:
                widget.beat()
            except (OSError, RuntimeError, ValueError) as exc:  # a comm torn down under us
                _log.info("no heartbeat for %r: %s", widget, exc)

    def stop(self) -> None:
        """Stop the thread (tests; the kernel-wide heartbeat runs until the process ends)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.every + 1)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.beat_once()


#: The kernel-wide heartbeat every LoginWidget uses by default.
HEARTBEAT: Final = Heartbeat()
