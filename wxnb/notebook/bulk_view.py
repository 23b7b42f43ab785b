"""A bulk run's progress in a notebook: counts, a bar, the ETA, and pause / resume / cancel buttons.

The run (:class:`wxnb.bulk.BulkRun`) knows nothing of widgets; this view subscribes to its progress
callbacks (which come from the run's ``wxnb-bulk`` thread) and redraws at most ten times a second,
inside ``hold_sync()``, always drawing the last state. Outside notebooks, ``run.progress.describe()``
is the same line as text.

Example (in a notebook)::

    run = wxnb.bulk.plan_remarks(session, changes).apply()
    wxnb.notebook.bulk_progress(run)     # the last expression of the cell: the live view
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

import ipywidgets as w

from wxnb.notebook.notebook_session import NotMainThread

if TYPE_CHECKING:
    from wxnb.bulk import BulkRun, Progress

__all__ = ["BulkProgressView", "bulk_progress"]

_MIN_INTERVAL: Final = 0.1  # at most ten redraws a second
_FINAL: Final = ("finished", "cancelled", "stopped")


class BulkProgressBox(w.VBox):  # type: ignore[misc]
    """The displayed box; its plain-text form (viewers without widgets, a saved notebook) is the
    run's line, e.g. ``wxnb bulk: 12/300 done: 11 verified, 1 failed; running, ETA 1h12m``."""

    def __init__(self, children: list[Any], describe: Callable[[], str]) -> None:
        super().__init__(children)
        self._describe = describe

    def __repr__(self) -> str:
        return f"wxnb bulk: {self._describe()}"


class BulkProgressView:
    """The ipywidgets view of one run; ``.widget`` is what a notebook displays."""

    def __init__(self, run: BulkRun) -> None:
        if threading.current_thread() is not threading.main_thread():
            raise NotMainThread("make the progress view on the kernel's main thread (in a cell)")
        self.run = run
        self.label = w.HTML()
        self.bar = w.IntProgress(min=0, max=max(1, run.progress.total), description="", bar_style="info")
        self.pause = w.Button(description="Pause", icon="pause")
        self.resume = w.Button(description="Resume", icon="play")
        self.cancel = w.Button(description="Cancel", icon="stop", button_style="warning")
        self.pause.on_click(lambda _: run.pause())
        self.resume.on_click(lambda _: run.resume())
        self.cancel.on_click(lambda _: run.cancel())
        buttons = w.HBox([self.pause, self.resume, self.cancel])
        self.widget = BulkProgressBox([self.label, self.bar, buttons], run.progress.describe)
        self._lock = threading.Lock()
        self._last = 0.0
        self._pending: Progress | None = None
        self._timer: threading.Timer | None = None
        self.draw(run.progress)
        self.unsubscribe = run.on_progress(self._changed)

    def draw(self, progress: Progress) -> None:
        """Show ``progress`` (several traits: one message to the front end)."""
        with self.widget.hold_sync():
            self.bar.value = progress.done
            self.bar.bar_style = {"finished": "success", "stopped": "danger"}.get(progress.state, "info")
            self.label.value = f"<span class='wxnb-bulk-progress'>{html.escape(progress.describe())}</span>"
            final = progress.state in _FINAL
            self.pause.disabled = final or progress.state != "running"
            self.resume.disabled = final or progress.state != "paused"
            self.cancel.disabled = final or progress.state == "cancelling"

    def _changed(self, progress: Progress) -> None:  # the run's thread
        now = time.monotonic()
        with self._lock:
            if progress.state not in _FINAL and now - self._last < _MIN_INTERVAL:
                self._pending = progress  # drawn by the trailing timer: the last state always shows
                if self._timer is None:
                    self._timer = threading.Timer(_MIN_INTERVAL - (now - self._last), self._flush)
                    self._timer.daemon = True
                    self._timer.start()
                return
            self._last, self._pending = now, None
        self.draw(progress)

    def _flush(self) -> None:
        with self._lock:
            progress, self._pending, self._timer = self._pending, None, None
            self._last = time.monotonic()
        if progress is not None:
            self.draw(progress)


def bulk_progress(run: BulkRun) -> Any:
    """The live progress widget of ``run`` (an ipywidgets VBox: the last expression of a cell shows it).

    Example: ``wxnb.notebook.bulk_progress(plan.apply())``
    """
    return BulkProgressView(run).widget
